"""Batched full-batch gradient descent (GF) on the logistic loss, with log-spaced checkpoints.

One call trains B networks that share (d, m) but differ in seed and sample size, as one tensor
program: the training sets are padded to the largest n and the padding carries weight 0.

Step rule (docs/science.md, gradient flow): W_{k+1} = W_k - eta_k grad R(W_k), GF time t_{k+1} = t_k + eta_k.
- constant step: eta_k = eta.
- loss-normalized (option ``loss_normalized``): eta_k = eta * min(1 / R(W_k), cap) once the training
  error of that network is 0, eta before. It follows the same path in a re-timed clock and reaches
  late times. R is kept in log space and the per-sample gradient weights are computed as
  exp(log sigmoid(-z_i) + shift) with a per-network shift, so nothing underflows or divides by zero.

One fused pass over row chunks computes, for each network, Z = X V^T, relu(Z) a (the outputs), and
P_j = sum_i c_i 1[v_j.x_i > 0] x_i with c_i = w_i y_i sigmoid(-y_i f_i). Then
-dR/dv_j = a_j P_j / sqrt(m) and -dR/da_j = <v_j, P_j> / sqrt(m): a single backward matmul gives
both layers' gradients, and each chunk stays in cache.

Learners (``GFSettings.learner``):
- ``gf``: both layers by full-batch GD, as above.
- ``sgd``: SGD over the n samples of each network in order, ``batch_size`` samples per step (the
  last minibatch of a pass is smaller when batch_size does not divide n: every sample is used exactly
  once per pass, :func:`sgd_batch_indices`), ``passes`` passes (one pass = fresh samples, docs/science.md),
  constant step, the loss of a step is the mean over its minibatch; GF time = eta * steps.
  Training-set milestones are not recorded (the per-step loss is a minibatch's).
- ``norot``: no-rotation GF (docs/science.md): v_j = r_j u_j with u_j = v_j(0)/||v_j(0)|| frozen and (a_j, r_j)
  trained: -dR/da_j = r_j <u_j, P_j>/sqrt(m), -dR/dr_j = a_j <u_j, P_j>/sqrt(m), so a_j^2 - r_j^2 is
  conserved by GF (by GD up to a factor 1 - (eta q_j)^2 per step). Neurons with r_j <= 0 are counted
  in the column ``norot_nonpositive`` (NaN for the other learners).

Rows are recorded (all measurements in float64, see :mod:`lowrot.metrics`) at GF time 0, at the
first step past each log-spaced checkpoint time, at the milestones (docs/science.md, events and
milestones: first step with zero training error, first step with risk below ``risk_milestone``),
and at the end (``final``). A network
whose loss or weights become non-finite is frozen and recorded once with event ``diverged``.
The whole state is saved atomically when ``state_path`` is given (tensors, ints, floats, strings,
lists and dicts only, loaded with ``weights_only=True``; a truncated, corrupt or mismatching file is
logged and the job starts from scratch): at the first checkpoint and then at
checkpoints at least ``save_interval`` seconds (wall clock) apart, so saving never dominates a run.
A rerun with the same key resumes from it and ends with identical rows (the computation is
deterministic, so where it resumes does not change the result).
"""

from __future__ import annotations

import logging
import math
import sys
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from .config import load_schema
from .io import atomic_path
from .metrics import snapshot
from .model import init_network, log_risk, twin_networks

log = logging.getLogger("lowrot.train")

LEARNERS = ("gf", "sgd", "norot")

MEASURE_COLUMNS = [
    "risk",
    "train_error",
    "test_error",
    "test_error_se",
    "min_margin",
    "normalized_margin",
    "weight_norm_sq",
    "motion",
    "motion_per_sqrt_m",
    "rot_mean_deg",
    "rot_weighted_deg",
    "rot_frac_10",
    "rot_frac_30",
    "feature_mass",
    "nc_alignment",
    "norot_nonpositive",
]


