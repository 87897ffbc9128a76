"""An LMS class end to end: Canvas and Moodle (3.x and 4.1+) downloads, collect, grade, manual grading in
the gradebook (as nbgrader's formgrader does it), feedback, report and export.

Every page, the report and both LMS files must show the grade the instructor gave, with their comments;
an answer still waiting for a grader leaves a total blank; a zip's file times never make anyone late; the
feedback zips name each student the way their LMS's importer matches them.
"""
from __future__ import annotations

import csv
import json
import re
import shutil
import sqlite3
import subprocess
import sys
import zipfile
from datetime import datetime
from pathlib import Path

import pytest

from fixture_course import EXERCISE, REFERENCE, answered
from grading_helpers import GRADE_ARGS, REPO, course_cmd, formgrade
from lms_rules import canvas_target, moodle3_target, moodle41_target, without_utf8_flag

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("lms_class")]
NB = f"{EXERCISE}.ipynb"
DUE = "2030-01-01 12:00:00"
AFTER_DUE = (2031, 6, 1, 9, 30, 0)   # every zip entry's time: the download, long after the due date
CRASH = "import os\nos._exit(3)\n"
WRONG_PROJECT = "def project(W, x):\n    return W.T @ x[: W.shape[0]]\n"
WORKSHEET = [
    ["Identifier", "Full name", "Email address", "Status", "Grade", "Maximum Grade", "Grade can be changed",
     "Last modified (submission)", "Last modified (grade)", "Feedback comments"],
    ["Participant 777", "José Núñez", "jn@example.org", "Submitted for grading", "", "6.00", "Yes",
     "Monday, 1 January 2030, 11:59 AM", "-", ""],
    ["Participant 778", "Đặng Thu", "dt@example.org", "Submitted for grading - 1 day 2 hours late", "", "6.00", "Yes",
     "Thursday, 3 January 2030, 2:05 PM", "-", ""],
    ["Participant 779", "Ada Lovelace", "al@example.org", "Submitted for grading", "", "6.00", "Yes",
     "Monday, 1 January 2030, 9:00 AM", "-", ""],
    ["Participant 780", "Zoë Ørsted", "zo@example.org", "Submitted for grading", "", "6.00", "Yes",
     "Monday, 1 January 2030, 10:00 AM", "-", ""],
]
CANVAS = {"12345": ("núñezjosé", {"901", "902"}), "23456": ("kowalskianna", {"903", "904"}),
          "34567": ("thuđặng", {"905", "906"}), "45678": ("smithjane", {"907", "908"})}
MOODLE = {"777": "José Núñez", "778": "Đặng Thu", "779": "Ada Lovelace", "780": "Zoë Ørsted"}


def _zip(path: Path, files: dict[str, str], flag: bool = True) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for name, text in files.items():
            zf.writestr(zipfile.ZipInfo(name, date_time=AFTER_DUE), text)
    if not flag:
        without_utf8_flag(path)
    return path


def _ok(done: subprocess.CompletedProcess) -> str:
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done.stdout


