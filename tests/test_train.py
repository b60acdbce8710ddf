"""Known answers for the batched GF trainer."""

import logging
import math
from dataclasses import fields

import numpy as np
import pandas as pd
import pytest
import torch
from sphere_data import sphere_data

from lowrot import data, model
from lowrot.config import load_schema
from lowrot.train import BatchedGF, GFSettings, fused_step_direction, norot_direction, sgd_batch_indices, sgd_steps, train_gf


def _parity(d, n, seed):
    rng = np.random.default_rng(seed)
    X = data.sample_parity(n, d, rng)
    return X, data.parity_labels(X, [0, 1])


def _risk(a, V, X, y):
    return model.logistic_loss(y * model.network_output(a, V, X)).mean()


def test_gradient_matches_finite_differences():
    d, m, n = 5, 12, 40
    X, y = (torch.as_tensor(t) for t in _parity(d, n, 0))
    a, V = model.init_network(1, m, d)
    w = torch.full((1, n), 1.0 / n, dtype=torch.float64)
    P, z = fused_step_direction(a[None], V[None], X[None], y[None], w, torch.zeros(1, 1, dtype=torch.float64), chunk_rows=7)
    ga = -(V * P[0]).sum(1) / math.sqrt(m)  # dR/da
    gV = -a[:, None] * P[0] / math.sqrt(m)  # dR/dV
    torch.testing.assert_close(z[0], y * model.network_output(a, V, X))
    h = 1e-6
    for j in range(m):
        e = torch.zeros(m, dtype=torch.float64)
        e[j] = h
        fd = (_risk(a + e, V, X, y) - _risk(a - e, V, X, y)) / (2 * h)
        assert abs(fd - ga[j]) < 1e-8
        for k in range(d):
            E = torch.zeros(m, d, dtype=torch.float64)
            E[j, k] = h
            fd = (_risk(a, V + E, X, y) - _risk(a, V - E, X, y)) / (2 * h)
            assert abs(fd - gV[j, k]) < 1e-8


def test_shift_does_not_change_the_direction():
    X, y = (torch.as_tensor(t)[None] for t in _parity(4, 30, 1))
    a, V = model.init_network(2, 8, 4)
    w = torch.full((1, 30), 1 / 30, dtype=torch.float64)
    P0, _ = fused_step_direction(a[None], V[None], X, y, w, torch.zeros(1, 1, dtype=torch.float64), 16)
    P1, _ = fused_step_direction(a[None], V[None], X, y, w, torch.full((1, 1), 3.0, dtype=torch.float64), 16)
    torch.testing.assert_close(P1 * math.exp(-3.0), P0, rtol=1e-13, atol=1e-16)


SMALL = GFSettings(step_size=0.5, max_time=300.0, max_steps=2000, checkpoints=6, loss_normalized=True, chunk_rows=16)


@pytest.mark.parametrize("settings", [SMALL, GFSettings(loss_normalized=False, step_size=1.0, max_time=50.0, checkpoints=5, chunk_rows=64)])
def test_batched_equals_one_at_a_time(settings):
    d, m = 6, 16
    nets = [(0, 20), (1, 48), (2, 33), (0, 48)]
    sets = [_parity(d, n, s + 10) for s, n in nets]
    Xt = data.hypercube(d)
    yt = data.parity_labels(Xt, [0, 1])
    kw = {"X_test": Xt, "y_test": yt, "test_exact": True, "support_basis": np.eye(d)[:, :2]}
    batched, _ = train_gf([x for x, _ in sets], [y for _, y in sets], [s for s, _ in nets], m, settings, **kw)
    alone = [train_gf([x], [y], [s], m, settings, **kw)[0] for (s, _), (x, y) in zip(nets, sets)]
    alone = pd.concat(alone, ignore_index=True)
    key = ["seed", "n", "step", "event"]
    b = batched.sort_values(key).reset_index(drop=True)
    o = alone.sort_values(key).reset_index(drop=True)
    assert b[key].equals(o[key])
    num = [c for c in b.columns if c not in key and b[c].dtype.kind == "f"]
    np.testing.assert_allclose(b[num].to_numpy(), o[num].to_numpy(), rtol=1e-10, atol=1e-10)
    assert set(b["event"]) >= {"checkpoint", "final"}


