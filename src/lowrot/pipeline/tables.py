"""The table stage: per-job tables concatenated into one tidy table in canonical row order."""

from __future__ import annotations

from ..io import write_table
from ..tables import concat_tables


def concat(paths, out) -> None:
    """Concatenate the per-job CSVs ``paths`` into ``out`` (atomically, canonical row order)."""
    write_table(concat_tables(list(paths)), out)
