"""What the instructor hands back, checked as its readers see it.

Feedback pages and the HTML report are opened in Chromium with the network blocked: nothing is
fetched, math is typeset (MathML), no path of the grading machine and no hidden-test text
appears. The text report and the grade sheets are parsed back.
"""
from __future__ import annotations

import csv
import re
import shutil
import zipfile
from pathlib import Path

import pytest

from class_cases import CASES
from fixture_course import EXERCISE, answered
from grading_helpers import REPO, course_cmd

pytestmark = pytest.mark.slow
NB = f"{EXERCISE}.ipynb"


@pytest.fixture(scope="module")
def handed_back(graded_class, tmp_path_factory):
    root = tmp_path_factory.mktemp("handed-back") / "course"
    shutil.copytree(graded_class, root)
    done = course_cmd(root, "feedback", EXERCISE)
    assert done.returncode == 0, done.stdout + done.stderr
    done = course_cmd(root, "report", EXERCISE, "--html", str(root / "report.html"))
    assert done.returncode == 0, done.stdout + done.stderr
    return root, done.stdout


@pytest.fixture(scope="module")
def chromium():
    playwright = pytest.importorskip("playwright.sync_api")
    import browser_support as bs  # noqa: F401 - tests/ is on sys.path
    exe = bs.find_chromium()
    if exe is None:
        pytest.skip("no Chromium")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=exe, args=bs.CHROMIUM_ARGS)
        yield browser
        browser.close()


def _open_offline(browser, path: Path) -> tuple[object, list[str]]:
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    asked: list[str] = []

    def route(r):
        if r.request.url.startswith("file://") and r.request.url.endswith(path.name):
            r.continue_()
        else:
            asked.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    return page, asked


def test_feedback_pages_open_offline_with_math_and_without_secrets(handed_back, chromium):
    root, _ = handed_back
    secrets = ["SECRET-HIDDEN", "BEGIN HIDDEN", "### BEGIN SOLUTION", str(REPO), "/site-packages/", str(root)]
    for student in ("s04_wrong", "s01_correct", "s24_invalid_json", "s40_stack_reader"):
        path = root / "grading" / "feedback" / student / EXERCISE / f"{EXERCISE}.html"
        text = path.read_text()
        assert not [s for s in secrets if s in text], (student, [s for s in secrets if s in text])
        page, asked = _open_offline(chromium, path)
        assert not asked, f"{student}: the page asked for {asked}"
        if student != "s24_invalid_json":
            assert page.locator("math").count() >= 3, f"{student}: math not typeset"
            assert "$$" not in page.inner_text("body") and "\\lVert" not in page.inner_text("body")
            broken = page.evaluate("[...document.images].filter(i => !i.complete || !i.naturalWidth).length")
            assert broken == 0
        page.context.close()


def test_feedback_says_what_failed_and_where(handed_back):
    root, _ = handed_back
    page = (root / "grading" / "feedback" / "s04_wrong" / EXERCISE / f"{EXERCISE}.html").read_text()
    # A failed visible test: the failing line from the visible part and the message.
    assert "line 3: <code>np.testing.assert_allclose(project(W, np.array([1.0, 1.0, 1.0])), [3.0, 2.0])</code>" in page
    assert "project: shape and values on a small case" in page and "0 / 2" in page
    blank = (root / "grading" / "feedback" / "s02_blank" / EXERCISE / f"{EXERCISE}.html").read_text()
    assert "NotImplementedError" in blank
    error = (root / "grading" / "feedback" / "s24_invalid_json" / EXERCISE / f"{EXERCISE}.html").read_text()
    assert "could not be graded" in error and "download it again" in error
    killed = (root / "grading" / "feedback" / "s08_sigint_ignored" / EXERCISE / f"{EXERCISE}.html").read_text()
    assert "Restart Kernel and Run All Cells" in killed


def test_hidden_failures_show_only_their_message(handed_back):
    root, _ = handed_back
    page = (root / "grading" / "feedback" / "s16_rewrite_gradebook" / EXERCISE / f"{EXERCISE}.html").read_text()
    # s16 answers project wrongly: its visible check fails first, naming the visible line
    assert "line 3:" in page
    partial = (root / "grading" / "feedback" / "s31_patched_testing" / EXERCISE / f"{EXERCISE}.html").read_text()
    assert "SECRET-HIDDEN" not in partial


