"""What a config change reruns: dry runs (snakemake -n) against the outputs of one real small run.

- changing only margins.frozen_widths reruns the frozen-margin jobs and what reads them;
- changing execution.networks_per_batch or execution.chunk_rows reruns nothing;
- adding one seed runs that seed's jobs and the aggregates, and no job of the other seeds;
- a figure setting reruns only figures; after ``--touch`` nothing (no training) is planned;
- editing a user's .npz file reruns its dataset and what depends on it, nothing else.
"""

from __future__ import annotations

import copy
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

from lowrot.pipeline.figures import FIGURES

ROOT = Path(__file__).resolve().parents[1]

CONFIG = {
    "seeds": [0, 1],
    "datasets": {
        "parity": {"kind": "parity", "dims": [4], "pool_size": 16},
        "ext": {"kind": "npz", "path": "ext.npz"},
    },
    "sweeps": {
        "gf": {"learner": "gf", "dataset": "parity", "widths": [4], "sample_sizes": [8, 16]},
        "ext": {"learner": "gf", "dataset": "ext", "widths": [4], "sample_sizes": [8]},
        "gfs": {"learner": "gf", "dataset": "parity", "widths": [4], "search": {"start": 4, "max_n": 16}},
    },
    "train": {"max_steps": 20, "checkpoints": 3, "max_time": 100.0},
    "margins": {"datasets": ["parity"], "sample_sizes": [8, 16], "frozen_widths": [2, 4], "parity_dims": [4], "parity_ntk_directions": 100,
                "ntk_directions": 200, "ntk_directions_training": 50, "training_max_n": 8, "general_max_dim": 4},
    "figures": {"formats": ["png"], "training_sweep": "gf"},
}
PER_JOB_RULES = {"dataset", "train", "training_margins", "frozen_margins", "population_margins", "parity_margins"}


def smk(workdir, config: dict, *args, check=True):
    path = workdir / f"c{abs(hash(yaml.safe_dump(config)))}.yaml"
    path.write_text(yaml.safe_dump(config))
    cmd = [sys.executable, "-m", "snakemake", "-s", str(ROOT / "Snakefile"), "--directory", str(workdir), "--configfile", str(path), *args]
    res = subprocess.run(cmd, cwd=workdir, capture_output=True, text=True, env={**os.environ, "MPLBACKEND": "Agg"})
    if check and res.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} failed:\n{res.stdout[-3000:]}\n{res.stderr[-3000:]}")
    return res.stdout + res.stderr


def planned(workdir, config: dict) -> list[tuple[str, str]]:
    """(rule, first output) of every job a dry run would run."""
    out = smk(workdir, config, "-n")
    jobs = []
    for line in out.splitlines():  # jobs of a group (the figures) are printed indented
        rule = re.match(r"\s*(?:local)?rule (\S+):$", line)
        output = re.match(r"\s+output: ([^,]+)", line)
        if rule:
            jobs.append([rule.group(1), ""])
        elif output and jobs and not jobs[-1][1]:
            jobs[-1][1] = output.group(1)
    jobs = [tuple(j) for j in jobs]
    return [j for j in jobs if j[0] != "all"]


def readers(table: str) -> set[str]:
    return {f"figure_{n}" for n, f in FIGURES.items() if table in f.tables}


@pytest.fixture(scope="module")
def done(tmp_path_factory):
    """A workdir where the small config has run to the end."""
    workdir = tmp_path_factory.mktemp("dag")
    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 3)) / 2
    np.savez(workdir / "ext.npz", X=X / np.maximum(1, np.linalg.norm(X, axis=1, keepdims=True)), y=np.where(X[:, 0] > 0, 1.0, -1.0))
    smk(workdir, CONFIG, "--cores", "2", "-q")
    assert "Nothing to be done" in smk(workdir, CONFIG, "-n")
    return workdir


