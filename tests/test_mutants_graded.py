"""Every mutant is also rejected by ``course grade``, where hidden tests run in the trusted judge.

``test_mutants.py`` runs each mutant in one process, as nbgrader would. Here the whole
set of mutants of an exercise is graded as a class by the course's own grader, where
student code runs in the sandbox and reaches the tests only as plain data (see
``course_utils/grading/boundary/judge.py``): each mutant must still score below full marks and
the reference above all of them, so the boundary takes no power from the hidden tests.
"""
from __future__ import annotations

import copy
import shutil

import nbformat
import pytest

import mutation
from test_grading_roundtrip import MARKER_RE, ROOT, SETS, _structure
from nbtools import nbgrader_meta

pytestmark = pytest.mark.slow


def _answered(release, solution, replace: tuple[str, str] | None):
    """The release with every answer cell filled from the solution; one function replaced by a mutant."""
    by_id = {nbgrader_meta(c).get("grade_id"): c for c in solution.cells if nbgrader_meta(c).get("grade_id")}
    nb = copy.deepcopy(release)
    for cell in nb.cells:
        meta = nbgrader_meta(cell)
        if not meta.get("solution") or cell.cell_type != "code":
            continue
        source = by_id[meta["grade_id"]].source
        if replace and replace[0] in mutation.DEF_RE.findall(source):
            source = mutation.apply(replace[1], source)
        cell.source = MARKER_RE.sub("", source)
    return nb


@pytest.mark.parametrize("ex", SETS)
def test_course_grade_rejects_every_mutant(tmp_path, ex):
    from grading.grading_helpers import course_cmd
    from nbgrader.api import Gradebook

    mutants = mutation.load(ROOT / "tests" / "mutants" / f"{ex}.yml")
    course = tmp_path / "course"
    shutil.copytree(ROOT / "solutions" / ex, course / "solutions" / ex)
    shutil.copy(ROOT / "nbgrader_config.py", course / "nbgrader_config.py")
    done = course_cmd(course, "release", ex)
    assert done.returncode == 0, done.stdout + done.stderr
    release = nbformat.read(course / "exercises" / ex / f"{ex}.ipynb", as_version=4)
    solution = nbformat.read(course / "solutions" / ex / f"{ex}.ipynb", as_version=4)
    _, test_points, _ = _structure(solution)
    full = sum(test_points.values())
    students = {"reference": None} | {f"m{i:03d}": m for i, m in enumerate(mutants)}
    for student, mutant in students.items():
        folder = course / "grading" / "submitted" / student / ex
        folder.mkdir(parents=True)
        nb = _answered(release, solution, (mutant.function, mutant) if mutant else None)
        nbformat.write(nb, folder / f"{ex}.ipynb")
    done = course_cmd(course, "grade", ex, "--jobs", "2", "--no-progress", "--timeout", "60")
    assert done.returncode == 0, done.stdout + done.stderr
    with Gradebook(f"sqlite:///{course / 'grading' / 'gradebook.db'}") as gb:
        totals = {}
        for student in students:
            grades = gb.find_submission_notebook(ex, ex, student).grades
            totals[student] = sum(g.auto_score or 0.0 for g in grades if g.name in test_points)
    assert totals["reference"] == pytest.approx(full), done.stdout
    accepted = [students[s].name for s, total in totals.items() if s != "reference" and total >= full]
    gaps = [m.name for m in mutants if m.grader_gap]
    missed = [name for name in accepted if name not in gaps]
    assert not missed, f"{ex}: mutants with full marks under course grade: {missed}"
    closed = [name for name in gaps if name not in accepted]
    assert not closed, f"{ex}: course grade now rejects {closed}: remove their grader_gap in tests/mutants/{ex}.yml"
    # Each mutant's feedback says what failed: a message, the failing visible line, or for a hidden
    # assert without a message, which function it checked and how; never a bare "message is empty".
    done = course_cmd(course, "feedback", ex)
    assert done.returncode == 0, done.stdout + done.stderr
    silent = [students[s].name for s in students if s != "reference" and not students[s].grader_gap and "its message is empty" in (
        course / "grading" / "feedback" / s / ex / f"{ex}.html").read_text()]
    assert not silent, f"{ex}: mutants whose feedback does not say what failed: {silent}"
