"""NTK margin γ_ntk: closed forms, an independent SOCP solver, the parity population (enumerated cube and
meet-in-the-middle Fourier counts), symmetries, Monte-Carlo calibration, Jensen."""

import itertools
import math

import numpy as np
import pytest
from scipy import stats
from sphere_data import sphere_data

from lowrot.data import hypercube, parity_labels
from lowrot.margins import (
    ITERATION_LIMIT,
    OPTIMAL,
    gaussian_directions,
    kernel_margin,
    ntk_margin,
    ntk_margin_parity_cube,
)
from lowrot.margins.ntk import parity_gated_means


def _clarabel_socp(X, y, V):
    """Reference: min_q (1/M) Σ_k ||A_k q|| over the simplex by cvxpy + Clarabel."""
    cp = pytest.importorskip("cvxpy")
    masks, counts = np.unique(V @ X.T >= 0, axis=0, return_counts=True)
    q = cp.Variable(X.shape[0])
    YX = y[:, None] * X
    obj = sum(w * cp.norm((YX * m[:, None]).T @ q) for m, w in zip(masks, counts)) / V.shape[0]
    prob = cp.Problem(cp.Minimize(obj), [q >= 0, cp.sum(q) == 1])
    prob.solve(solver="CLARABEL")
    return prob.value


def _sign_orbits(V):
    """All sign flips D v of each row v (the orbit of the cube's symmetry group acting on directions)."""
    d = V.shape[1]
    signs = np.array(list(itertools.product((1.0, -1.0), repeat=d)))
    return (signs[:, None, :] * V[None]).reshape(-1, d)


def test_two_orthogonal_points_closed_form():
    # x1 = e1 (y = +1), x2 = e2 (y = -1): E_v||q1 e1 1[v1 >= 0] - q2 e2 1[v2 >= 0]||
    # = (sqrt(q1² + q2²) + q1 + q2) / 4, minimized at q = (1/2, 1/2): (1 + 1/sqrt(2)) / 4.
    quadrants = np.array([[1.0, 1.0], [1.0, -1.0], [-1.0, 1.0], [-1.0, -1.0]])
    res = ntk_margin(np.eye(2), np.array([1.0, -1.0]), directions=quadrants, tol=1e-9)
    exact = (1 + 1 / math.sqrt(2)) / 4
    assert res.status == OPTIMAL
    assert res.lower <= exact <= res.upper * (1 + 1e-12)
    assert res.value == pytest.approx(exact, rel=1e-9)
    assert np.allclose(res.q, [0.5, 0.5], atol=1e-6)
    # γ_ntk <= γ_ntk,2 = 1/2
    assert res.value <= kernel_margin(np.eye(2), np.array([1.0, -1.0])).lower


@pytest.mark.parametrize("n,d,M,seed", [(40, 4, 300, 0), (120, 8, 400, 1)])
def test_agrees_with_clarabel(n, d, M, seed):
    X, y = sphere_data(n, d, seed)
    V = gaussian_directions(d, M, seed)
    ref = _clarabel_socp(X, y, V)
    res = ntk_margin(X, y, directions=V, tol=1e-6)
    assert res.status == OPTIMAL
    assert res.lower <= ref * (1 + 1e-7) and ref <= res.upper * (1 + 1e-7)
    assert res.upper == pytest.approx(ref, rel=1e-6)
    assert res.num_directions == M and 0 < res.mc_stderr < res.value


def test_iteration_limit_reports_a_valid_bracket():
    X, y = sphere_data(40, 4, 0)
    V = gaussian_directions(4, 300, 0)
    ref = _clarabel_socp(X, y, V)
    res = ntk_margin(X, y, directions=V, max_iter=2, tol=1e-9)
    assert res.status == ITERATION_LIMIT and res.iterations == 2
    assert res.lower <= ref <= res.upper