@pytest.mark.slow
def test_frozen_widths_rerun_only_frozen_margins_and_their_readers(done):
    cfg = copy.deepcopy(CONFIG)
    cfg["margins"]["frozen_widths"] = [2, 4, 8]
    jobs = planned(done, cfg)
    rules = {r for r, _ in jobs}
    assert rules == {"frozen_margins", "margin_table", "claims"} | readers("margins_frozen")
    assert sorted(o for r, o in jobs if r == "frozen_margins") == [f"results/margins/frozen/parity/d4/seed{s}.csv" for s in (0, 1)]
    assert [o for r, o in jobs if r == "margin_table"] == ["results/tables/margins_frozen.csv"]


@pytest.mark.slow
@pytest.mark.parametrize("key,value", [("networks_per_batch", 1), ("chunk_rows", 3)])
def test_execution_keys_rerun_nothing(done, key, value):
    cfg = copy.deepcopy(CONFIG)
    cfg["execution"] = {key: value}
    assert planned(done, cfg) == []


@pytest.mark.slow
def test_a_new_seed_runs_only_its_jobs_and_the_aggregates(done):
    cfg = copy.deepcopy(CONFIG)
    cfg["seeds"] = [0, 1, 2]
    jobs = planned(done, cfg)
    per_job = [(r, o) for r, o in jobs if r in PER_JOB_RULES]
    assert {r for r, _ in per_job} == {"dataset", "train", "training_margins", "frozen_margins"}
    assert all("/seed2." in o for _, o in per_job), per_job
    # one new dataset file per instance, one training job per sweep x instance x width, one margin job per kind
    assert sorted(o for r, o in per_job if r == "dataset") == ["results/data/ext/data/seed2.npz", "results/data/parity/d4/seed2.npz"]
    assert len([o for r, o in per_job if r == "train"]) == 2
    aggregates = {r for r, _ in jobs} - PER_JOB_RULES
    assert {"trajectories", "margin_table", "regime_tables", "claims"} <= aggregates
    assert "margin_summary" not in aggregates and "figure_neurons_scatter" not in aggregates  # parity margins, seed-0 weights
    assert sorted(o for r, o in jobs if r == "margin_table") == ["results/tables/margins_frozen.csv", "results/tables/margins_training.csv"]


@pytest.mark.slow
def test_a_figure_setting_reruns_only_figures(done):
    cfg = copy.deepcopy(CONFIG)
    cfg["figures"]["dpi"] = 99
    rules = {r for r, _ in planned(done, cfg)}
    assert rules and all(r.startswith("figure_") for r in rules), rules


@pytest.mark.slow
def test_touch_then_rerun_plans_no_training(done):
    smk(done, CONFIG, "--touch", "--cores", "1", "-q")
    assert planned(done, CONFIG) == []


@pytest.mark.slow
def test_editing_a_users_npz_reruns_its_dataset_and_dependents(done):
    # Snakemake compares checksums of small inputs, so a mere touch is not an edit: change one label
    path = done / "ext.npz"
    original = path.read_bytes()
    with np.load(path) as f:
        X, y = f["X"], f["y"].copy()
    y[0] = -y[0]
    np.savez(path, X=X, y=y)
    try:
        jobs = planned(done, CONFIG)
    finally:
        path.write_bytes(original)
    per_job = [(r, o) for r, o in jobs if r in PER_JOB_RULES]
    assert sorted(o for r, o in per_job if r == "dataset") == [f"results/data/ext/data/seed{s}.npz" for s in (0, 1)]
    assert sorted(o for r, o in per_job if r == "train") == [f"results/train/ext/ext/data/m4/seed{s}.csv" for s in (0, 1)]
    assert {r for r, _ in per_job} == {"dataset", "train"}  # ext has no margin jobs (margins.datasets: parity)
    assert {"trajectories", "regime_tables", "claims"} <= {r for r, _ in jobs}
    assert not {"margin_table", "margin_summary"} & {r for r, _ in jobs}
