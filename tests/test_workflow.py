"""The Snakemake workflow: lint, a bad config failing before any job, and a tiny end-to-end run."""

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from lowrot.claims import CLAIMS

ROOT = Path(__file__).resolve().parents[1]


def smk(*args, cwd, check=True):
    cmd = [sys.executable, "-m", "snakemake", "-s", str(ROOT / "Snakefile"), "--directory", str(cwd), *args]
    res = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, env={**os.environ, "MPLBACKEND": "Agg"})
    if check and res.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} failed:\n{res.stdout[-3000:]}\n{res.stderr[-3000:]}")
    return res


def test_lint_is_clean(tmp_path):
    res = smk("--lint", cwd=ROOT)
    assert "Congratulations" in res.stdout + res.stderr


def test_environment_yml_parses_and_installs_this_package():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert any(str(d).startswith("python") for d in env["dependencies"])
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert any("-e ." in p or p.startswith(".") for p in pip)


def test_bad_config_fails_before_any_job(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({"train": {"step_size": -1.0}}))
    res = smk("-n", "--configfile", str(ROOT / "config" / "tiny.yaml"), str(bad), cwd=tmp_path, check=False)
    out = res.stdout + res.stderr
    assert res.returncode != 0
    assert "train.step_size" in out and "exclusiveMinimum 0" in out
    assert not (tmp_path / "results").exists()


def test_paper_config_plans(tmp_path):
    res = smk("-n", "--configfile", str(ROOT / "config" / "paper.yaml"), cwd=ROOT)
    assert "train" in res.stdout


@pytest.mark.slow
def test_tiny_end_to_end_and_report(tmp_path):
    smk("--cores", "2", "--configfile", str(ROOT / "config" / "tiny.yaml"), "-q", cwd=tmp_path)
    traj = pd.read_csv(tmp_path / "results" / "tables" / "trajectories.csv")
    # every network of every sweep has exactly one final row
    fin = traj[traj.event == "final"]
    assert fin.groupby(["sweep", "dataset", "instance", "m", "seed", "n"]).size().eq(1).all()
    cfg = yaml.safe_load((ROOT / "config" / "tiny.yaml").read_text())
    expected = sum(len(sw["widths"]) * len(sw["sample_sizes"]) for sw in cfg["sweeps"].values() if sw["dataset"] == "parity") * 2 * 2
    assert len(fin[fin.sweep != "nc"]) == expected
    # the NC sweep searches its n grid: per (instance, seed) a prefix of 1, 2, 4, ... (stopping at the
    # first final test error <= eps/2 or at max_n) plus refinement midpoints, never above max_n
    nc = fin[fin.sweep == "nc"]
    assert nc.groupby(["instance", "seed"]).ngroups == 2 * 2
    for _, g in nc.groupby(["instance", "seed"]):
        coarse = g[g.stage == "coarse"].sort_values("n")
        assert list(coarse.n) == [2**i for i in range(len(coarse))] and coarse.n.max() <= 32
        assert (coarse.test_error.iloc[:-1] > 0.1).all()
    assert "search_cost" in {p.stem for p in (tmp_path / "results" / "tables").iterdir()}
    assert set(traj.learner) == {"gf", "sgd", "norot"}
    figures = tmp_path / "figures"
    for name in ["test_error_vs_n", "margin_vs_time", "motion_vs_time", "feature_selection", "neurons_scatter",
                 "error_collapse", "n_star_vs_d", "motion_vs_width", "rotation_histograms", "nc_sample_complexity",
                 "margins_vs_d", "frozen_margin_vs_width", "rotation_vs_width", "gf_margin_vs_d",
                 "norot_margin_convergence", "n_star_vs_inverse_margin_sq"]:
        assert (figures / f"{name}.png").stat().st_size > 10_000, name
    claims = pd.read_csv(figures / "claims.csv")
    # every specified claim has a row (milestone claims one per milestone), in specification order
    base = claims.id.str.split(" ").str[0]
    assert set(CLAIMS) - {"N1-d"} <= set(base)  # tiny's NC data have one d: no slope in d
    assert list(dict.fromkeys(base)) == [c for c in CLAIMS if c in set(base)]
    assert set(claims.verdict) <= {"consistent", "inconsistent", "inconclusive", "not testable at this scale", "shown", "sanity: pass"}
    # the general solver finds the exact global margin of 2-parity (d = 4, 6) inside tight certified brackets
    assert claims.set_index("id").loc["M2", "verdict"] == "consistent"
    smk("--report", str(tmp_path / "report.zip"), "--configfile", str(ROOT / "config" / "tiny.yaml"), cwd=tmp_path)
    assert (tmp_path / "report.zip").stat().st_size > 100_000
