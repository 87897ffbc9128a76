"""Benchmark: grade one simulated class of 40 students with plain serial ``nbgrader autograde``
and with ``course grade`` (sandbox on), in the same run, and check the scores are identical.

Uses the course's ex01 exercise when it exists, otherwise the small fixture exercise from
``tests/grading``. Prints a table and writes ``bench/results/grading.json``.
"""
from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parents[1]
EX01 = "ex01_projection_shapes"
N_STUDENTS = 40
SOLUTION = re.compile(r"^[ \t]*### BEGIN SOLUTION[^\n]*\n|^[ \t]*### END SOLUTION[^\n]*\n?", re.M)


def _fixture():
    spec = importlib.util.spec_from_file_location("fixture_course", REPO / "tests/grading/fixture_course.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def make_course(base: Path) -> str:
    """A temp course holding one exercise; returns the exercise name."""
    if (REPO / "solutions" / EX01 / f"{EX01}.ipynb").is_file():
        shutil.copy(REPO / "nbgrader_config.py", base / "nbgrader_config.py")
        shutil.copytree(REPO / "solutions" / EX01, base / "solutions" / EX01)
        return EX01
    fx = _fixture()
    fx.make_course(base)
    return fx.EXERCISE


def env() -> dict[str, str]:
    out = dict(os.environ, PYTHONPATH=str(REPO))
    out["PATH"] = str(Path(sys.executable).parent) + os.pathsep + out.get("PATH", "")
    return out


def _answers(source_nb: dict) -> dict[str, str]:
    out = {}
    for cell in source_nb["cells"]:
        nbg = cell.get("metadata", {}).get("nbgrader", {})
        if nbg.get("solution"):
            src = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            out[nbg["grade_id"]] = SOLUTION.sub("", src)
    return out


def build_class(root: Path, ex: str) -> list[str]:
    """40 students: reference, blank, partial and wrong answers, ten of each."""
    source = json.loads((root / "solutions" / ex / f"{ex}.ipynb").read_text())
    release = json.loads((root / "exercises" / ex / f"{ex}.ipynb").read_text())
    ref = _answers(source)
    ids = list(ref)
    wrong = {k: re.sub(r"\breturn (?=\S)", "return None and ", v) for k, v in ref.items()}
    students = []
    for i in range(N_STUDENTS):
        kind = ("reference", "blank", "partial", "wrong")[i % 4]
        chosen = {"reference": ref, "blank": {}, "wrong": wrong,
                  "partial": {k: ref[k] for k in ids[: len(ids) // 2]}}[kind]
        nb = json.loads(json.dumps(release))
        for cell in nb["cells"]:
            gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
            if gid in chosen:
                cell["source"] = chosen[gid]
        student = f"st{i:02d}_{kind}"
        folder = root / "grading" / "submitted" / student / ex
        folder.mkdir(parents=True)
        (folder / f"{ex}.ipynb").write_text(json.dumps(nb))
        students.append(student)
    return students


def measure(cmd: list[str], cwd: Path) -> tuple[float, float, int]:
    """Wall seconds, peak RSS (MiB) summed over the process tree, return code."""
    start = time.perf_counter()
    proc = psutil.Popen(cmd, cwd=cwd, env=env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = [0]

    def watch() -> None:
        while proc.poll() is None:
            try:
                procs = [proc] + proc.children(recursive=True)
                peak[0] = max(peak[0], sum(p.memory_info().rss for p in procs if p.is_running()))
            except psutil.Error:
                pass
            time.sleep(0.05)

    t = threading.Thread(target=watch, daemon=True)
    t.start()
    _, err = proc.communicate()
    t.join()
    if proc.returncode:
        sys.stderr.write(err.decode()[-3000:])
    return time.perf_counter() - start, peak[0] / 2**20, proc.returncode


def scores(root: Path) -> dict[str, dict[str, float | None]]:
    con = sqlite3.connect(root / "grading" / "gradebook.db")
    out: dict[str, dict[str, float | None]] = {}
    for student, cell, score in con.execute(
            "SELECT student.id, base_cell.name, grade.auto_score FROM grade "
            "JOIN base_cell ON grade.cell_id = base_cell.id "
            "JOIN submitted_notebook ON grade.notebook_id = submitted_notebook.id "
            "JOIN submitted_assignment ON submitted_notebook.assignment_id = submitted_assignment.id "
            "JOIN student ON submitted_assignment.student_id = student.id"):
        out.setdefault(student, {})[cell] = score
    return out


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="bench-grading-") as tmp:
        base = Path(tmp) / "base"
        (base / "grading").mkdir(parents=True)
        ex = make_course(base)
        subprocess.run([sys.executable, "-m", "course_utils.grading", "release", ex, "--no-validate"],
                       cwd=base, env=env(), check=True, stdout=subprocess.DEVNULL)
        students = build_class(base, ex)
        runs = {}
        for name, cmd in (
                ("nbgrader autograde (serial)",
                 [sys.executable, "-m", "nbgrader", "autograde", ex, "--create", "--force"]),
                ("course grade (2 jobs, sandbox)",
                 [sys.executable, "-m", "course_utils.grading", "grade", ex, "--jobs", "2",
                  "--no-progress", "--sandbox", "bwrap"])):
            root = Path(tmp) / name.split()[0]
            shutil.copytree(base, root)
            wall, peak, rc = measure(cmd, root)
            runs[name] = {"wall_s": wall, "per_student_s": wall / len(students), "peak_rss_mib": peak,
                          "returncode": rc, "scores": scores(root)}
        a, b = runs.values()
        identical = a["scores"] == b["scores"] and len(a["scores"]) == len(students)
        speedup = a["wall_s"] / b["wall_s"]
        course_root = Path(tmp) / "course"
        feedback_s, feedback_peak, rc = measure([sys.executable, "-m", "course_utils.grading", "feedback", ex], course_root)
        runs["course feedback (all students)"] = {"wall_s": feedback_s, "per_student_s": feedback_s / len(students),
                                                  "peak_rss_mib": feedback_peak, "returncode": rc, "scores": {}}
    print(f"grading benchmark: exercise {ex}, {len(students)} students, {os.cpu_count()} cores")
    print(f"{'method':34s} {'wall s':>8s} {'s/student':>10s} {'peak MiB':>9s}")
    for name, r in runs.items():
        print(f"{name:34s} {r['wall_s']:8.2f} {r['per_student_s']:10.3f} {r['peak_rss_mib']:9.0f}")
    print(f"speed-up {speedup:.1f}x (goal >= 7x, aim 10x); scores identical: {identical}")
    grade_s = runs["course grade (2 jobs, sandbox)"]["wall_s"]
    print(f"feedback for the class takes {runs['course feedback (all students)']['wall_s'] / grade_s:.2f}x "
          "the grading time (goal < 1)")
    results = {"exercise": ex, "students": len(students), "speedup": speedup, "identical": identical,
               "runs": {k: {kk: vv for kk, vv in v.items() if kk != "scores"} for k, v in runs.items()}}
    out = REPO / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "grading.json").write_text(json.dumps(results, indent=1))
    return 0 if identical and all(r["returncode"] == 0 for r in runs.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
