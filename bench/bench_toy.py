"""Speed and memory of the numpy toy-model trainer, with a plain PyTorch CPU trainer as the baseline.

Run from the repository root:

    python bench/bench_toy.py                 # quick: a few hundred steps per config
    python bench/bench_toy.py --steps 10000   # the colab's full step count
    python bench/bench_toy.py --no-torch      # numpy only
    python bench/bench_toy.py --threads 1     # one BLAS / torch thread (steadier on a busy machine)

Both trainers run the same model (tied ReLU autoencoder with bias), the same data recipe
(sparse U[0, 1) features, presence probability per instance), the same loss and AdamW
(lr 1e-3, weight decay 0.01), float32, batch 1024, the same number of steps, and read the
loss every 100 steps.  Each measurement runs in a fresh process so peak memory is its own;
numpy and torch alternate and the best of ``--repeats`` runs is kept.

GFLOP/s counts the five matmuls of a step (2 forward, 3 backward: 10 B n m FLOPs per
instance).  The ceiling is numpy's own speed on exactly those five batched matmuls,
timed alone (best of the BLAS library's default thread count and one thread).  Each
trainer runs with its own defaults: numpy trains with one BLAS thread plus a sampling
thread, torch with its default thread pool; ``--threads N`` pins both.  Prints a table and writes bench/results/toy.json.  Ratios are measured in
the same run on the same machine; absolute numbers depend on the machine and its load.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from course_utils import toy  # noqa: E402

CONFIGS = toy.TMS_CONFIGS
QUICK_STEPS = {"tms_5_2": 1000, "tms_20_5": 500, "tms_100_20": 50}
LOG_EVERY = 100


def _rss_kib(field: str) -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def _reset_peak() -> bool:
    """Reset VmHWM so that it measures the training loop alone (Linux >= 4.0)."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def flops_per_step(cfg: toy.ToyConfig) -> float:
    return 10.0 * cfg.batch_size * cfg.n_features * cfg.n_hidden * cfg.n_instances


# ---------------------------------------------------------------------------- workers
def run_numpy(cfg: toy.ToyConfig, steps: int, threads: int | None = None) -> float:
    start = time.perf_counter()  # building the model takes microseconds
    cfg.run(seed=0, steps=steps, progress=False, log_every=LOG_EVERY, blas_threads=threads or 1)
    return time.perf_counter() - start


def run_torch(cfg: toy.ToyConfig, steps: int, threads: int | None = None) -> float:
    """A straightforward PyTorch trainer: autograd, torch.optim.AdamW, two rand calls per batch."""
    import torch

    torch.manual_seed(0)
    n_inst, m, n, B = cfg.n_instances, cfg.n_hidden, cfg.n_features, cfg.batch_size
    W = torch.nn.Parameter(torch.randn(n_inst, m, n) * (2.0 / (m + n)) ** 0.5)
    b = torch.nn.Parameter(torch.zeros(n_inst, n))
    importance = torch.tensor(cfg.importance, dtype=torch.float32)
    prob = torch.tensor(cfg.feature_probability, dtype=torch.float32)[:, None, None]
    opt = torch.optim.AdamW([W, b], lr=cfg.lr)
    start = time.perf_counter()
    for step in range(steps):
        values = torch.rand(n_inst, B, n)
        x = torch.where(torch.rand(n_inst, B, n) < prob, values, torch.zeros(()))
        h = torch.einsum("ibn,imn->ibm", x, W)
        out = torch.relu(torch.einsum("ibm,imn->ibn", h, W) + b[:, None, :])
        loss = (importance * (x - out) ** 2).mean(dim=(1, 2)).sum()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if step % LOG_EVERY == 0 or step == steps - 1:
            loss.item()
    return time.perf_counter() - start


