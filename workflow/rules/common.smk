# Helpers shared by all rule files (config validation, grids, output paths).
import sys
from pathlib import Path

from lowrot.config import validate_config
from lowrot.errors import ConfigError
from lowrot.sweep import dataset_instances, num_parts

try:
    config = validate_config(
        config, workflow.source_path("../schemas/config.schema.yaml")
    )
except ConfigError as exc:
    sys.exit(f"lowrot: {exc}")

RESULTS = config["results_dir"]
FIGURES = config["figures_dir"]
TRAJECTORIES = f"{RESULTS}/tables/trajectories.csv"
INSTANCES = {name: dataset_instances(spec) for name, spec in config["datasets"].items()}


def instance_spec(wildcards):
    """The config subtree of one dataset instance (all the data job needs)."""
    return INSTANCES[wildcards.dataset][wildcards.instance]


def gf_parts():
    g, t = config["gf"], config["train"]
    return range(num_parts(config["seeds"], g["sample_sizes"], t["networks_per_batch"]))


def gf_tables():
    g = config["gf"]
    return expand(
        f"{RESULTS}/train/gf/{g['dataset']}/{{instance}}/m{{m}}/part{{part}}.csv",
        instance=INSTANCES[g["dataset"]],
        m=g["widths"],
        part=gf_parts(),
    )


def scatter_weights():
    """Weights of the widest network on the smallest dimension, first part (seed 0, largest n is in it)."""
    g = config["gf"]
    inst = next(iter(INSTANCES[g["dataset"]]))
    return f"{RESULTS}/train/gf/{g['dataset']}/{inst}/m{max(g['widths'])}/part0.weights.npz"


def figure_paths(name):
    return expand(f"{FIGURES}/{name}.{{ext}}", ext=config["figures"]["formats"])


def all_figures():
    names = [
        "test_error_vs_n",
        "margin_vs_time",
        "motion_vs_time",
        "feature_selection",
        "neurons_scatter",
    ]
    return [p for n in names for p in figure_paths(n)]
