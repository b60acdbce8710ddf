"""Known answers for lowrot.model: symmetric init, homogeneity, stable losses."""

import math

import numpy as np
import torch

from lowrot import data, model


def test_symmetric_init_output_is_identically_zero():
    a, V = model.init_network(3, 64, 7, symmetric=True)
    X = torch.as_tensor(data.hypercube(7))
    # every neuron's contribution is cancelled exactly (bitwise) by its twin ...
    contrib = torch.relu(X @ V.T) * a
    assert torch.count_nonzero(contrib[:, :32] + contrib[:, 32:]) == 0
    # ... so f is zero up to the summation order of the reduction
    assert model.network_output(a, V, X).abs().max() < 1e-15
    # neurons come in pairs (a, v), (-a, v)
    torch.testing.assert_close(a[:32], -a[32:])
    torch.testing.assert_close(V[:32], V[32:])


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