@pytest.mark.parametrize("method", ["enumerate", "fourier"])
@pytest.mark.parametrize("d", [3, 4])
def test_parity_fast_path_is_the_symmetric_optimum(d, method):
    # On the sign-flip orbits of the sampled v the uniform q is exactly optimal: the general solver's
    # bracket must contain the fast path's value (to the solver's tolerance).
    V = gaussian_directions(d, 150, 11)
    fast = ntk_margin_parity_cube(d, directions=V, method=method)
    X = hypercube(d)
    y = parity_labels(X, (0, 1))
    gen = ntk_margin(X, y, directions=_sign_orbits(V), tol=1e-7)
    assert gen.status == OPTIMAL
    assert gen.lower <= fast.value * (1 + 1e-9) and fast.value <= gen.upper * (1 + 1e-9)
    assert gen.mc_stderr == pytest.approx(fast.mc_stderr * math.sqrt(150 / (150 * 2**d)), rel=0.02)


def test_parity_fast_path_against_the_general_solver_on_samples():
    d = 4
    X = hypercube(d)
    y = parity_labels(X, (0, 1))
    # same v samples (no symmetrization): the general solver may only go lower (it optimizes q),
    # by about the Monte-Carlo error at most
    fast = ntk_margin_parity_cube(d, num_directions=3000, seed=1)
    same = ntk_margin(X, y, num_directions=3000, seed=1, tol=1e-5)
    assert same.lower <= fast.value * (1 + 1e-9)
    assert fast.value - same.upper <= 3 * fast.mc_stderr
    # independent v samples: agreement within a few standard errors
    other = ntk_margin(X, y, num_directions=3000, seed=2, tol=1e-5)
    assert abs(other.value - fast.value) <= 4 * math.hypot(other.mc_stderr, fast.mc_stderr) + fast.value - same.upper


def test_ntk_margin_is_below_the_kernel_margin():
    # Jensen: (1/M) Σ_k ||A_k q|| <= sqrt(qᵀ H_M q) with H_M = (1/M) Σ_k A_kᵀA_k, exactly, at any q;
    # and γ_ntk <= γ_ntk,2 in the population (checked within the Monte-Carlo error).
    for seed, (n, d) in enumerate([(30, 3), (80, 6), (150, 10)]):
        X, y = sphere_data(n, d, seed)
        ker = kernel_margin(X, y)
        V = gaussian_directions(d, 2000, seed)
        ntk = ntk_margin(X, y, directions=V, tol=1e-4)
        A = (V @ X.T >= 0)[:, :, None] * (y[:, None] * X)[None]  # (M, n, d)
        Z = np.einsum("kid,i->kd", A, ker.q)
        H_M = np.einsum("kid,kjd->ij", A, A) / V.shape[0]
        assert ntk.lower <= np.linalg.norm(Z, axis=1).mean() <= math.sqrt(ker.q @ H_M @ ker.q) * (1 + 1e-12)
        assert ntk.lower <= ker.upper + 3 * ntk.mc_stderr


@pytest.mark.parametrize("d", [4, 6, 8, 10, 12, 14])
def test_parity_population_value_is_about_half_over_d(d):
    res = ntk_margin_parity_cube(d, num_directions=4000, seed=d)
    assert res.mc_stderr < 0.015 * res.value
    assert 0.5 / d <= res.value <= 0.65 / d
    assert res.q.shape == (2**d,) and res.lower == res.upper == res.value
    assert res.points == 2**d and res.mc_stderr_points == 0.0 and res.mc_stderr == res.mc_stderr_directions
    assert res.method == ("cube_enumerated" if d <= 10 else "fourier_exact")  # default: enumerate up to 2^10 points


# -- parity population: the meet-in-the-middle count against enumeration, closed forms, symmetries --------


def _supports(d):
    """Supports of sizes 1, 2, about d/2 and d, at the start, straddling the split, and at the end."""
    return sorted({tuple(sorted({*S})) for S in [(0, 1), (0,), (1, d - 1), tuple(range(0, d, 2)), tuple(range(d))]})


