"""Two runs of one config give byte-identical science tables (every results/tables/*.csv and the
claims table); a run killed while training resumes to the same tables, restarting from scratch a job
that finds a truncated resume file (and says so in its log)."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]

# one dataset instance, one width, two seeds: two training jobs long enough to be killed mid-run
CONFIG = {
    "seeds": [0, 1],
    "datasets": {"parity": {"kind": "parity", "dims": [6], "pool_size": 64}},
    "sweeps": {"gf": {"learner": "gf", "dataset": "parity", "widths": [32], "sample_sizes": [32, 64]}},
    "train": {"step_size": 0.5, "max_time": 1500.0, "max_steps": 3000, "checkpoints": 40, "loss_normalized": False},
    "margins": {"sample_sizes": [32, 64], "frozen_widths": [4, 8], "parity_dims": [4, 6], "parity_ntk_directions": 200,
                "ntk_directions": 500, "training_max_n": 32, "general_max_dim": 4},
    "figures": {"formats": ["png"]},
}
JOB = "gf/parity/d6/m32/seed{}"


def _cmd(workdir, *extra):
    # every science table and the claims table (figures are drawn from these and add nothing to compare)
    return [sys.executable, "-m", "snakemake", "-s", str(ROOT / "Snakefile"), "--directory", str(workdir),
            "--configfile", str(workdir / "c.yaml"), "--cores", "2", "figures/claims.csv", "results/tables/margin_exponents.csv", *extra]


def _run(workdir, *extra) -> dict[str, bytes]:
    res = subprocess.run(_cmd(workdir, *extra), capture_output=True, text=True)
    assert res.returncode == 0, res.stderr[-3000:]
    files = sorted((workdir / "results" / "tables").glob("*.csv")) + [workdir / "figures" / "claims.csv"]
    return {f.name: f.read_bytes() for f in files}


def _workdir(tmp_path, name):
    d = tmp_path / name
    d.mkdir()
    (d / "c.yaml").write_text(yaml.safe_dump(CONFIG))
    return d


def _wait_for(folder: Path, proc, timeout=300):
    """Wait until a complete resume state appears in ``folder`` (written atomically: a .pt.chunk0 file is whole)."""
    deadline = time.time() + timeout
    while time.time() < deadline and not list(folder.glob("seed*.pt.chunk0")):
        assert proc.poll() is None, "the run ended before a resume state appeared"
        time.sleep(0.01)
    assert list(folder.glob("seed*.pt.chunk0")), "no training job saved a resume state"


@pytest.mark.slow
def test_two_runs_identical_and_kill_resume_with_a_corrupt_resume_file(tmp_path):
    a = _run(_workdir(tmp_path, "a"))
    assert len(a) == 16 and all(a.values())  # trajectories, 4 margin tables, margin exponents, 9 regime tables, claims
    b = _run(_workdir(tmp_path, "b"))
    assert a.keys() == b.keys()
    assert [n for n in a if a[n] != b[n]] == [], "two runs of the same config gave different tables"

    c = _workdir(tmp_path, "c")
    proc = subprocess.Popen(_cmd(c, "--cores", "1"), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    resume = c / "results" / "resume" / "gf" / "parity" / "d6" / "m32"
    _wait_for(resume, proc)  # a training job has saved its first resume state: kill now
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not (c / "results" / "tables" / "trajectories.csv").exists()
    (killed,) = resume.glob("seed*.pt.chunk0")
    k = int(killed.name[4])
    other = resume / f"seed{1 - k}.pt.chunk0"
    for out in c.glob(f"results/train/{JOB.format(1 - k)}.*"):  # if the other seed's job finished, run it again
        out.unlink()
    other.write_bytes(killed.read_bytes()[: killed.stat().st_size // 2])  # a truncated resume file in its way
    unlock = subprocess.run(_cmd(c, "--unlock"), capture_output=True, text=True)  # a killed snakemake leaves its lock
    assert unlock.returncode == 0, unlock.stderr[-2000:]
    resumed = _run(c, "--rerun-incomplete")
    log = {s: (c / "results" / "logs" / "train" / f"{JOB.format(s)}.log").read_text() for s in (0, 1)}
    assert "resumed from" in log[k]
    assert "corrupt" in log[1 - k] and "starting from scratch" in log[1 - k] and "resumed from" not in log[1 - k]
    assert [n for n in a if resumed.get(n) != a[n]] == [], "the resumed run's tables differ from an uninterrupted run's"
    assert not list(resume.glob("*.pt*")), "the resume states should be removed once the jobs' outputs are written"
