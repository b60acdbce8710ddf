"""Known answers for lowrot.metrics: rotation angles, their summaries, feature mass, NC alignment."""

import math

import numpy as np
import pytest
import torch

from lowrot import metrics


def _plane(deg, norm=1.0, d=3):
    """norm * (cos θ, sin θ, 0, ...): the unit vector e_0 rotated by θ degrees towards e_1."""
    v = torch.zeros(d, dtype=torch.float64)
    v[0], v[1] = math.cos(math.radians(deg)), math.sin(math.radians(deg))
    return norm * v


@pytest.mark.parametrize("deg", [0.0, 1e-6, 30.0, 90.0, 135.0, 179.9, 180.0])
def test_rotation_degrees_known_angles(deg):
    V0 = torch.stack([_plane(0.0), _plane(0.0, 3.0)])
    V = torch.stack([_plane(deg), _plane(deg, 0.25)])  # the norms do not matter
    got = metrics.rotation_degrees(V0, V)
    # no clipping above 90 degrees; accurate for tiny and for near-antipodal angles
    torch.testing.assert_close(got, torch.full((2,), deg, dtype=torch.float64), rtol=1e-12, atol=1e-12)


def test_rotation_degrees_batched_and_symmetric():
    rng = np.random.default_rng(0)
    V0 = torch.as_tensor(rng.standard_normal((2, 5, 4)))
    V = torch.as_tensor(rng.standard_normal((2, 5, 4)))
    ang = metrics.rotation_degrees(V0, V)
    ref = torch.rad2deg(torch.arccos((V0 * V).sum(-1) / (V0.norm(dim=-1) * V.norm(dim=-1))))
    assert ang.shape == (2, 5)
    torch.testing.assert_close(ang, ref, rtol=1e-10, atol=1e-10)
    torch.testing.assert_close(metrics.rotation_degrees(V, V0), ang, rtol=0, atol=1e-12)


def test_rotation_summary_by_hand():
    # neuron 0: rotated 20 degrees, a = 1, ||v|| = 1 -> mass 2; neuron 1: rotated 90, a = 0, ||v|| = 2 -> mass 4
    V0 = torch.stack([_plane(0.0), _plane(0.0)])
    V = torch.stack([_plane(20.0), _plane(90.0, 2.0)])
    a = torch.tensor([1.0, 0.0], dtype=torch.float64)
    out = metrics.rotation_summary(a, V, V0)
    assert float(out["rot_mean_deg"]) == pytest.approx(55.0, rel=1e-12)
    assert float(out["rot_weighted_deg"]) == pytest.approx((20 * 2 + 90 * 4) / 6, rel=1e-12)
    assert float(out["rot_frac_10"]) == 1.0 and float(out["rot_frac_30"]) == 0.5


def test_feature_mass_known_supports():
    d = 6
    S = torch.eye(d, dtype=torch.float64)[:, :2]  # the support {0, 1}
    # all mass on coordinate 0: everything lies in the support
    V = torch.zeros(5, d, dtype=torch.float64)
    V[:, 0] = torch.arange(1.0, 6.0)
    assert float(metrics.feature_mass(V, S)) == 1.0
    # all mass off the support: 0
    V[:, 0], V[:, 3] = 0.0, 2.0
    assert float(metrics.feature_mass(V, S)) == 0.0
    # entries +-1: every coordinate carries the same mass, so the fraction is |S| / d exactly
    signs = torch.as_tensor(np.random.default_rng(1).choice([-1.0, 1.0], size=(2, 7, d)))
    torch.testing.assert_close(metrics.feature_mass(signs, S), torch.full((2,), 2 / d, dtype=torch.float64), rtol=0, atol=0)
    # a rotated support basis: the projection onto its span, not onto coordinates
    Q, _ = torch.linalg.qr(torch.as_tensor(np.random.default_rng(2).standard_normal((d, d))))
    U = signs[0] @ Q.T  # rotate the neurons with the data
    torch.testing.assert_close(metrics.feature_mass(U, Q[:, :2]), torch.tensor(2 / d, dtype=torch.float64), rtol=1e-12, atol=1e-12)
    assert math.isnan(float(metrics.feature_mass(V, None)))


def test_nc_alignment_on_aligned_and_orthogonal_neurons():
    centres = torch.tensor([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]], dtype=torch.float64)
    # neurons along +-centres: alignment 1 whatever their masses and signs
    V = torch.tensor([[2.0, 0.0, 0.0], [0.0, -0.5, 0.0], [-1.0, 0.0, 0.0]], dtype=torch.float64)
    a = torch.tensor([0.3, -2.0, 1.0], dtype=torch.float64)
    assert float(metrics.nc_alignment(a, V, centres)) == pytest.approx(1.0, rel=1e-15)
    # one neuron orthogonal to every centre (mass 1 + 1 = 2) next to an aligned one (mass 0 + 4 = 4): 4 / 6
    V2 = torch.tensor([[0.0, 0.0, 1.0], [0.0, 2.0, 0.0]], dtype=torch.float64)
    a2 = torch.tensor([1.0, 0.0], dtype=torch.float64)
    assert float(metrics.nc_alignment(a2, V2, centres)) == pytest.approx(4 / 6, rel=1e-15)
    # at 45 degrees between the two centres: cos = 1/sqrt(2)
    V3 = torch.tensor([[1.0, 1.0, 0.0]], dtype=torch.float64)
    assert float(metrics.nc_alignment(torch.zeros(1, dtype=torch.float64), V3, centres)) == pytest.approx(1 / math.sqrt(2), rel=1e-15)
    assert math.isnan(float(metrics.nc_alignment(a, V, None)))