@pytest.mark.parametrize("d", [2, 3, 6, 7, 8, 10])
def test_fourier_counts_equal_enumeration_on_the_same_directions(d):
    # Both compute the integer 2^d √d Z_j(v) = Σ_s y s_j 1[v·s >= 0] exactly; they can differ only where
    # some |v·s| is within rounding of 0, which does not happen for these Gaussian v. One flipped
    # point would move Z by 2^-d/√d >= 3e-4, so 1e-14 separates "equal" from "one point off".
    V = gaussian_directions(d, 300, 100 + d)
    for S in _supports(d):
        Ze = parity_gated_means(V, S, method="enumerate")
        Zf = parity_gated_means(V, S, method="fourier")
        assert np.abs(Ze - Zf).max() <= 1e-14, S
    res_e = ntk_margin_parity_cube(d, directions=V, method="enumerate")
    res_f = ntk_margin_parity_cube(d, directions=V, method="fourier")
    assert (res_e.method, res_f.method) == ("cube_enumerated", "fourier_exact")
    assert res_f.value == pytest.approx(res_e.value, rel=1e-13, abs=0)
    assert res_f.mc_stderr == pytest.approx(res_e.mc_stderr, rel=1e-9, abs=1e-15)


def test_enumeration_matches_the_explicit_sum_over_the_cube():
    # parity_gated_means('enumerate') against the definition written out with lowrot.data's cube and labels
    d, S = 5, (1, 3)
    X = hypercube(d)
    y = parity_labels(X, S)
    V = gaussian_directions(d, 40, 3)
    Z_def = np.array([((V[k] @ X.T >= 0) * y) @ X / 2**d for k in range(40)])
    assert np.abs(parity_gated_means(V, S, method="enumerate") - Z_def).max() <= 1e-15
    assert np.abs(parity_gated_means(V, S, method="fourier") - Z_def).max() <= 1e-15


@pytest.mark.parametrize("method", ["enumerate", "fourier"])
def test_two_dimensional_parity_closed_form(method):
    # d = 2, y = s0 s1: for every generic v exactly one point of each antipodal pair is active; the two
    # active points are s_a = ±(1, 1) (y = +1) and s_b = ±(1, -1) (y = -1), so
    # Z = (s_a - s_b) / (4√2) with s_a ⊥ s_b, ||Z|| = 2 / (4√2) = 1/(2√2) for every v: no MC error.
    res = ntk_margin_parity_cube(2, num_directions=500, seed=3, method=method)
    assert res.value == pytest.approx(1 / (2 * math.sqrt(2)), rel=1e-14)
    assert res.mc_stderr <= 1e-15


@pytest.mark.parametrize("d,method", [(6, "enumerate"), (5, "fourier"), (16, "fourier"), (21, "fourier")])
def test_one_sparse_parity_closed_form(d, method):
    # y = s_c: Z_c = (1/√d) P(v·s >= 0) = 1/(2√d) (one point of each antipodal pair is active), and for
    # j != c, s_c s_j is even while exactly one of s, -s is active, so Z_j = (1/2) E[s_c s_j]/√d = 0.
    # Hence ||Z(v)|| = 1/(2√d) for every v.
    c = d // 2
    V = gaussian_directions(d, 60, d)
    Z = parity_gated_means(V, (c,), method=method)
    expected = np.zeros(d)
    expected[c] = 1 / (2 * math.sqrt(d))
    assert np.abs(Z - expected).max() <= 1e-15
    res = ntk_margin_parity_cube(d, (c,), directions=V, method=method)
    assert res.value == pytest.approx(1 / (2 * math.sqrt(d)), rel=1e-13) and res.mc_stderr <= 1e-15


@pytest.mark.parametrize("d,method", [(7, "enumerate"), (9, "fourier"), (18, "fourier")])
def test_odd_parity_of_order_three_has_zero_ntk_margin(d, method):
    # The odd part of x -> x 1[v·x >= 0] is x/2 (linear), so every Fourier coefficient of the halfspace at
    # an even nonempty set vanishes; for |S| = 3, S Δ {j} is even (size 2 or 4) for every j: Z(v) = 0.
    V = gaussian_directions(d, 40, d)
    assert np.abs(parity_gated_means(V, (0, 2, d - 1), method=method)).max() == 0.0


