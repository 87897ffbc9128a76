"""The course-wide speed table: every lesson and solution notebook from a fresh kernel, and the basics.

For each notebook: the median of three runs from a fresh kernel (kernel start included), with the
model's on-disk cache warm as it is for a learner after the first lesson. Also: ``import course_utils``
and the model's open-to-first-token time (load, encode, one forward, the next token). Prints a
Markdown table and writes bench/results/course.json and bench/results/course.md.

Run from the repository root:  python bench/bench_course.py [--repeats N]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    in_subprocess(FIRST_TOKEN)  # make sure the model's cache is built, as after a learner's first lesson
    rows = []
    import_s = statistics.median(in_subprocess(
        "import time; s = time.perf_counter(); import course_utils; print(time.perf_counter() - s)")[0]
        for _ in range(args.repeats))
    first = [in_subprocess(FIRST_TOKEN) for _ in range(args.repeats)]
    first_s = statistics.median(s for s, _ in first)
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
    table = "\n".join(lines)
    print("\n" + table)
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "course.md").write_text(table + "\n", encoding="utf-8")
    (out / "course.json").write_text(json.dumps({"notebooks": rows, "all_lessons_s": total, "import_s": import_s,
                                                 "first_token_s": first_s, "cores": os.cpu_count()}, indent=1))
    over = [r["notebook"] for r in lessons if r["median_s"] > LESSON_BUDGET_S]
    return 1 if over or total > COURSE_BUDGET_S else 0


if __name__ == "__main__":
    sys.exit(main())
