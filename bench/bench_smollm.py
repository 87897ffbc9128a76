"""Speed and memory of the numpy SmolLM2 model, with transformers on the same file as the baseline.

Run from the repository root:  python bench/bench_smollm.py  [--repeats N] [--no-reference]

Each implementation runs in its own fresh process (so peak memory is its own), once with the BLAS/OpenMP
thread pools left at their defaults and once pinned to one thread: on a busy machine (for example
``pytest -n auto`` on 2 cores) oversubscribed BLAS threads can slow small matrix products by 10x or more.
Prints a table and writes bench/results/smollm.json. Ratios compare the two implementations measured in
this same run; absolute numbers depend on the machine and its load.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROMPT = (
    "Water is a chemical compound made of hydrogen and oxygen. At room temperature it is a clear liquid "
    "with no taste or smell, and it freezes at zero degrees Celsius"
)
N_PROMPT = 32
N_DECODE = 32
THREAD_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
ROWS = [
    ("import, s", "import_s"),
    ("load (open + first forward), s", "load_s"),
    (f"prefill, {N_PROMPT}-token prompt, tok/s", "prefill_tok_per_s"),
    (f"greedy decode, {N_DECODE} tokens, tok/s", "decode_tok_per_s"),
    ("peak RSS of the process, MB", "peak_rss_mb"),
]


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB (Linux reports KiB, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1e6 if sys.platform == "darwin" else peak * 1024 / 1e6


def timed(fn, repeats: int) -> float:
    """Median wall time of ``fn()`` over ``repeats`` runs, in seconds."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _figures(import_s: float, open_s: float, first_s: float, prefill_s: float, decode_s: float) -> dict:
    """The measured figures of one implementation, computed the same way for both."""
    return {
        "import_s": import_s,
        "open_s": open_s,
        "first_forward_s": first_s,
        "load_s": open_s + first_s,
        "prefill_tok_per_s": N_PROMPT / prefill_s,
        "decode_tok_per_s": N_DECODE / decode_s,
        "peak_rss_mb": peak_rss_mb(),
    }


