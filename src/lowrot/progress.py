"""A progress line with an ETA during a Snakemake run.

Snakemake prints "N of M steps (x%) done" after each job, but no estimate of the time left. The
top-level Snakefile's `onstart:` handler calls `start(workflow)`, which starts a daemon thread
that every 60 s prints

    [lowrot] progress: F of T jobs finished, elapsed hh:mm:ss, ETA hh:mm:ss

F and T are Snakemake's own counts (the numbers of its "N of M steps" line). The ETA weighs
each job by its rule: a rule's weight is the mean duration ("s" column of the benchmark files) of
its jobs finished in this run, and a rule with none finished yet gets the mean over all finished
jobs. The time left is then elapsed x (weight of the jobs left) / (weight of the jobs finished),
the "elapsed / F x (T - F)" rule with jobs of unequal size; it needs no core count, so it holds
for local runs and cluster executors alike.

Snakemake calls `onstart` only for a real run (not for --dry-run, --lint, --report, ...,
and not inside cluster jobs, which run with --no-hooks). The thread only reads counters and
small benchmark files, stops when all jobs are done (or the process ends: it is a daemon), and
prints nothing when the environment variable LOWROT_PROGRESS_SECONDS is 0 or Snakemake is
quiet about progress. Any error inside it ends the thread silently: the run itself never
depends on it.
"""

from __future__ import annotations

import csv
import json
import math
import os
import sys
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence

DEFAULT_INTERVAL_S = 60.0
INTERVAL_ENV = "LOWROT_PROGRESS_SECONDS"


# ---------------------------------------------------------------------------- pure arithmetic


def format_hms(seconds: float | None) -> str:
    """hh:mm:ss (hours not wrapped at 24), rounded to the second; '--:--:--' when unknown."""
    if seconds is None or not math.isfinite(seconds):
        return "--:--:--"
    total = int(round(max(seconds, 0.0)))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}"


def _known(value: float | None) -> bool:
    return value is not None and math.isfinite(value) and value >= 0.0


def eta_seconds(
    elapsed: float,
    finished: Mapping[str, Sequence[float | None]],
    remaining: Mapping[str, int],
) -> float | None:
    """Seconds left, from the jobs finished so far.

    elapsed: seconds since the run started. finished: rule -> the durations (s) of its jobs finished
    in this run, None where a duration is not known. remaining: rule -> number of its jobs not
    finished (running ones included).

    Each job has a weight: its duration if known, else the mean of the known durations of its rule,
    else the mean over all known durations (1 when none is known, so that the estimate falls back
    to counting jobs). The estimate is elapsed * (weight left) / (weight finished). Returns 0 when no
    job is left and None when nothing has finished yet (no rate to go by).
    """
    n_left = sum(max(int(n), 0) for n in remaining.values())
    if n_left == 0:
        return 0.0
    n_done = sum(len(durations) for durations in finished.values())
    if n_done == 0 or not elapsed > 0.0:
        return None
    every = [s for durations in finished.values() for s in durations if _known(s)]
    overall = sum(every) / len(every) if every else 1.0
    rule_mean = {}
    for rule, durations in finished.items():
        known = [s for s in durations if _known(s)]
        rule_mean[rule] = sum(known) / len(known) if known else overall
    done = sum(s if _known(s) else rule_mean[rule] for rule, durations in finished.items() for s in durations)
    left = sum(max(int(n), 0) * rule_mean.get(rule, overall) for rule, n in remaining.items())
    if not done > 0.0:  # every finished job took 0 s: count jobs instead
        done, left = float(n_done), float(n_left)
    return elapsed * left / done


def progress_line(done: int, total: int, elapsed: float, eta: float | None) -> str:
    return f"[lowrot] progress: {done} of {total} jobs finished, elapsed {format_hms(elapsed)}, ETA {format_hms(eta)}"


def benchmark_seconds(path: str | os.PathLike) -> float | None:
    """Mean of the "s" column of a Snakemake benchmark file (.tsv, or .jsonl); None if unreadable."""
    try:
        with open(path, newline="") as handle:
            if str(path).endswith(".jsonl"):
                values = [json.loads(line)["s"] for line in handle if line.strip()]
            else:
                values = [row["s"] for row in csv.DictReader(handle, delimiter="\t")]
        seconds = [float(v) for v in values]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return sum(seconds) / len(seconds) if seconds else None


# ---------------------------------------------------------------------------- the reporter


