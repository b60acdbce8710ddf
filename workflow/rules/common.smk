# Helpers shared by all rule files (config validation, grids, output paths).
import sys

from lowrot.config import sweep_train, validate_config
from lowrot.errors import ConfigError
from lowrot.sweep import dataset_instances, num_parts

try:
    config = validate_config(config, workflow.source_path("../schemas/config.schema.yaml"))
except ConfigError as exc:
    sys.exit(f"lowrot: {exc}")

RESULTS = config["results_dir"]
FIGURES = config["figures_dir"]
TRAJECTORIES = f"{RESULTS}/tables/trajectories.csv"
INSTANCES = {name: dataset_instances(spec) for name, spec in config["datasets"].items()}
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


def scatter_weights():
    """Weights of the training sweep's widest network on its smallest dimension (part 0 holds seed 0)."""
    name = config["figures"]["training_sweep"]
    sw = config["sweeps"][name]
    first = sweep_tables(name, TRAIN_WEIGHTS)
    widest = [p for p in first if f"/m{max(sw['widths'])}/" in p]
    return widest[0]


def figure_paths(name):
    return expand(f"{FIGURES}/{name}.{{ext}}", ext=config["figures"]["formats"])


def all_figures():
    names = ["test_error_vs_n", "margin_vs_time", "motion_vs_time", "feature_selection", "neurons_scatter"]
    return [p for n in names for p in figure_paths(n)]
