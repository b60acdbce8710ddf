# Helpers shared by all the workflow files (config validation, the job grid from lowrot.pipeline.grid,
# the input functions). Paths are written once, in the outputs; everything else refers to them
# through rules.<name>.output.
import sys

from lowrot.config import validate_config
from lowrot.errors import ConfigError
from lowrot.pipeline import grid
from lowrot.pipeline.figures import (
    FIGURES as FIGURE_REGISTRY,
    active_figures,
    figure_config,
)

try:
    config = validate_config(config)
except ConfigError as exc:
    sys.exit(f"lowrot: {exc}")

RESULTS = config["results_dir"]
FIGURES_DIR = config["figures_dir"]
SEEDS = config["seeds"]
REGIME_TABLES = [
    "final_networks",
    "n_star_seeds",
    "sample_complexity",
    "exponents",
    "width_stats",
    "width_fits",
    "runs",
    "n_star_horizons",
    "search_cost",
]
MARGIN_KINDS = ["population", "training", "frozen", "parity"]
INSTANCES = {
    name: grid.dataset_instances(spec) for name, spec in config["datasets"].items()
}
# GPU profiles limit concurrent gpu=1 jobs
TRAIN_GPUS = 1 if config["execution"]["device"] == "cuda" else 0
TRAIN_JOB = "{sweep}/{dataset}/{instance}/m{m}/seed{seed}"
SEARCH_JOB = "{sweep}/{dataset}/{instance}/m{m}"


def instance_spec(wildcards):
    """The config subtree of one dataset instance (all the data job needs)."""
    return INSTANCES[wildcards.dataset][wildcards.instance]


def npz_input(wildcards):
    """A user's .npz file is an input of its dataset job (editing it reruns what depends on it)."""
    return grid.npz_source(instance_spec(wildcards))


def train_params(wildcards):
    """The train settings (with the learner) of the job's sweep."""
    return grid.train_settings(config, wildcards.sweep)


def sweep_sample_sizes(wildcards):
    return config["sweeps"][wildcards.sweep]["sample_sizes"]


def search_params(wildcards):
    """The search keys of a search sweep, stop_error filled in (lowrot.pipeline.search)."""
    return grid.search_settings(config, wildcards.sweep)


def first_seed_data(wildcards):
    """The first seed's dataset file of an instance: its test set is the instance's population."""
    return expand(
        rules.dataset.output.data,
        dataset=wildcards.dataset,
        instance=wildcards.instance,
        seed=SEEDS[0],
    )[0]


def sweep_outputs(sweep, output, widths=None, seeds=SEEDS, instances=None):
    """One output (table or weights of rule train) of every training job of a sweep (optionally some
    widths, seeds or instances). A search sweep has one job per (instance, width) for all seeds: its
    train_refine outputs stand in for the per-seed files."""
    sw = config["sweeps"][sweep]
    if "search" in sw:
        name = "table" if output == rules.train.output.table else "weights"
        return expand(
            getattr(rules.train_refine.output, name),
            sweep=sweep,
            dataset=sw["dataset"],
            instance=instances or grid.sweep_instances(config, sweep),
            m=widths or sw["widths"],
        )
    return expand(
        output,
        sweep=sweep,
        dataset=sw["dataset"],
        instance=instances or grid.sweep_instances(config, sweep),
        m=widths or sw["widths"],
        seed=seeds,
    )


def all_train_tables():
    return [
        p for s in config["sweeps"] for p in sweep_outputs(s, rules.train.output.table)
    ]


def margin_tables(wildcards):
    """Per-job margin tables of one kind: per instance (population), per instance and seed (training,
    frozen) for every dataset of margins.datasets, or per d of margins.parity_dims (parity).
    """
    kind = wildcards.kind
    if kind == "parity":
        return expand(
            rules.parity_margins.output.table, d=config["margins"]["parity_dims"]
        )
    output = getattr(rules, f"{kind}_margins").output.table
    return [
        path
        for name in config["margins"]["datasets"]
        for inst, spec in INSTANCES[name].items()
        if kind != "frozen" or spec.get("d", 0) <= config["margins"]["frozen_max_dim"]
        for path in expand(output, dataset=name, instance=inst, seed=SEEDS)
    ]


def table(name):
    """The path of one aggregated table, by its name (results/tables/<name>.csv)."""
    if name == "trajectories":
        return rules.trajectories.output.table
    if name == "margin_exponents":
        return rules.margin_summary.output.exponents
    if name in REGIME_TABLES:
        return getattr(rules.regime_tables.output, name)
    return expand(rules.margin_table.output.table, kind=name.removeprefix("margins_"))[
        0
    ]


ALL_TABLES = (
    ["trajectories"]
    + [f"margins_{k}" for k in MARGIN_KINDS]
    + ["margin_exponents"]
    + REGIME_TABLES
)
CLAIM_TABLES = ["trajectories"] + [f"margins_{k}" for k in MARGIN_KINDS] + REGIME_TABLES


def claims_inputs(wildcards):
    return {name: table(name) for name in CLAIM_TABLES}


def figure_inputs(name):
    """The inputs of one figure: its tables by name, or the final weights of the first instance and
    the first seed of the sweep its registry entry names."""
    entry = FIGURE_REGISTRY[name]
    if entry.weights is None:
        return {t: table(t) for t in entry.tables}
    sweep, widths = entry.weights(config)
    return {
        "weights": sweep_outputs(
            sweep,
            rules.train.output.weights,
            widths=widths,
            seeds=SEEDS[:1],
            instances=grid.sweep_instances(config, sweep)[:1],
        )
    }


def figure_paths(name):
    return expand(f"{FIGURES_DIR}/{name}.{{ext}}", ext=config["figures"]["formats"])


def all_figures():
    return [
        p
        for name in active_figures(config)
        for p in getattr(rules, f"figure_{name}").output.figures
    ]
