"""The config schema: defaults, clear errors naming the key, and the shipped configs are valid."""

from pathlib import Path

import pytest
import yaml

from lowrot.config import validate_config
from lowrot.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("name", sorted(p.name for p in (ROOT / "config").glob("*.yaml")))
def test_shipped_configs_are_valid(name):
    cfg = validate_config(yaml.safe_load((ROOT / "config" / name).read_text()))
    assert cfg["train"]["step_size"] > 0


def test_defaults_are_filled():
    cfg = validate_config({})
    assert cfg["train"]["dtype"] == "float64"
    assert cfg["datasets"]["parity"]["coords"] == [0, 1]
    assert cfg["datasets"]["parity"]["full_cube_max_dim"] == 16


@pytest.mark.parametrize(
    "bad, key, allowed",
    [
        ({"train": {"stepsize": 1}}, "'train'", "allowed keys"),
        ({"train": {"step_size": 0}}, "'train.step_size'", "exclusiveMinimum 0"),
        ({"train": {"dtype": "float16"}}, "'train.dtype'", "allowed: float32, float64"),
        ({"seeds": [0, 0]}, "'seeds'", "uniqueItems"),
        ({"execution": {"device": "tpu"}}, "'execution.device'", "allowed: cpu, cuda"),
        ({"sweeps": {"gf": {"learner": "gf", "dataset": "parity", "widths": ["64"], "sample_sizes": [4]}}}, "'sweeps.gf.widths.0'", "allowed type: integer"),
        ({"sweeps": {"gf": {"learner": "adam", "dataset": "parity", "widths": [4], "sample_sizes": [4]}}}, "'sweeps.gf.learner'", "allowed: gf, sgd, norot"),
        ({"sweeps": {"gf": {"learner": "gf", "dataset": "parity", "widths": [4], "sample_sizes": [4], "train": {"dtype": "half"}}}}, "'sweeps.gf.train.dtype'", "allowed: float32"),
        ({"sweeps": {"gf": {"learner": "gf", "dataset": "parity", "widths": [4]}}}, "'sweeps.gf'", "give exactly one of sample_sizes"),
        ({"sweeps": {"gf": {"learner": "gf", "dataset": "parity", "widths": [4], "sample_sizes": [4], "search": {"max_n": 8}}}}, "'sweeps.gf'", "give exactly one of sample_sizes"),
        ({"sweeps": {"gf": {"learner": "gf", "dataset": "parity", "widths": [4], "search": {"max_n": 99999}}}}, "'datasets.parity.pool_size'", "allowed: >= 99999"),
        ({"sweeps": {"gf": {"learner": "gf", "dataset": "parity", "widths": [4], "search": {"start": 16, "max_n": 8}}}}, "'sweeps.gf.search.start'", "allowed: <= max_n"),
        ({"sweeps": {"gf": {"learner": "gf", "dataset": "parity", "widths": [4], "search": {"start": 4}}}}, "'sweeps.gf.search'", "required"),
        ({"datasets": {"p": {"kind": "parity", "dims": [1]}}}, "'datasets.p.dims.0'", "minimum 2"),
        ({"datasets": {"p": {"kind": "parity", "dims": [4], "colour": 1}}}, "'datasets.p'", "allowed keys"),
        ({"sweeps": {"gf": {"learner": "gf", "dataset": "nope", "widths": [4], "sample_sizes": [4]}}}, "'sweeps.gf.dataset'", "allowed: parity"),
        ({"datasets": {"parity": {"kind": "parity", "dims": [4], "pool_size": 8}}}, "'datasets.parity.pool_size'", ">= 256"),
        ({"datasets": {"parity": {"kind": "parity", "dims": [4, 8], "coords": [0, 5]}}}, "'datasets.parity.coords'", "coord < d"),
        ({"unknown_top": 1}, "'(top level)'", "allowed keys"),
    ],
)
def test_bad_config_names_key_and_allowed_values(bad, key, allowed):
    with pytest.raises(ConfigError) as exc:
        validate_config(bad)
    msg = str(exc.value)
    assert key in msg and allowed in msg, msg
