"""The network (docs/science.md, conventions), its initialization, the logistic loss and the normalized margin.

Conventions (stated once, here):
- f(x; W) = (1/sqrt(m)) * sum_j a_j relu(v_j . x), no biases, both layers trained; rows w_j = (a_j, v_j).
- g(x; W) = sum_j a_j relu(v_j . x) = sqrt(m) f(x; W), 2-homogeneous in W.
- Initialization: a_j ~ N(0, 1), v_j ~ N(0, I_d), independent, drawn from a torch generator seeded by
  ``init_seed(seed, m, d)``; the same seed gives the same network whatever else shares its batch.
  ``symmetric``: neurons come in pairs (a, v), (-a, v) (m even), so f(.; W_0) == 0. A network laid out
  as exact twins (first half (a, V), second half (-a, V), bit for bit) has g computed from its first
  half as s - s with s = relu(X V^T) a over that half, so g == 0 holds exactly whatever the BLAS kernel
  (rounding in a matrix product may differ between the columns of two identical rows).
- Normalized margin: gamma(W) = min_i y_i g(x_i; W) / ||W||_F^2, ||W||_F^2 = sum_j a_j^2 + ||v_j||^2,
  computed in float64.
- Logistic loss l(z) = log(1 + exp(-z)) = softplus(-z); empirical risk R = mean_i l(y_i f(x_i)).
  log l(z) is computed without underflow (for z > 30, log l(z) = -z - exp(-z)/2 to float64 precision),
  so log R stays finite after the data are fit.
"""

from __future__ import annotations

import hashlib
import math

import torch

LOG_LOSS_SWITCH = 30.0


def init_seed(seed: int, m: int, d: int) -> int:
    """The torch seed of a network's initialization: a stable function of (seed, m, d)."""
    return int(hashlib.sha256(f"init:{seed}:{m}:{d}".encode()).hexdigest()[:15], 16)


def init_network(seed: int, m: int, d: int, *, symmetric: bool = False, dtype=torch.float64, device="cpu"):
    """(a, V) with a: (m,), V: (m, d) as in docs/science.md (initialization), drawn on the CPU in float64 then cast (device-independent)."""
    gen = torch.Generator().manual_seed(init_seed(seed, m, d))
    if symmetric:
        if m % 2:
            raise ValueError(f"symmetric initialization needs an even width m, got m={m}")
        V = torch.randn(m // 2, d, generator=gen, dtype=torch.float64)
        a = torch.randn(m // 2, generator=gen, dtype=torch.float64)
        V, a = torch.cat([V, V]), torch.cat([a, -a])
    else:
        V = torch.randn(m, d, generator=gen, dtype=torch.float64)
        a = torch.randn(m, generator=gen, dtype=torch.float64)
    return a.to(dtype=dtype, device=device), V.to(dtype=dtype, device=device)


def twin_networks(a: torch.Tensor, V: torch.Tensor) -> torch.Tensor | None:
    """Per network (shape a.shape[:-1]), True when its neurons are exact twins: (a_j, v_j) and
    (-a_j, v_j) for j < m/2 and the row j + m/2, bit for bit (the symmetric initialization). None for odd m."""
    m = a.shape[-1]
    if m % 2:
        return None
    h = m // 2
    return (a[..., :h] == -a[..., h:]).all(-1) & (V[..., :h, :] == V[..., h:, :]).all(-1).all(-1)


def homogeneous_output(a: torch.Tensor, V: torch.Tensor, X: torch.Tensor) -> torch.Tensor:
    """g(X; W) = relu(X V^T) a for (..., m), (..., m, d), (..., n, d) -> (..., n).

    Twin networks (:func:`twin_networks`) get s - s with s the first half's sum (exactly 0)."""
    act = torch.relu(X @ V.transpose(-1, -2))
    g = (act * a.unsqueeze(-2)).sum(-1)
    twins = twin_networks(a, V)
    if twins is not None and bool(twins.any()):
        h = a.shape[-1] // 2
        s = (act[..., :h] * a[..., :h].unsqueeze(-2)).sum(-1)
        g = torch.where(twins.unsqueeze(-1), s - s, g)
    return g


def network_output(a, V, X):
    """f(X; W) = g(X; W) / sqrt(m)."""
    return homogeneous_output(a, V, X) / math.sqrt(a.shape[-1])


def weight_norm_sq(a: torch.Tensor, V: torch.Tensor) -> torch.Tensor:
    """||W||_F^2 = sum_j a_j^2 + ||v_j||^2 (over the last axes)."""
    return (a * a).sum(-1) + (V * V).sum((-1, -2))


def normalized_margin(a, V, X, y) -> torch.Tensor:
    """gamma(W) = min_i y_i g(x_i; W) / ||W||_F^2 in float64 (invariant to W -> c W, c > 0)."""
    a, V, X, y = (t.to(torch.float64) for t in (a, V, X, y))
    return (y * homogeneous_output(a, V, X)).min(-1).values / weight_norm_sq(a, V)


def logistic_loss(z: torch.Tensor) -> torch.Tensor:
    """l(z) = log(1 + exp(-z)), stable for all z."""
    return torch.nn.functional.softplus(-z)


def log_logistic_loss(z: torch.Tensor) -> torch.Tensor:
    """log l(z) without underflow: log(softplus(-z)) for z <= 30, else -z - exp(-z)/2."""
    big = z > LOG_LOSS_SWITCH
    small = torch.log(torch.nn.functional.softplus(-torch.where(big, torch.zeros_like(z), z)))
    return torch.where(big, -z - 0.5 * torch.exp(-z), small)


def log_risk(z: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
    """log R = log sum_i w_i l(z_i) over the last axis (w_i = 1/n on real samples, 0 on padding)."""
    logw = torch.where(weights > 0, torch.log(weights.clamp_min(1e-300)), torch.full_like(weights, -math.inf))
    return torch.logsumexp(logw + log_logistic_loss(z), dim=-1)
