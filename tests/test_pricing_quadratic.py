"""The quadratic (S-lemma) bounds of exact pricing: always above the supremum they bound (checked
against complete branch and bound, dense sampling and the parity closed form), never below."""

import math

import numpy as np
import pytest

from lowrot.data import hypercube, parity_labels, sample_parity
from lowrot.margins import global_margin, price_exact
from lowrot.margins.pricing import quadratic_bound, quadratic_certificate
from sphere_data import sphere_data


def _sampled_sup(X, c, samples=100_000, seed=0):
    U = np.random.default_rng(seed).standard_normal((samples, X.shape[1]))
    U /= np.linalg.norm(U, axis=1, keepdims=True)
    return float((np.maximum(U @ X.T, 0.0) @ c).max())


@pytest.mark.parametrize("d,n,seed", [(3, 15, 0), (4, 24, 1), (6, 30, 2), (8, 40, 3)])
def test_quadratic_bound_is_above_the_exact_supremum(d, n, seed):
    X, _ = sphere_data(n, d, seed)
    X = X * np.random.default_rng(seed).uniform(0.3, 1.0, (n, 1))  # not unit: rays carry weights
    c = np.random.default_rng(seed + 10).standard_normal(n) / n
    for sign in (1.0, -1.0):
        up, best, _, complete = price_exact(X, sign * c, max_nodes=200_000)
        qb = quadratic_bound(X, sign * c)
        assert complete
        assert qb >= best * (1 - 1e-12)  # the exact supremum (and the sampled one below it)
        assert qb >= _sampled_sup(X, sign * c)
        # with no optimization at all the bound is still valid (and not better)
        assert quadratic_bound(X, sign * c, max_iter=0) >= qb * (1 - 1e-9)


@pytest.mark.parametrize("d", [4, 5, 6])
def test_quadratic_certificate_bounds_the_parity_cube_margin(d):
    # t* = 1/(2 sqrt(2d)) on the full cube: no dual can certify less
    X = hypercube(d)
    y = parity_labels(X, (0, 1))
    t_star = 1 / (2 * math.sqrt(2 * d))
    bound, q = quadratic_certificate(X, y, np.full(len(y), 1 / len(y)))
    assert bound >= t_star * (1 - 1e-12)
    assert q.shape == y.shape and np.all(q >= 0) and q.sum() == pytest.approx(1.0)
    # the bound holds for the returned q itself: it is above sup_u |h_q(u)| (exact, both signs)
    sup = max(price_exact(X, q * y, max_nodes=200_000)[1], price_exact(X, -q * y, max_nodes=200_000)[1])
    assert bound >= sup * (1 - 1e-12)


def test_quadratic_certificate_stays_above_the_lower_end_of_global_margin():
    X = sample_parity(40, 8, np.random.default_rng(5))
    y = parity_labels(X, (0, 1))
    res = global_margin(X, y, tol=1e-3, general=True)
    bound, _ = quadratic_certificate(X, y, np.full(len(y), 1 / len(y)))
    assert bound / 2 >= res.lower * (1 - 1e-12)
    # zero points add nothing and are ignored
    Xz, yz = np.vstack([X, np.zeros((1, 8))]), np.r_[y, 1.0]
    bz, qz = quadratic_certificate(Xz, yz, np.full(len(yz), 1 / len(yz)))
    assert math.isfinite(bz) and qz[-1] == 0.0
