"""Plumbing for scripts/: the same script runs under Snakemake (``script:``) or from the command line.

Under Snakemake the injected ``snakemake`` object is used as is. From a shell:
``python scripts/NAME.py job.json`` where job.json holds {"input": {...}, "output": {...},
"params": {...}, "wildcards": {...}, "config": {...}, "log": ["file"], "threads": 1}. Either way
logging goes to the job's log file (and stderr), an uncaught exception's traceback is written to the
log before the job exits non-zero, and torch uses the job's thread count.
"""

from __future__ import annotations

import json
import logging
import sys
from types import SimpleNamespace


class _Named(SimpleNamespace):
    """Attribute and item access, like snakemake's Namedlist."""

    def __getitem__(self, k):
        return list(vars(self).values())[k] if isinstance(k, int) else getattr(self, k)

    def items(self):
        return vars(self).items()


def _from_json(path) -> SimpleNamespace:
    with open(path) as fh:
        spec = json.load(fh)
    return SimpleNamespace(
        input=_Named(**spec.get("input", {})),
        output=_Named(**spec.get("output", {})),
        params=_Named(**spec.get("params", {})),
        log=list(spec.get("log", [])),
        threads=int(spec.get("threads", 1)),
        wildcards=_Named(**spec.get("wildcards", {})),
        config=dict(spec.get("config", {})),
    )


def _log_uncaught(exc_type, exc, tb) -> None:
    """sys.excepthook of a job: the traceback goes to the job's log and stderr (through the handlers
    of :func:`job`); Python then exits with status 1."""
    logging.getLogger("lowrot.job").critical("job failed", exc_info=(exc_type, exc, tb))
    logging.shutdown()


def job(namespace: dict):
    """Return the job (snakemake object or one read from argv[1]) after setting up logging and threads."""
    sm = namespace.get("snakemake")
    if sm is None:
        if len(sys.argv) != 2:
            raise SystemExit(f"usage: python {sys.argv[0]} job.json  (keys: input, output, params, wildcards, config, log, threads)")
        sm = _from_json(sys.argv[1])
    handlers = [logging.StreamHandler(sys.stderr)]
    if len(sm.log):
        handlers.append(logging.FileHandler(str(sm.log[0]), mode="w"))
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s", handlers=handlers, force=True)
    sys.excepthook = _log_uncaught
    import torch

    torch.set_num_threads(max(1, int(sm.threads)))
    return sm
