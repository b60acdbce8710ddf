# Helpers shared by all rule files (config validation, grids, output paths).
import sys

from lowrot.config import sweep_train, validate_config
from lowrot.errors import ConfigError
from lowrot.catalog import FIGURE_TABLES, OPTIONAL_TABLES
from lowrot.sweep import dataset_instances, num_parts

try:
    config = validate_config(config, workflow.source_path("../schemas/config.schema.yaml"))
except ConfigError as exc:
    sys.exit(f"lowrot: {exc}")

RESULTS = config["results_dir"]
FIGURES = config["figures_dir"]
TRAJECTORIES = f"{RESULTS}/tables/trajectories.csv"
REGIME_TABLES = ["final_networks", "n_star_seeds", "sample_complexity", "exponents", "width_stats", "width_fits", "runs"]
PARITY_DIMS = config["margins"]["parity_dims"]
INSTANCES = {name: dataset_instances(spec) for name, spec in config["datasets"].items()}
TRAIN_GPUS = 1 if config["device"] == "cuda" else 0  # GPU profiles limit concurrent gpu=1 jobs
TRAIN_JOB = "{sweep}/{dataset}/{instance}/m{m}/part{part}"
TRAIN_TABLE = f"{RESULTS}/train/{TRAIN_JOB}.csv"
TRAIN_WEIGHTS = f"{RESULTS}/train/{TRAIN_JOB}.weights.npz"


def instance_spec(wildcards):
    """The config subtree of one dataset instance (all the data job needs)."""
    return INSTANCES[wildcards.dataset][wildcards.instance]


def train_params(wildcards):
    """The merged train settings (with the learner) of the job's sweep."""
    return sweep_train(config, wildcards.sweep)


def sweep_sample_sizes(wildcards):
    return config["sweeps"][wildcards.sweep]["sample_sizes"]


def sweep_parts(sweep):
    sw = config["sweeps"][sweep]
    per = sweep_train(config, sweep)["networks_per_batch"]
    return range(num_parts(config["seeds"], sw["sample_sizes"], per))


def sweep_tables(sweep, pattern=TRAIN_TABLE):
    sw = config["sweeps"][sweep]
    inst = dataset_instances(config["datasets"][sw["dataset"]], sw.get("dims"))
    return expand(
        pattern,
        sweep=sweep,
        dataset=sw["dataset"],
        instance=inst,
        m=sw["widths"],
        part=sweep_parts(sweep),
    )


def all_train_tables():
    return [p for s in config["sweeps"] for p in sweep_tables(s)]


def table_path(name):
    return f"{RESULTS}/tables/{name}.csv"


def figure_inputs(wildcards):
    """The aggregated tables one figure reads, by name (see lowrot.plots.FIGURES); an optional table
    (lowrot.catalog.OPTIONAL_TABLES) only when this workflow produces it."""
    produced = set(all_tables())
    return {
        name: table_path(name)
        for name in FIGURE_TABLES[wildcards.figure]
        if name not in OPTIONAL_TABLES or table_path(name) in produced
    }


def figure_config(wildcards=None):
    """The config subtrees a figure may use: titles (datasets, sweeps, seeds, milestones of train),
    epsilons (analysis) and the sweep it shows (figures)."""
    return {k: config[k] for k in ("figures", "analysis", "seeds", "datasets", "sweeps", "train")}


def width_sweep():
    """The sweep with the most widths (the width study), or None when every sweep has fewer than 3."""
    best = max(config["sweeps"], key=lambda s: len(config["sweeps"][s]["widths"]))
    return best if len(config["sweeps"][best]["widths"]) >= 3 else None


def first_part_weights(sweep, widths):
    """Final-weight files of part 0 (it holds seed 0) of a sweep's first dataset instance."""
    sw = config["sweeps"][sweep]
    inst = next(iter(dataset_instances(config["datasets"][sw["dataset"]], sw.get("dims"))))
    return expand(TRAIN_WEIGHTS, sweep=sweep, dataset=sw["dataset"], instance=inst, m=widths, part=0)


def scatter_weights():
    """The training sweep's widest network on its first (smallest) dimension."""
    name = config["figures"]["training_sweep"]
    return first_part_weights(name, [max(config["sweeps"][name]["widths"])])[0]


def rotation_weights():
    """The width sweep's final weights at every width (none without a width sweep)."""
    name = width_sweep()
    return [] if name is None else first_part_weights(name, config["sweeps"][name]["widths"])


def uses_kind(kind):
    return any(config["datasets"][sw["dataset"]]["kind"] == kind for sw in config["sweeps"].values())


def sweep_dims(name):
    """The dimensions a sweep trains on (its dims, else all dims of its dataset)."""
    sw = config["sweeps"][name]
    return sw.get("dims") or config["datasets"][sw["dataset"]].get("dims", [])


def active_figures():
    """Names of the figures this config can draw (a figure whose data the config does not produce is left out)."""
    names = ["test_error_vs_n", "margin_vs_time", "motion_vs_time", "feature_selection", "neurons_scatter", "error_collapse", "n_star_vs_d"]
    training = config["figures"]["training_sweep"]
    if config["sweeps"][training]["learner"] == "gf" and len(sweep_dims(training)) >= 2:
        names.append("gf_margin_vs_d")
    if width_sweep() is not None:
        names += ["motion_vs_width", "rotation_vs_width", "rotation_histograms"]
    if uses_kind("nc"):
        names.append("nc_sample_complexity")
    names += ["margins_vs_d", "frozen_margin_vs_width"]
    if any(sw["dataset"] in config["margins"]["datasets"] and len(sw["sample_sizes"]) >= 2 for sw in config["sweeps"].values()):
        names.append("n_star_vs_inverse_margin_sq")
    if any(sw["learner"] == "norot" for sw in config["sweeps"].values()):
        names.append("norot_margin_convergence")
    return names


def figure_paths(name):
    return expand(f"{FIGURES}/{name}.{{ext}}", ext=config["figures"]["formats"])


def all_figures():
    return [p for n in active_figures() for p in figure_paths(n)]


def all_tables():
    names = ["trajectories", "margins_population", "margins_training", "margins_frozen", "margins_parity", "margin_exponents"] + REGIME_TABLES
    return [table_path(n) for n in names]


PARITY_MARGIN_KEYS = ["parity_ntk_directions", "general_max_dim", "global_tol", "global_max_rounds", "global_max_points", "seed"]


def parity_margin_settings():
    """The margin keys the parity population job reads (and nothing else, so other keys do not rerun it)."""
    return {k: config["margins"][k] for k in PARITY_MARGIN_KEYS}


def margin_tables(wildcards):
    """Per-instance margin tables of one kind for every dataset of margins.datasets (parity: per d)."""
    if wildcards.kind == "parity":
        return expand(f"{RESULTS}/margins/parity/d{{d}}.csv", d=PARITY_DIMS)
    return [
        f"{RESULTS}/margins/{wildcards.kind}/{name}/{inst}.csv"
        for name in config["margins"]["datasets"]
        for inst in INSTANCES[name]
    ]


CLAIM_TABLES = ["trajectories", "margins_population", "margins_training", "margins_frozen", "margins_parity"] + REGIME_TABLES


def claims_inputs(wildcards):
    return {name: table_path(name) for name in CLAIM_TABLES}
