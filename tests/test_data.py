"""Known answers for lowrot.data: parity labels, the full cube, NC data, validation and hashing."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lowrot import data
from lowrot.errors import DataError


@settings(max_examples=30, deadline=None)
@given(d=st.integers(2, 9), seed=st.integers(0, 10_000), k=st.integers(1, 3))
def test_parity_label_is_product_of_signs(d, seed, k):
    rng = np.random.default_rng(seed)
    coords = sorted(rng.choice(d, size=min(k, d), replace=False).tolist())
    X = data.sample_parity(50, d, rng)
    y = data.parity_labels(X, coords)
    expected = np.ones(50)
    for c in coords:
        expected *= np.sign(X[:, c])
    np.testing.assert_array_equal(y, expected)
    # the two-coordinate case equals d * x0 * x1 (docs/science.md#parity)
    if coords == [0, 1]:
        np.testing.assert_allclose(y, d * X[:, 0] * X[:, 1])


@pytest.mark.parametrize("d", [1, 2, 5, 10])
def test_full_cube_distinct_points_balanced_labels(d):
    X = data.hypercube(d)
    assert X.shape == (2**d, d)
    assert len(np.unique(X, axis=0)) == 2**d
    np.testing.assert_allclose(np.linalg.norm(X, axis=1), 1.0)
    assert set(np.unique(X * np.sqrt(d)).tolist()) == {-1.0, 1.0}
    if d >= 2:
        y = data.parity_labels(X, [0, 1])
        assert y.sum() == 0


def test_rotation_is_orthogonal_and_keeps_labels():
    spec = dict(kind="parity", d=6, coords=[0, 1], rotation=True, pool_size=40, test_points=10, full_cube_max_dim=16)
    ds = data.make_dataset(spec, [0, 1])
    R = np.asarray(ds.meta["rotation_matrix"])
    np.testing.assert_allclose(R @ R.T, np.eye(6), atol=1e-12)
    # undo the rotation: labels are the parity of the original cube points
    X0 = ds.X_test @ R
    np.testing.assert_array_equal(data.parity_labels(X0, [0, 1]), ds.y_test)
    assert ds.test_kind == "full_cube"


def test_dataset_is_pure_function_of_spec_and_seed(tmp_path):
    spec = dict(kind="parity", d=5, coords=[0, 1], pool_size=30, test_points=10, full_cube_max_dim=3)
    a, b = data.make_dataset(spec, [0, 1]), data.make_dataset(spec, [0, 1])
    assert a.hash == b.hash and a.test_kind == "sampled"
    c = data.make_dataset({**spec, "pool_size": 31}, [0, 1])
    assert c.hash != a.hash
    # nested pools: seed 0's pool does not depend on which other seeds are built
    np.testing.assert_array_equal(data.make_dataset(spec, [0]).X_pool[0], a.X_pool[0])
    a.save(tmp_path / "x.npz")
    assert data.Dataset.load(tmp_path / "x.npz").hash == a.hash


def test_nc_separation_and_balance():
    spec = dict(kind="nc", d=5, groups=9, radius=0.05, min_separation=0.9, pool_size=400, test_points=100)
    ds = data.make_dataset(spec, [0])
    C = np.asarray(ds.meta["centres"])
    dist = np.linalg.norm(C[:, None] - C[None], axis=-1) + 10 * np.eye(9)
    assert dist.min() >= 0.9
    labels = np.asarray(ds.meta["group_labels"])
    assert sorted(labels.tolist()) == [-1.0] * 4 + [1.0] * 5
    np.testing.assert_allclose(np.linalg.norm(ds.X_pool[0], axis=1), 1.0)
    # orthonormal centres when k <= d
    C2 = np.asarray(data.make_dataset({**spec, "groups": 4}, [0]).meta["centres"])
    np.testing.assert_allclose(C2 @ C2.T, np.eye(4), atol=1e-12)


def _npz(tmp_path, **arrays):
    p = tmp_path / "d.npz"
    np.savez(p, **arrays)
    return p


@pytest.mark.parametrize(
    "arrays, message",
    [
        (dict(X=np.array([[0.1, np.nan], [0.2, 0.1]]), y=np.array([1, -1])), "non-finite"),
        (dict(X=np.zeros((3, 2)) + 0.1, y=np.array([1, 2, -1])), "labels must be -1 or +1"),
        (dict(X=np.array([[0.1, 0.2], [0.3, 0.1]]), y=np.array([1, 1])), "only one class"),
        (dict(X=np.array([[0.1, 0.2], [0.1, 0.2], [0.3, 0.0]]), y=np.array([1, -1, 1])), "both labels"),
        (dict(X=np.array([[2.0, 0.0], [0.1, 0.0]]), y=np.array([1, -1])), "||x|| > 1"),
        (dict(X=np.zeros((0, 3)), y=np.zeros(0)), "empty"),
        (dict(X=np.zeros(4), y=np.ones(4)), "2-D"),
        (dict(X=np.zeros((4, 2)), y=np.ones(3)), "4 rows but y has 3"),
        (dict(Z=np.zeros((4, 2))), "missing array"),
        (dict(X=np.array([["a", "b"]]), y=np.array([1])), "real numbers"),
    ],
)
def test_malformed_npz_gives_clear_error(tmp_path, arrays, message):
    with pytest.raises(DataError) as exc:
        data.load_npz(_npz(tmp_path, **arrays))
    assert message in str(exc.value)


def test_npz_rescale_option(tmp_path):
    p = _npz(tmp_path, X=np.array([[2.0, 0.0], [0.0, 1.0]]), y=np.array([1, -1]))
    X, y = data.load_npz(p, rescale=True)
    np.testing.assert_allclose(X, [[1.0, 0.0], [0.0, 0.5]])


def test_not_an_npz(tmp_path):
    p = tmp_path / "bad.npz"
    p.write_text("hello")
    with pytest.raises(DataError, match="not a readable .npz"):
        data.load_npz(p)
