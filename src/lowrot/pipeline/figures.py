"""The figure stage and the one registry of figures.

A figure is ONE entry of :data:`FIGURES` plus ONE caption file ``workflow/report/figures/<name>.rst``.
An entry says:

- ``tables``: the aggregated tables it reads (``results/tables/<name>.csv``), or ``weights``: which
  training jobs' final weights it reads (a function of the config giving (sweep, widths); the first
  instance and the first seed of that sweep);
- ``config``: the config keys it reads (dotted paths; a drawing function that reads any other key
  fails, so the figure's params are exactly the keys it reads);
- ``when``: an optional condition on the config (a figure whose data the config cannot produce is
  left out);
- ``draw``: a function of (inputs, config subset) returning a matplotlib figure.

This module imports neither matplotlib nor torch (the Snakefile imports it to plan one rule per
figure); :mod:`lowrot.plots` is imported only inside the drawing functions, in the figure job.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from ..io import read_table
from .grid import sweep_dims, uses_kind, width_sweep

COMMON_KEYS = ("datasets", "figures.dpi")  # titles describe the datasets; the job saves at figures.dpi


@dataclass(frozen=True)
class Figure:
    draw: Callable
    tables: tuple[str, ...] = ()
    weights: Callable[[dict], tuple[str, list[int]]] | None = None
    config: tuple[str, ...] = ()
    when: Callable[[dict], bool] | None = None

    def keys(self) -> tuple[str, ...]:
        return COMMON_KEYS + self.config


def _plots():
    from .. import plots

    return plots


def _sweep(traj, cfg):
    return traj[traj["sweep"] == cfg["figures"]["training_sweep"]]


def _eps(cfg):
    return cfg["analysis"]["epsilons"][0]


def _training_weights(cfg):
    name = cfg["figures"]["training_sweep"]
    return name, [max(cfg["sweeps"][name]["widths"])]


def _width_weights(cfg):
    name = width_sweep(cfg)
    return name, cfg["sweeps"][name]["widths"]


def _neurons_scatter(W: list[dict], cfg):
    """Inner weights on coordinates 0 and 1 of the training sweep's widest network at its largest n."""
    plots = _plots()
    weights = W[0]
    i = int(weights["n"].argmax())
    name = cfg["figures"]["training_sweep"]
    sweep = cfg["sweeps"][name]
    title = (f"{plots.describe_dataset(sweep['dataset'], cfg)}; sweep {name} ({sweep['learner']}), d = {weights['V'].shape[2]}, "
             f"width m = {weights['a'].shape[1]}, n = {weights['n'][i]}, seed {weights['seeds'][i]} (one network); end of run")
    return plots.neuron_scatter(weights, i, title)


def _rotation_histograms(W: list[dict], cfg):
    """Rotation histograms of the width sweep, one panel per width (networks at the largest n pooled)."""
    plots = _plots()
    by_m, ns, seeds, dims = {}, set(), set(), set()
    for f in W:
        keep = f["n"] == f["n"].max()
        by_m[int(f["a"].shape[1])] = {k: f[k][keep] for k in ("a", "V", "V0")}
        ns.add(int(f["n"].max()))
        seeds.update(int(s) for s in f["seeds"][keep])
        dims.add(int(f["V"].shape[2]))
    name = width_sweep(cfg)
    sweep = cfg["sweeps"][name]
    info = (f"{plots.describe_dataset(sweep['dataset'], cfg)}; sweep {name} ({sweep['learner']}), d = {sorted(dims)}, "
            f"n = {sorted(ns)}, seeds {sorted(seeds)} pooled per width; end of run")
    return plots.rotation_histograms(by_m, info)


SWEEP = ("figures.training_sweep",)
EPS = ("analysis.epsilons",)
RISK = ("train.risk_milestone",)

