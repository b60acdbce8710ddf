"""The progress line's arithmetic (known answers), its reader of Snakemake's state (a stand-in DAG),
and one real Snakemake run of a two-job workflow (the counters it reads exist and move)."""

import json
import math
import os
import subprocess
import sys
import threading
from types import SimpleNamespace

import pytest

from lowrot import progress
from lowrot.progress import benchmark_seconds, eta_seconds, format_hms, progress_line


@pytest.mark.parametrize(
    "seconds, text",
    [(0, "00:00:00"), (59.4, "00:00:59"), (59.6, "00:01:00"), (3661, "01:01:01"), (90000, "25:00:00"), (-3, "00:00:00"), (None, "--:--:--"), (math.inf, "--:--:--"), (math.nan, "--:--:--")],
)
def test_format_hms(seconds, text):
    assert format_hms(seconds) == text


def test_equal_durations_give_elapsed_over_finished_times_left():
    # 4 of 10 jobs in 100 s: 100 / 4 * 6
    assert eta_seconds(100.0, {"a": [2.0] * 4}, {"a": 6}) == pytest.approx(150.0)


def test_unknown_durations_count_jobs():
    assert eta_seconds(100.0, {"a": [None] * 4}, {"a": 6, "b": 2}) == pytest.approx(200.0)


def test_every_duration_zero_counts_jobs():
    assert eta_seconds(30.0, {"a": [0.0, 0.0, 0.0]}, {"a": 2, "b": 4}) == pytest.approx(60.0)


def test_rules_weigh_by_their_mean_duration():
    # finished work 10 * 1 + (10 + 30) = 50 s in 60 s; left 3 slow * 20 + 5 fast * 1 = 65 s
    finished = {"fast": [1.0] * 10, "slow": [10.0, 30.0]}
    assert eta_seconds(60.0, finished, {"slow": 3, "fast": 5}) == pytest.approx(60.0 * 65 / 50)


def test_rule_without_finished_jobs_gets_the_overall_mean():
    # mean 2 s; 4 jobs of b: 8 s of work against 4 s done in 10 s
    assert eta_seconds(10.0, {"a": [1.0, 3.0]}, {"b": 4}) == pytest.approx(20.0)


def test_unknown_duration_of_a_finished_job_gets_its_rule_mean():
    # done: 2 + 2 (the unknown one at a's mean) = 4 s in 8 s; left 1 job of a = 2 s
    assert eta_seconds(8.0, {"a": [2.0, None]}, {"a": 1}) == pytest.approx(4.0)


def test_nothing_finished_or_nothing_left():
    assert eta_seconds(50.0, {}, {"a": 3}) is None
    assert eta_seconds(0.0, {"a": [1.0]}, {"a": 3}) is None
    assert eta_seconds(50.0, {"a": [1.0]}, {}) == 0.0
    assert eta_seconds(50.0, {"a": [1.0]}, {"a": 0}) == 0.0


def test_invariances():
    finished, remaining = {"a": [1.0, 2.0, 6.0], "b": [4.0]}, {"a": 2, "b": 5, "c": 1}
    eta = eta_seconds(40.0, finished, remaining)
    # the rate is measured, so the unit of the durations does not matter ...
    scaled = {rule: [3.0 * s for s in durations] for rule, durations in finished.items()}
    assert eta_seconds(40.0, scaled, remaining) == pytest.approx(eta)
    # ... and twice the time for the same work means twice the time left
    assert eta_seconds(80.0, finished, remaining) == pytest.approx(2 * eta)


def test_exact_on_a_two_core_schedule():
    # 2 cores: four 10 s jobs of a (t = 0..20), then four 30 s jobs of b (t = 20..50, 50..80).
    # At t = 50: all of a and two of b finished, two of b left, which end at t = 80.
    assert eta_seconds(50.0, {"a": [10.0] * 4, "b": [30.0] * 2}, {"b": 2}) == pytest.approx(30.0)


