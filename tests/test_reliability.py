"""Interrupted runs resume to identical tables; two runs of one config give identical bytes."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]

# one dataset instance, one width: a single training job long enough to be killed mid-run
CONFIG = {
    "seeds": [0, 1],
    "datasets": {"parity": {"kind": "parity", "dims": [6], "pool_size": 64}},
    "sweeps": {"gf": {"learner": "gf", "dataset": "parity", "widths": [32], "sample_sizes": [32, 64]}},
    "train": {"step_size": 0.5, "max_time": 1500.0, "max_steps": 3000, "checkpoints": 40, "loss_normalized": False},
    "margins": {"sample_sizes": [32, 64]},
    "figures": {"formats": ["png"]},
}


def _cmd(workdir, *extra):
    return [sys.executable, "-m", "snakemake", "-s", str(ROOT / "Snakefile"), "--directory", str(workdir),
            "--configfile", str(workdir / "c.yaml"), "--cores", "1", "results/tables/trajectories.csv", *extra]


def _run(workdir, *extra):
    res = subprocess.run(_cmd(workdir, *extra), capture_output=True, text=True)
    assert res.returncode == 0, res.stderr[-3000:]
    return (workdir / "results" / "tables" / "trajectories.csv").read_bytes()


def _workdir(tmp_path, name):
    d = tmp_path / name
    d.mkdir()
    (d / "c.yaml").write_text(yaml.safe_dump(CONFIG))
    return d


@pytest.mark.slow
def test_two_runs_identical_and_sigkill_resume(tmp_path):
    a = _run(_workdir(tmp_path, "a"))
    b = _run(_workdir(tmp_path, "b"))
    assert a == b, "two runs of the same config gave different tables"

    c = _workdir(tmp_path, "c")
    proc = subprocess.Popen(_cmd(c), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    state = c / "results" / "resume" / "gf" / "parity" / "d6" / "m32" / "part0.pt"
    deadline = time.time() + 120
    while time.time() < deadline and not state.exists():
        time.sleep(0.05)
    assert state.exists(), "the training job never saved a resume state"
    time.sleep(0.5)  # let it pass a few more checkpoints
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not (c / "results" / "tables" / "trajectories.csv").exists()
    unlock = subprocess.run(_cmd(c, "--unlock"), capture_output=True, text=True)  # a killed snakemake leaves its lock
    assert unlock.returncode == 0, unlock.stderr[-2000:]
    resumed = _run(c, "--rerun-incomplete")
    log = (c / "results" / "logs" / "train" / "gf" / "parity" / "d6" / "m32" / "part0.log").read_text()
    assert "resumed from" in log
    assert resumed == a, "the resumed run's table differs from an uninterrupted run's"
    assert not state.exists(), "the resume state should be removed once the job's outputs are written"
