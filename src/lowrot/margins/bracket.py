"""Certified brackets: the result types of the margin solvers and the simplex helpers they share.

Every margin of docs/science.md is a min-max over the probability simplex Δ_n = {q >= 0, Σ q_i = 1} of
weights on the training points. A solver never reports a single number as exact: it reports a
bracket [lower, upper] that contains the value of the problem it solved, a ``status`` and the
work it did. Status words (one vocabulary for all solvers):

- ``'optimal'``: the bracket is certified and its relative width is within the requested tolerance;
- ``'iteration_limit'``: the solver stopped at its iteration (or round) limit; the bracket is still
  valid but wider than requested;
- ``'converged_uncertified'`` (global margin only): no improving column was found, but the search
  for one was heuristic, so nothing certifies an upper end: ``upper`` is +inf and the heuristic
  value sits in ``estimate`` (``certified`` is False). ``upper`` only ever holds a certified bound;
- ``'stalled'`` (global margin): nothing enters and the certified bracket is wider than requested;
- ``'not_separable'`` (global margin): the certified upper bound is 0 up to rounding, value = lower = 0;
- ``'solver_error: <message>'``: the LP solver failed; value = lower = NaN, upper = +inf, the
  solver's message is kept. Solvers never raise on a numerical failure.

Shared helpers: :func:`project_simplex` (sort-based Euclidean projection, batched and masked),
:func:`merge_duplicates` / :func:`spread_weights` (identical points with the same label merge
exactly: every objective here depends on q only through the total weight of each distinct point),
and :func:`to_numpy` / :func:`as_float64` (inputs as numpy arrays, or as float64 torch tensors on the
requested device).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
import torch

OPTIMAL = "optimal"
ITERATION_LIMIT = "iteration_limit"
CONVERGED_UNCERTIFIED = "converged_uncertified"


@dataclass
class Bracket:
    """A value with a certified bracket: ``lower <= (value of the solved problem) <= upper``.

    ``value`` is the solver's point estimate (which end of the bracket it is, is stated by each
    solver); ``status`` is one of the words in the module docstring.
    """

    value: float
    lower: float
    upper: float
    status: str

    @property
    def width(self) -> float:
        """Width of the bracket, upper - lower."""
        return self.upper - self.lower

    @property
    def relative_width(self) -> float:
        """(upper - lower) / upper (0 when both are 0, inf when upper is 0 and lower is not)."""
        if self.upper == 0.0:
            return 0.0 if self.lower == 0.0 else math.inf
        return self.width / abs(self.upper)

    def contains(self, x: float, rtol: float = 0.0, atol: float = 0.0) -> bool:
        """True when lower - slack <= x <= upper + slack, slack = atol + rtol * |x|."""
        slack = atol + rtol * abs(x)
        return self.lower - slack <= x <= self.upper + slack

    def summary(self) -> dict:
        """The scalar fields as a flat dict (arrays left out), for tidy table rows."""
        return {k: v for k, v in asdict(self).items() if np.isscalar(v) or v is None}


# --------------------------------------------------------------------------------------------
# helpers shared by the simplex solvers


def to_numpy(x) -> np.ndarray:
    """``x`` (tensor on any device, array or nested list) as a numpy array."""
    return x.detach().cpu().numpy() if torch.is_tensor(x) else np.asarray(x)


def as_float64(x, device=None) -> torch.Tensor:
    """``x`` (numpy array, tensor or nested list) as a new, contiguous float64 torch tensor on ``device``.

    ``device=None`` keeps a tensor where it is and puts anything else on the CPU. The result is
    always a copy in torch's own memory (64-byte aligned on the CPU), never a view of a numpy buffer:
    BLAS kernels (MKL) may round differently depending on the alignment of their operands, and a
    numpy buffer's alignment varies from run to run, so a shared buffer makes reruns differ in the
    last bits.
    """
    if torch.is_tensor(x):
        dev = device if device is not None else x.device
        return x.to(dtype=torch.float64, device=dev, copy=True, memory_format=torch.contiguous_format)
    return torch.tensor(np.asarray(x, dtype=np.float64), dtype=torch.float64, device=device if device is not None else "cpu")


def project_simplex(v: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
    """Euclidean projection of each row of ``v`` (shape (..., n)) onto the probability simplex.

    Sort-based algorithm (Held et al. 1974; Duchi et al. 2008): with u the entries sorted in
    decreasing order, rho = max{j : u_j - (Σ_{i<=j} u_i - 1)/j > 0} and theta = (Σ_{i<=rho} u_i - 1)/rho,
    the projection is max(v - theta, 0). ``mask`` (bool, same shape) restricts each row to the
    entries where it is True; the others are set to 0. Every row must keep at least one entry.
    """
    if mask is None:
        w = v
        count = torch.full(v.shape[:-1], v.shape[-1], device=v.device, dtype=torch.long)
    else:
        w = torch.where(mask, v, torch.full_like(v, -math.inf))
        count = mask.sum(-1)
    u, _ = torch.sort(w, dim=-1, descending=True)
    n = v.shape[-1]
    k = torch.arange(1, n + 1, device=v.device, dtype=v.dtype)
    valid = k <= count.unsqueeze(-1)
    css = torch.cumsum(torch.where(valid, u, torch.zeros_like(u)), dim=-1) - 1.0
    cond = valid & (u - css / k > 0)
    rho = (cond * torch.arange(n, device=v.device)).amax(dim=-1, keepdim=True)  # last True index
    theta = torch.gather(css, -1, rho) / (rho + 1).to(v.dtype)
    out = torch.clamp(v - theta, min=0.0)
    return out if mask is None else torch.where(mask, out, torch.zeros_like(out))


def merge_duplicates(X: np.ndarray, y: np.ndarray):
    """Merge identical rows of X (they carry the same label: validated data have no conflicts).

    Returns (X_distinct, y_distinct, inverse, counts) with X[i] == X_distinct[inverse[i]].
    """
    Xu, idx, inverse, counts = np.unique(X, axis=0, return_index=True, return_inverse=True, return_counts=True)
    return Xu, y[idx], inverse.ravel(), counts


def spread_weights(q_distinct: np.ndarray, inverse: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Weights on the original points: each distinct point's weight split equally among its copies."""
    return q_distinct[inverse] / counts[inverse]