def test_progress_line():
    assert progress_line(12, 40, 3723.0, 7200.4) == "[lowrot] progress: 12 of 40 jobs finished, elapsed 01:02:03, ETA 02:00:00"
    assert progress_line(0, 40, 59.0, None) == "[lowrot] progress: 0 of 40 jobs finished, elapsed 00:00:59, ETA --:--:--"


def test_benchmark_seconds(tmp_path):
    tsv = tmp_path / "job.tsv"  # Snakemake's layout; two rows with `repeat(..., 2)`
    tsv.write_text("s\th:m:s\tmax_rss\tmax_vms\tmax_uss\tmax_pss\tio_in\tio_out\tmean_load\tcpu_time\n1.5\t0:00:01\t10\t20\t5\t6\t0\t0\t90\t1.4\n2.5\t0:00:02\tNA\tNA\tNA\tNA\tNA\tNA\tNA\tNA\n")
    assert benchmark_seconds(tsv) == pytest.approx(2.0)
    jsonl = tmp_path / "job.jsonl"
    jsonl.write_text(json.dumps({"s": 4.0, "h:m:s": "0:00:04"}) + "\n")
    assert benchmark_seconds(jsonl) == pytest.approx(4.0)
    header_only = tmp_path / "empty.tsv"
    header_only.write_text("s\th:m:s\n")
    assert benchmark_seconds(header_only) is None
    assert benchmark_seconds(tmp_path / "missing.tsv") is None


def test_interval_from_env():
    assert progress.interval_from_env({}) == progress.DEFAULT_INTERVAL_S
    assert progress.interval_from_env({progress.INTERVAL_ENV: "5"}) == 5.0
    assert progress.interval_from_env({progress.INTERVAL_ENV: "soon"}) == progress.DEFAULT_INTERVAL_S


class Job:
    """A finished-or-not job: its rule's name and its benchmark file (hashable, like Snakemake's)."""

    def __init__(self, rule, benchmark, is_norun=False):
        self.rule = SimpleNamespace(name=rule)
        self.benchmark = benchmark
        self.is_norun = is_norun


class FakeDag:
    """The part of Snakemake's DAG that the reporter reads."""

    def __init__(self, jobs):
        self._jobs = list(jobs)
        self._finished = set()

    @property
    def jobs(self):
        return dict.fromkeys(self._jobs).keys()

    def finished(self, job):
        return job in self._finished

    def needrun_jobs(self, exclude_finished=True):
        return iter([job for job in self._jobs if not (exclude_finished and job in self._finished)])

    def __len__(self):
        return len(self._jobs)


def fake_run(tmp_path, durations):
    jobs = []
    for i, (rule, seconds) in enumerate(durations):
        bench = tmp_path / f"{rule}{i}.tsv"
        bench.write_text(f"s\th:m:s\n{seconds}\t0:00:00\n")
        jobs.append(Job(rule, str(bench)))
    dag = FakeDag(jobs)
    workflow = SimpleNamespace(dag=dag, scheduler=SimpleNamespace(finished_jobs=0), dryrun=False, output_settings=SimpleNamespace(quiet=set()))
    return workflow, jobs


def finish(workflow, *jobs):
    workflow.dag._finished.update(jobs)
    workflow.scheduler.finished_jobs += len(jobs)


