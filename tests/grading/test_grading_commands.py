"""The instructor's other commands on the graded class: export, report, feedback; the fallback mode."""
from __future__ import annotations

import csv
import shutil

import pytest

from class_cases import CASES, SECRET_VALUE
from grading_helpers import course_cmd
from fixture_course import EXERCISE

pytestmark = pytest.mark.slow
BY = {c.student: c for c in CASES}


def test_export_has_a_column_per_question_and_a_status(graded_class, tmp_path):
    out = tmp_path / "grades.csv"
    done = course_cmd(graded_class, "export", EXERCISE, "-o", str(out))
    assert done.returncode == 0, done.stderr
    rows = {r["student"]: r for r in csv.DictReader(out.open())}
    assert set(rows) == set(BY)
    header = list(next(iter(rows.values())))
    assert header[:6] == ["student", "test_project (2)", "test_norms (1)", "test_unit (2)", "explain (1)",
                          "total"]
    partial_out = tmp_path / "partial.csv"
    assert course_cmd(graded_class, "export", EXERCISE, "--partial-totals", "-o", str(partial_out)).returncode == 0
    partial = {r["student"]: r for r in csv.DictReader(partial_out.open())}
    for student, case in BY.items():
        row = rows[student]
        assert row["status"] == case.status
        waiting = row["pending manual"] not in ("", "0")  # a written answer not graded yet: no total
        assert row["total"] == ("" if case.total is None or waiting else f"{case.total:g}")
        assert partial[student]["total"] == ("" if case.total is None else f"{case.total:g}")
    assert rows["s02_blank"]["total"] == "0" and rows["s02_blank"]["status"] == "graded"
    assert rows["s24_invalid_json"]["total"] == "" and "invalid JSON" in rows["s24_invalid_json"]["reasons"]
    assert rows["s01_correct"]["pending manual"] == "1"


def test_report_lists_problems(graded_class):
    done = course_cmd(graded_class, "report", EXERCISE)
    assert done.returncode == 0, done.stderr
    n_error = sum(c.status == "error" for c in CASES)
    n_flag = sum(c.status == "flagged" for c in CASES)
    assert f"{n_flag} flagged, {n_error} error" in done.stdout
    assert "s12_fork_bomb [flagged]" in done.stdout
    assert "project: shape and values on a small case" in done.stdout  # questions by their titles
    assert "blank: no answer cell was changed" in done.stdout  # s02 is listed too


def test_feedback_never_shows_hidden_tests(graded_class, tmp_path):
    root = tmp_path / "course"
    shutil.copytree(graded_class, root)
    done = course_cmd(root, "feedback", EXERCISE)
    assert done.returncode == 0, done.stderr
    pages = sorted((root / "grading" / "feedback").glob(f"*/{EXERCISE}/{EXERCISE}.html"))
    assert len(pages) == len(CASES)
    for page in pages:
        text = page.read_text()
        assert "SECRET-HIDDEN" not in text and "BEGIN HIDDEN TESTS" not in text, page
        assert SECRET_VALUE not in text and "root:x:0:0" not in text and "BEGIN SOLUTION" not in text, page
    wrong = (root / "grading" / "feedback" / "s04_wrong" / EXERCISE / f"{EXERCISE}.html").read_text()
    assert "0 of 6 points so far (1 written answer still to be graded)" in wrong and "one value per row" in wrong
    bad = (root / "grading" / "feedback" / "s24_invalid_json" / EXERCISE / f"{EXERCISE}.html").read_text()
    assert "could not be graded" in bad and "invalid JSON" in bad
    # The figure a student drew is on their page (the page template has pictures of its own).
    drawn = (root / "grading" / "feedback" / "s34_draws_a_figure" / EXERCISE / f"{EXERCISE}.html").read_text()
    plain = (root / "grading" / "feedback" / "s01_correct" / EXERCISE / f"{EXERCISE}.html").read_text()
    png = "data:image/png;base64,iVBOR"
    assert drawn.count(png) == plain.count(png) + 1


def test_without_bubblewrap_grading_warns_and_still_works(released_course, tmp_path):
    from class_cases import build_class
    root = tmp_path / "course"
    shutil.copytree(released_course, root)
    build_class(root, [BY["s01_correct"], BY["s02_blank"]])
    done = course_cmd(root, "grade", EXERCISE, "--sandbox", "none", "--no-progress", "--jobs", "1",
                      env={"COURSE_GRADING_BWRAP": "none"})
    assert done.returncode == 0, done.stderr
    assert "grading WITHOUT bubblewrap (--sandbox none)" in done.stderr
    assert "2 submissions: 2 graded" in done.stdout
