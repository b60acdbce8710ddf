"""The paper config's heaviest training step and margin solve, on the CPU and (when present) on CUDA.

Prints, per device: the time of one training step of the widest, largest-n GF job of
config/paper.yaml (float32, as that config trains) per network, its achieved GFLOP/s next to the
device's measured float32 matmul rate, and the time per iteration of the kernel-margin QP at the
paper's largest population size (float64, as every margin is read), next to the float64 matmul rate;
then the GPU/CPU ratios. A benchmark, not a test. Without CUDA it prints the CPU rows and says so.

Sizes: the training step uses the paper's (n, d, m) with B networks (B = execution.networks_per_batch on the
GPU, 1 on the CPU; rates are per network so the ratio compares like with like). Flops counted per
network-step: 4 n m d (forward and backward matmuls) + 2 n m; elementwise work gets no credit.
The QP iteration is dominated by one (n x n) matrix-vector product: 2 n^2 flops.

Usage: python benchmarks/bench_paper.py [--quick] [--threads N]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_train import cpu_model, make_data  # noqa: E402

from lowrot.margins.kernel import kernel_margin  # noqa: E402
from lowrot.model import init_network  # noqa: E402
from lowrot.train import fused_step_direction  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def sync(dev):
    if dev.type == "cuda":
        torch.cuda.synchronize()


def best_time(fn, dev, reps=3, warmup=1) -> float:
    for _ in range(warmup):
        fn()
    sync(dev)
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        sync(dev)
        ts.append(time.perf_counter() - t0)
    return min(ts)


def matmul_gflops(dev, dtype, size) -> float:
    A = torch.randn(size, size, device=dev, dtype=dtype)
    Bm = torch.randn(size, size, device=dev, dtype=dtype)
    t = best_time(lambda: A @ Bm, dev)
    return 2 * size**3 / t / 1e9


def train_step(dev, B, n, d, m, chunk) -> float:
    """Seconds per network-step of the fused direction plus the update, float32."""
    X, y = make_data(0, n, d)
    Xt = torch.as_tensor(X, dtype=torch.float32, device=dev).expand(B, n, d).contiguous()
    yt = torch.as_tensor(y, dtype=torch.float32, device=dev).expand(B, n).contiguous()
    w = torch.full((B, n), 1.0 / n, dtype=torch.float32, device=dev)
    a, V = zip(*(init_network(s, m, d, dtype=torch.float32, device=dev) for s in range(B)))
    a, V = torch.stack(a), torch.stack(V)
    shift = torch.zeros(B, 1, dtype=torch.float32, device=dev)

    def step():
        P, _ = fused_step_direction(a, V, Xt, yt, w, shift, chunk)
        a.add_((V * P).sum(2), alpha=1e-6)
        V.add_(P * a.unsqueeze(2), alpha=1e-6)

    return best_time(step, dev) / B


def qp_iteration(dev, n, d, iters) -> tuple[float, int]:
    """(seconds per projected-gradient iteration, iterations timed) of the kernel QP on n distinct
    points of the sphere with parity-like labels (float64); the kernel build and set-up cancel out."""
    X, y = make_data(1, n, d)
    runs = {}
    for k in (1, iters):
        out = {}

        def solve(k=k, out=out):
            out["r"] = kernel_margin(X, y, tol=1e-15, max_iter=k, device=str(dev), polish=False)

        runs[k] = (best_time(solve, dev, reps=2), out["r"].iterations)
    (t1, i1), (t2, i2) = runs[1], runs[iters]
    return (t2 - t1) / max(i2 - i1, 1), i2 - i1


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="smaller sizes (a smoke run)")
    ap.add_argument("--threads", type=int, default=torch.get_num_threads())
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    cfg = yaml.safe_load((ROOT / "config" / "paper.yaml").read_text())
    gf = cfg["sweeps"]["gf"]
    n, d, m = max(gf["sample_sizes"]), max(cfg["datasets"]["parity"]["dims"]), max(gf["widths"])
    qp_n = cfg["margins"]["kernel_max_points"]
    if args.quick:
        n, m, qp_n = 8192, 1024, 2048
    devices = [torch.device("cpu")] + ([torch.device("cuda")] if torch.cuda.is_available() else [])
    print(f"torch {torch.__version__}, CPU threads {args.threads}, CPU: {cpu_model()}")
    print("CUDA:", torch.cuda.get_device_name(0) if torch.cuda.is_available() else "not available (GPU rows and ratios skipped)")
    print(f"training step: n={n}, d={d}, m={m} (float32); kernel QP: n={qp_n} (float64)\n")
    res = {}
    for dev in devices:
        B = cfg["execution"]["networks_per_batch"] if dev.type == "cuda" else 1
        peak32 = matmul_gflops(dev, torch.float32, 4096 if dev.type == "cuda" else 2048)
        peak64 = matmul_gflops(dev, torch.float64, 4096 if dev.type == "cuda" else 1024)
        t_step = train_step(dev, B, n, d, m, cfg["execution"]["chunk_rows"])
        flops = 4 * n * m * d + 2 * n * m
        t_qp, its = qp_iteration(dev, qp_n, d, 30 if dev.type == "cpu" else 200)
        res[dev.type] = (t_step, t_qp)
        print(f"[{dev.type}] train step per network {t_step * 1e3:9.2f} ms  {flops / t_step / 1e9:8.1f} GFLOP/s"
              f"  = {100 * flops / t_step / 1e9 / peak32:5.1f}% of matmul fp32 {peak32:8.1f} GFLOP/s (B={B})")
        print(f"[{dev.type}] kernel QP iteration  {t_qp * 1e3:9.2f} ms  {2 * qp_n**2 / t_qp / 1e9:8.1f} GFLOP/s ({its} iterations timed)"
              f"  = {100 * 2 * qp_n**2 / t_qp / 1e9 / peak64:5.1f}% of matmul fp64 {peak64:8.1f} GFLOP/s")
    if "cuda" in res:
        print(f"\nGPU/CPU speed-up: training step {res['cpu'][0] / res['cuda'][0]:.1f}x, kernel QP iteration {res['cpu'][1] / res['cuda'][1]:.1f}x")


if __name__ == "__main__":
    main()