def run_matmul_ceiling(cfg: toy.ToyConfig, steps: int, threads: int | None = None) -> float:
    """The five batched matmuls of a training step, alone, in the trainer's layout."""
    n_inst, m, n, B = cfg.n_instances, cfg.n_hidden, cfg.n_features, cfg.batch_size
    rng = np.random.default_rng(0)
    W = rng.random((n_inst, m, n), dtype=np.float32)
    x = rng.random((n_inst, n, B), dtype=np.float32)
    dz = rng.random((n_inst, n, B), dtype=np.float32)
    h = np.empty((n_inst, m, B), np.float32)
    dh = np.empty_like(h)
    z = np.empty_like(x)
    g1 = np.empty_like(W)
    g2 = np.empty_like(W)

    def loop() -> float:
        start = time.perf_counter()
        for _ in range(steps):
            np.matmul(W, x, out=h)
            np.matmul(W.transpose(0, 2, 1), h, out=z)
            np.matmul(h, dz.transpose(0, 2, 1), out=g1)
            np.matmul(W, dz, out=dh)
            np.matmul(dh, x.transpose(0, 2, 1), out=g2)
        return time.perf_counter() - start

    best = loop()  # the library's own thread count
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return best
    with threadpool_limits(limits=1, user_api="blas"):  # and one thread; the faster one counts
        return min(best, loop())


WORKERS = {"numpy": run_numpy, "torch": run_torch, "matmul": run_matmul_ceiling}


def worker(impl: str, name: str, steps: int, threads: int | None) -> None:
    cfg = CONFIGS[name]
    if impl == "torch":
        import torch  # imported before the memory baseline (numpy and course_utils already are)

        if threads:
            torch.set_num_threads(threads)
    rss_before = _rss_kib("VmRSS")  # after the imports, before any training memory
    reset = _reset_peak()
    WORKERS[impl](cfg, min(steps, 5), threads)  # warm-up: thread pools, caches, first allocations
    seconds = WORKERS[impl](cfg, steps, threads)
    peak = _rss_kib("VmHWM")
    print(json.dumps({
        "seconds": seconds,
        "peak_rss_mb": peak / 1024,
        "train_peak_mb": (peak - rss_before) / 1024 if reset else None,
    }))


