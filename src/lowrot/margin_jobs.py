"""The margin stage of the DAG: population margins, training-set margins with the kernel machine,
and LP margins over frozen random directions. Each function returns a tidy table (one row per
quantity and problem) whose rows carry the solver's status and bracket; nothing is clipped or dropped.

Which solver is used where (stated once, here):
- population margins of parity on the full cube: gamma_ntk by the symmetric fast path
  (:func:`lowrot.margins.ntk_margin_parity_cube`), gamma_ntk2 by the kernel QP on the cube when it has
  at most ``kernel_max_points`` points, gamma_gl by column generation when it has at most
  ``global_max_points`` points; larger problems are skipped and a row with status 'skipped_size' says so.
- population margins of 2-sparse parity over ``parity_dims`` (no dataset, :func:`parity_population_margins`):
  gamma_ntk exactly per direction; gamma_gl certified where the cube has at most ``global_max_points``
  points (closed form beyond); for d <= ``general_max_dim`` also gamma_gl_general: the same column
  generation with ``general=True`` (no parity certificate, no dictionary seeded with sparse sign
  directions), the solver that decides the claim that gamma_gl = 1/(4 sqrt(2d)).
- other datasets (sampled test sets): the general solvers on the first ``population_points`` test
  points (a sample, labelled as such in the ``problem`` column).
- training sets: gamma_ntk2 (and the kernel machine's test error) for every (seed, n); gamma_ntk and
  gamma_gl for n <= ``training_max_n``; the memorizing network's normalized margin for every set.
- frozen directions: the LP margin over the m unit directions v_j(0)/||v_j(0)|| of the initialization
  of network (seed, m, d) -- exactly the directions a no-rotation network keeps.

Columns: value, lower, upper (a certified upper bound or +inf, never an estimate), status, certified,
estimate (gamma_gl's heuristic estimate of its dual bound; NaN for other solvers), mc_stderr,
iterations, gap. A solver failure is a row with status 'solver_error: <message>', never an exception.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .margins.frozen_lp import FROZEN_LP_TOL, frozen_lp_margin
from .margins.global_margin import global_margin
from .margins.kernel import kernel_machine_test_error, kernel_margin
from .margins.ntk import ntk_margin, ntk_margin_parity_cube
from .baselines import memorizing_margin
from .data import Dataset
from .errors import DataError
from .model import init_network


def _row(problem: str, quantity: str, res, **extra) -> dict:
    row = {"problem": problem, "quantity": quantity, "value": res.value, "lower": res.lower, "upper": res.upper, "status": res.status}
    for f in ("mc_stderr", "certified", "estimate", "iterations", "gap"):
        row[f] = getattr(res, f, np.nan)
    row.update(extra)
    return row


def _skipped(problem, quantity, reason, **extra) -> dict:
    return {"problem": problem, "quantity": quantity, "value": np.nan, "lower": np.nan, "upper": np.inf, "status": reason, **extra}


def population_margins(ds: Dataset, s: dict) -> pd.DataFrame:
    """gamma_ntk, gamma_ntk2 and gamma_gl of the dataset's population (full cube) or test sample."""
    X, y = ds.X_test, ds.y_test
    problem = "population" if ds.test_kind == "full_cube" else f"test_sample_{min(len(y), s['population_points'])}"
    if ds.test_kind != "full_cube":
        X, y = X[: s["population_points"]], y[: s["population_points"]]
    rows = []
    if ds.test_kind == "full_cube" and "support" in ds.meta:
        rows.append(_row(problem, "gamma_ntk", ntk_margin_parity_cube(ds.d, ds.meta["support"], num_directions=s["ntk_directions"], seed=s["seed"]), method="parity_fast_path"))
    else:
        rows.append(_row(problem, "gamma_ntk", ntk_margin(X, y, num_directions=s["ntk_directions"], seed=s["seed"], tol=s["ntk_tol"]), method="general"))
    if len(y) <= s["kernel_max_points"]:
        rows.append(_row(problem, "gamma_ntk2", kernel_margin(X, y, tol=s["kernel_tol"]), method="qp"))
    else:
        rows.append(_skipped(problem, "gamma_ntk2", "skipped_size", method="qp"))
    if len(y) <= s["global_max_points"]:
        rows.append(_row(problem, "gamma_gl", global_margin(X, y, tol=s["global_tol"], max_rounds=s["global_max_rounds"], seed=s["seed"]), method="column_generation"))
    else:
        rows.append(_skipped(problem, "gamma_gl", "skipped_size", method="column_generation"))
    out = pd.DataFrame(rows)
    out.insert(0, "d", ds.d)
    out["points"] = len(y)
    return out