def test_settings_defaults_come_from_the_config_schema():
    schema = load_schema()["properties"]["train"]["properties"]
    defaults = GFSettings()
    shared = [f.name for f in fields(GFSettings) if f.name in schema]
    assert len(shared) >= 12
    for name in shared:
        assert getattr(defaults, name) == schema[name]["default"], name


def test_gf_time_and_milestones():
    X, y = _parity(5, 64, 3)
    rows, _ = train_gf([X], [y], [0], 32, GFSettings(loss_normalized=False, step_size=0.25, max_time=200.0, max_steps=100_000, checkpoints=5, risk_milestone=0.1))
    fin = rows[rows.event == "final"].iloc[0]
    assert fin.gf_time == pytest.approx(0.25 * fin.step)  # constant step: t = k * eta
    interp = rows[rows.event == "interpolation"]
    assert len(interp) == 1 and interp.iloc[0].train_error == 0.0
    # before the interpolation milestone every recorded row has training errors
    assert (rows[rows.step < interp.iloc[0].step].train_error > 0).all()
    rb = rows[rows.event == "risk_below"].iloc[0]
    assert rb.risk < 0.1 and (rows[rows.step < rb.step].risk >= 0.1).all()
    # checkpoints are the first steps past the log-spaced times
    times = GFSettings(max_time=200.0, checkpoints=5).checkpoint_times()
    ck = rows[rows.event == "checkpoint"].gf_time.to_numpy()
    assert np.all(np.diff(ck) > 0) and ck[0] == 0.0
    assert fin.normalized_margin <= 1 / (4 * math.sqrt(2 * 5)) + 1e-12  # never above gamma_gl
    assert len(times) == 6


def test_loss_normalized_reaches_gf_time_1e30_with_finite_risk():
    # the loss-normalized step eta / R grows geometrically once the data are fit: GF time 1e30 in a
    # few hundred steps when the step cap does not bind (cap >= the horizon)
    X, y = _parity(4, 16, 0)
    s = GFSettings(step_size=1.0, max_time=1e30, max_steps=3000, checkpoints=31, loss_normalized=True, normalized_step_cap=1e30)
    rows, _ = train_gf([X], [y], [0], 16, s)
    fin = rows[rows.event == "final"].iloc[0]
    assert fin.gf_time >= 1e30 and fin.step < 3000 and fin.train_error == 0.0
    assert np.isfinite(rows[["risk", "normalized_margin", "gf_time"]].to_numpy()).all() and fin.risk > 0
    # checkpoint times one decade apart up to the horizon; each checkpoint row is the first step past at
    # least one new time (a late step may jump several decades), and carries its step count
    ck = rows[rows.event == "checkpoint"]
    times = s.checkpoint_times()
    assert times[-1] == 1e30 and np.allclose(np.diff(np.log10(times[1:])), 1.0)
    passed = np.searchsorted(times, ck.gf_time.to_numpy(), side="right")
    assert passed[0] == 1 and np.all(np.diff(passed) > 0) and np.all(np.diff(ck.step.to_numpy()) > 0)
    assert len(ck) >= 10
    # a step cap below the horizon binds: t grows by at most eta * cap per step
    capped = GFSettings(step_size=1.0, max_time=1e30, max_steps=300, checkpoints=5, loss_normalized=True, normalized_step_cap=1e6)
    crow = train_gf([X], [y], [0], 16, capped)[0].query("event == 'final'").iloc[0]
    assert crow.step == 300 and crow.gf_time <= 300 * 1e6


