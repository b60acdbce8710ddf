"""Known answers for lowrot.model: symmetric init, homogeneity, stable losses."""

import math

import numpy as np
import torch

from lowrot import data, model


def test_symmetric_init_output_is_identically_zero():
    a, V = model.init_network(3, 64, 7, symmetric=True)
    X = torch.as_tensor(data.hypercube(7))
    # neurons come in pairs (a, v), (-a, v), bit for bit
    assert torch.equal(a[:32], -a[32:]) and torch.equal(V[:32], V[32:])
    assert bool(model.twin_networks(a, V))
    # g is computed from one half as s - s: exactly zero by construction, in a batch too
    assert torch.count_nonzero(model.homogeneous_output(a, V, X)) == 0
    assert torch.count_nonzero(model.network_output(a, V, X)) == 0
    batch = model.homogeneous_output(torch.stack([a, a]), torch.stack([V, V]), X.unsqueeze(0))
    assert batch.shape == (2, 128) and torch.count_nonzero(batch) == 0
    # the plain BLAS evaluation of the twins cancels only up to rounding (kernels may differ by column)
    contrib = torch.relu(X @ V.T) * a
    assert (contrib[:, :32] + contrib[:, 32:]).abs().max() <= 1e-14 * contrib.abs().max()


def test_twin_shortcut_only_applies_to_exact_twins():
    a, V = model.init_network(3, 64, 7, symmetric=True)
    X = torch.as_tensor(data.hypercube(7))
    V2 = V.clone()
    V2[40, 0] += 0.5  # one twin moved: no longer a twin network, g is the ordinary sum
    assert not bool(model.twin_networks(a, V2))
    g = model.homogeneous_output(a, V2, X)
    ref = (torch.relu(X @ V2.T) * a).sum(-1)
    torch.testing.assert_close(g, ref, rtol=1e-12, atol=1e-12)
    assert g.abs().max() > 0.1
    assert model.twin_networks(a[:63], V[:63]) is None  # odd width: no twins


def test_init_is_a_function_of_seed_width_dim():
    a1, V1 = model.init_network(5, 16, 4)
    a2, V2 = model.init_network(5, 16, 4)
    a3, _ = model.init_network(6, 16, 4)
    assert torch.equal(a1, a2) and torch.equal(V1, V2) and not torch.equal(a1, a3)
    assert a1.dtype == torch.float64


def test_normalized_margin_invariant_to_rescaling():
    a, V = model.init_network(0, 32, 5)
    X = torch.as_tensor(data.hypercube(5))
    y = torch.as_tensor(data.parity_labels(data.hypercube(5), [0, 1]))
    g0 = model.normalized_margin(a, V, X, y)
    for c in (1e-3, 0.5, 7.0, 1e4):
        torch.testing.assert_close(model.normalized_margin(c * a, c * V, X, y), g0, rtol=1e-12, atol=0)
    # and it is 2-homogeneous in g: g(cW) = c^2 g(W)
    torch.testing.assert_close(model.homogeneous_output(3 * a, 3 * V, X), 9 * model.homogeneous_output(a, V, X))


def test_log_loss_is_stable_and_exact():
    z = torch.tensor([-50.0, -1.0, 0.0, 2.0, 29.0, 31.0, 200.0, 1000.0], dtype=torch.float64)
    ref = [math.log(math.log1p(math.exp(-v))) if v < 700 else -v for v in z.tolist()]
    np.testing.assert_allclose(model.log_logistic_loss(z).numpy(), ref, rtol=1e-13)
    w = torch.full((8,), 1 / 8, dtype=torch.float64)
    assert torch.isfinite(model.log_risk(z, w))
    torch.testing.assert_close(model.log_risk(z[:4], w[:4] * 2), torch.log((model.logistic_loss(z[:4]) / 4).sum()))
