"""The adaptive n search (lowrot.pipeline.search) and its two training stages (lowrot.pipeline.train)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import torch

from lowrot.data import make_dataset
from lowrot.pipeline.search import coarse_sizes, network_flops, refine_sizes, search_settings, still_searching
from lowrot.pipeline.train import coarse_job, final_errors, refine_job
from lowrot.summaries import search_cost


def test_coarse_sizes_are_the_geometric_grid_up_to_max_n():
    assert coarse_sizes(4, 2, 64) == [4, 8, 16, 32, 64]
    assert coarse_sizes(4, 2, 63) == [4, 8, 16, 32]
    assert coarse_sizes(1, 2, 5) == [1, 2, 4]
    assert coarse_sizes(1, 1.2, 3) == [1, 2, 3]  # rounding never repeats an n


def test_default_stop_error_is_half_the_smallest_epsilon():
    assert search_settings({"max_n": 8}, [0.2, 0.1])["stop_error"] == pytest.approx(0.05)
    assert search_settings({"max_n": 8, "stop_error": 0.3}, [0.1])["stop_error"] == 0.3


def test_refinement_adds_the_geometric_midpoint_of_each_bracketing_pair():
    ns, errs = [4, 8, 16, 32], [0.5, 0.3, 0.15, 0.0]
    assert refine_sizes(ns, errs, [0.1, 0.2]) == [11, 23]  # eps 0.2: (8, 16); eps 0.1: (16, 32)
    assert refine_sizes(ns, errs, [0.1, 0.12]) == [23]  # one pair, one midpoint
    assert refine_sizes(ns, errs, [0.6]) == []  # left-censored: nothing brackets it
    assert refine_sizes(ns, errs, [-1.0]) == []  # right-censored
    assert refine_sizes([1, 2], [0.5, 0.0], [0.1]) == []  # no integer strictly between 1 and 2


def test_still_searching_keeps_seeds_above_the_stop_error():
    assert still_searching({0: [], 1: [0.3, 0.04], 2: [0.3, 0.06]}, 0.05) == [0, 2]


def test_network_flops_counts_full_batch_and_sgd_steps():
    # 4nmd + 2nm + nd + 4md per step; SGD uses the batch size for n
    assert network_flops("gf", 10, 3, 2, 5) == 5 * (4 * 60 + 60 + 20 + 24)
    assert network_flops("sgd", 1000, 3, 2, 5, batch_size=1) == 5 * (4 * 6 + 6 + 2 + 24)


def test_search_cost_counts_flops_past_four_nstar():
    final = pd.DataFrame({"sweep": "s", "learner": "gf", "dataset": "p", "m": 4, "d": 8, "groups": 0, "seed": [0, 0, 0, 1, 1],
                          "n": [4, 8, 64, 4, 8], "train_flops": [1.0, 2.0, 16.0, 1.0, 2.0]})
    seeds = pd.DataFrame({"sweep": "s", "learner": "gf", "dataset": "p", "m": 4, "d": 8, "groups": 0, "seed": [0, 1], "epsilon": 0.1,
                          "n_star": [6.0, math.nan], "n_low": [6.0, 8.0], "n_high": [6.0, math.inf], "censored": ["none", "right"]})
    out = search_cost(final, seeds).set_index("sweep")
    assert out.loc["s", "train_flops"] == 22.0
    assert out.loc["s", "share_past_4nstar"] == pytest.approx(16 / 22)  # seed 0: n = 64 > 24; seed 1 censored right: none
    assert out.loc["all", "flops_past_4nstar"] == 16.0


@pytest.fixture(scope="module")
def stages(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("search")
    spec = {"kind": "parity", "d": 4, "coords": [0, 1], "rotation": False, "pool_size": 64, "test_points": 100, "full_cube_max_dim": 8}
    paths = []
    for s in (0, 1, 2):
        p = tmp / f"seed{s}.npz"
        make_dataset(spec, [s], master_seed=0).save(p)
        paths.append(p)
    train = {"step_size": 1.0, "max_time": 1e4, "max_steps": 200, "checkpoints": 4, "first_checkpoint": 1.0, "loss_normalized": True,
             "normalized_step_cap": 1e4, "risk_milestone": 0.01, "symmetric_init": False, "dtype": "float64", "learner": "gf"}
    execution = {"device": "cpu", "chunk_rows": 64, "networks_per_batch": 64}
    search = search_settings({"start": 2, "max_n": 64}, [0.1, 0.3])
    common = dict(sweep="s", dataset="parity", instance="d4", m=16, search=search, train=train, execution=execution)
    coarse_job(paths, seeds=[0, 1, 2], state_dir=tmp / "state", table=tmp / "coarse.csv", weights_path=tmp / "coarse.npz", **common)
    refine_job(paths, tmp / "coarse.csv", tmp / "coarse.npz", epsilons=[0.1, 0.3], state_path=tmp / "refine.pt", table=tmp / "search.csv", weights_path=tmp / "search.npz", **common)
    return tmp, search


def test_coarse_pass_stops_each_seed_at_its_first_n_below_the_stop_error(stages):
    tmp, search = stages
    errs = final_errors(pd.read_csv(tmp / "coarse.csv"))
    grid = coarse_sizes(search["start"], search["ratio"], search["max_n"])
    for seed in (0, 1, 2):
        ns = sorted(n for s, n in errs if s == seed)
        assert ns == grid[: len(ns)]  # a prefix of the coarse grid
        assert all(errs[(seed, n)] > search["stop_error"] for n in ns[:-1])
        assert errs[(seed, ns[-1])] <= search["stop_error"] or ns[-1] == grid[-1]
    assert not list((tmp / "state").glob("*"))  # spent round files are removed


def test_refine_adds_midpoints_and_keeps_weights_aligned_with_rows(stages):
    tmp, _ = stages
    coarse, full = pd.read_csv(tmp / "coarse.csv"), pd.read_csv(tmp / "search.csv")
    errs = final_errors(coarse)
    expected = set(errs)
    for seed in (0, 1, 2):
        curve = sorted((n, e) for (s, n), e in errs.items() if s == seed)
        expected |= {(seed, n) for n in refine_sizes([n for n, _ in curve], [e for _, e in curve], [0.1, 0.3], 2)}
    fin = full[full.event == "final"]
    assert set(zip(fin.seed, fin.n)) == expected
    assert (full[full.stage == "coarse"].drop(columns="stage").reset_index(drop=True).shape[0] == len(coarse))
    with np.load(tmp / "search.npz") as w:
        assert list(zip(w["seeds"], w["n"])) == sorted(expected)
        a, V = w["a"], w["V"]
    # the weights in position i are those of network i: its training-set margin matches the table's
    from lowrot.data import Dataset
    from lowrot.model import normalized_margin

    fin = fin.set_index(["seed", "n"])
    for i, (seed, n) in enumerate(sorted(expected)):
        X, y = Dataset.load(tmp / f"seed{seed}.npz").train_set(0, n)
        got = float(normalized_margin(torch.as_tensor(a[i]), torch.as_tensor(V[i]), torch.as_tensor(X), torch.as_tensor(y)))
        assert got == pytest.approx(fin.loc[(seed, n), "normalized_margin"], rel=1e-6, abs=1e-9)
    assert fin["train_flops"].gt(0).all()
    refined = expected - set(errs)
    assert ("refine/chunk0" in set(full["batch"])) == bool(refined)