def run_numpy(repeats: int) -> dict:
    start = time.perf_counter()
    sys.path.insert(0, str(ROOT))
    import gguf  # noqa: F401  (imported by the loader; counted here like torch is for the reference)
    import tokenizers  # noqa: F401

    from course_utils.smollm import SmolLM, locate_model_file

    import_s = time.perf_counter() - start
    start = time.perf_counter()
    model = SmolLM(locate_model_file())
    open_s = time.perf_counter() - start
    ids = model.tokenizer.encode(PROMPT)[:N_PROMPT]
    if len(ids) != N_PROMPT:
        raise RuntimeError(f"the benchmark prompt encodes to {len(ids)} tokens, need {N_PROMPT}")
    start = time.perf_counter()
    model.forward(ids)  # the first pass dequantizes every weight
    first_s = time.perf_counter() - start
    prefill_s = timed(lambda: model.forward(ids), repeats)
    decode_s = timed(lambda: model.generate_ids(ids[:8], N_DECODE, stop_at_eos=False), max(1, repeats // 2))
    return _figures(import_s, open_s, first_s, prefill_s, decode_s)


def run_reference(repeats: int) -> dict:
    os.environ["HF_HUB_OFFLINE"] = "1"
    start = time.perf_counter()
    import torch
    import transformers

    import_s = time.perf_counter() - start
    sys.path.insert(0, str(ROOT))
    from course_utils.smollm.locate import locate_model_file

    path = locate_model_file()
    start = time.perf_counter()
    model = transformers.AutoModelForCausalLM.from_pretrained(
        str(path.parent), gguf_file=path.name, dtype=torch.float32
    ).eval()
    tok = transformers.AutoTokenizer.from_pretrained(str(path.parent), gguf_file=path.name)
    open_s = time.perf_counter() - start
    ids = tok(PROMPT, add_special_tokens=False)["input_ids"][:N_PROMPT]
    x = torch.tensor([ids])
    with torch.inference_mode():
        start = time.perf_counter()
        model(x)
        first_s = time.perf_counter() - start
        prefill_s = timed(lambda: model(x), repeats)
        decode_s = timed(
            lambda: model.generate(
                x[:, :8], max_new_tokens=N_DECODE, min_new_tokens=N_DECODE, do_sample=False, pad_token_id=2
            ),
            max(1, repeats // 2),
        )
    return {
        **_figures(import_s, open_s, first_s, prefill_s, decode_s),
        "torch": torch.__version__,
        "torch_threads": torch.get_num_threads(),
        "transformers": transformers.__version__,
    }


def child(which: str, repeats: int, threads: str | None, cache: str | None = None) -> dict | None:
    """Run one implementation in a fresh process; ``threads`` pins the thread pools (None keeps defaults).

    ``cache`` is the numpy model's on-disk cache folder for this run (see ``course_utils.smollm.cache``).
    """
    env = dict(os.environ)
    if cache is not None:
        env["FEATURE_GEOMETRY_CACHE"] = cache
    for var in THREAD_VARS:
        if threads is None:
            env.pop(var, None)
        else:
            env[var] = threads
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "result.json"
        cmd = [sys.executable, __file__, "--child", which, "--out", str(out), "--repeats", str(repeats)]
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
        if proc.returncode != 0:
            print(f"{which} run failed:\n{proc.stderr[-2000:]}")
            return None
        return json.loads(out.read_text())


def print_table(title: str, ours: dict | None, ref: dict | None) -> dict:
    print(f"\n{title}")
    print(f"{'measure':<40}{'numpy':>12}{'transformers':>14}{'numpy/ref':>12}")
    ratios = {}
    for label, key in ROWS:
        mine = ours[key] if ours else None
        theirs = ref[key] if ref else None
        ratio = mine / theirs if mine is not None and theirs else None
        ratios[key] = ratio
        cells = [f"{v:>{w}.2f}" if v is not None else f"{'-':>{w}}" for v, w in ((mine, 12), (theirs, 14), (ratio, 12))]
        print(f"{label:<40}{''.join(cells)}")
    return ratios


def main(argv: list[str] | None = None) -> dict | None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="timed runs per measurement (median is kept)")
    parser.add_argument("--no-reference", action="store_true", help="skip the transformers baseline")
    parser.add_argument("--child", choices=["numpy", "reference"], help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child:
        result = run_numpy(args.repeats) if args.child == "numpy" else run_reference(args.repeats)
        Path(args.out).write_text(json.dumps(result))
        return None

    have_reference = all(importlib.util.find_spec(m) for m in ("torch", "transformers", "accelerate"))
    run_ref = have_reference and not args.no_reference
    print(f"SmolLM2-135M-Instruct (Q4_1 file, float32 compute) on {platform.machine()}, {os.cpu_count()} cores")
    if not run_ref:
        print("transformers baseline skipped" + ("" if have_reference else " (torch/transformers/accelerate missing)"))
    results: dict = {"name": "smollm", "n_prompt": N_PROMPT, "n_decode": N_DECODE, "repeats": args.repeats,
                     "python": platform.python_version(), "runs": {}}
    with tempfile.TemporaryDirectory(prefix="bench-model-cache-") as cache:
        cold = child("numpy", 1, None, cache)  # an empty cache: parse the file, dequantize, write the cache
        if cold:
            print(f"numpy, first load after install (cold cache): open + first forward {cold['load_s']:.2f} s, "
                  f"peak RSS {cold['peak_rss_mb']:.0f} MB")
        results["cold"] = cold
        for label, threads in (("default threads", None), ("one thread", "1")):
            ours = child("numpy", args.repeats, threads, cache)  # warm: the cache the cold run wrote
            ref = child("reference", args.repeats, threads) if run_ref else None
            ratios = print_table(f"[{label}]", ours, ref)
            results["runs"][label] = {"numpy": ours, "reference": ref, "ratio_numpy_over_reference": ratios}
    out = ROOT / "bench" / "results" / "smollm.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    print(f"\nwrote {out.relative_to(ROOT)}")
    return results


if __name__ == "__main__":
    main()
