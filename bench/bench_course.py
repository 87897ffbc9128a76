"""The course-wide speed table: every lesson and solution notebook from a fresh kernel, and the basics.

For each notebook: the median of three runs from a fresh kernel (kernel start included), with the
model's on-disk cache warm as it is for a learner after the first lesson. Also: ``import course_utils``;
the model's open-to-first-token time (load, encode, one forward, the next token), and the same for
transformers on the same file when the ``reference`` extra is installed; and ``make test`` from a fresh
clone of the committed HEAD (virtual environment created from nothing, packages from pip's cache),
which takes several minutes (``--no-fresh-clone`` skips it). Prints a Markdown table and writes
bench/results/course.json and bench/results/course.md.

Run from the repository root:  python bench/bench_course.py [--repeats N] [--no-fresh-clone]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LESSON_BUDGET_S = 20.0
COURSE_BUDGET_S = 120.0
FIRST_TOKEN = """
import time
start = time.perf_counter()
from course_utils import smollm
model = smollm.load_model()
ids = model.tokenizer.encode("The capital of France is")
token = int(model.forward(ids)[-1].argmax())
print(time.perf_counter() - start, model.tokenizer.decode([token]))
"""
FIRST_TOKEN_REFERENCE = """
import os, time
os.environ["HF_HUB_OFFLINE"] = "1"
start = time.perf_counter()
import torch, transformers
from course_utils.smollm.locate import locate_model_file
path = locate_model_file()
model = transformers.AutoModelForCausalLM.from_pretrained(str(path.parent), gguf_file=path.name,
                                                          dtype=torch.float32).eval()
tok = transformers.AutoTokenizer.from_pretrained(str(path.parent), gguf_file=path.name)
ids = tok("The capital of France is", add_special_tokens=False)["input_ids"]
with torch.inference_mode():
    token = int(model(torch.tensor([ids])).logits[0, -1].argmax())
print(time.perf_counter() - start, tok.decode([token]))
"""


def run_notebook(path: Path) -> float:
    """Seconds to execute ``path`` on a fresh kernel (start-up included), in its own folder."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}},
                   extra_arguments=["--IPKernelApp.log_level=ERROR"]).execute(env={**os.environ, "MPLBACKEND": "Agg"})
    return time.perf_counter() - start


def in_subprocess(code: str) -> tuple[float, str]:
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    seconds, _, rest = done.stdout.strip().splitlines()[-1].partition(" ")
    return float(seconds), rest


def have_reference() -> bool:
    import importlib.util

    return all(importlib.util.find_spec(m) for m in ("torch", "transformers", "accelerate"))


def make_test_from_fresh_clone() -> float:
    """Wall seconds of ``make test`` in a fresh clone of HEAD: setup from nothing, then the whole suite.

    Uses the extras CI uses (``test,reference``) when they are installed here, else the default.
    """
    extras = "test,reference" if have_reference() else "test"
    with tempfile.TemporaryDirectory(prefix="bench-fresh-clone-") as tmp:
        clone = Path(tmp) / "course"
        subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
        env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "COURSE_EXECUTED_CACHE")}
        start = time.perf_counter()
        done = subprocess.run(["make", "test", f"EXTRAS={extras}"], cwd=clone, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        seconds = time.perf_counter() - start
    if done.returncode:
        print(done.stdout[-3000:])
        raise SystemExit(f"make test failed in the fresh clone (exit {done.returncode})")
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-fresh-clone", action="store_true", help="skip timing make test in a fresh clone")
    args = parser.parse_args(argv)
    in_subprocess(FIRST_TOKEN)  # make sure the model's cache is built, as after a learner's first lesson
    rows = []
    import_s = statistics.median(in_subprocess(
        "import time; s = time.perf_counter(); import course_utils; print(time.perf_counter() - s)")[0]
        for _ in range(args.repeats))
    first = [in_subprocess(FIRST_TOKEN) for _ in range(args.repeats)]
    first_s = statistics.median(s for s, _ in first)
    reference_s = None
    if have_reference():
        in_subprocess(FIRST_TOKEN_REFERENCE)  # warm the page cache for both, as for the numpy model
        reference = [in_subprocess(FIRST_TOKEN_REFERENCE) for _ in range(args.repeats)]
        reference_s = statistics.median(s for s, _ in reference)
        if reference[0][1] != first[0][1]:
            print(f"warning: the first tokens differ: numpy {first[0][1]!r}, transformers {reference[0][1]!r}")
    notebooks = sorted((ROOT / "lessons").glob("[0-9][0-9]_*.ipynb")) + sorted((ROOT / "solutions").glob("ex*/*.ipynb"))
    for path in notebooks:
        times = [run_notebook(path) for _ in range(args.repeats)]
        rows.append({"notebook": path.relative_to(ROOT).as_posix(), "median_s": statistics.median(times),
                     "min_s": min(times), "max_s": max(times)})
        print(f"{rows[-1]['notebook']:60s} {rows[-1]['median_s']:6.1f} s", flush=True)
    lessons = [r for r in rows if r["notebook"].startswith("lessons/")]
    total = sum(r["median_s"] for r in lessons)
    lines = ["| notebook | median of 3, s (fresh kernel) | budget |", "|---|---:|---|"]
    for r in rows:
        budget = f"< {LESSON_BUDGET_S:g} s" if r["notebook"].startswith("lessons/") else ""
        flag = " ⚠" if r["notebook"].startswith("lessons/") and r["median_s"] > LESSON_BUDGET_S else ""
        lines.append(f"| `{r['notebook']}` | {r['median_s']:.1f}{flag} | {budget} |")
    lines += [f"| **all lessons** | **{total:.0f}** | < {COURSE_BUDGET_S:g} s |",
              f"| `import course_utils`, ms | {import_s * 1000:.1f} | |",
              f"| model: load to first token (`load_model`, encode, forward) | {first_s:.2f} | ≤ 1.0 s warm |"]
    if reference_s is not None:
        lines.append(f"| transformers on the same file: load to first token | {reference_s:.2f} "
                     f"| numpy is {reference_s / first_s:.0f}× faster |")
    fresh_s = None
    if not args.no_fresh_clone:
        print("make test from a fresh clone ...", flush=True)
        fresh_s = make_test_from_fresh_clone()
        lines.append(f"| `make test` from a fresh clone (setup included), min | {fresh_s / 60:.1f} | < 15 min |")
    table = "\n".join(lines)
    print("\n" + table)
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "course.md").write_text(table + "\n", encoding="utf-8")
    (out / "course.json").write_text(json.dumps({"notebooks": rows, "all_lessons_s": total, "import_s": import_s,
                                                 "first_token_s": first_s, "reference_first_token_s": reference_s,
                                                 "make_test_fresh_clone_s": fresh_s, "cores": os.cpu_count()},
                                                indent=1))
    over = [r["notebook"] for r in lessons if r["median_s"] > LESSON_BUDGET_S]
    slow_suite = fresh_s is not None and fresh_s > 15 * 60
    return 1 if over or total > COURSE_BUDGET_S or slow_suite else 0


if __name__ == "__main__":
    sys.exit(main())