@pytest.mark.parametrize("d", [9, 14])
def test_gated_means_are_equivariant_under_permutations_and_sign_flips(d):
    # Relabelling coordinates by a permutation p (x'_i = x_{p(i)}) moves the support to p^-1(S) and the
    # directions to V[:, p], and permutes Z the same way; a sign flip D maps Z(v) to χ_S(D) D Z(v) (the
    # symmetry behind the uniform q). The meet-in-the-middle split differs between the two labellings.
    rng = np.random.default_rng(d)
    V = gaussian_directions(d, 200, 7)
    S = (0, 1)
    Z = parity_gated_means(V, S, method="fourier")
    p = rng.permutation(d)
    S_perm = tuple(int(np.flatnonzero(p == c)[0]) for c in S)
    Zp = parity_gated_means(V[:, p], S_perm, method="fourier")
    assert np.abs(Zp - Z[:, p]).max() <= 1e-14
    D = rng.choice([-1.0, 1.0], size=d)
    ZD = parity_gated_means(V * D, S, method="fourier")
    assert np.abs(ZD - np.prod(D[list(S)]) * D * Z).max() <= 1e-14
    # the population value does not depend on where the support is
    a = ntk_margin_parity_cube(d, S, directions=V, method="fourier")
    b = ntk_margin_parity_cube(d, S_perm, directions=V[:, p], method="fourier")
    assert b.value == pytest.approx(a.value, rel=1e-13)


def test_direction_standard_error_is_calibrated():
    # R independent seeds with M directions each: the spread of the R values must match mc_stderr. The
    # ratio of their sample variance to the mean squared mc_stderr is F(R-1, R(M-1))-distributed for
    # normal values (the mean of M = 50 draws of ||Z|| is close to normal); accept the central 99.8%.
    # Also the pooled mean agrees with an independent large run within 4 combined standard errors.
    R, M, d = 300, 50, 10
    res = [ntk_margin_parity_cube(d, num_directions=M, seed=1000 + r, method="fourier") for r in range(R)]
    values = np.array([r.value for r in res])
    se2 = np.array([r.mc_stderr for r in res]) ** 2
    ratio = values.var(ddof=1) / se2.mean()
    lo, hi = stats.f.ppf([0.001, 0.999], R - 1, R * (M - 1))
    assert lo <= ratio <= hi, (ratio, lo, hi)
    ref = ntk_margin_parity_cube(d, num_directions=20000, seed=5, method="fourier")
    pooled_se = math.sqrt(se2.mean() / R)
    assert abs(values.mean() - ref.value) <= 4 * math.hypot(pooled_se, ref.mc_stderr)


def test_large_d_uses_the_fourier_count_and_keeps_q_implicit():
    res = ntk_margin_parity_cube(24, num_directions=20, seed=0)
    assert res.method == "fourier_exact" and res.points == 2**24 and res.q is None
    assert res.lower == res.upper == res.value and res.gap == 0.0 and res.status == OPTIMAL
    assert 0.3 / 24 < res.value < 0.8 / 24  # the scale 1/(2d); its precise value is the benchmark's job


def test_bad_parity_arguments_are_rejected():
    with pytest.raises(ValueError, match="method"):
        ntk_margin_parity_cube(6, method="sampled")
    with pytest.raises(ValueError, match="coords"):
        ntk_margin_parity_cube(6, (0, 6), num_directions=10)
    with pytest.raises(ValueError, match="coords"):
        ntk_margin_parity_cube(6, (2, 2), num_directions=10)
    with pytest.raises(ValueError, match="directions"):
        ntk_margin_parity_cube(6, directions=np.ones((5, 4)))
    with pytest.raises(ValueError, match="d <= 24"):
        ntk_margin_parity_cube(25, num_directions=4, method="enumerate")
    with pytest.raises(ValueError, match="d <= 40"):
        parity_gated_means(np.ones((2, 41)), (0, 1), method="fourier")


def test_bad_directions_are_rejected():
    X, y = sphere_data(10, 3, 0)
    with pytest.raises(ValueError, match="directions"):
        ntk_margin(X, y, directions=np.ones((5, 2)))
    with pytest.raises(ValueError, match="num_directions"):
        ntk_margin(X, y, num_directions=1)
