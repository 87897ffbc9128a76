"""Run every benchmark in bench/ (``bench_*.py``), one process each, and summarise.

Each benchmark prints its own table and writes ``bench/results/<name>.json``.
Usage: ``python bench/run_all.py [name ...]`` (names without the ``bench_`` prefix).
"""
from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv: list[str]) -> int:
    scripts = sorted(HERE.glob("bench_*.py"))
    if argv:
        wanted = {f"bench_{a.removeprefix('bench_').removesuffix('.py')}.py" for a in argv}
        unknown = wanted - {s.name for s in scripts}
        if unknown:
            print(f"unknown benchmark(s): {sorted(unknown)}; available: {[s.stem for s in scripts]}")
            return 2
        scripts = [s for s in scripts if s.name in wanted]
    (HERE / "results").mkdir(exist_ok=True)
    failures = []
    for script in scripts:
        print(f"\n=== {script.stem} ===", flush=True)
        start = time.perf_counter()
        code = subprocess.call([sys.executable, str(script)], cwd=HERE.parent)
        print(f"--- {script.stem}: exit {code}, {time.perf_counter() - start:.1f} s", flush=True)
        if code:
            failures.append(script.stem)
    if failures:
        print(f"\nbenchmarks that failed: {failures}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
