"""Properties every margin solver must have on any data: invariance under orthogonal maps of the inputs,
and the behaviour on data that no bias-free ReLU network can separate."""

import math

import numpy as np
import pytest

from lowrot.data import random_rotation
from lowrot.margins import NOT_SEPARABLE, OPTIMAL, gaussian_directions, global_margin, kernel_margin, ntk_margin
from sphere_data import sphere_data


def _overlap(a, b, rtol=1e-9):
    """Two brackets of the same number must intersect (up to a relative rounding slack)."""
    return max(a.lower, b.lower) <= min(a.upper, b.upper) * (1 + rtol) + 1e-15


@pytest.mark.parametrize("d,n,seed", [(3, 14, 0), (4, 12, 1), (5, 10, 2)])
def test_margins_are_invariant_under_rotations_of_the_inputs(d, n, seed):
    X, y = sphere_data(n, d, seed)
    R = random_rotation(d, np.random.default_rng(100 + seed))
    Xr = X @ R.T
    # γ_gl: both brackets are certified, so each contains the common true value
    g, gr = global_margin(X, y, tol=1e-6, max_rounds=60), global_margin(Xr, y, tol=1e-6, max_rounds=60)
    assert g.certified and gr.certified and np.isfinite(g.upper) and np.isfinite(gr.upper)
    assert _overlap(g, gr)
    assert g.lower == pytest.approx(gr.lower, rel=2e-6)
    # γ_ntk,2 depends on the inputs only through inner products and angles
    k, kr = kernel_margin(X, y, tol=1e-8), kernel_margin(Xr, y, tol=1e-8)
    assert _overlap(k, kr) and k.value == pytest.approx(kr.value, rel=1e-6)
    # γ_ntk over the same sample of directions rotated along: (R x)·(R v) = x·v, the same problem
    V = gaussian_directions(d, 3000, seed)
    t, tr = ntk_margin(X, y, directions=V, tol=1e-5), ntk_margin(Xr, y, directions=V @ R.T, tol=1e-5)
    assert t.status == OPTIMAL and tr.status == OPTIMAL
    assert _overlap(t, tr)


def test_a_point_and_its_half_with_opposite_labels_are_not_separable():
    # every bias-free ReLU network is positively homogeneous: f(x/2) = f(x)/2 has the sign of f(x), so
    # no network classifies (x, +1), (x/2, -1): γ_gl = 0, reported as such and not as a tiny margin
    x = np.array([0.6, 0.0, 0.8])
    X, y = np.vstack([x, x / 2]), np.array([1.0, -1.0])
    g = global_margin(X, y)
    assert g.status == NOT_SEPARABLE and g.certified
    assert g.value == 0.0 and g.lower == 0.0 and 0.0 <= g.upper <= 1e-12
    # the general solver and a rotated copy agree
    R = random_rotation(3, np.random.default_rng(0))
    assert global_margin(X @ R.T, y, general=True).status == NOT_SEPARABLE
    # the kernel margins of the same data: their brackets contain 0 and are tiny (they report no
    # 'not_separable' status of their own)
    k = kernel_margin(X, y)
    assert k.lower == 0.0 and k.upper <= 1e-6
    t = ntk_margin(X, y, num_directions=500)
    assert t.lower <= 0.0 <= t.upper <= 1e-12


def test_a_symmetric_pair_with_equal_labels_is_separable():
    # positive control: σ(u·x) + σ(-u·x) = |u·x|, so (e1, +1), (-e1, +1), (e2, -1) is separable; the measure
    # (δ_e1 + δ_-e1 - δ_e2)/3 has margin 1/3 and the dual q = (1/3, 1/3, 1/3) gives sup |h| = 1/3, so
    # t* = 1/3 and γ_gl = 1/6
    X = np.array([[1.0, 0.0, 0.0], [-1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    y = np.array([1.0, 1.0, -1.0])
    for R in (np.eye(3), random_rotation(3, np.random.default_rng(1))):
        g = global_margin(X @ R.T, y, tol=1e-9)
        assert g.status == OPTIMAL and g.certified
        assert g.lower <= 1 / 6 * (1 + 1e-12) and 1 / 6 <= g.upper
        assert g.lower == pytest.approx(1 / 6, rel=1e-9)
    assert kernel_margin(X, y).lower > 0


@pytest.mark.parametrize("seed", [0, 1])
def test_scaling_a_point_by_a_positive_factor_keeps_gamma_gl_bounded_by_the_unscaled_problem(seed):
    # σ is positively homogeneous: shrinking a point can only lower the margin it gets (its y_i g(x_i)
    # shrinks by the same factor), so γ_gl(shrunk data) <= γ_gl(data), both certified
    X, y = sphere_data(10, 3, seed)
    Xs = X.copy()
    Xs[0] *= 0.5
    a, b = global_margin(X, y, tol=1e-8), global_margin(Xs, y, tol=1e-8)
    assert a.certified and b.certified
    assert b.lower <= a.upper * (1 + 1e-12)
    assert math.isfinite(a.upper) and math.isfinite(b.upper)
