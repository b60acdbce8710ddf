"""The no-rotation learner's frozen-direction LP columns (used by lowrot.pipeline.train)."""

from __future__ import annotations

import math

import pandas as pd


def frozen_lp_columns(networks, X_list, y_list, V0) -> pd.DataFrame:
    """Per no-rotation network: the LP margin over its own frozen directions on its training set
    (the value its normalized margin should approach; see docs/claims.md), with the LP's status.
    Invalid data and solver failures are rows (status 'invalid_data: ...' or 'solver_error: ...',
    value NaN, upper +inf), never exceptions."""
    from .errors import DataError
    from .margins.lp import lp_margin_fixed_directions

    out = []
    for (seed, n), X, y, V in zip(networks, X_list, y_list, V0):
        try:
            r = lp_margin_fixed_directions(X, y, V)
            out.append({"seed": seed, "n": n, "frozen_lp_value": r.value, "frozen_lp_upper": r.upper, "frozen_lp_status": r.status})
        except DataError as exc:  # e.g. one class only among the first n points
            out.append({"seed": seed, "n": n, "frozen_lp_value": math.nan, "frozen_lp_upper": math.inf, "frozen_lp_status": f"invalid_data: {exc}"})
    return pd.DataFrame(out)