def test_divergence_is_recorded_not_raised():
    X, y = _parity(4, 16, 0)
    s = GFSettings(loss_normalized=False, step_size=1e200, max_time=1e300, max_steps=50, checkpoints=3, first_checkpoint=1e199, dtype="float64")
    rows, _ = train_gf([X, X], [y, y], [0, 1], 8, s)
    div = rows[rows.event == "diverged"]
    assert len(div) == 2 and (div.status == "diverged").all() and (div.step > 0).all()
    assert "final" not in set(rows.event)


class _Kill(Exception):
    pass


def _interrupted_state(tmp_path, X, y, s, m=16, key="k"):
    """A real resume file: the run is killed at its fourth progress report (after a save)."""
    calls = {"n": 0}

    def die_after_three(gf):
        calls["n"] += 1
        if calls["n"] == 4:
            raise _Kill

    state = tmp_path / "state.pt"
    gf = BatchedGF([X], [y], [3], m, s)
    with pytest.raises(_Kill):
        gf.run(test=(None, None, False), state_path=state, key=key, progress=die_after_three)
    assert state.exists()
    return state


RESUME = GFSettings(loss_normalized=False, step_size=0.5, max_time=500.0, checkpoints=8, save_interval=0.0)  # save at every checkpoint


def test_resume_after_interruption_gives_identical_rows(tmp_path):
    X, y = _parity(5, 40, 7)
    full, _ = train_gf([X], [y], [3], 16, RESUME)
    state = _interrupted_state(tmp_path, X, y, RESUME)
    st = torch.load(state, weights_only=True)  # plain tensors, ints, strings, lists and dicts only
    assert st["key"] == "k" and st["k"] > 0 and torch.is_tensor(st["t"])
    gf = BatchedGF([X], [y], [3], 16, RESUME)
    assert gf.try_resume(state, "k") and gf.k == st["k"] and isinstance(gf.t, np.ndarray)
    resumed, _ = train_gf([X], [y], [3], 16, RESUME, state_path=state, key="k")
    pd.testing.assert_frame_equal(resumed, full)  # same process, same CPU operations: exact
    # a state written for another key is ignored
    other, _ = train_gf([X], [y], [3], 16, RESUME, state_path=state, key="other")
    pd.testing.assert_frame_equal(other, full)