def test_review_notes_stay_with_the_instructor(handed_back):
    """The source scan's notes ("review: inspects frames") are in the instructor's records, never on a
    student's page: they would tell a cheater what is detected and read as an accusation to others."""
    from course_utils.grading.commands.course import Course
    from course_utils.grading.commands.records import REVIEW, load_records

    root, _ = handed_back
    records = load_records(Course.load(root).status_dir(EXERCISE))
    flagged = {s: [r for r in rec.reasons if r.startswith(REVIEW)] for s, rec in records.items()}
    flagged = {s: notes for s, notes in flagged.items() if notes}
    assert len(flagged) >= 3, sorted(records)  # the class has several students the scan notices
    for student, notes in flagged.items():
        page = (root / "grading" / "feedback" / student / EXERCISE / f"{EXERCISE}.html").read_text()
        assert REVIEW not in page, student
        assert not [n for n in notes if n.removeprefix(REVIEW) in page], (student, notes)
    late = [s for s, rec in records.items() if any(r.startswith("late") for r in rec.reasons)]
    for student in late:  # other notes still reach the student
        page = (root / "grading" / "feedback" / student / EXERCISE / f"{EXERCISE}.html").read_text()
        assert "Notes from grading" in page and "late" in page, student


def test_text_report_is_aligned_and_separates_written_answers(handed_back):
    _, out = handed_back
    lines = out.splitlines()
    header = next(i for i, line in enumerate(lines) if line.strip().startswith("question"))
    table = lines[header:header + 6]
    # every row of the question table ends its "points" column at the same place
    ends = {len(line.rstrip()) - len(line.rstrip().split("  ")[-1]) for line in table[2:5]}
    assert re.match(r"^\s+-+\s+-+", table[1]) and len(ends) >= 1
    assert "waiting for a grader" in out and "(not counted in any mean)" in out
    manual = next(line for line in table if line.strip().startswith("explain"))
    assert "manual" in manual and re.search(r"\s\d+$", manual)  # pending written answers counted apart
    assert "s02_blank [graded]" in out and "blank: no answer cell was changed" in out


def test_html_report_opens_offline_with_its_plot(handed_back, chromium):
    root, _ = handed_back
    page, asked = _open_offline(chromium, root / "report.html")
    assert not asked
    sizes = page.evaluate("[...document.images].map(i => i.naturalWidth)")
    assert sizes and all(w > 0 for w in sizes)
    assert page.locator("table.fg-questions tbody tr").count() == 4
    assert "s12_fork_bomb" in page.inner_text("body")
    page.context.close()