class ProgressReporter:
    """Reads Snakemake's counters and prints the progress line; `run` is the thread's loop.

    It touches only what the scheduler and the DAG expose: scheduler.finished_jobs (the count of
    Snakemake's "N of M steps" line), len(dag) (M), dag.jobs, dag.finished(job),
    dag.needrun_jobs(), and each job's benchmark path and is_norun. Jobs with nothing to run
    (rule `all`) count in F and T but weigh nothing in the ETA.
    """

    def __init__(self, workflow, interval: float = DEFAULT_INTERVAL_S, emit: Callable[[str], None] | None = None, clock: Callable[[], float] = time.monotonic):
        self.workflow = workflow
        self.scheduler = workflow.scheduler
        self.dag = workflow.dag
        self.interval = interval
        self.emit = emit or _emit
        self.clock = clock
        self.started = clock()
        self.stop_event = threading.Event()
        self._seconds: dict[str, float] = {}  # benchmark path -> duration, once read

    def _duration(self, job) -> float | None:
        path = getattr(job, "benchmark", None)
        if not path:
            return None
        path = str(path)
        if path not in self._seconds:
            seconds = benchmark_seconds(path)
            if seconds is None:  # not there yet (a shared file system can show it late)
                return None
            self._seconds[path] = seconds
        return self._seconds[path]

    def _by_rule(self) -> tuple[dict[str, list[float | None]], Counter]:
        # list() copies the DAG's job collections in one C call, so the scheduler (main thread)
        # cannot change them under the loops below; should a copy race a change all the same
        # (RuntimeError), line() counts jobs instead for this tick
        jobs = list(self.dag.jobs)
        needrun = list(self.dag.needrun_jobs(exclude_finished=False))
        work = [job for job in jobs if not _norun(job)]
        finished = defaultdict(list)
        for job in work:
            if self.dag.finished(job):
                finished[job.rule.name].append(self._duration(job))
        remaining = Counter(job.rule.name for job in needrun if not (_norun(job) or self.dag.finished(job)))
        return finished, remaining

    def line(self) -> str | None:
        """The progress line now, or None once the run is over (all jobs done, or a new run)."""
        if getattr(self.workflow, "scheduler", None) is not self.scheduler:
            return None
        done, total = int(self.scheduler.finished_jobs), len(self.dag)
        if total == 0 or done >= total:
            return None
        elapsed = self.clock() - self.started
        try:
            finished, remaining = self._by_rule()
        except RuntimeError:
            finished, remaining = {"?": [None] * done}, {"?": total - done}
        return progress_line(done, total, elapsed, eta_seconds(elapsed, finished, remaining))

    def run(self) -> None:
        try:
            while not self.stop_event.wait(self.interval):
                if sys.is_finalizing():
                    return
                text = self.line()
                if text is None:
                    return
                self.emit(text)
        except Exception:  # never let the progress line disturb the run
            return


def _norun(job) -> bool:
    """A job with nothing to run (the target rule `all`): it takes no time, so it weighs nothing."""
    return bool(getattr(job, "is_norun", False))


def _emit(text: str) -> None:
    try:  # Snakemake's logger: the line goes to the terminal and to .snakemake/log/
        from snakemake.logging import logger

        logger.info(text)
    except Exception:
        print(text, file=sys.stderr, flush=True)


def interval_from_env(environ: Mapping[str, str] = os.environ) -> float:
    """Seconds between two lines: LOWROT_PROGRESS_SECONDS (0 turns the line off), else 60."""
    try:
        return float(environ.get(INTERVAL_ENV, DEFAULT_INTERVAL_S))
    except ValueError:
        return DEFAULT_INTERVAL_S


def _quiet(workflow) -> bool:
    quiet = getattr(getattr(workflow, "output_settings", None), "quiet", None) or ()
    return any(getattr(q, "name", str(q)).upper() in ("PROGRESS", "ALL") for q in quiet)


def start(workflow, interval: float | None = None) -> ProgressReporter | None:
    """Start the progress thread for this run (the Snakefile's onstart handler calls this).

    Returns the reporter (its stop_event ends the thread), or None when there is nothing to report:
    a dry run, progress quieted, the interval set to 0, or a Snakemake without the counters used.
    """
    try:
        interval = interval_from_env() if interval is None else interval
        if interval <= 0 or getattr(workflow, "dryrun", False) or _quiet(workflow):
            return None
        if not hasattr(getattr(workflow, "scheduler", None), "finished_jobs"):
            return None
        reporter = ProgressReporter(workflow, interval)
    except Exception:
        return None
    threading.Thread(target=reporter.run, name="lowrot-progress", daemon=True).start()
    return reporter