@pytest.mark.parametrize("damage", ["truncated", "garbage", "empty", "wrong_shape", "not_a_dict"])
def test_corrupt_resume_file_restarts_from_scratch(tmp_path, caplog, damage):
    X, y = _parity(5, 40, 7)
    full, _ = train_gf([X], [y], [3], 16, RESUME)
    state = _interrupted_state(tmp_path, X, y, RESUME)
    raw = state.read_bytes()
    if damage == "truncated":
        state.write_bytes(raw[: len(raw) // 2])
    elif damage == "garbage":
        state.write_bytes(np.random.default_rng(0).bytes(len(raw)))
    elif damage == "empty":
        state.write_bytes(b"")
    elif damage == "wrong_shape":  # same key, but written by a job of another width
        _interrupted_state(tmp_path, X, y, RESUME, m=8)
    else:
        torch.save([1, 2, 3], state)
    with caplog.at_level(logging.WARNING, logger="lowrot.train"):
        rows, _ = train_gf([X], [y], [3], 16, RESUME, state_path=state, key="k")
    assert any("starting from scratch" in r.getMessage() and str(state) in r.getMessage() for r in caplog.records)
    assert not any("resumed" in r.getMessage() for r in caplog.records)
    pd.testing.assert_frame_equal(rows, full)  # same process, same CPU operations: exact
    assert BatchedGF([X], [y], [3], 16, RESUME).try_resume(state, "k")  # the finished job left a good file


def test_sgd_with_tiny_steps_approaches_gf():
    X, y = _parity(4, 16, 5)
    Xt = data.hypercube(4)
    gaps = []
    for eta in (4e-3, 1e-3):
        passes = round(2.0 / (eta * 16 / 4))  # GF time 2 = eta * steps, steps = passes * n / batch
        sgd = GFSettings(learner="sgd", step_size=eta, batch_size=4, passes=passes, checkpoints=3, max_steps=10**7)
        gf = GFSettings(loss_normalized=False, step_size=eta, max_time=eta * passes * 4 - 1e-12, checkpoints=3, max_steps=10**7)
        _, ws = train_gf([X], [y], [1], 8, sgd, X_test=Xt, y_test=data.parity_labels(Xt, [0, 1]))
        _, wg = train_gf([X], [y], [1], 8, gf)
        num = np.sqrt(((ws["a"] - wg["a"]) ** 2).sum() + ((ws["V"] - wg["V"]) ** 2).sum())
        den = np.sqrt(((wg["a"] - wg["a0"]) ** 2).sum() + ((wg["V"] - wg["V0"]) ** 2).sum())
        gaps.append(num / den)
    assert gaps[1] < 0.02 and gaps[1] < gaps[0] / 2, gaps  # the gap shrinks with the step (first order)


def test_sgd_batches_use_every_sample_once_per_pass():
    ns, bs, passes = np.array([10, 12, 3, 1]), 4, 3
    steps = sgd_steps(ns, bs, passes)
    assert steps.tolist() == [9, 9, 3, 3]  # passes * ceil(n / bs)
    counts = [np.zeros(n, dtype=int) for n in ns]
    for k in range(int(steps.max())):
        idx, mask = sgd_batch_indices(ns, bs, k)
        for b, n in enumerate(ns):
            if k < steps[b]:
                used = idx[b][mask[b]]
                assert mask[b][0] and np.all(np.diff(used) == 1)  # a contiguous run in order
                counts[b][used] += 1
                if k % (steps[b] // passes) == 0:
                    assert used[0] == 0  # each pass starts at sample 0
    for c in counts:
        assert np.all(c == passes)
    # the last batch of a pass over n = 10 is the smaller [8, 9]
    idx, mask = sgd_batch_indices([10], 4, 2)
    assert idx[0][mask[0]].tolist() == [8, 9] and mask[0].tolist() == [True, True, False, False]


def test_sgd_trainer_uses_each_sample_once_per_pass():
    used = {}

    class Recording(BatchedGF):
        def _batch(self):
            Xb, yb, wb, real = super()._batch()
            # networks still stepping (at its last k a network is measured, not stepped)
            for b in np.flatnonzero(self.active & (self.k < sgd_steps(self.ns, self.s.batch_size, self.s.passes))):
                rows = wb[b] > 0
                # the rows of X this step uses, found by their values (the samples are distinct)
                hit = (Xb[b][rows].unsqueeze(1) == self.X[b, : self.ns[b]].unsqueeze(0)).all(-1)
                assert (hit.sum(1) == 1).all()
                used.setdefault(b, []).extend(hit.int().argmax(1).tolist())
                assert torch.allclose(wb[b][rows], torch.full_like(wb[b][rows], 1.0 / int(rows.sum())))  # the batch mean
            return Xb, yb, wb, real

    s = GFSettings(learner="sgd", step_size=0.1, batch_size=5, passes=2, checkpoints=4)
    Xs, ys = sphere_data(22, 4, 2)  # distinct points
    gf = Recording([Xs, Xs[:12]], [ys, ys[:12]], [0, 0], 8, s)
    rows = gf.run(test=(None, None, False))
    for b, n in ((0, 22), (1, 12)):
        assert sorted(used[b]) == sorted(list(range(n)) * 2)
        assert used[b][:n] == list(range(n))  # in order, one pass after the other
    fin = rows[rows.event == "final"].set_index("n")
    assert fin.loc[22, "step"] == 2 * 5 and fin.loc[12, "step"] == 2 * 3  # ceil(n / 5) batches per pass
    assert fin.loc[22, "gf_time"] == pytest.approx(0.1 * 10)
    assert not ({"interpolation", "risk_below"} & set(rows.event))


def _norot_risk(a, r, U, X, y):
    return _risk(a, r.unsqueeze(1) * U, X, y)


def test_norot_gradient_matches_finite_differences():
    d, m, n = 5, 10, 30
    X, y = (torch.as_tensor(t) for t in _parity(d, n, 3))
    a, V = model.init_network(4, m, d)
    r = V.norm(dim=1)
    U = V / r.unsqueeze(1)
    w = torch.full((1, n), 1.0 / n, dtype=torch.float64)
    P, _ = fused_step_direction(a[None], V[None], X[None], y[None], w, torch.zeros(1, 1, dtype=torch.float64), chunk_rows=8)
    da, dr = (g[0] / math.sqrt(m) for g in norot_direction(a[None], r[None], U[None], P))  # -dR/da, -dR/dr
    h = 1e-6
    for j in range(m):
        e = torch.zeros(m, dtype=torch.float64)
        e[j] = h
        fd_a = (_norot_risk(a + e, r, U, X, y) - _norot_risk(a - e, r, U, X, y)) / (2 * h)
        fd_r = (_norot_risk(a, r + e, U, X, y) - _norot_risk(a, r - e, U, X, y)) / (2 * h)
        assert abs(fd_a + da[j]) < 1e-9 and abs(fd_r + dr[j]) < 1e-9
    assert da.abs().max() > 1e-3 and dr.abs().max() > 1e-3  # not a trivially zero gradient


def test_norot_gd_step_scales_a2_minus_r2_by_one_minus_h2():
    # one GD step (a, r) += h (r, a) q gives a'^2 - r'^2 = (a^2 - r^2)(1 - (h q)^2) exactly (algebra)
    X, y = _parity(5, 32, 4)
    s = GFSettings(loss_normalized=False, learner="norot", step_size=0.3, max_time=0.3, checkpoints=2, first_checkpoint=0.1)
    gf = BatchedGF([X], [y], [3], 16, s)
    a0, r0 = gf.a.clone(), gf.r.clone()
    P, _ = fused_step_direction(gf.a, gf.V, gf.X, gf.y, gf.w, gf.shift, 512)
    hq = s.step_size / math.sqrt(16) * (gf.U * P).sum(2)
    gf.run(test=(None, None, False))
    assert gf.k == 1
    expected = (a0**2 - r0**2) * (1 - hq**2)
    torch.testing.assert_close(gf.a**2 - gf.r**2, expected, rtol=1e-12, atol=1e-14)


def test_norot_conservation_drift_is_first_order_in_the_step():
    # at a fixed GF time T the product of the per-step factors (1 - (eta q)^2) over T/eta steps
    # drifts by eta * integral of q^2 dt: halving the step halves the drift (rate 1/2)
    X, y = _parity(5, 32, 4)
    drift = []
    for eta in (0.02, 0.01):
        s = GFSettings(loss_normalized=False, learner="norot", step_size=eta, max_time=2.0 - 1e-9, checkpoints=2)
        gf = BatchedGF([X], [y], [3], 16, s)
        c0 = gf.a**2 - gf.r**2
        gf.run(test=(None, None, False))
        assert gf.t[0] == pytest.approx(2.0, abs=1e-9)
        drift.append(float((gf.a**2 - gf.r**2 - c0).abs().max()))
    assert drift[0] > 1e-7  # measurable
    assert 0.45 < drift[1] / drift[0] < 0.55, drift


def test_norot_keeps_directions_and_conserves_a2_minus_r2():
    X, y = _parity(5, 32, 4)
    s = GFSettings(loss_normalized=False, learner="norot", step_size=1e-3, max_time=0.5, checkpoints=4)
    gf = BatchedGF([X], [y], [3], 16, s)
    U0 = gf.U.clone()
    c0 = gf.a**2 - gf.r**2
    rows = gf.run(test=(None, None, False))
    assert torch.equal(gf.U, U0)  # directions never change
    torch.testing.assert_close(gf.V, gf.r.unsqueeze(2) * U0, rtol=0, atol=0)
    torch.testing.assert_close(gf.a**2 - gf.r**2, c0, rtol=1e-6, atol=1e-9)
    assert (gf.a - gf.a0).abs().max() > 1e-3  # it did train, far more than the conservation error
    assert rows.rot_weighted_deg.max() < 1e-5 and (rows.norot_nonpositive == 0).all()


def test_norot_reports_neurons_whose_norm_crosses_zero():
    # |a_j| > ||v_j||: a_j^2 - r_j^2 > 0, so r_j can reach 0 under the flow; such neurons are counted
    X, y = _parity(3, 16, 1)
    s = GFSettings(learner="norot", step_size=0.5, max_time=3000.0, checkpoints=4, loss_normalized=True)
    gf = BatchedGF([X], [y], [0], 64, s)
    gf.a *= 10.0  # make every neuron "unsafe"
    gf.a0 = gf.a.clone()
    rows = gf.run(test=(None, None, False))
    fin = rows[rows.event == "final"].iloc[0]
    assert fin.norot_nonpositive == int((gf.r <= 0).sum()) and fin.norot_nonpositive > 0


def test_symmetric_init_starts_at_zero_output_exactly():
    # twin neurons (a, v), (-a, v): f(.; W_0) == 0 by construction, so every point is an error at t = 0
    # (a zero output counts as an error) and the risk is log 2, whatever the BLAS rounds
    X, y = _parity(4, 16, 0)
    s = GFSettings(loss_normalized=False, step_size=0.5, max_time=20.0, checkpoints=3, symmetric_init=True)
    rows, _ = train_gf([X], [y], [0], 16, s, X_test=data.hypercube(4), y_test=data.parity_labels(data.hypercube(4), [0, 1]))
    first = rows[rows.step == 0]
    assert len(first) == 1 and first.iloc[0].event == "checkpoint"
    assert first.iloc[0].train_error == pytest.approx(1.0, abs=1e-15) and first.iloc[0].test_error == 1.0
    assert first.iloc[0].risk == pytest.approx(math.log(2.0), rel=1e-15)
    assert first.iloc[0].min_margin == 0.0
    assert rows[rows.event == "final"].iloc[0].train_error < 1.0  # and it trains away from the twins


def test_reused_workspace_does_not_leak_between_shapes():
    # the pre-activation scratch buffer is shared across calls: results must not depend on what an
    # earlier call (another shape) left in it
    from lowrot.train import _WORKSPACE, fused_step_direction

    g = torch.Generator().manual_seed(0)

    def call(B, m, N, d):
        a = torch.randn(B, m, generator=g, dtype=torch.float64)
        V = torch.randn(B, m, d, generator=g, dtype=torch.float64)
        X = torch.randn(B, N, d, generator=g, dtype=torch.float64)
        y = torch.sign(torch.randn(B, N, generator=g, dtype=torch.float64))
        w = torch.ones(B, N, dtype=torch.float64)
        shift = torch.zeros(B, 1, dtype=torch.float64)
        return (a, V, X, y, w, shift), fused_step_direction(a, V, X, y, w, shift, 512)

    args, (P1, z1) = call(2, 8, 5, 3)
    call(3, 16, 7, 4)  # a larger block overwrites the buffer
    P2, z2 = fused_step_direction(*args, 512)
    assert len(_WORKSPACE) >= 1
    torch.testing.assert_close(P1, P2)
    torch.testing.assert_close(z1, z2)
    # and against the unfused definition: P_j = sum_i c_i 1[v_j.x_i > 0] x_i, z_i = y_i f(x_i)
    a, V, X, y, w, shift = args
    Z = torch.einsum("bmd,bnd->bmn", V, X)
    z = y * torch.einsum("bm,bmn->bn", a / math.sqrt(a.shape[1]), Z.clamp(min=0))
    c = y * torch.sigmoid(-z)
    P = torch.einsum("bmn,bn,bnd->bmd", (Z > 0).double(), c, X)
    torch.testing.assert_close(z1, z)
    torch.testing.assert_close(P1, P)
