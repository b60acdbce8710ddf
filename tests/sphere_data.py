"""Shared test data: random points inside the unit ball with random labels (both classes present)."""

import numpy as np


def sphere_data(n, d, seed):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    X *= rng.uniform(0.5, 1.0, (n, 1)) / np.linalg.norm(X, axis=1, keepdims=True)
    y = np.where(rng.random(n) < 0.5, 1.0, -1.0)
    y[:2] = (1.0, -1.0)
    return X, y
