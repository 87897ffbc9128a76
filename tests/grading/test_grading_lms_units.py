"""What the course reads from an LMS download and writes back for it, rule by rule."""
from __future__ import annotations

import zipfile

import pytest

from course_utils.grading.commands.collect import Entry, Outcome, choose_notebooks
from course_utils.grading.commands.gradebook_io import student_names
from course_utils.grading.commands.lms import PATTERNS, match_path, read_roster, zip_name
from course_utils.grading.output.lms_files import canvas_feedback_name, moodle_feedback_name
from course_utils.grading.commands.records import Record
from course_utils.grading.commands.sanitize import inert_markdown
from lms_rules import canvas_target, moodle3_target, moodle41_target, without_utf8_flag


@pytest.mark.parametrize("path, expected", [
    ("José Núñez_777_assignsubmission_file_/ex01.ipynb", ("777", "ex01.ipynb", "José Núñez")),  # Moodle 3.x
    ("José Núñez_777_assignsubmission_file/ex01.ipynb", ("777", "ex01.ipynb", "José Núñez")),   # Moodle 4.1+
    ("José Núñez_777_assignsubmission_file_ex01.ipynb", ("777", "ex01.ipynb", "José Núñez")),   # no folders
    ("núñezjosé_12345_901_ex01.ipynb", ("12345", "ex01.ipynb", "núñezjosé")),                   # Canvas
])
def test_both_moodle_layouts_and_canvas_are_recognised(path, expected):
    found = match_path(path, PATTERNS)
    assert (found.student, found.file, found.name) == expected


def test_zip_names_without_the_utf8_flag_are_read_as_the_lms_wrote_them(tmp_path):
    path = tmp_path / "d.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("Đặng Thu_778_assignsubmission_file/ex.ipynb", "{}")
        zf.writestr("plain_1_2_ex.ipynb", "{}")
    without_utf8_flag(path)
    with zipfile.ZipFile(path) as zf:
        assert "Đặng" not in zf.infolist()[0].filename  # what Python alone would make of it
        assert [zip_name(i) for i in zf.infolist()] == ["Đặng Thu_778_assignsubmission_file/ex.ipynb",
                                                       "plain_1_2_ex.ipynb"]


def _files(*names: str) -> list[tuple[str, Entry]]:
    return [(n, Entry(n, 1, lambda: b"{}")) for n in names]


def test_the_expected_notebook_wins_over_a_stray_one():
    chosen, flags = choose_notebooks("1", _files("Untitled.ipynb", "ex01.ipynb"), ["ex01.ipynb"], Outcome())
    assert chosen["ex01.ipynb"].path == "ex01.ipynb" and "Untitled.ipynb" in chosen and not flags
    chosen, flags = choose_notebooks("1", _files("ex01.ipynb", "ex01-2.ipynb", "ex01-1.ipynb"), ["ex01.ipynb"],
                                     Outcome())
    assert chosen["ex01.ipynb"].path == "ex01-2.ipynb" and not flags


def test_several_notebooks_without_the_expected_name_are_flagged_with_every_candidate():
    out = Outcome()
    chosen, flags = choose_notebooks("1", _files("Untitled.ipynb", "ex01 (copy).ipynb"), ["ex01.ipynb"], out)
    assert chosen["ex01.ipynb"].path == "ex01 (copy).ipynb"
    assert flags and "Untitled.ipynb" in flags[0] and "ex01 (copy).ipynb" in flags[0]
    chosen, flags = choose_notebooks("1", _files("Untitled.ipynb"), ["ex01.ipynb"], out)
    assert chosen["ex01.ipynb"].path == "Untitled.ipynb" and not flags  # one candidate: a note, no doubt


@pytest.mark.parametrize("name, lms, expected", [
    ("José Núñez", "moodle", ("", "José Núñez")), ("Đặng Thu", "moodle", ("", "Đặng Thu")),
    ("kowalskianna", "canvas", ("", "kowalskianna")), ("Núñez, José", "canvas", ("José", "Núñez")),
    (None, "canvas", None),
])
def test_names_reach_the_gradebook_as_written(name, lms, expected):
    assert student_names(name, lms) == expected


def test_a_roster_gives_moodle_times_and_late_markers_and_canvas_names(tmp_path):
    sheet = tmp_path / "w.csv"
    sheet.write_text("Identifier,Full name,Status,Last modified (submission)\n"
                     "Participant 778,Đặng Thu,Submitted for grading - 1 day 2 hours late - Graded,"
                     "\"Thursday, 3 January 2030, 2:05 PM\"\n", encoding="utf-8")
    lms, people = read_roster(sheet)
    assert lms == "moodle" and people["778"].late_note == "1 day 2 hours late"
    assert people["778"].submitted == "Thursday, 3 January 2030, 2:05 PM"
    export = tmp_path / "c.csv"
    export.write_text("Student,ID,SIS User ID,SIS Login ID,Section,ex01 (4021)\n"
                      "Points Possible,,,,,6\n\"Núñez, José\",12345,,,,\n", encoding="utf-8")
    lms, people = read_roster(export)
    assert lms == "canvas" and people["12345"].name == "Núñez, José"
    bad = tmp_path / "b.csv"
    bad.write_text("a,b\n1,2\n")
    with pytest.raises(ValueError, match="neither a Canvas gradebook export"):
        read_roster(bad)


def test_feedback_file_names_follow_each_importers_rules():
    canvas = Record("12345", "ex05_linkage", name="núñezjosé", lms={"lms": "canvas", "attachment": "901"})
    name = canvas_feedback_name(canvas, "ex05_linkage")
    assert canvas_target(name) == ("12345", "901")  # an exercise named "...link..." must not end the name
    moodle = Record("777", "ex01", name="José Núñez",
                    lms={"lms": "moodle", "prefix": "José Núñez_777_assignsubmission_file"})
    path = moodle_feedback_name(moodle, "ex01")
    assert moodle41_target(path) == moodle3_target(path) == "777"
    assert canvas_feedback_name(Record("12345", "ex01", lms={"lms": "canvas"}), "ex01") is None  # no file id


def test_a_pasted_picture_in_a_written_answer_stays_a_picture():
    answer = "My sketch:\n\n![sketch](data:image/png;base64,iVBORw0KGgoAAAANSUhEUg==)\n"
    assert inert_markdown(answer) == answer
    assert inert_markdown("![x](data:image/svg+xml;base64,PHN2Zz4=)").startswith("    ")  # SVG can carry script