def schema_train_defaults() -> dict:
    """The defaults of the config schema's ``train`` and ``execution`` keys (the one source of GFSettings' defaults)."""
    props = load_schema()["properties"]
    return {k: v["default"] for section in ("train", "execution") for k, v in props[section]["properties"].items() if "default" in v}


_DEFAULTS = schema_train_defaults()


@dataclass(frozen=True)
class GFSettings:
    """Settings of one training job: the config's ``train`` subtree, the sweep's learner and the
    ``execution`` keys ``device`` and ``chunk_rows`` (how to compute, not what).

    Every field that is a ``train`` or ``execution`` key of the config schema takes its default from
    the schema; ``learner`` comes from the sweep and ``save_interval`` is the resume-file period."""

    step_size: float = _DEFAULTS["step_size"]
    max_time: float = _DEFAULTS["max_time"]
    max_steps: int = _DEFAULTS["max_steps"]
    checkpoints: int = _DEFAULTS["checkpoints"]
    first_checkpoint: float = _DEFAULTS["first_checkpoint"]
    loss_normalized: bool = _DEFAULTS["loss_normalized"]
    normalized_step_cap: float = _DEFAULTS["normalized_step_cap"]
    risk_milestone: float = _DEFAULTS["risk_milestone"]
    symmetric_init: bool = _DEFAULTS["symmetric_init"]
    dtype: str = _DEFAULTS["dtype"]
    device: str = _DEFAULTS["device"]
    chunk_rows: int = _DEFAULTS["chunk_rows"]
    learner: str = "gf"
    batch_size: int = _DEFAULTS["batch_size"]
    passes: int = _DEFAULTS["passes"]
    save_interval: float = 30.0

    def __post_init__(self):
        if self.learner not in LEARNERS:
            raise ValueError(f"learner {self.learner!r} is not known; allowed: {', '.join(LEARNERS)}")

    def checkpoint_times(self, max_n: int = 0) -> np.ndarray:
        """Times 0 and ``checkpoints`` log-spaced times from ``first_checkpoint`` to the horizon:
        ``max_time`` for GF, the GF time of the last SGD step (eta * passes * ceil(max_n / batch_size)) for SGD."""
        end = self.max_time if self.learner != "sgd" else self.step_size * float(sgd_steps(max_n, self.batch_size, self.passes))
        t = np.geomspace(min(self.first_checkpoint, end), end, self.checkpoints)
        return np.concatenate([[0.0], t])


def _torch_dtype(name: str):
    return {"float32": torch.float32, "float64": torch.float64}[name]


# Bytes of pre-activations (networks x chunk rows x m) that one block of tensor ops works on.
# Measured on a 2-core Xeon (1.25 MiB L2 per core, 48 MiB L3): 2-8 MiB is a flat optimum between
# fewer, larger tensor ops (each costs ~3-10 us of fixed overhead) and cache residency of the block.
_BLOCK_BYTES = 4 << 20


_WORKSPACE: dict = {}


def _workspace(shape, like: torch.Tensor) -> torch.Tensor:
    """A reusable scratch tensor of ``shape`` (dtype and device of ``like``): one flat buffer per
    (dtype, device), grown when needed. Allocating a fresh pre-activation block every step costs the
    CPU allocator thousands of page faults per step (it returns large blocks to the OS)."""
    key = (like.dtype, like.device)
    size = math.prod(shape)
    buf = _WORKSPACE.get(key)
    if buf is None or buf.numel() < size:
        buf = _WORKSPACE[key] = torch.empty(size, dtype=like.dtype, device=like.device)
    return buf[:size].view(shape)


