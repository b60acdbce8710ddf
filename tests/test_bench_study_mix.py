"""Known answers for the pure parts of benchmarks/bench_study_mix.py: reading the mix from training
tables, the flop-weighted aggregation and the measurement order (no timing here)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lowrot.pipeline.search import network_flops

BENCH = Path(__file__).resolve().parent.parent / "benchmarks" / "bench_study_mix.py"


@pytest.fixture(scope="module")
def bench():
    sys.path.insert(0, str(BENCH.parent))
    spec = importlib.util.spec_from_file_location("bench_study_mix", BENCH)
    mod = importlib.util.module_from_spec(spec)
    sys.modules["bench_study_mix"] = mod  # dataclasses resolve annotations through the module
    spec.loader.exec_module(mod)
    yield mod
    sys.modules.pop("bench_study_mix", None)


def make_batch(bench, ns, steps, learner="gf", d=4, m=8, name="chunk0"):
    ns, steps = np.asarray(ns), np.asarray(steps)
    return bench.Batch("f.csv", name, "s", learner, d, m, 1, np.arange(len(ns)), ns, steps, network_flops(learner, ns, m, d, steps))


def test_aggregate_known_answer(bench):
    # batch 1: two networks, 10 and 30 steps, 2 ms per step as a batch (runs 30 steps), 1 ms each alone;
    # batch 2: one network, 5 steps, 4 ms per step in both modes.
    b1 = make_batch(bench, [4, 8], [10, 30])
    b2 = make_batch(bench, [16], [5], learner="sgd")
    f1, f2 = b1.total_flops, b2.total_flops
    agg = bench.aggregate([b1, b2], [2e-3, 4e-3], [[1e-3, 1e-3], [4e-3]], group=lambda b: b.learner)
    all_ = bench.aggregate([b1, b2], [2e-3, 4e-3], [[1e-3, 1e-3], [4e-3]])["all"]
    t_b, t_l = 30 * 2e-3 + 5 * 4e-3, (10 + 30) * 1e-3 + 5 * 4e-3
    assert all_["time_batched"] == pytest.approx(t_b)
    assert all_["time_loop"] == pytest.approx(t_l)
    assert all_["gflops_batched"] == pytest.approx((f1 + f2) / t_b / 1e9)
    assert all_["gflops_loop"] == pytest.approx((f1 + f2) / t_l / 1e9)
    assert all_["ratio"] == pytest.approx(t_l / t_b)
    assert agg["gf"]["ratio"] == pytest.approx(40e-3 / 60e-3)
    assert agg["sgd"]["ratio"] == pytest.approx(1.0)
    assert agg["gf"]["flops"] + agg["sgd"]["flops"] == pytest.approx(all_["flops"])


def test_batches_from_frame_reads_steps_and_flops(bench):
    # network (0, 4): checkpoint at 0, final at 100; (1, 8): diverged at 7 (no final row, no train_flops)
    df = pd.DataFrame(
        {
            "sweep": "gf",
            "learner": "gf",
            "d": 4,
            "m": 8,
            "seed": [0, 0, 1, 1, 0],
            "n": [4, 4, 8, 8, 4],
            "step": [0, 100, 0, 7, 0],
            "event": ["init", "final", "init", "diverged", "init"],
            "batch": ["coarse0/chunk0"] * 4 + ["refine/chunk0"],
            "train_flops": [123.0, 123.0, np.nan, np.nan, 5.0],
        }
    )
    out = {b.name: b for b in bench.batches_from_frame(df, "x.csv")}
    c = out["coarse0/chunk0"]
    assert list(c.ns) == [4, 8] and list(c.steps) == [100, 7] and c.real_steps == 100
    assert c.flops[0] == 123.0
    assert c.flops[1] == pytest.approx(network_flops("gf", 8, 8, 4, 7))
    assert out["refine/chunk0"].B == 1


def test_table_files_skip_coarse_inside_search(bench, tmp_path):
    for rel in ("train/gf/p/d8/m4/coarse.csv", "train/gf/p/d8/m4/search.csv", "train/gf/p/d12/m4/coarse.csv", "train/w/p/d8/m4/seed0.csv"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x\n")
    got = sorted(str(p.relative_to(tmp_path)) for p in bench.table_files(tmp_path))
    assert got == ["train/gf/p/d12/m4/coarse.csv", "train/gf/p/d8/m4/search.csv", "train/w/p/d8/m4/seed0.csv"]


def test_measure_order_top_share_first_after_small(bench):
    # one network each, n = 100, 50, 30, 10, 5, 5 at d = 4, m = 8: flops 148 n + 128 = 14928, 7528,
    # 4568, 1608, 868, 868 (sum 30368). Small picks: the smallest (index 4, first of the tie) and the
    # median by flops (sorted 4, 5, 3, 2, 1, 0 -> position 3 = index 2). Top 90% (27331.2): indices
    # 0, 1, 2 hold 27024, so 3 joins them; then the rest (5).
    bs = [make_batch(bench, [n], [1]) for n in (100, 50, 30, 10, 5, 5)]
    assert bench.measure_order(bs, share=0.9, small_per_learner=2) == [4, 2, 0, 1, 3, 5]
    assert bench.measure_order(bs, share=0.4, small_per_learner=1) == [4, 0, 1, 2, 3, 5]


def test_synthetic_mix_follows_config(bench):
    import yaml

    from lowrot.config import validate_config

    cfg = validate_config(yaml.safe_load(open(BENCH.parent.parent / "config" / "scaling.yaml")))
    bs = bench.synthetic_mix(cfg)
    assert {b.sweep for b in bs} == set(cfg["sweeps"])
    for b in bs:
        assert b.B <= cfg["execution"]["networks_per_batch"]
        assert b.total_flops == pytest.approx(float(np.sum(network_flops(b.learner, b.ns, b.m, b.d, b.steps, b.batch_size))))
        if b.learner == "sgd":
            assert np.all(b.steps == np.minimum(b.ns, cfg["train"]["max_steps"]))
