"""The memorizing KKT-type network (docs/science.md#memorizing-network, claim R6 in docs/claims.md): one neuron per training point.

Neuron i has v_i = x_i / ||x_i|| and a_i = y_i (both of unit size, so every neuron carries the same
weight mass). On nearly orthogonal points its normalized margin min_i y_i g(x_i) / ||W||_F^2 is of
order 1/n: the value that a bad KKT point of the margin objective may have, and that GF is claimed to
escape. On correlated data such as the parity cube it need not even fit (its margin can be
negative), so claim R6 tests GF's margin against the 1/n rate itself; this margin is reported alongside.
"""

from __future__ import annotations

import numpy as np
import torch

from .model import normalized_margin


def memorizing_network(X: np.ndarray, y: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
    """(a, V) with one neuron per training point: v_i = x_i / ||x_i||, a_i = y_i (float64)."""
    X = np.asarray(X, dtype=np.float64)
    V = X / np.linalg.norm(X, axis=1, keepdims=True)
    return torch.as_tensor(np.asarray(y, dtype=np.float64)), torch.as_tensor(V)


def memorizing_margin(X, y) -> float:
    """Normalized margin of :func:`memorizing_network` on its own training set."""
    a, V = memorizing_network(X, y)
    Xt, yt = torch.as_tensor(np.asarray(X, float)), torch.as_tensor(np.asarray(y, float))
    return float(normalized_margin(a, V, Xt, yt))