@pytest.fixture(scope="module")
def lms_class(released_course, tmp_path_factory):
    """The class collected, graded, graded by hand, and handed back; the folder and each command's output."""
    tmp = tmp_path_factory.mktemp("lms")
    root = tmp / "course"
    shutil.copytree(released_course, root)
    subprocess.run([sys.executable, "-c", "import sys; sys.modules['rfc3987_syntax'] = None\n"
                    "from nbgrader.api import Gradebook\n"
                    f"with Gradebook('sqlite:///{root}/grading/gradebook.db') as gb:\n"
                    f"    gb.update_or_create_assignment('{EXERCISE}', duedate='{DUE}')\n"], check=True, cwd=REPO)
    release = json.loads((root / "exercises" / EXERCISE / NB).read_text())
    good, blank = json.dumps(answered(release)), json.dumps(release)
    wrong = json.dumps(answered(release, {**REFERENCE, "project": WRONG_PROJECT}))
    crash = json.dumps(answered(release, {**REFERENCE, "project": CRASH}))
    canvas = _zip(tmp / "canvas.zip", {
        f"núñezjosé_12345_901_{NB}": good,
        f"kowalskianna_LATE_23456_903_{NB}": wrong, "kowalskianna_LATE_23456_904_Untitled.ipynb": blank,
        f"thuđặng_34567_905_{NB}": blank, f"thuđặng_34567_906_{EXERCISE}-1.ipynb": good,
        "smithjane_45678_907_Untitled.ipynb": good, "smithjane_45678_908_Copy1.ipynb": blank,
    }, flag=False)
    moodle3 = _zip(tmp / "moodle3.zip", {
        f"José Núñez_777_assignsubmission_file_/{NB}": good,
        "José Núñez_777_assignsubmission_onlinetext_/onlinetext.html": "<p>see my notebook</p>",
        f"Đặng Thu_778_assignsubmission_file_/{NB}": good,
    }, flag=False)
    moodle4 = _zip(tmp / "moodle4.zip", {
        f"Ada Lovelace_779_assignsubmission_file/{NB}": good,
        f"Zoë Ørsted_780_assignsubmission_file/{NB}": crash,
    })
    sheet = tmp / "worksheet.csv"
    with sheet.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(WORKSHEET)
    out = {"collect": _ok(course_cmd(root, "collect", EXERCISE, str(canvas)))}
    for archive in (moodle3, moodle4):
        out["collect"] += _ok(course_cmd(root, "collect", EXERCISE, str(archive), "--roster", str(sheet)))
    out["grade"] = _ok(course_cmd(root, "grade", EXERCISE, *GRADE_ARGS))
    # The instructor grades the written answers and overrides one test, in the formgrader.
    formgrade(root, EXERCISE, "12345", "explain", 1, comment="Clear: each column is a direction the output reads.")
    formgrade(root, EXERCISE, "12345", "project", comment="Neat use of `@`.")
    formgrade(root, EXERCISE, "34567", "explain", 0.5, extra=0.5, comment="Half right, plus a bonus for the figure.")
    formgrade(root, EXERCISE, "777", "explain", 1, comment="¡Muy bien! ∑ over the columns.")
    formgrade(root, EXERCISE, "778", "explain", 1)
    formgrade(root, EXERCISE, "779", "explain", 1)
    formgrade(root, EXERCISE, "779", "test_norms", 0)
    formgrade(root, EXERCISE, "779", "norms", comment="norms were copied from the lesson")
    out["feedback"] = _ok(course_cmd(root, "feedback", EXERCISE))
    out["report"] = _ok(course_cmd(root, "report", EXERCISE))
    for fmt in ("questions", "canvas", "moodle"):
        out[fmt] = _ok(course_cmd(root, "export", EXERCISE, "--format", fmt, "-o", str(root / f"{fmt}.csv")))
    _ok(course_cmd(root, "export", EXERCISE, "--partial-totals", "-o", str(root / "partial.csv")))
    return root, out


def _page(root: Path, student: str) -> str:
    return (root / "grading" / "feedback" / student / EXERCISE / f"{EXERCISE}.html").read_text()


def _record(root: Path, student: str) -> dict:
    return json.loads((root / "grading" / "status" / EXERCISE / f"{student}.json").read_text())


def test_collect_keeps_the_expected_notebook_and_flags_doubts(lms_class):
    root, out = lms_class
    assert len(list((root / "grading" / "submitted").iterdir())) == 8  # both Moodle layouts found
    assert "23456: also uploaded Untitled.ipynb (kept, not graded)" in out["collect"]
    assert _record(root, "23456")["scores"][f"{EXERCISE}:test_project"] == 0  # its own (wrong) notebook, not the blank
    assert _record(root, "34567")["scores"][f"{EXERCISE}:test_project"] == 2  # the resubmitted -1 copy
    smith = _record(root, "45678")
    assert smith["status"] == "flagged"
    assert any("several notebooks and none named" in r and "Untitled.ipynb" in r and "Copy1.ipynb" in r
               for r in smith["reasons"]), smith["reasons"]