def training_set_margins(ds: Dataset, s: dict) -> pd.DataFrame:
    """Per (seed, n in s['sample_sizes']): the kernel machine's test error and gamma_ntk2 of the
    training set, the memorizing network's margin, and (n <= training_max_n) gamma_ntk and gamma_gl."""
    rows = []
    for si, seed in enumerate(ds.seeds):
        for n in s["sample_sizes"]:
            X, y = ds.train_set(si, n)
            base = {"seed": int(seed), "n": int(n), "d": ds.d}
            try:
                kr = kernel_margin(X, y, tol=s["kernel_tol"])
            except DataError as exc:  # e.g. a single class among the first n points
                rows.append(_skipped("training_set", "kernel_machine", f"invalid_data: {exc}", **base))
                continue
            err = kernel_machine_test_error(X, y, kr.q, ds.X_test, ds.y_test)
            rows.append(_row("training_set", "gamma_ntk2", kr, **base))
            rows.append({**base, "problem": "training_set", "quantity": "kernel_test_error", "value": err, "lower": err, "upper": err, "status": kr.status})
            mm = memorizing_margin(X, y)
            rows.append({**base, "problem": "training_set", "quantity": "memorizing_margin", "value": mm, "lower": mm, "upper": mm, "status": "exact"})
            if n <= s["training_max_n"]:
                rows.append(_row("training_set", "gamma_ntk", ntk_margin(X, y, num_directions=s["ntk_directions_training"], seed=s["seed"], tol=s["ntk_tol"]), **base))
                rows.append(_row("training_set", "gamma_gl", global_margin(X, y, tol=s["global_tol"], max_rounds=s["global_max_rounds"], seed=s["seed"]), **base))
    return pd.DataFrame(rows)


def frozen_direction_margins(ds: Dataset, s: dict) -> pd.DataFrame:
    """LP margin over the frozen initial directions of network (seed, m, d) for m in
    s['frozen_widths'], on the population (or the first global_max_points test points) (the frozen-direction claim of docs/claims.md).
    Column generation with exact pricing (:func:`lowrot.margins.frozen_lp.frozen_lp_margin`, relative
    width <= FROZEN_LP_TOL = 1e-3 when 'optimal'); value = lower is the certified lower end. Invalid
    data are a row with status 'invalid_data: ...'."""
    rows = []
    Xp, yp = ds.X_test[: s["global_max_points"]], ds.y_test[: s["global_max_points"]]
    problem = "population" if ds.test_kind == "full_cube" else "test_sample"
    for si, seed in enumerate(ds.seeds):
        for m in s["frozen_widths"]:
            _, V = init_network(int(seed), int(m), ds.d)
            U = (V / V.norm(dim=1, keepdim=True)).numpy()
            try:
                res = frozen_lp_margin(Xp, yp, U, tol=FROZEN_LP_TOL)
            except DataError as exc:  # e.g. one class only among the first global_max_points test points
                rows.append(_skipped(problem, "frozen_lp", f"invalid_data: {exc}", seed=int(seed), m=int(m), n=len(yp)))
                continue
            rows.append(_row(problem, "frozen_lp", res, seed=int(seed), m=int(m), n=len(yp)))
    out = pd.DataFrame(rows)
    out.insert(0, "d", ds.d)
    return out


def parity_population_margins(d: int, s: dict) -> pd.DataFrame:
    """Population margins of 2-sparse parity (support {0, 1}) on the cube {±1/√d}^d, no dataset needed
    (claims M1-M3): gamma_ntk for every d (exact Z(v), Monte Carlo over v); gamma_gl with the parity
    certificate where the cube has at most global_max_points points, else the closed form
    1/(4 sqrt(2d)) (a theorem: status 'closed_form'); and gamma_gl_general, the structure-free solver
    (no certificate, no sparse sign directions) for d <= general_max_dim (claim M2)."""
    from .data import hypercube, parity_labels

    # an independent direction sample per d (a shared seed would reuse the leading coordinates of
    # the same Gaussian draws across d and correlate the estimates that the M1 slope fit treats as independent)
    ntk = ntk_margin_parity_cube(d, (0, 1), num_directions=s["parity_ntk_directions"], seed=s["seed"] * 1000 + d)
    rows = [_row("population", "gamma_ntk", ntk, method=ntk.method, mc_stderr_directions=ntk.mc_stderr_directions, mc_stderr_points=ntk.mc_stderr_points)]
    if 2**d <= s["global_max_points"]:
        X = hypercube(d)
        y = parity_labels(X, (0, 1))
        rows.append(_row("population", "gamma_gl", global_margin(X, y, tol=s["global_tol"], max_rounds=s["global_max_rounds"], seed=s["seed"]), method="column_generation"))
        if d <= s["general_max_dim"]:
            res = global_margin(X, y, tol=s["global_tol"], max_rounds=s["global_max_rounds"], seed=s["seed"], general=True)
            rows.append(_row("population", "gamma_gl_general", res, method="column_generation_general"))
    else:
        v = 1 / (4 * np.sqrt(2 * d))
        rows.append({"problem": "population", "quantity": "gamma_gl", "value": v, "lower": v, "upper": v, "status": "closed_form", "certified": True, "method": "closed_form"})
    out = pd.DataFrame(rows)
    out.insert(0, "d", d)
    out["points"] = 2**d
    return out


MARGIN_JOBS = {"population": population_margins, "training": training_set_margins, "frozen": frozen_direction_margins}
