"""The simulated class: every good, bad and malicious submission gets its exact outcome."""
from __future__ import annotations

import base64
import json
import sqlite3
from pathlib import Path

import pytest

from class_cases import CASES, LONG_ID, SECRET_VALUE
from grading_helpers import gradebook_totals, tree_hashes
from fixture_course import EXERCISE

pytestmark = pytest.mark.slow


def _record(root: Path, student: str) -> dict:
    return json.loads((root / "grading" / "status" / EXERCISE / f"{student}.json").read_text())


def test_batch_finished_and_exit_code_zero(graded_class):
    rc = (graded_class / "grade_rc.txt").read_text()
    assert rc == "0", (graded_class / "grade_stderr.txt").read_text()[-3000:]
    graded = sorted(p.stem for p in (graded_class / "grading" / "status" / EXERCISE).glob("*.json"))
    assert graded == sorted(c.student for c in CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.student for c in CASES])
def test_case_outcome(graded_class, case):
    rec = _record(graded_class, case.student)
    reasons = "; ".join(rec["reasons"])
    assert rec["status"] == case.status, f"{case.student}: {rec['status']} ({reasons})"
    if case.total is None:
        total = None
    else:
        total = sum(v for v in rec["scores"].values() if v is not None)
    assert total == case.total, f"{case.student}: scores {rec['scores']} ({reasons})"
    for gid, expected in case.scores.items():
        assert rec["scores"][f"{EXERCISE}:{gid}"] == expected, (gid, rec["scores"])
    if case.reason:
        assert case.reason in reasons, reasons
    if case.status == "graded":
        assert not rec["reasons"], reasons


def test_submitted_files_byte_identical(graded_class):
    before = json.loads((graded_class / "hashes_before.json").read_text())
    assert tree_hashes(graded_class / "grading" / "submitted") == before


def test_nothing_written_outside_the_sandbox(graded_class):
    assert not list(graded_class.rglob("ESCAPED*"))
    # '../../ESCAPED2.txt' from the kernel's scratch folder (/tmp/work, or /tmp/course-grade-*)
    for escaped in (graded_class.parent / "ESCAPED2.txt", Path("/ESCAPED2.txt")):
        assert not escaped.exists(), escaped


def test_secrets_not_readable(graded_class):
    nb = json.loads((graded_class / "grading" / "autograded" / "s15_read_secrets" / EXERCISE /
                     f"{EXERCISE}.ipynb").read_text())
    text = json.dumps([c.get("outputs", []) for c in nb["cells"]])
    assert "nothing readable" in text and "LEAKED" not in text


def test_gradebook_intact(graded_class):
    con = sqlite3.connect(graded_class / "grading" / "gradebook.db")
    rows = con.execute("SELECT count(*) FROM grade WHERE manual_score IS NOT NULL").fetchone()
    assert rows == (0,)
    auto = gradebook_totals(graded_class)
    for case in CASES:
        expected = case.total
        got = auto[case.student]
        assert (got or 0.0) == (expected or 0.0), case.student


def test_big_output_is_capped(graded_class):
    path = (graded_class / "grading" / "autograded" / "s13_big_output" / EXERCISE / f"{EXERCISE}.ipynb")
    assert path.stat().st_size < 200_000
    assert "output truncated" in path.read_text()


def test_figures_are_kept_in_the_graded_notebook(graded_class):
    path = graded_class / "grading" / "autograded" / "s34_draws_a_figure" / EXERCISE / f"{EXERCISE}.ipynb"
    pictures = [out for cell in json.loads(path.read_text())["cells"] for out in cell.get("outputs", [])
                if "image/png" in out.get("data", {})]
    assert len(pictures) == 1
    assert base64.b64decode(pictures[0]["data"]["image/png"])[:4] == b"\x89PNG"


def _outputs_text(root: Path, kinds=("stream", "display_data", "execute_result")) -> dict[str, str]:
    """Per student, the text of every non-error output in the graded notebook."""
    found = {}
    for path in (root / "grading" / "autograded").glob(f"*/{EXERCISE}/{EXERCISE}.ipynb"):
        cells = json.loads(path.read_text())["cells"]
        found[path.parents[1].name] = json.dumps([o for c in cells for o in c.get("outputs", [])
                                                  if o.get("output_type") in kinds])
    return found


def test_student_code_never_sees_tests_secrets_or_host_files(graded_class):
    """What student code prints is in its outputs: no hidden test line, host variable or host file there."""
    texts = _outputs_text(graded_class)
    assert "STACK:" in texts["s40_stack_reader"] and "PATH=/usr/local/bin" in texts["s41_env_reader"]
    for student, text in texts.items():
        assert "SECRET-HIDDEN" not in text and "BEGIN HIDDEN" not in text, student
        assert SECRET_VALUE not in text and "root:x:0:0" not in text, student
        assert "### BEGIN SOLUTION" not in text, student


def test_flooding_output_is_capped_per_cell(graded_class):
    path = graded_class / "grading" / "autograded" / "s50_output_flood" / EXERCISE / f"{EXERCISE}.ipynb"
    assert path.stat().st_size < 200_000
    cells = json.loads(path.read_text())["cells"]
    for cell in cells:
        text = sum(len(json.dumps(o)) for o in cell.get("outputs", []))
        assert text < 25_000, cell["source"][:60]


def test_an_invalid_student_id_is_reported_and_skipped(graded_class):
    out = (graded_class / "grade_stdout.txt").read_text()
    assert "250 characters long (at most 100)" in out
    assert not (graded_class / "grading" / "status" / EXERCISE / f"{LONG_ID}.json").exists()
    assert not (graded_class / "grading" / "autograded" / LONG_ID).exists()


def test_an_error_in_a_test_cell_outweighs_a_forged_partial_score(graded_class):
    """s35's functions print a huge number through the display hook and then raise: the cell scores 0."""
    rec = _record(graded_class, "s35_displayhook_score")
    assert rec["scores"][f"{EXERCISE}:test_project"] == 0


def test_pictures_are_bounded_per_notebook(graded_class):
    """Six extra cells of fifteen 1.9 MB pictures each: the graded notebook stays within the notebook's budget."""
    path = graded_class / "grading" / "autograded" / "s54_picture_flood" / EXERCISE / f"{EXERCISE}.ipynb"
    assert 4 << 20 < path.stat().st_size < 9 << 20
    assert "output truncated" in path.read_text()


def test_memory_hoarders_hold_nothing(graded_class):
    memfd = _record(graded_class, "s52_memfd_hoard")
    assert memfd["scores"][f"{EXERCISE}:test_project"] == 0  # its cell failed at memfd_create
    sysv = (graded_class / "grading" / "autograded" / "s53_sysv_hoard" / EXERCISE / f"{EXERCISE}.ipynb").read_text()
    assert "segments [-1, -1, -1, -1, -1, -1]" in sysv


def test_a_students_own_interrupt_is_not_reported_as_a_timeout(graded_class):
    rec = _record(graded_class, "s57_own_interrupt")
    assert rec["status"] == "graded" and not any("time limit" in r for r in rec["reasons"])
