"""The stage layer: params are exactly the keys a job reads, planning imports neither torch nor
matplotlib, a failing job's traceback lands in its log, and table writes are all-or-nothing."""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lowrot import margin_jobs
from lowrot.config import validate_config
from lowrot.data import make_dataset
from lowrot.io import write_table
from lowrot.pipeline import grid
from lowrot.pipeline.figures import FIGURES, DeclaredConfig, active_figures, figure_config

ROOT = Path(__file__).resolve().parents[1]


class Recording(dict):
    """A dict that records which keys are read."""

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.read = set()

    def __getitem__(self, k):
        self.read.add(k)
        return super().__getitem__(k)

    def get(self, k, default=None):
        self.read.add(k)
        return super().get(k, default)


SMALL_MARGINS = {"ntk_directions": 50, "ntk_directions_training": 20, "sample_sizes": [8], "frozen_widths": [2], "training_max_n": 8,
                 "parity_ntk_directions": 50, "general_max_dim": 4, "global_max_points": 64}


@pytest.mark.parametrize("kind", ["population", "training", "frozen", "parity"])
def test_margin_params_are_exactly_the_keys_the_job_reads(kind):
    margins = validate_config({"margins": SMALL_MARGINS})["margins"]
    settings = Recording(grid.margin_settings({"margins": margins}, kind))
    if kind == "parity":
        margin_jobs.parity_population_margins(4, settings)
    else:  # both branches: the full cube of parity, and a sampled test set
        cube = make_dataset({"kind": "parity", "d": 4, "coords": [0, 1], "pool_size": 16, "test_points": 16, "full_cube_max_dim": 8}, [0])
        sampled = make_dataset({"kind": "nc", "d": 4, "groups": 2, "radius": 0.1, "pool_size": 16, "test_points": 16}, [0])
        for ds in (cube, sampled):
            margin_jobs.MARGIN_JOBS[kind](ds, settings)
    assert settings.read == set(grid.MARGIN_KEYS[kind])


def test_instances_keep_the_config_names():
    nc = grid.dataset_instances({"kind": "nc", "dims": [6, 8], "groups": [2, 4], "radius": 0.2}, dims=[8])
    assert nc == {"k2_d8": {"kind": "nc", "d": 8, "groups": 2, "radius": 0.2}, "k4_d8": {"kind": "nc", "d": 8, "groups": 4, "radius": 0.2}}
    ds = make_dataset({**nc["k4_d8"], "pool_size": 8, "test_points": 8}, [3])
    assert ds.centres.shape == (4, 8) and ds.support_basis is None


def test_planning_imports_neither_torch_nor_matplotlib():
    code = ("import sys; import lowrot.config, lowrot.pipeline.grid, lowrot.pipeline.figures; "
            "bad = [m for m in ('torch', 'matplotlib') if m in sys.modules]; print(bad); sys.exit(1 if bad else 0)")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert res.returncode == 0, res.stdout + res.stderr


def test_every_figure_gets_only_its_declared_keys():
    cfg = validate_config({})
    for name in active_figures(cfg):
        sub = figure_config(cfg, name)
        declared = {p.split(".")[0] for p in FIGURES[name].keys()}
        assert set(sub) == declared, name
    # a drawing function that reads an undeclared key fails, naming the figure and the key
    strict = DeclaredConfig(figure_config(cfg, "error_collapse"), "error_collapse")
    with pytest.raises(KeyError, match="error_collapse.*'seeds'"):
        strict.get("seeds")
    with pytest.raises(KeyError, match="'risk_milestone'"):
        DeclaredConfig({"train": {"step_size": 1.0}}, "x")["train"].get("risk_milestone")


def test_a_failing_job_writes_its_traceback_to_its_log(tmp_path):
    log = tmp_path / "job.log"
    spec = {"input": {"tables": [str(tmp_path / "missing.csv")]}, "output": {"table": str(tmp_path / "out.csv")}, "log": [str(log)]}
    (tmp_path / "job.json").write_text(json.dumps(spec))
    res = subprocess.run([sys.executable, str(ROOT / "scripts" / "concat_tables.py"), str(tmp_path / "job.json")], capture_output=True, text=True)
    assert res.returncode != 0
    text = log.read_text()
    assert "Traceback (most recent call last)" in text and "FileNotFoundError" in text and "missing.csv" in text
    assert not (tmp_path / "out.csv").exists()


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_a_failing_table_write_leaves_the_old_target_and_no_temporary_file(tmp_path, monkeypatch):
    target = tmp_path / "t.csv"
    write_table(pd.DataFrame({"x": [1.0]}), target)
    before = target.read_bytes()
    real = pd.DataFrame.to_csv

    def full_disk(self, path, *a, **kw):  # writes half the table, then the disk is full
        real(self.iloc[: len(self) // 2], path, *a, **kw)
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pd.DataFrame, "to_csv", full_disk)
    with pytest.raises(OSError, match="No space"):
        write_table(pd.DataFrame({"x": np.arange(100.0)}), target)
    assert target.read_bytes() == before
    assert _leftovers(tmp_path) == ["t.csv"]
    target.unlink()
    with pytest.raises(OSError):
        write_table(pd.DataFrame({"x": np.arange(100.0)}), target)
    assert _leftovers(tmp_path) == []


WRITER = """
import sys
import numpy as np, pandas as pd
from lowrot.io import write_table
write_table(pd.DataFrame(np.random.default_rng(0).random((3_000_000, 4))), sys.argv[1])
"""


def test_a_kill_during_a_table_write_leaves_no_target(tmp_path):
    target = tmp_path / "big.csv"
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(target)])
    deadline = time.time() + 120
    tmp = []
    while time.time() < deadline and not any(p.stat().st_size > 0 for p in tmp):  # the write has begun
        tmp = list(tmp_path.glob(".big.csv.*.tmp"))
        time.sleep(0.01)
    assert tmp, "the writer never started its temporary file"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not target.exists()  # Snakemake would see a missing output and rerun the job
    assert all(p.name.startswith(".big.csv.") and p.suffix == ".tmp" for p in tmp_path.iterdir())