def test_reporter_reads_counts_and_benchmarks(tmp_path):
    workflow, jobs = fake_run(tmp_path, [("a", 10.0)] * 4 + [("b", 30.0)] * 4)
    target = Job("all", None, is_norun=True)  # counts as a job, weighs nothing
    workflow.dag._jobs.append(target)
    now = [0.0]
    reporter = progress.ProgressReporter(workflow, interval=1.0, clock=lambda: now[0])
    now[0] = 5.0
    assert reporter.line() == "[lowrot] progress: 0 of 9 jobs finished, elapsed 00:00:05, ETA --:--:--"
    finish(workflow, *jobs[:6])  # the two-core schedule of test_exact_on_a_two_core_schedule
    now[0] = 50.0
    assert reporter.line() == "[lowrot] progress: 6 of 9 jobs finished, elapsed 00:00:50, ETA 00:00:30"
    finish(workflow, *jobs[6:])
    now[0] = 80.0
    assert reporter.line() == "[lowrot] progress: 8 of 9 jobs finished, elapsed 00:01:20, ETA 00:00:00"
    finish(workflow, target)
    assert reporter.line() is None  # all done: the thread stops


def test_reporter_stops_when_a_new_run_replaces_the_scheduler(tmp_path):
    workflow, _ = fake_run(tmp_path, [("a", 1.0)] * 2)
    reporter = progress.ProgressReporter(workflow)
    workflow.scheduler = SimpleNamespace(finished_jobs=0)
    assert reporter.line() is None


def test_thread_prints_then_stops(tmp_path):
    workflow, jobs = fake_run(tmp_path, [("a", 1.0)] * 2)
    lines, two = [], threading.Event()

    def emit(text):
        lines.append(text)
        if len(lines) == 2:
            finish(workflow, *jobs)  # the run ends: the next tick stops the loop
            two.set()

    reporter = progress.ProgressReporter(workflow, interval=0.01, emit=emit)
    thread = threading.Thread(target=reporter.run, daemon=True)
    thread.start()
    thread.join(timeout=5)
    assert not thread.is_alive() and two.is_set()
    assert lines[0].startswith("[lowrot] progress: 0 of 2 jobs finished, elapsed 00:00:00, ETA --:--:--")


def test_start_does_nothing_when_there_is_nothing_to_report(tmp_path):
    from snakemake.settings.enums import Quietness

    workflow, _ = fake_run(tmp_path, [("a", 1.0)])
    assert progress.start(workflow, interval=0) is None
    assert progress.start(SimpleNamespace(**{**vars(workflow), "dryrun": True}), interval=1) is None
    quiet = SimpleNamespace(**{**vars(workflow), "output_settings": SimpleNamespace(quiet={Quietness.PROGRESS})})
    assert progress.start(quiet, interval=1) is None
    assert progress.start(SimpleNamespace(dryrun=False), interval=1) is None  # no scheduler: no thread
    reporter = progress.start(workflow, interval=60)
    assert reporter is not None
    reporter.stop_event.set()


SNAKEFILE = """
rule all:
    input: expand("out/{i}.txt", i=range(3))

rule job:
    output: "out/{i}.txt"
    benchmark: "bench/{i}.tsv"
    shell: "sleep 0.8; touch {output}"

onstart:
    from lowrot import progress
    progress.start(workflow)
"""


def test_real_snakemake_run_prints_the_line_and_a_dry_run_does_not(tmp_path):
    (tmp_path / "Snakefile").write_text(SNAKEFILE)
    env = {**os.environ, progress.INTERVAL_ENV: "0.3"}

    def snakemake(*args):
        cmd = [sys.executable, "-m", "snakemake", "--cores", "1", "--workflow-profile", "none", *args]
        return subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, env=env, timeout=120)

    dry = snakemake("-n")
    assert dry.returncode == 0, dry.stderr
    assert "[lowrot] progress" not in dry.stdout + dry.stderr
    real = snakemake()
    assert real.returncode == 0, real.stderr
    lines = [line for line in (real.stdout + real.stderr).splitlines() if line.startswith("[lowrot] progress:")]
    assert lines, real.stderr
    assert all(" of 4 jobs finished, elapsed " in line for line in lines)  # 3 jobs and `all`
    assert any(" 1 of 4 " in line or " 2 of 4 " in line for line in lines)
    assert any("ETA --:--:--" not in line for line in lines)  # a real estimate once a job is done