def test_file_times_never_make_a_submission_late(lms_class):
    root, out = lms_class
    assert "late by" not in out["grade"]
    for student in [*CANVAS, *MOODLE]:
        rec = _record(root, student)
        assert not any(r.startswith("late by") for r in rec["reasons"]), (student, rec["reasons"])
        assert rec["seconds_late"] == 0
    assert "late: Canvas marks it LATE" in _record(root, "23456")["reasons"]
    assert "late: Moodle: 1 day 2 hours late" in _record(root, "778")["reasons"]
    assert _record(root, "12345")["submitted"] is None  # Canvas's download says no time: none is shown
    ada = _record(root, "779")
    assert ada["submitted"] == "Monday, 1 January 2030, 9:00 AM" and ada["time_source"] == "Moodle's grading worksheet"
    assert "submitted Monday, 1 January 2030, 9:00 AM (from Moodle&#x27;s grading worksheet)" in _page(root, "779")
    assert "submitted" not in re.search(r'<p class="fg-meta">(.*?)</p>', _page(root, "12345")).group(1)


def test_pages_show_the_final_grade_and_the_graders_comments(lms_class):
    root, _ = lms_class
    jose = _page(root, "12345")
    assert "6 / 6 points" in jose and "still to be graded" not in jose
    assert "Clear: each column is a direction the output reads." in jose
    assert "Neat use of <code>@</code>." in jose  # a comment on an answer cell, Markdown rendered
    assert "6 / 6 points" in _page(root, "34567") and "plus a bonus for the figure" in _page(root, "34567")
    moodle = _page(root, "777")
    assert "José Núñez" in moodle and "¡Muy bien! ∑ over the columns." in moodle and "6 / 6 points" in moodle
    ada = _page(root, "779")
    assert "5 / 6 points" in ada and "norms were copied from the lesson" in ada
    assert re.search(r"0 / 1</td>", ada)  # the overridden test shows its manual score
    waiting = _page(root, "23456")
    assert "3 of 6 points so far (1 written answer still to be graded)" in waiting
    assert "could not be graded" in _page(root, "780")


def test_report_reads_the_gradebook(lms_class):
    root, out = lms_class
    report = out["report"]
    assert "written answers: 1 waiting for a grader" in report
    assert "23456 (kowalskianna) [flagged]" in report and "777" not in report.split("needs attention:")[-1]
    assert "780 (Zoë Ørsted) [error]" in report


def test_pending_answers_leave_totals_blank_everywhere(lms_class):
    root, out = lms_class
    rows = {r["student"]: r for r in csv.DictReader((root / "questions.csv").open(encoding="utf-8"))}
    assert rows["23456"]["total"] == "" and rows["23456"]["pending manual"] == "1"
    assert rows["12345"]["total"] == "6" and rows["779"]["total"] == "5" and rows["779"]["test_norms (1)"] == "0"
    assert rows["34567"]["explain (1)"] == "1"  # 0.5 and 0.5 extra credit
    assert rows["780"]["total"] == "" and rows["780"]["status"] == "error"
    partial = {r["student"]: r for r in csv.DictReader((root / "partial.csv").open(encoding="utf-8"))}
    assert partial["23456"]["total"] == "3"
    canvas = list(csv.reader((root / "canvas.csv").open(encoding="utf-8")))
    by_id = {r[1]: r for r in canvas[2:]}
    assert by_id["12345"][5] == "6" and by_id["23456"][5] == "" and by_id["34567"][5] == "6"
    assert by_id["12345"][0] == "núñezjosé"  # the name as Canvas wrote it
    sheet = {r["Identifier"]: r for r in csv.DictReader((root / "moodle.csv").open(encoding="utf-8"))}
    assert sheet["Participant 777"]["Grade"] == "6" and sheet["Participant 777"]["Full name"] == "José Núñez"
    assert sheet["Participant 780"]["Grade"] == ""
    for row in sheet.values():  # filled, or Moodle would skip every grade it already has
        assert datetime.fromisoformat(row["Last modified (grade)"]).tzinfo is not None
    assert "¡Muy bien! ∑ over the columns." in sheet["Participant 777"]["Feedback comments"]


