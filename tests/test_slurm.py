"""Execution profiles: rule names they refer to exist; the real-SLURM end-to-end check (opt-in).

The SLURM test (.ci/slurm-test.sh) installs and starts a one-node SLURM cluster (root, Debian),
runs config/tiny.yaml through profiles/slurm-ci and locally, and requires byte-identical
science tables. It takes minutes, so it runs only with LOWROT_SLURM_TEST=1.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
PROFILES = ROOT / "profiles"
# Profile keys whose entries are keyed by rule name.
RULE_KEYS = ("set-resources", "set-threads", "groups")


def _profile_rule_names() -> dict[str, set[str]]:
    names = {}
    for cfg in sorted(PROFILES.glob("*/config.yaml")):
        data = yaml.safe_load(cfg.read_text()) or {}
        rules = set()
        for key in RULE_KEYS:
            rules.update((data.get(key) or {}).keys())
        names[cfg.parent.name] = rules
    return names


def _workflow_rules() -> set[str]:
    """Rule names declared in the Snakefile and workflow/rules/*.smk (read, not executed)."""
    files = [ROOT / "Snakefile", *sorted((ROOT / "workflow" / "rules").glob("*.smk"))]
    pattern = re.compile(r"^(?:rule|checkpoint)\s+(\w+)\s*:", re.MULTILINE)
    return {name for f in files for name in pattern.findall(f.read_text())}


def test_profiles_name_existing_rules():
    """Snakemake silently ignores set-resources/groups for unknown rules: a renamed rule would
    quietly lose its GPU request or grouping. Every rule a profile names must exist."""
    profiles = _profile_rule_names()
    assert {"default", "gpu", "slurm", "slurm-ci"} <= set(profiles)
    rules = _workflow_rules()
    stale = {p: sorted(r - rules) for p, r in profiles.items() if r - rules}
    assert not stale, f"profiles name rules the workflow does not have: {stale}; rules: {sorted(rules)}"


@pytest.mark.slow
@pytest.mark.skipif(
    os.environ.get("LOWROT_SLURM_TEST") != "1",
    reason="real-SLURM test is opt-in: set LOWROT_SLURM_TEST=1 (root on Debian; starts a local cluster, minutes)",
)
def test_slurm_run_matches_local_run():
    proc = subprocess.run(
        ["bash", str(ROOT / ".ci" / "slurm-test.sh")],
        cwd=ROOT, capture_output=True, text=True, timeout=1800,
    )
    out = proc.stdout + proc.stderr
    last = [line for line in out.splitlines() if line.startswith(("PASS", "FAIL", "SKIP"))]
    if last and last[-1].startswith("SKIP"):
        pytest.skip(last[-1])
    assert proc.returncode == 0 and last and last[-1].startswith("PASS"), out[-6000:]
