"""Helpers shared by the grading tests: run the ``course`` command, hash a folder."""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
# The per-cell limit must leave room for the memory hog (about 0.6 s to fill 1 GB alone, up to
# 5 s while other tests fault in large models on the same 2 cores) and still end the loops quickly.
GRADE_ARGS = ["--timeout", "8", "--memory", "1G", "--jobs", "2", "--no-progress"]


def course_cmd(root: Path, *args: str, timeout: float = 900,
               env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run ``python -m course_utils.grading ARGS`` inside ``root``, as an instructor would (``env`` adds variables)."""
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""), **(env or {}))
    return subprocess.run([sys.executable, "-m", "course_utils.grading", *args], cwd=root, env=env,
                          capture_output=True, text=True, timeout=timeout)


def tree_hashes(folder: Path) -> dict[str, str]:
    """SHA-256 of every file under ``folder``, keyed by relative path."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def gradebook_totals(root: Path, manual: bool = False) -> dict[str, float | None]:
    """Total automatic score per student in ``root``'s gradebook (manual overrides first if ``manual``)."""
    import sqlite3

    score = "COALESCE(grade.manual_score, grade.auto_score, 0)" if manual else "grade.auto_score"
    con = sqlite3.connect(root / "grading" / "gradebook.db")
    try:
        return dict(con.execute(
            f"SELECT student.id, SUM({score}) FROM grade "
            "JOIN submitted_notebook ON grade.notebook_id = submitted_notebook.id "
            "JOIN submitted_assignment ON submitted_notebook.assignment_id = submitted_assignment.id "
            "JOIN student ON submitted_assignment.student_id = student.id GROUP BY student.id"))
    finally:
        con.close()


def formgrade(root: Path, exercise: str, student: str, cell: str, score: float | None = None,
              comment: str | None = None, extra: float | None = None, notebook: str | None = None) -> None:
    """Enter a manual grade and/or a comment the way nbgrader's formgrader does (its API handlers' own steps)."""
    from course_utils.grading.commands.course import quiet_nbgrader_import

    quiet_nbgrader_import()
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(f"sqlite:///{root}/grading/gradebook.db") as gb:
        nb = notebook or exercise
        if score is not None or extra is not None:
            grade = gb.find_grade(cell, nb, exercise, student)
            grade.manual_score = score                 # GradeHandler.put
            grade.extra_credit = extra
            grade.needs_manual_grade = grade.manual_score is None and grade.auto_score is None
        if comment is not None:
            try:
                found = gb.find_comment(cell, nb, exercise, student)
            except MissingEntry:
                raise AssertionError(f"no comment box for {cell!r}") from None
            found.manual_comment = comment             # CommentHandler.put
        gb.db.commit()