def test_feedback_zips_name_the_right_students(lms_class):
    root, out = lms_class
    assert "Re-Upload Submissions" in out["feedback"]
    with zipfile.ZipFile(root / "grading" / f"feedback-{EXERCISE}-canvas.zip") as zf:
        found = {}
        for info in zf.infolist():
            user, attachment = canvas_target(info.filename)
            assert attachment in CANVAS[user][1], info.filename  # a file of that user's own submission
            assert f"Feedback for {user}" in zf.read(info).decode()
            found[user] = info.filename
    assert sorted(found) == sorted(CANVAS)
    with zipfile.ZipFile(root / "grading" / f"feedback-{EXERCISE}-moodle.zip") as zf:
        names = zf.namelist()
        for name in names:
            who = moodle41_target(name)
            assert who == moodle3_target(name) and who in MOODLE, name
            assert f"Feedback for {who}" in zf.read(name).decode()
            assert name.startswith(f"{MOODLE[who]}_{who}_assignsubmission_file_/")
    assert sorted(moodle41_target(n) for n in names) == sorted(MOODLE)


def test_the_formgrader_shows_names_as_written_and_the_courses_flags(lms_class):
    root, _ = lms_class
    con = sqlite3.connect(root / "grading" / "gradebook.db")
    names = {sid: (first, last) for sid, first, last in con.execute("SELECT id, first_name, last_name FROM student")}
    assert names["777"] == ("", "José Núñez") and names["778"] == ("", "Đặng Thu")
    assert names["12345"] == ("", "núñezjosé")
    flagged = dict(con.execute(
        "SELECT student.id, submitted_notebook.flagged FROM submitted_notebook "
        "JOIN submitted_assignment ON submitted_notebook.assignment_id = submitted_assignment.id "
        "JOIN student ON submitted_assignment.student_id = student.id"))
    assert {s for s, f in flagged.items() if f} == {"23456", "45678", "778", "780"}


def test_a_regrade_keeps_manual_grades_unless_the_answer_changed(lms_class, tmp_path):
    root, _ = lms_class
    copy = tmp_path / "course"
    shutil.copytree(root, copy)
    _ok(course_cmd(copy, "grade", EXERCISE, *GRADE_ARGS))
    con = sqlite3.connect(copy / "grading" / "gradebook.db")
    query = ("SELECT student.id, grade.manual_score, grade.needs_manual_grade FROM grade "
             "JOIN base_cell ON grade.cell_id = base_cell.id "
             "JOIN submitted_notebook ON grade.notebook_id = submitted_notebook.id "
             "JOIN submitted_assignment ON submitted_notebook.assignment_id = submitted_assignment.id "
             "JOIN student ON submitted_assignment.student_id = student.id WHERE base_cell.name = 'explain'")
    explain = {s: (m, bool(n)) for s, m, n in con.execute(query)}
    assert explain["12345"] == (1.0, False) and explain["777"] == (1.0, False)  # not re-ticked
    con.close()
    # 777 submits a different written answer: the grader's score is kept but must be looked at again.
    release = json.loads((copy / "exercises" / EXERCISE / NB).read_text())
    changed = json.dumps(answered(release, {**REFERENCE, "explain": "Something else entirely."}))
    _ok(course_cmd(copy, "collect", EXERCISE, str(_zip(tmp_path / "again.zip", {
        f"José Núñez_777_assignsubmission_file_/{NB}": changed})), "--force"))
    out = _ok(course_cmd(copy, "grade", EXERCISE, *GRADE_ARGS, "--student", "777"))
    assert "changed since it was graded by hand" in out
    con = sqlite3.connect(copy / "grading" / "gradebook.db")
    assert {s: (m, bool(n)) for s, m, n in con.execute(query)}["777"] == (1.0, True)
    rows = {r["student"]: r for r in csv.DictReader(io_text(course_cmd(copy, "export", EXERCISE).stdout))}
    assert rows["777"]["total"] == "" and rows["12345"]["total"] == "6"


def io_text(text: str):
    import io
    return io.StringIO(text)
