"""The no-rotation learner's frozen-direction LP columns (used by lowrot.pipeline.train)."""

from __future__ import annotations

import math

import pandas as pd


def frozen_lp_columns(networks, X_list, y_list, V0) -> pd.DataFrame:
    """Per no-rotation network: the LP margin over its own frozen directions on its training set
    (the value its normalized margin should approach; see docs/claims.md), with the LP's status.
    Solved by column generation with exact pricing (:func:`lowrot.margins.frozen_lp.frozen_lp_margin`,
    relative width <= FROZEN_LP_TOL = 1e-3 when 'optimal'): frozen_lp_value is the certified lower end,
    frozen_lp_upper the certified upper end. Statuses: 'optimal', 'not_separable' (value 0: no measure
    over these directions classifies the set), 'stalled' / 'iteration_limit' (a valid but wider
    bracket), 'solver_error: ...' (value NaN, upper +inf), 'invalid_data: ...' (e.g. one class only
    among the first n points; value NaN, upper +inf). Rows, never exceptions."""
    from .errors import DataError
    from .margins.frozen_lp import FROZEN_LP_TOL, frozen_lp_margin

    out = []
    for (seed, n), X, y, V in zip(networks, X_list, y_list, V0):
        try:
            r = frozen_lp_margin(X, y, V, tol=FROZEN_LP_TOL)
            out.append({"seed": seed, "n": n, "frozen_lp_value": r.value, "frozen_lp_upper": r.upper, "frozen_lp_status": r.status})
        except DataError as exc:  # e.g. one class only among the first n points
            out.append({"seed": seed, "n": n, "frozen_lp_value": math.nan, "frozen_lp_upper": math.inf, "frozen_lp_status": f"invalid_data: {exc}"})
    return pd.DataFrame(out)
