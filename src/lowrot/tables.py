"""Tidy tables: concatenation of per-job tables and the summaries that figures read."""

from __future__ import annotations

import pandas as pd

TRAJECTORY_EVENTS = ("checkpoint", "final")


def sort_rows(df: pd.DataFrame) -> pd.DataFrame:
    """A canonical row order, so that equal results give equal bytes."""
    keys = [c for c in ("learner", "dataset", "instance", "d", "m", "n", "seed", "step", "event") if c in df.columns]
    return df.sort_values(keys, kind="mergesort").reset_index(drop=True)


def concat_tables(paths) -> pd.DataFrame:
    """Concatenate per-job CSVs into one table in canonical row order (empty tables are kept as columns)."""
    frames = [pd.read_csv(p) for p in paths]
    if not frames:
        raise ValueError("no tables to concatenate")
    return sort_rows(pd.concat(frames, ignore_index=True))


def final_rows(traj: pd.DataFrame) -> pd.DataFrame:
    """One row per trained network: its 'final' event (diverged networks have none and are counted apart)."""
    return traj[traj["event"] == "final"]


def mean_sem(df: pd.DataFrame, by: list[str], value: str) -> pd.DataFrame:
    """Mean, standard error of the mean and count of ``value`` over the rows of each group."""
    g = df.groupby(by)[value]
    out = g.agg(["mean", "sem", "count"]).reset_index()
    return out.rename(columns={"mean": f"{value}_mean", "sem": f"{value}_sem", "count": "networks"})