def _block_direction(a_row, V, Xc, yc, log_wc, P=None, accumulate=False):
    """P and z of one block (G networks x c rows); see :func:`fused_step_direction`.

    Pre-activations are laid out (G, m, c): Zt = V X_c^T (a transposed-operand GEMM), relu in place,
    z = y relu(Zt)^T (a / sqrt m) (a vector-matrix product streaming Zt), the mask in place (sign of
    the relu output), then P (+)= mask (c * X_c), a plain GEMM on contiguous blocks. P=None: a new P;
    else it is written (accumulate=False) or added to (accumulate=True) in place.
    """
    Zt = torch.bmm(V, Xc.transpose(1, 2), out=_workspace((V.shape[0], V.shape[1], Xc.shape[1]), V))
    Zt.clamp_(min=0.0)  # relu, in place
    zc = torch.bmm(a_row, Zt).squeeze_(1).mul_(yc)  # z_i = y_i f(x_i)
    coef = torch.nn.functional.logsigmoid(-zc).add_(log_wc).exp_().mul_(yc)
    Zt.sign_()  # relu'(v_j . x_i) in {0, 1}, in place
    Xs = Xc * coef.unsqueeze(2)  # c_i x_i
    if P is None:
        return torch.bmm(Zt, Xs), zc
    if accumulate:
        P.baddbmm_(Zt, Xs)
    else:
        torch.bmm(Zt, Xs, out=P)
    return P, zc


