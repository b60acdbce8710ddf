"""Measurements along training (docs/science.md) for a batch of networks, all in float64.

Rotation of neuron j: the angle between v_j(t) and v_j(0), computed as 2 atan2(|u - u0|, |u + u0|)
for unit vectors u, u0 (accurate for small and for large angles). Summaries: plain mean, mean
weighted by ||w_j(t)||^2 = a_j^2 + ||v_j||^2 ("mass-weighted"), and the fractions above 10 and 30 degrees.
NC alignment: sum_j ||w_j||^2 max_c |cos(v_j, mu_c)| / sum_j ||w_j||^2 for group centres mu_c.
Feature selection: sum_j ||P_S v_j||^2 / ||V||_F^2 with P_S the projection on the span of the
support directions (the coordinates S, rotated with the data when the dataset is rotated); it starts
near |S|/d at a Gaussian initialization.
"""

from __future__ import annotations

import math

import torch

from .model import homogeneous_output, logistic_loss, weight_norm_sq


def rotation_degrees(V0: torch.Tensor, V: torch.Tensor) -> torch.Tensor:
    """Per-neuron angle (degrees) between rows of V0 and V, shape (..., m)."""
    u0 = V0 / V0.norm(dim=-1, keepdim=True)
    u = V / V.norm(dim=-1, keepdim=True)
    ang = 2.0 * torch.atan2((u - u0).norm(dim=-1), (u + u0).norm(dim=-1))
    return torch.rad2deg(ang)


def rotation_summary(a, V, V0) -> dict:
    """Mean, mass-weighted mean, and fractions above 10 and 30 degrees of the per-neuron rotation."""
    ang = rotation_degrees(V0, V)
    mass = a * a + (V * V).sum(-1)
    return {
        "rot_mean_deg": ang.mean(-1),
        "rot_weighted_deg": (ang * mass).sum(-1) / mass.sum(-1),
        "rot_frac_10": (ang > 10.0).to(ang.dtype).mean(-1),
        "rot_frac_30": (ang > 30.0).to(ang.dtype).mean(-1),
    }


def feature_mass(V: torch.Tensor, support_basis: torch.Tensor | None) -> torch.Tensor:
    """sum_j ||P_S v_j||^2 / ||V||_F^2 with support_basis (d, |S|) orthonormal; NaN when there is none."""
    if support_basis is None:
        return torch.full(V.shape[:-2], math.nan, dtype=V.dtype, device=V.device)
    proj = V @ support_basis
    return (proj * proj).sum((-1, -2)) / (V * V).sum((-1, -2))


def nc_alignment(a, V, centres: torch.Tensor | None) -> torch.Tensor:
    """Mass-weighted mean over neurons of max_c |cos(v_j, mu_c)| (weights a_j^2 + ||v_j||^2); NaN without centres."""
    if centres is None:
        return torch.full(V.shape[:-2], math.nan, dtype=V.dtype, device=V.device)
    cos = (V / V.norm(dim=-1, keepdim=True)) @ centres.T
    best = cos.abs().max(-1).values
    mass = a * a + (V * V).sum(-1)
    return (best * mass).sum(-1) / mass.sum(-1)


def chunked_outputs(a, V, X, chunk: int = 4096) -> torch.Tensor:
    """g(X; W) for a batch (B, m), (B, m, d) over a shared X (T, d), in chunks of rows; -> (B, T)."""
    return torch.cat([homogeneous_output(a, V, X[i : i + chunk].unsqueeze(0)) for i in range(0, X.shape[0], chunk)], -1)


def error_rate(margins: torch.Tensor, weights: torch.Tensor | None = None) -> torch.Tensor:
    """Fraction of points with y f(x) <= 0 (a zero output counts as an error)."""
    wrong = (margins <= 0).to(torch.float64)
    if weights is None:
        return wrong.mean(-1)
    return (wrong * weights).sum(-1)


def snapshot(a, V, a0, V0, X, y, w, X_test, y_test, support_basis, *, test_exact: bool = False, centres=None) -> dict:
    """All the measurements for a batch; inputs are cast to float64. Returns tensors of shape (B,).

    X, y, w: padded training sets (B, N, d), (B, N), (B, N) with w = 1/n on real rows, 0 on padding.
    test_exact: the test set is the whole population (full hypercube), so the standard error is 0.
    centres: (k, d) unit group centres of neural-collapse data, for the alignment column (else NaN).
    """
    f64 = torch.float64
    a, V, a0, V0 = (t.to(f64) for t in (a, V, a0, V0))
    X, y, w = X.to(f64), y.to(f64), w.to(f64)
    m = a.shape[-1]
    g = homogeneous_output(a, V, X)
    z = y * g / math.sqrt(m)
    real = w > 0
    nsq = weight_norm_sq(a, V)
    min_g = torch.where(real, y * g, torch.full_like(g, math.inf)).min(-1).values
    out = {
        "risk": (w * logistic_loss(z)).sum(-1),
        "train_error": error_rate(z, w),
        "min_margin": min_g / math.sqrt(m),
        "normalized_margin": min_g / nsq,
        "weight_norm_sq": nsq,
    }
    if X_test is not None:
        gt = chunked_outputs(a, V, X_test.to(f64))
        err = error_rate(y_test.to(f64) * gt)
        out["test_error"] = err
        # the full hypercube is the population itself: its test error is exact
        out["test_error_se"] = torch.zeros_like(err) if test_exact else torch.sqrt(err * (1 - err) / X_test.shape[0])
    dW = torch.sqrt(((a - a0) ** 2).sum(-1) + ((V - V0) ** 2).sum((-1, -2)))
    out["motion"] = dW
    out["motion_per_sqrt_m"] = dW / math.sqrt(m)
    out.update(rotation_summary(a, V, V0))
    out["feature_mass"] = feature_mass(V, None if support_basis is None else support_basis.to(f64))
    out["nc_alignment"] = nc_alignment(a, V, None if centres is None else centres.to(f64))
    return out