FIGURES: dict[str, Figure] = {
    "test_error_vs_n": Figure(lambda T, c: _plots().test_error_vs_n(_sweep(T["trajectories"], c), c), ("trajectories",), config=SWEEP + EPS),
    "margin_vs_time": Figure(lambda T, c: _plots().margin_vs_time(_sweep(T["trajectories"], c), T["margins_population"], c), ("trajectories", "margins_population"), config=SWEEP + RISK),
    "motion_vs_time": Figure(lambda T, c: _plots().motion_vs_time(_sweep(T["trajectories"], c), c), ("trajectories",), config=SWEEP),
    "feature_selection": Figure(lambda T, c: _plots().feature_selection(_sweep(T["trajectories"], c), c), ("trajectories",), config=SWEEP),
    "neurons_scatter": Figure(_neurons_scatter, weights=_training_weights, config=SWEEP + ("sweeps",)),
    "error_collapse": Figure(lambda T, c: _plots().error_collapse(T["final_networks"], c), ("final_networks",)),
    "n_star_vs_d": Figure(lambda T, c: _plots().n_star_vs_d(T["sample_complexity"], T["exponents"], _eps(c), c), ("sample_complexity", "exponents"), config=EPS + ("seeds",)),
    "gf_margin_vs_d": Figure(
        lambda T, c: _plots().gf_margin_vs_d(_sweep(T["trajectories"], c), T["margins_population"], c),
        ("trajectories", "margins_population"),
        config=SWEEP + RISK,
        when=lambda c: c["sweeps"][c["figures"]["training_sweep"]]["learner"] == "gf" and len(sweep_dims(c, c["figures"]["training_sweep"])) >= 2,
    ),
    "motion_vs_width": Figure(lambda T, c: _plots().motion_vs_width(T["width_stats"], T["width_fits"], c), ("width_stats", "width_fits"), config=RISK, when=lambda c: width_sweep(c) is not None),
    "rotation_vs_width": Figure(lambda T, c: _plots().rotation_vs_width(T["width_stats"], T["width_fits"], c), ("width_stats", "width_fits"), config=RISK, when=lambda c: width_sweep(c) is not None),
    "rotation_histograms": Figure(_rotation_histograms, weights=_width_weights, config=("sweeps",), when=lambda c: width_sweep(c) is not None),
    "nc_sample_complexity": Figure(
        lambda T, c: _plots().nc_panels(T["final_networks"], T["sample_complexity"], T["exponents"], _eps(c), c),
        ("final_networks", "sample_complexity", "exponents"),
        config=EPS,
        when=lambda c: uses_kind(c, "nc"),
    ),
    "margins_vs_d": Figure(lambda T, c: _plots().margins_vs_d(T["margins_population"], T["margin_exponents"], c, T.get("margins_parity")), ("margins_population", "margin_exponents", "margins_parity")),
    "frozen_margin_vs_width": Figure(lambda T, c: _plots().frozen_margin_vs_width(T["margins_frozen"], T["margins_population"], c), ("margins_frozen", "margins_population")),
    "n_star_vs_inverse_margin_sq": Figure(
        lambda T, c: _plots().n_star_vs_inverse_margin_sq(T["sample_complexity"], T["margins_population"], T["margins_frozen"], T["final_networks"], _eps(c), c),
        ("sample_complexity", "margins_population", "margins_frozen", "final_networks"),
        config=EPS + ("seeds",),
        when=lambda c: any(sw["dataset"] in c["margins"]["datasets"] and ("search" in sw or len(sw["sample_sizes"]) >= 2) for sw in c["sweeps"].values()),
    ),
    "norot_margin_convergence": Figure(lambda T, c: _plots().norot_margin_convergence(T["trajectories"], c), ("trajectories",), when=lambda c: any(sw["learner"] == "norot" for sw in c["sweeps"].values())),
}


def active_figures(cfg: dict) -> list[str]:
    """Names of the figures this config can draw, in registry order."""
    return [name for name, f in FIGURES.items() if f.when is None or f.when(cfg)]


class DeclaredConfig(dict):
    """A config subset that refuses keys its figure did not declare (``[]`` and ``.get`` alike), so a
    drawing function cannot read a key that is not in its job's params."""

    def __init__(self, data: dict, where: str):
        super().__init__({k: DeclaredConfig(v, f"{where}.{k}") if isinstance(v, dict) else v for k, v in data.items()})
        self._where = where

    def __missing__(self, key):
        raise KeyError(f"{self._where}: config key {key!r} is read but not declared in lowrot.pipeline.figures.FIGURES")

    def get(self, key, default=None):
        return self[key]


def figure_config(cfg: dict, name: str) -> dict:
    """The config keys one figure reads (a nested dict of its registry entry's dotted paths)."""
    out: dict = {}
    for path in FIGURES[name].keys():
        *parents, last = path.split(".")
        src, dst = cfg, out
        for p in parents:
            src, dst = src[p], dst.setdefault(p, {})
        dst[last] = src[last]
    return out


def read_weights(path) -> dict:
    """The arrays of one training job's weights file (seeds, n, a0, V0, a, V)."""
    import numpy as np

    with np.load(path) as f:
        return {k: f[k] for k in f.files}


def draw_figure(name: str, inputs: dict, cfg: dict, outputs) -> None:
    """Draw figure ``name`` from its inputs (table name -> path, or the weights files in order) with
    its config subset ``cfg`` (exactly its declared keys) and save it to every path of ``outputs``."""
    from pathlib import Path

    entry = FIGURES[name]
    declared = DeclaredConfig(cfg, name)
    if entry.weights is None:
        data = {t: read_table(inputs[t]) for t in entry.tables}
    else:
        data = [read_weights(p) for p in inputs["weights"]]
    fig = entry.draw(data, declared)
    _plots().save(fig, [Path(p) for p in outputs], dpi=cfg["figures"]["dpi"])
