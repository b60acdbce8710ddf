"""The memorizing network's margin has a closed form on orthogonal data."""

import numpy as np
import pytest

from lowrot.baselines import memorizing_margin


def test_orthogonal_points_closed_form():
    # x_i = e_i: only neuron i fires on x_i (others give relu(0) = 0), so y_i g(x_i) = 1 and
    # ||W||_F^2 = sum_i (a_i^2 + ||v_i||^2) = 2n: margin 1/(2n)
    for n in (2, 5, 9):
        X = np.eye(n)
        y = np.where(np.arange(n) % 2 == 0, 1.0, -1.0)
        assert memorizing_margin(X, y) == pytest.approx(1 / (2 * n), rel=1e-12)
