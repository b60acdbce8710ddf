"""From the validated config to the job grid: what the Snakefile plans, as pure functions of the config.

No torch, no matplotlib: the Snakefile imports this module at every parse. Config keys keep their
config names all the way to the jobs (an NC instance's spec holds ``groups``: its own k, and
``radius``), and every job's params are exactly the config keys it reads:

- dataset job: the instance spec and ``master_seed`` (the seed is a wildcard: one file per seed);
- training job: :func:`train_settings` of its sweep and the sweep's ``sample_sizes``;
- margin jobs: ``MARGIN_KEYS[kind]`` of ``margins`` (a test reads the keys each job really reads);
- figure jobs: the keys of their registry entry (lowrot.pipeline.figures).

The ``execution`` section (device, chunk_rows, networks_per_batch) is in no job's params: the
training job reads it from the config at run time, so changing it reruns nothing.
"""

from __future__ import annotations

# Exactly the ``margins`` keys each margin job reads (lowrot.margin_jobs); tests/test_pipeline.py
# checks these against the keys the functions look up.
MARGIN_KEYS = {
    "population": ["population_points", "ntk_directions", "ntk_tol", "kernel_max_points", "kernel_tol", "global_max_points", "global_tol", "global_max_rounds", "seed"],
    "training": ["sample_sizes", "kernel_tol", "training_max_n", "ntk_directions_training", "ntk_tol", "global_tol", "global_max_rounds", "seed"],
    "frozen": ["global_max_points", "frozen_widths"],
    "parity": ["parity_ntk_directions", "general_max_dim", "global_tol", "global_max_rounds", "global_max_points", "seed"],
}

def margin_settings(cfg: dict, kind: str) -> dict:
    """The ``margins`` keys one kind of margin job reads (and nothing else, so other keys do not rerun it)."""
    return {k: cfg["margins"][k] for k in MARGIN_KEYS[kind]}


def dataset_instances(spec: dict, dims=None) -> dict[str, dict]:
    """{instance name: instance spec} for one dataset family (parity: one per d ``d{d}``; nc: one per
    (groups, d) ``k{groups}_d{d}``; npz: one, ``data``).

    The instance spec is the family's spec with ``dims`` replaced by the instance's ``d`` and, for NC,
    ``groups`` by the instance's number of groups. ``dims`` restricts the family (a sweep's ``dims``).
    """
    base = {k: v for k, v in spec.items() if k not in ("dims", "groups")}
    keep = spec.get("dims", []) if dims is None else [d for d in spec.get("dims", []) if d in dims]
    if spec["kind"] == "parity":
        return {f"d{d}": {**base, "d": d} for d in keep}
    if spec["kind"] == "nc":
        return {f"k{k}_d{d}": {**base, "d": d, "groups": k} for k in spec["groups"] for d in keep}
    return {"data": dict(base)}


def sweep_instances(cfg: dict, sweep: str) -> list[str]:
    """The dataset instances a sweep trains on (its ``dims``, else every dim of its dataset)."""
    sw = cfg["sweeps"][sweep]
    return list(dataset_instances(cfg["datasets"][sw["dataset"]], sw.get("dims")))


def sweep_dims(cfg: dict, sweep: str) -> list[int]:
    """The dimensions a sweep trains on (its dims, else all dims of its dataset)."""
    sw = cfg["sweeps"][sweep]
    return sw.get("dims") or cfg["datasets"][sw["dataset"]].get("dims", [])


def train_settings(cfg: dict, sweep: str) -> dict:
    """What a training job of ``sweep`` computes with: the top-level ``train`` keys with the sweep's
    overrides, and the sweep's learner."""
    return {**cfg["train"], **cfg["sweeps"][sweep]["train"], "learner": cfg["sweeps"][sweep]["learner"]}


def search_settings(cfg: dict, sweep: str) -> dict:
    """A search sweep's search keys with the default stop_error (lowrot.pipeline.search)."""
    from .search import search_settings as fill

    return fill(cfg["sweeps"][sweep]["search"], cfg["analysis"]["epsilons"])


def width_sweep(cfg: dict) -> str | None:
    """The sweep with the most widths (the width study), or None when every sweep has fewer than 3."""
    best = max(cfg["sweeps"], key=lambda s: len(cfg["sweeps"][s]["widths"]))
    return best if len(cfg["sweeps"][best]["widths"]) >= 3 else None


def uses_kind(cfg: dict, kind: str) -> bool:
    """Whether some sweep trains on a dataset of this kind."""
    return any(cfg["datasets"][sw["dataset"]]["kind"] == kind for sw in cfg["sweeps"].values())


def npz_source(spec: dict) -> list[str]:
    """The user's file an instance is read from (a declared input of its dataset job), if any."""
    return [spec["path"]] if spec["kind"] == "npz" else []
