"""The data stage: one dataset file per (instance, seed) -- that seed's training pool and the
instance's test set -- with its content hash (lowrot.data)."""

from __future__ import annotations

from ..data import make_dataset


def write_dataset(spec: dict, seed: int, master_seed: int, path) -> str:
    """Build the pool of network seed ``seed`` and the test set of instance ``spec``, save them
    atomically to ``path`` and return a one-line summary. A seed's pool does not depend on the other
    seeds, so adding a seed leaves the existing files as they are."""
    ds = make_dataset(dict(spec), [int(seed)], master_seed=master_seed)
    ds.save(path)
    return f"{path}: pool of {ds.X_pool.shape[1]} points for seed {seed}, test {ds.test_kind} ({len(ds.y_test)}), hash {ds.hash}"
