"""The same submissions through plain ``nbgrader autograde``: what it gets wrong, kept visible.

Only submissions that are safe to run without a sandbox go through nbgrader here.
Each assertion states nbgrader 0.9's behaviour next to what ``course grade`` does
(checked in ``test_grading_class.py``); if a future nbgrader fixes one of these,
the assertion fails and the documentation should be updated.
"""
from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from class_cases import CASES, build_class
from fixture_course import EXERCISE
from grading_helpers import gradebook_totals
from nbtools import nbgrader

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("plain_nbgrader")]  # one nbgrader_course per run
BY_NAME = {c.student: c for c in CASES}
BATCH = ["s01_correct", "s02_blank", "s04_wrong", "s15_read_secrets",
         "s17_skip_execution", "s20_edited_test", "s29_stderr_warning"]


@pytest.fixture(scope="module")
def nbgrader_course(released_course, tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("nbgrader") / "course"
    shutil.copytree(released_course, root)
    build_class(root, [BY_NAME[s] for s in BATCH])
    done = nbgrader(root, "autograde", EXERCISE, "--create", "--force")  # plain, serial
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return root


def test_nbgrader_agrees_on_ordinary_students(nbgrader_course):
    totals = gradebook_totals(nbgrader_course, manual=True)
    for student in ("s01_correct", "s02_blank", "s04_wrong", "s20_edited_test"):
        assert totals[student] == BY_NAME[student].total, student


def test_nbgrader_gives_full_marks_to_skip_execution(nbgrader_course):
    # course grade: 3.0 (the tag is removed and the test fails)
    assert gradebook_totals(nbgrader_course, manual=True)["s17_skip_execution"] == 5.0


def test_nbgrader_zeroes_a_stderr_warning(nbgrader_course):
    # course grade: 5.0 (stderr is not an error)
    assert gradebook_totals(nbgrader_course, manual=True)["s29_stderr_warning"] == 3.0


def test_nbgrader_lets_students_read_solutions_and_gradebook(nbgrader_course):
    nb = json.loads((nbgrader_course / "grading" / "autograded" / "s15_read_secrets" / EXERCISE /
                     f"{EXERCISE}.ipynb").read_text())
    outputs = json.dumps([c.get("outputs", []) for c in nb["cells"]])
    # course grade: "nothing readable"
    assert "LEAKED" in outputs and "gradebook.db" in outputs


def test_nbgrader_lets_a_student_rewrite_grades(released_course, tmp_path):
    root = tmp_path / "course"
    shutil.copytree(released_course, root)
    build_class(root, [BY_NAME["s01_correct"], BY_NAME["s16_rewrite_gradebook"]])
    done = nbgrader(root, "autograde", EXERCISE, "--create", "--force")  # plain, serial
    assert done.returncode == 0, done.stderr[-3000:]
    con = sqlite3.connect(root / "grading" / "gradebook.db")
    tampered = con.execute("SELECT count(*) FROM grade WHERE manual_score = 100").fetchone()[0]
    # course grade: no manual scores at all (test_gradebook_intact)
    assert tampered > 0


def test_nbgrader_duplicate_grade_id_stops_the_student(released_course, tmp_path):
    root = tmp_path / "course"
    shutil.copytree(released_course, root)
    build_class(root, [BY_NAME["s18_duplicate_cell"]])
    done = nbgrader(root, "autograde", EXERCISE, "--create", "--force")  # plain, serial
    # course grade: graded (5.0) and flagged "duplicated grade id"
    assert done.returncode != 0
    assert gradebook_totals(root, manual=True).get("s18_duplicate_cell", 0) == 0
