"""The margin stage: one margin job's table (population, training-set or frozen-direction margins
of one dataset file, or the 2-parity population margins at one d); see lowrot.margin_jobs."""

from __future__ import annotations

from ..data import Dataset
from ..io import write_table
from ..margin_jobs import MARGIN_JOBS, parity_population_margins


def dataset_margins(kind: str, data_path, dataset: str, instance: str, settings: dict, out) -> None:
    """Margins of ``kind`` ('population', 'training' or 'frozen') of one dataset file, labelled by
    its dataset and instance names and its content hash, written atomically to ``out``."""
    ds = Dataset.load(data_path)
    rows = MARGIN_JOBS[kind](ds, dict(settings))
    rows.insert(0, "dataset", dataset)
    rows.insert(1, "instance", instance)
    rows["data_hash"] = ds.hash
    write_table(rows, out)


def parity_margins(d: int, settings: dict, out) -> None:
    """Population margins of 2-sparse parity at dimension ``d`` (no dataset file: the cube itself)."""
    write_table(parity_population_margins(int(d), dict(settings)), out)