# ---------------------------------------------------------------------------- driver
def measure(impl: str, name: str, steps: int, threads: int | None) -> dict:
    env = dict(os.environ)
    cmd = [sys.executable, __file__, "--worker", impl, "--config", name, "--steps", str(steps)]
    if threads:
        for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            env[var] = str(threads)
        cmd += ["--threads", str(threads)]
    out = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env=env)
    if out.returncode != 0:
        raise RuntimeError(f"{impl} worker failed on {name}:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def torch_version() -> str | None:
    out = subprocess.run([sys.executable, "-c", "import torch; print(torch.__version__)"],
                         capture_output=True, text=True)
    return out.stdout.strip() if out.returncode == 0 else None


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--steps", type=int, default=None,
                    help="steps per config (default: a quick count per config; 10000 = the colab)")
    ap.add_argument("--repeats", type=int, default=2, help="runs per implementation; the best is kept")
    ap.add_argument("--configs", nargs="*", default=list(CONFIGS), choices=list(CONFIGS))
    ap.add_argument("--no-torch", action="store_true", help="skip the PyTorch baseline")
    ap.add_argument("--threads", type=int, default=None,
                    help="threads for BLAS and torch in the measured processes (default: their own)")
    ap.add_argument("--worker", choices=list(WORKERS), help=argparse.SUPPRESS)
    ap.add_argument("--config", choices=list(CONFIGS), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        worker(args.worker, args.config, args.steps, args.threads)
        return 0

    load_before = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    tv = None if args.no_torch else torch_version()
    if not args.no_torch and tv is None:
        print("PyTorch is not installed: the baseline column is skipped.")
    impls = ["numpy", "matmul"] + (["torch"] if tv else [])
    rows = []
    for name in args.configs:
        cfg = CONFIGS[name]
        steps = args.steps or QUICK_STEPS[name]
        best: dict = {}
        for _ in range(max(1, args.repeats)):
            for impl in impls:  # alternate so that load changes hit both sides
                r = measure(impl, name, steps, args.threads)
                if impl not in best or r["seconds"] < best[impl]["seconds"]:
                    best[impl] = r
        fl = flops_per_step(cfg) * steps
        row = {
            "config": name, "n_features": cfg.n_features, "n_hidden": cfg.n_hidden,
            "n_instances": cfg.n_instances, "batch_size": cfg.batch_size, "steps": steps,
            "numpy_steps_per_s": steps / best["numpy"]["seconds"],
            "numpy_gflops": fl / best["numpy"]["seconds"] / 1e9,
            "matmul_ceiling_gflops": fl / best["matmul"]["seconds"] / 1e9,
            "numpy_peak_mb": best["numpy"]["train_peak_mb"],
            "numpy_process_peak_mb": best["numpy"]["peak_rss_mb"],
        }
        if "torch" in best:
            row.update({
                "torch_steps_per_s": steps / best["torch"]["seconds"],
                "torch_gflops": fl / best["torch"]["seconds"] / 1e9,
                "speedup_vs_torch": best["torch"]["seconds"] / best["numpy"]["seconds"],
                "torch_peak_mb": best["torch"]["train_peak_mb"],
                "torch_process_peak_mb": best["torch"]["peak_rss_mb"],
            })
        rows.append(row)
        print(f"{name}: done", flush=True)

    # the n=5/m=2 sparsity sweep at the colab's full length, in this process
    start = time.perf_counter()
    toy.TMS_5_2.run(seed=0, progress=False)
    sweep_s = time.perf_counter() - start

    def fmt(v, spec):
        return "-" if v is None else format(v, spec)

    head = (f"{'config':<11}{'steps':>6}{'numpy st/s':>11}{'torch st/s':>11}{'ratio':>7}"
            f"{'GFLOP/s':>9}{'ceiling':>9}{'%ceil':>7}{'np MB':>8}{'torch MB':>9}")
    print("\n" + head + "\n" + "-" * len(head))
    for r in rows:
        pct = 100 * r["numpy_gflops"] / r["matmul_ceiling_gflops"]
        print(f"{r['config']:<11}{r['steps']:>6}{r['numpy_steps_per_s']:>11.1f}"
              f"{fmt(r.get('torch_steps_per_s'), '11.1f'):>11}{fmt(r.get('speedup_vs_torch'), '7.2f'):>7}"
              f"{r['numpy_gflops']:>9.2f}{r['matmul_ceiling_gflops']:>9.2f}{pct:>7.0f}"
              f"{fmt(r['numpy_peak_mb'], '8.1f'):>8}{fmt(r.get('torch_peak_mb'), '9.1f'):>9}")
    print("ratio = numpy steps/s / torch steps/s (higher is better for numpy); MB = peak RSS "
          "above the process's size after its imports (warm-up and timed run).")
    print(f"n=5/m=2 sparsity sweep, 10 instances, 10,000 steps (numpy): {sweep_s:.2f} s")
    load_after = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    if load_before is not None:
        print(f"threads: {args.threads or 'default'}; 1-minute load average {load_before:.1f} before, "
              f"{load_after:.1f} after, on {os.cpu_count()} CPUs (other work on the machine slows "
              "both sides; compare ratios, not absolute numbers)")

    result = {
        "machine": {"platform": platform.platform(), "cpus": os.cpu_count(),
                    "python": platform.python_version(), "numpy": np.__version__, "torch": tv},
        "log_every": LOG_EVERY, "repeats": args.repeats, "threads": args.threads,
        "load_average": [load_before, load_after], "rows": rows,
        "sweep_5_2_seconds_10000_steps": sweep_s,
    }
    out = ROOT / "bench" / "results" / "toy.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2))
    print(f"wrote {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