def fused_step_direction(a, V, X, y, w, shift, chunk_rows):
    """One pass over row chunks. Returns (P, z): P (B, m, d) with the per-sample weights
    w_i y_i sigmoid(-z_i) exp(shift_b); z (B, N) = y_i f(x_i) on every row (padding included).

    P_j = sum_i c_i 1[v_j.x_i > 0] x_i with c_i = y_i exp(log sigmoid(-z_i) + log w_i + shift_b)
    (= w_i y_i exp(log sigmoid(-z_i) + shift_b), and exactly 0 on padding rows, w_i = 0, even where
    exp(shift_b) alone would overflow). On the CPU the networks go in groups of G, as many as keep a
    block of pre-activations (G, m, chunk_rows) within ``_BLOCK_BYTES`` (so memory stays bounded
    whatever B), each group over chunks of rows; a batch that fits one block is a single call of
    :func:`_block_direction` (no slicing, no copies: the fast path for small networks and SGD).
    """
    B, N, d = X.shape
    m = a.shape[1]
    a_row = (a * (1.0 / math.sqrt(m))).unsqueeze(1)  # (B, 1, m)
    log_w = torch.log(w).add_(shift)  # log w_i + shift_b; -inf on padding
    c = max(1, min(int(chunk_rows), N))
    G = B  # cache blocking over networks is for CPU caches; an accelerator gets the whole batch per chunk
    if X.device.type == "cpu":
        G = max(1, min(B, _BLOCK_BYTES // (m * c * X.element_size())))
    if G >= B and c >= N:
        return _block_direction(a_row, V, X, y, log_w)
    P = torch.empty(B, m, d, dtype=X.dtype, device=X.device)
    z = torch.empty(B, N, dtype=X.dtype, device=X.device)
    for g0 in range(0, B, G):
        g = slice(g0, min(g0 + G, B))
        Vg, Pg, ag = V[g], P[g], a_row[g]
        for s in range(0, N, c):
            r = slice(s, s + c)
            _, zc = _block_direction(ag, Vg, X[g, r], y[g, r], log_w[g, r], Pg, accumulate=s > 0)
            z[g, r] = zc
    return P, z


def sgd_steps(ns, batch_size: int, passes: int) -> np.ndarray:
    """SGD steps of each network: ``passes`` passes of ceil(n / batch_size) minibatches."""
    return passes * -(-np.asarray(ns) // batch_size)


def sgd_batch_indices(ns, batch_size: int, step: int) -> tuple[np.ndarray, np.ndarray]:
    """The samples SGD step ``step`` uses, for networks of sizes ``ns``: (idx, mask), both (B, batch_size).

    Each pass goes over samples 0..n-1 in order in ceil(n / batch_size) minibatches, the last one
    smaller when batch_size does not divide n, so every sample is used exactly once per pass. Entries
    with mask False are padding (idx 0, weight 0 in the step)."""
    ns = np.asarray(ns, dtype=np.int64)
    start = (step % -(-ns // batch_size)) * batch_size
    idx = start[:, None] + np.arange(batch_size)[None, :]
    mask = idx < ns[:, None]
    return np.where(mask, idx, 0), mask


def norot_direction(a, r, U, P):
    """(-dR/da, -dR/dr) * sqrt(m) of the no-rotation learner, with P from :func:`fused_step_direction`:
    v_j = r_j u_j gives -dR/da_j = r_j <u_j, P_j> / sqrt(m) and -dR/dr_j = a_j <u_j, P_j> / sqrt(m)."""
    q = (U * P).sum(-1)  # <u_j, P_j>
    return r * q, a * q


class BatchedGF:
    """State and loop of one batched GF job. Use :func:`train_gf` unless you need the pieces."""

    def __init__(self, X_list, y_list, seeds, m, settings: GFSettings):
        if not (len(X_list) == len(y_list) == len(seeds)) or not X_list:
            raise ValueError("X_list, y_list and seeds must be non-empty lists of the same length")
        self.s = settings
        dt = _torch_dtype(settings.dtype)
        dev = torch.device(settings.device)
        B, d = len(X_list), X_list[0].shape[1]
        self.ns = np.array([x.shape[0] for x in X_list])
        N = int(self.ns.max())
        X = np.zeros((B, N, d))
        y = np.zeros((B, N))
        w = np.zeros((B, N))
        for b, (xb, yb) in enumerate(zip(X_list, y_list)):
            X[b, : len(xb)], y[b, : len(yb)], w[b, : len(yb)] = xb, yb, 1.0 / len(yb)
        # torch.tensor copies into torch's own (64-byte aligned) memory: BLAS rounding may depend on the
        # alignment of a shared numpy buffer, which varies between runs
        self.X = torch.tensor(X, dtype=dt, device=dev)
        self.y = torch.tensor(y, dtype=dt, device=dev)
        self.w = torch.tensor(w, dtype=dt, device=dev)
        self.real = self.w > 0
        self.seeds = list(seeds)
        self.m = m
        nets = [init_network(sd, m, d, symmetric=settings.symmetric_init, dtype=dt, device=dev) for sd in seeds]
        self.a = torch.stack([p[0] for p in nets])
        self.V = torch.stack([p[1] for p in nets])
        self.a0, self.V0 = self.a.clone(), self.V.clone()
        self.t = np.zeros(B)  # GF time per network (float64)
        self.k = 0
        self.active = np.ones(B, dtype=bool)
        self.failed_step = np.full(B, -1)
        self.next_ckpt = np.zeros(B, dtype=int)
        self.hit_zero = np.zeros(B, dtype=bool)
        self.hit_risk = np.zeros(B, dtype=bool)
        self.shift = torch.zeros(B, 1, dtype=dt, device=dev)
        self.rows: list[dict] = []
        self._last_save = None  # wall-clock time of the last state save (saves are throttled)
        self.times = settings.checkpoint_times(N)
        if settings.learner == "norot":
            self.r = self.V.norm(dim=2)
            self.U = self.V / self.r.unsqueeze(2)

    # ---------------------------------------------------------------- persistence
    _STATE = ("a", "V", "a0", "V0", "t", "k", "active", "failed_step", "next_ckpt", "hit_zero", "hit_risk", "shift", "rows")
    _NUMPY = ("t", "active", "failed_step", "next_ckpt", "hit_zero", "hit_risk")  # stored as tensors

    @property
    def _state_names(self):
        return self._STATE + (("r", "U") if self.s.learner == "norot" else ())

    def _state(self) -> dict:
        """The state as tensors, ints, floats, strings, lists and dicts only (loadable with weights_only=True)."""
        out = {}
        for n in self._state_names:
            v = getattr(self, n)
            if n in self._NUMPY:
                v = torch.from_numpy(np.array(v))
            elif n == "rows":
                v = [{c: x.item() if isinstance(x, np.generic) else x for c, x in row.items()} for row in v]
            elif n == "k":
                v = int(v)
            out[n] = v
        return out

    def save(self, path, key: str) -> None:
        with atomic_path(path) as tmp:
            torch.save({"key": key, **self._state()}, tmp)

    def _check_state(self, st) -> None:
        """Raise ValueError naming the first field of a loaded state that does not fit this job."""
        missing = [n for n in self._state_names if n not in st]
        if missing:
            raise ValueError(f"missing fields {missing}")
        for n in self._state_names:
            cur, new = getattr(self, n), st[n]
            if n == "k":
                ok = isinstance(new, int) and new >= 0
            elif n == "rows":
                ok = isinstance(new, list) and all(isinstance(r, dict) for r in new)
            else:
                want = torch.from_numpy(np.array(cur)) if n in self._NUMPY else cur
                ok = torch.is_tensor(new) and new.shape == want.shape and new.dtype == want.dtype
            if not ok:
                raise ValueError(f"field {n!r} does not match this job")

    def try_resume(self, path, key: str) -> bool:
        """Load a saved state if it exists, is readable and was written for the same key; True on success.

        A truncated, corrupt or mismatching file is logged and ignored: the job starts from scratch."""
        try:
            st = torch.load(path, weights_only=True, map_location=self.X.device)
        except FileNotFoundError:
            return False
        except Exception as exc:  # noqa: BLE001 -- truncated or garbage bytes raise zip, unpickling, EOF or OS errors alike
            log.warning("resume file %s is corrupt/unreadable (%s: %s); starting from scratch", path, type(exc).__name__, exc)
            return False
        if not isinstance(st, dict) or st.get("key") != key:
            log.warning("resume file %s belongs to another config or dataset (key mismatch); starting from scratch", path)
            return False
        try:
            self._check_state(st)
        except ValueError as exc:
            log.warning("resume file %s is corrupt/unreadable (%s); starting from scratch", path, exc)
            return False
        for n in self._state_names:
            v = st[n]
            setattr(self, n, v.numpy().copy() if n in self._NUMPY else v)
        log.info("resumed from %s at step %d", path, self.k)
        return True

    # ---------------------------------------------------------------- measurements
    def _record(self, mask: np.ndarray, event: str, test, support_basis, centres) -> None:
        """Append one row per network in ``mask``; support_basis and centres may each be None."""
        if not mask.any():
            return
        X_test, y_test, test_exact = test
        idx = np.flatnonzero(mask)
        sel = torch.as_tensor(idx, device=self.X.device)  # measure only the networks being recorded
        parts = [t.index_select(0, sel) for t in (self.a, self.V, self.a0, self.V0, self.X, self.y, self.w)]
        snap = snapshot(*parts, X_test, y_test, support_basis, test_exact=test_exact, centres=centres)
        if self.s.learner == "norot":
            snap["norot_nonpositive"] = (self.r.index_select(0, sel) <= 0).sum(1).to(torch.float64)
        snap = {k: v.cpu().numpy() for k, v in snap.items()}
        for i, b in enumerate(idx):
            row = {"seed": self.seeds[b], "n": int(self.ns[b]), "m": self.m, "step": self.k, "gf_time": float(self.t[b]), "event": event, "status": "ok"}
            row.update({c: float(snap[c][i]) if c in snap else math.nan for c in MEASURE_COLUMNS})
            self.rows.append(row)

    def _record_divergence(self, b: int) -> None:
        row = {"seed": self.seeds[b], "n": int(self.ns[b]), "m": self.m, "step": self.k, "gf_time": float(self.t[b]), "event": "diverged", "status": "diverged"}
        row.update({c: math.nan for c in MEASURE_COLUMNS})
        self.rows.append(row)

    # ---------------------------------------------------------------- the loop
    def _batch(self):
        """The rows this step uses: every training row (GF, no-rotation) or the next SGD minibatch
        (:func:`sgd_batch_indices`; padding of a last, smaller batch carries weight 0)."""
        if self.s.learner != "sgd":
            return self.X, self.y, self.w, self.real
        idx_np, mask_np = sgd_batch_indices(self.ns, self.s.batch_size, self.k)
        idx = torch.as_tensor(idx_np, device=self.X.device)
        mask = torch.as_tensor(mask_np, device=self.X.device)
        Xb = torch.gather(self.X, 1, idx.unsqueeze(2).expand(-1, -1, self.X.shape[2]))
        yb = torch.gather(self.y, 1, idx)
        wb = mask.to(yb.dtype) / mask.sum(1, keepdim=True).to(yb.dtype)  # the mean over the batch's samples
        return Xb, yb, wb, mask

    def _finished(self) -> np.ndarray:
        s = self.s
        if s.learner == "sgd":
            return (self.k >= sgd_steps(self.ns, s.batch_size, s.passes)) | (self.k >= s.max_steps)
        return (self.t >= s.max_time) | (self.k >= s.max_steps)

    def _apply(self, P, scale) -> None:
        """W <- W - eta grad R, with scale = eta_k exp(-shift) / sqrt(m) per network, shape (B, 1)."""
        if self.s.learner == "norot":
            da, dr = norot_direction(self.a, self.r, self.U, P)
            self.a += da * scale
            self.r += dr * scale
            self.V = self.r.unsqueeze(2) * self.U
            return
        da = (self.V * P).sum(2) * scale
        self.V += P * (self.a * scale).unsqueeze(2)
        self.a += da

    def run(self, *, test, support_basis=None, centres=None, state_path=None, key="", progress=None) -> pd.DataFrame:
        s = self.s
        dt = self.X.dtype
        log_cap = math.log(s.normalized_step_cap)
        log_level = math.log(s.risk_milestone)
        last_ckpt = len(self.times) - 1
        full_batch = s.learner != "sgd"
        while self.active.any():
            Xb, yb, wb, real = self._batch()
            P, z = fused_step_direction(self.a, self.V, Xb, yb, wb, self.shift, s.chunk_rows)
            if s.symmetric_init:
                # twin networks (the symmetric init) have f == 0 exactly (see lowrot.model), not BLAS noise
                z = torch.where(twin_networks(self.a, self.V).unsqueeze(1), torch.zeros_like(z), z)
            logR = log_risk(z, wb)
            zreal = torch.where(real, z, torch.full_like(z, math.inf))
            zero_err = (zreal > 0).all(1).cpu().numpy()
            logR_np = logR.double().cpu().numpy()
            finite = np.isfinite(logR_np) & torch.isfinite(P.abs().amax((1, 2))).cpu().numpy()
            for b in np.flatnonzero(self.active & ~finite):
                self.failed_step[b] = self.k
                self.active[b] = False
                self._record_divergence(b)
                log.warning("network seed=%s n=%d m=%d diverged at step %d (GF time %.4g)", self.seeds[b], self.ns[b], self.m, self.k, self.t[b])
            act = self.active
            # milestones (full-batch learners only) and checkpoints at (W_k, t_k)
            if full_batch:
                new_zero = act & zero_err & ~self.hit_zero
                self.hit_zero |= new_zero
                self._record(new_zero, "interpolation", test, support_basis, centres)
                new_risk = act & (logR_np < log_level) & ~self.hit_risk
                self.hit_risk |= new_risk
                self._record(new_risk, "risk_below", test, support_basis, centres)
            due = act & (self.t >= self.times[np.minimum(self.next_ckpt, last_ckpt)]) & (self.next_ckpt <= last_ckpt)
            done = act & self._finished()
            self._record(due & ~done, "checkpoint", test, support_basis, centres)
            self._record(done, "final", test, support_basis, centres)
            if due.any() or done.any():
                for b in np.flatnonzero(due):
                    self.next_ckpt[b] = np.searchsorted(self.times, self.t[b], side="right")
                self.active &= ~done
                if progress is not None:
                    progress(self)
                if state_path is not None and (self._last_save is None or time.monotonic() - self._last_save >= s.save_interval):
                    self.save(state_path, key)
                    self._last_save = time.monotonic()
            if not self.active.any():
                break
            # the step
            log_mult = np.zeros(len(self.t))
            if s.loss_normalized and full_batch:
                log_mult = np.where(zero_err, np.minimum(-logR_np, log_cap), 0.0)
            log_mult = np.where(self.active, log_mult, -np.inf)  # frozen networks do not move
            shift = self.shift.double().cpu().numpy()[:, 0]
            scale = torch.as_tensor(s.step_size * np.exp(log_mult - shift) / math.sqrt(self.m), dtype=dt, device=self.X.device)
            self._apply(P, scale.view(-1, 1))
            self.t += np.where(self.active, s.step_size * np.exp(log_mult), 0.0)
            self.k += 1
            if full_batch:
                # next shift: the current smallest margin (>= 0), so that exp(-z_i + shift) stays O(1)
                self.shift = zreal.min(1, keepdim=True).values.clamp_min(0.0).nan_to_num(0.0, posinf=0.0)
        return pd.DataFrame(self.rows)


def _progress_reporter(total: int, label: str):
    """A tqdm bar on an interactive terminal, else one log line per checkpoint."""
    if sys.stderr.isatty():
        from tqdm import tqdm

        bar = tqdm(total=total, desc=label, unit="ckpt")

        def report(gf: BatchedGF):
            reached = int(gf.next_ckpt[gf.active].min()) if gf.active.any() else total
            bar.update(max(0, min(reached, total) - bar.n))
            if not gf.active.any():
                bar.close()

        return report

    last = [-1]

    def report(gf: BatchedGF):  # a line when the slowest active network passes a checkpoint
        reached = int(gf.next_ckpt[gf.active].min()) if gf.active.any() else total
        if reached == last[0]:
            return
        last[0] = reached
        log.info("%s: checkpoint %d/%d, step %d, GF time %.4g..%.4g, %d active", label, min(reached, total), total, gf.k, gf.t.min(), gf.t.max(), gf.active.sum())

    return report


def train_gf(X_list, y_list, seeds, m, settings: GFSettings, *, X_test=None, y_test=None, test_exact=False, support_basis=None, centres=None, state_path=None, key="", label="gf") -> pd.DataFrame:
    """Train B networks (one per (X, y, seed)) of width m by batched GF.

    Returns (rows, weights): rows has columns seed, n, m, step, gf_time, event, status and
    MEASURE_COLUMNS; weights holds a0, V0, a, V (float64 numpy, leading axis = network).
    """
    gf = BatchedGF(X_list, y_list, seeds, m, settings)
    if state_path is not None:
        gf.try_resume(state_path, key)
    dev = gf.X.device
    test = (
        None if X_test is None else torch.tensor(X_test, dtype=torch.float64, device=dev),  # copies (aligned)
        None if y_test is None else torch.tensor(y_test, dtype=torch.float64, device=dev),
        test_exact,
    )
    sb = None if support_basis is None else torch.tensor(support_basis, dtype=torch.float64, device=dev)
    cc = None if centres is None else torch.tensor(centres, dtype=torch.float64, device=dev)
    report = _progress_reporter(len(gf.times), label)
    df = gf.run(test=test, support_basis=sb, centres=cc, state_path=state_path, key=key, progress=report)
    weights = {n: getattr(gf, n).double().cpu().numpy() for n in ("a0", "V0", "a", "V")}
    return df, weights
