"""Fuzzed bad inputs: every invalid config or .npz gives a LowrotError naming the problem, never a
traceback from deep inside numpy/torch, and every accepted input satisfies the data invariants."""

import copy

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from lowrot import data
from lowrot.config import validate_config
from lowrot.errors import ConfigError, DataError

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

VALID = validate_config({})

junk = st.one_of(
    st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=5), st.lists(st.integers(-3, 3), max_size=3), st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


def _leaves(cfg, prefix=()):
    for k, v in cfg.items():
        if isinstance(v, dict):
            yield from _leaves(v, prefix + (k,))
        yield prefix + (k,)


LEAVES = list(_leaves(VALID))


@FUZZ
@given(path=st.sampled_from(LEAVES), value=junk, extra=st.booleans())
def test_fuzzed_config_is_accepted_or_rejected_clearly(path, value, extra):
    cfg = copy.deepcopy(VALID)
    node = cfg
    for k in path[:-1]:
        node = node[k]
    if extra:
        node["zz_" + str(path[-1])] = value
    else:
        node[path[-1]] = value
    try:
        out = validate_config(cfg)
    except ConfigError as exc:
        msg = str(exc)
        assert "config key '" in msg and ("allowed" in msg or "required" in msg or "must" in msg), msg
        if extra:
            assert "zz_" in msg
        return
    assert not extra
    assert out["train"]["step_size"] > 0 and all(sw["dataset"] in out["datasets"] for sw in out["sweeps"].values())


dtypes = st.sampled_from([np.float64, np.float32, np.int64, np.int8, np.bool_, np.complex128, np.uint8])


@FUZZ
@given(
    X=hnp.arrays(dtypes, hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=6)),  # NaN/inf included
    y=hnp.arrays(dtypes, hnp.array_shapes(min_dims=0, max_dims=2, min_side=0, max_side=6)),
    rescale=st.booleans(),
)
def test_fuzzed_npz_is_accepted_or_rejected_clearly(tmp_path_factory, X, y, rescale):
    path = tmp_path_factory.mktemp("npz") / "d.npz"
    np.savez(path, X=X, y=y)
    try:
        Xv, yv = data.load_npz(path, rescale=rescale)
    except DataError as exc:
        assert str(path) in str(exc)
        return
    # accepted: the data invariants of docs/science.md#data hold
    assert Xv.dtype == np.float64 and Xv.ndim == 2 and yv.shape == (Xv.shape[0],)
    assert np.isfinite(Xv).all() and set(np.unique(yv)) == {-1.0, 1.0}
    assert (np.linalg.norm(Xv, axis=1) <= 1 + 1e-12).all()


@FUZZ
@given(
    n=st.integers(2, 12), d=st.integers(1, 4), seed=st.integers(0, 1000),
    poison=st.sampled_from(["nan", "inf", "label", "conflict", "none"]),
)
def test_fuzzed_values(tmp_path_factory, n, d, seed, poison):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-0.5, 0.5, size=(n, d)) / np.sqrt(d)
    y = np.where(np.arange(n) % 2 == 0, 1.0, -1.0)
    i = int(rng.integers(n))
    if poison == "nan":
        X[i, 0] = np.nan
    elif poison == "inf":
        X[i, -1] = -np.inf
    elif poison == "label":
        y[i] = rng.choice([0.0, 2.0, -3.0, 0.5])
    elif poison == "conflict":
        X[1] = X[0]
    path = tmp_path_factory.mktemp("npz") / "d.npz"
    np.savez(path, X=X, y=y)
    if poison == "none":
        data.load_npz(path)
        return
    expected = {"nan": "non-finite", "inf": "non-finite", "label": "labels must be -1 or +1", "conflict": "margin is 0"}[poison]
    try:
        data.load_npz(path)
    except DataError as exc:
        assert expected in str(exc), str(exc)
    else:
        raise AssertionError(f"poison {poison} was accepted")