def test_lms_names_late_markers_and_import_files(released_course, tmp_path):
    root = tmp_path / "course"
    shutil.copytree(released_course, root)
    release = (root / "exercises" / EXERCISE / NB).read_text()
    import json
    good = json.dumps(answered(json.loads(release)))
    canvas = tmp_path / "canvas.zip"
    with zipfile.ZipFile(canvas, "w") as zf:
        zf.writestr(f"smithjane_12345_67890_{NB}", good)
        zf.writestr(f"doejohn_LATE_23456_67891_{NB}", release)
    done = course_cmd(root, "collect", EXERCISE, str(canvas))
    assert done.returncode == 0, done.stdout + done.stderr
    moodle = tmp_path / "moodle.zip"
    with zipfile.ZipFile(moodle, "w") as zf:
        zf.writestr(f"Ada Lovelace_777_assignsubmission_file_/{NB}", good)
    assert course_cmd(root, "collect", EXERCISE, str(moodle)).returncode == 0
    done = course_cmd(root, "grade", EXERCISE, "--jobs", "2", "--no-progress")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "23456: flagged: late: Canvas marks it LATE" in done.stdout

    out = root / "canvas.csv"
    done = course_cmd(root, "export", EXERCISE, "--format", "canvas", "-o", str(out))
    assert done.returncode == 0
    # written answers not graded yet (the two who wrote one; an untouched answer scores 0), and a column
    # Canvas cannot match to an assignment: both said aloud
    assert "2 of 3 students have written answers not graded yet" in done.stderr
    assert "--canvas-id" in done.stderr
    rows = list(csv.reader(out.open()))
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", EXERCISE]
    done = course_cmd(root, "export", EXERCISE, "--format", "canvas", "--canvas-id", "4242", "-o", str(out))
    assert done.returncode == 0 and "--canvas-id" not in done.stderr
    assert next(csv.reader(out.open()))[-1] == f"{EXERCISE} (4242)"
    done = course_cmd(root, "export", EXERCISE, "--format", "moodle", "--canvas-id", "4242")
    assert done.returncode != 0 and "--canvas-id goes with --format canvas" in done.stdout + done.stderr
    assert rows[1][0] == "Points Possible" and rows[1][5] == "6"
    by_id = {r[1]: r for r in rows[2:]}
    assert by_id["12345"][0] == "smithjane" and by_id["12345"][5] == ""  # its written answer waits: blank
    assert by_id["23456"][0] == "doejohn" and by_id["23456"][5] == "0"
    assert by_id["777"][0] == "Ada Lovelace"

    out = root / "moodle.csv"
    assert course_cmd(root, "export", EXERCISE, "--format", "moodle", "-o", str(out)).returncode == 0
    sheet = {r["Identifier"]: r for r in csv.DictReader(out.open())}
    assert sheet["Participant 777"]["Full name"] == "Ada Lovelace" and sheet["Participant 777"]["Grade"] == ""
    assert sheet["Participant 777"]["Maximum Grade"] == "6"
    report = course_cmd(root, "report", EXERCISE).stdout
    assert "late: Canvas marks it LATE" in report
    assert "23456 (doejohn) [flagged]" in report  # ids from the LMS come with the names it gave
    # the per-question sheet still works and the gradebook has the names
    done = course_cmd(root, "export", EXERCISE)
    assert done.returncode == 0 and "12345" in done.stdout
    import sqlite3
    con = sqlite3.connect(root / "grading" / "gradebook.db")
    assert ("", "Ada Lovelace") in con.execute("SELECT first_name, last_name FROM student").fetchall()  # as written


def test_every_class_case_gets_a_page(handed_back):
    root, _ = handed_back
    pages = list((root / "grading" / "feedback").glob(f"*/{EXERCISE}/{EXERCISE}.html"))
    assert len(pages) == len(CASES)
    for page in pages:
        text = page.read_text()
        assert text.startswith("<!DOCTYPE html>") and "<script" not in text


def test_pages_run_no_script_even_if_one_slipped_in(chromium, tmp_path):
    """Defence in depth: every page the grader writes forbids scripts (Content-Security-Policy), so markup
    that got past the escaping still does nothing."""
    from course_utils.grading.output.feedback_page import page_html

    body = ("<script>document.body.dataset.ran = 'script'</script>"
            "<img src=x onerror=\"document.body.dataset.ran = 'handler'\">")
    path = tmp_path / "page.html"
    path.write_text(page_html("t", "m", "graded", "1 / 1", body), encoding="utf-8")
    page, asked = _open_offline(chromium, path)
    assert page.evaluate("document.body.dataset.ran") is None
    page.context.close()


def test_a_failing_line_wraps_at_a_readable_width_on_a_phone(handed_back, chromium):
    """On a 360-pixel-wide screen the failing statement still gets the page's width, not a sliver of a column."""
    root, _ = handed_back
    path = root / "grading" / "feedback" / "s04_wrong" / EXERCISE / f"{EXERCISE}.html"
    context = chromium.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.goto(path.as_uri())
    code = page.locator(".fg-why code").first
    box = code.bounding_box()
    char = page.evaluate("(() => { const s = document.createElement('code'); s.textContent = 'x'.repeat(10);"
                         " document.querySelector('.fg-why').appendChild(s); const w = s.getBoundingClientRect().width;"
                         " s.remove(); return w / 10; })()")
    assert box["width"] / char >= 30, f"{box['width'] / char:.0f} characters per line"
    assert page.evaluate("document.documentElement.scrollWidth") <= 360 + 1  # nothing runs off the side
    context.close()


def test_right_to_left_controls_are_shown_not_obeyed(handed_back):
    page = (handed_back[0] / "grading" / "feedback" / "s58_bidi_message" / EXERCISE / f"{EXERCISE}.html").read_text()
    assert "\u202e" not in page and "gnp.[U+202E]exe" in page
