"""Grading round trip for exercise set 01 with plain nbgrader on a simulated class.

A temporary course folder gets solutions/, exercises/ and nbgrader_config.py. The
release is generated, four submissions are placed under grading/submitted/, one
``nbgrader autograde`` call grades them all, and the gradebook must hold the scores
expected from the points in the notebook metadata:

* ``correct``  every answer filled with the reference code, written answers filled;
* ``blank``    the release as handed out;
* ``partial``  half of the functions answered, one written answer;
* ``wrong``    every answer correct except ``project``, replaced by a plausible
  mutant that passes the visible tests (only hidden tests catch it).

Written answers are never auto-scored: filled ones need manual grading, untouched
ones score 0 automatically.
"""
from __future__ import annotations

import copy
import os
import re
import shutil
from pathlib import Path

import nbformat
import pytest

import mutation
from nbtools import is_answer_cell, nbgrader, nbgrader_meta

ROOT = Path(__file__).resolve().parents[1]
EX = "ex01_projection_shapes"
MUTANT = "project__no_shape_check"  # in tests/mutants/<EX>.yml
MARKER_RE = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION[ \t]*\n", re.M)


def _structure(nb) -> tuple[dict[str, str], dict[str, float], dict[str, float]]:
    """From the solution's metadata: {function: its test grade_id}, test points, written points."""
    test_of: dict[str, str] = {}
    test_points: dict[str, float] = {}
    written_points: dict[str, float] = {}
    pending: list[str] = []
    for cell in nb.cells:
        meta = nbgrader_meta(cell)
        if is_answer_cell(cell):
            pending += mutation.DEF_RE.findall(cell.source)
        elif cell.cell_type == "code" and meta.get("grade"):
            test_points[meta["grade_id"]] = float(meta["points"])
            for function in pending:
                test_of[function] = meta["grade_id"]
            pending = []
        elif cell.cell_type == "markdown" and meta.get("grade") and meta.get("solution"):
            written_points[meta["grade_id"]] = float(meta["points"])
    return test_of, test_points, written_points


def _submission(release, solution, answered: set[str], written: set[str], replace: dict[str, str]):
    """The release with the given answer cells (by function name) and written cells filled in.

    ``replace`` maps a function to the name of a mutant to answer with instead.
    """
    by_id = {nbgrader_meta(c).get("grade_id"): c for c in solution.cells if nbgrader_meta(c).get("grade_id")}
    nb = copy.deepcopy(release)
    for cell in nb.cells:
        meta = nbgrader_meta(cell)
        if not meta.get("solution"):
            continue
        reference = by_id[meta["grade_id"]]
        if cell.cell_type == "markdown":
            if meta["grade_id"] in written:
                cell.source = reference.source
            continue
        functions = mutation.DEF_RE.findall(reference.source)
        (function,) = functions
        if function in replace:
            (mutant,) = [m for m in mutation.load(ROOT / "tests" / "mutants" / f"{EX}.yml") if m.name == replace[function]]
            cell.source = MARKER_RE.sub("", mutation.apply(mutant, reference.source))
        elif function in answered:
            cell.source = MARKER_RE.sub("", reference.source)
    return nb


def _nbgrader(course: Path, env: dict, *args: str) -> str:
    """nbgrader with the copied nbgrader_config.py (it puts the gradebook in ``grading/``)."""
    proc = nbgrader(course, *args, env=env)
    assert proc.returncode == 0, f"{' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout + proc.stderr


@pytest.mark.slow
def test_autograde_simulated_class(tmp_path):
    course = tmp_path / "course"
    course.mkdir()
    shutil.copytree(ROOT / "solutions", course / "solutions")
    shutil.copy(ROOT / "nbgrader_config.py", course / "nbgrader_config.py")
    env = dict(os.environ)
    # the kernels import course_utils from this checkout
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))

    _nbgrader(course, env, "generate_assignment", EX, "--force")
    release = nbformat.read(course / "exercises" / EX / f"{EX}.ipynb", as_version=4)
    solution = nbformat.read(course / "solutions" / EX / f"{EX}.ipynb", as_version=4)
    test_of, test_points, written_points = _structure(solution)
    functions = list(test_of)
    assert len(functions) >= 4 and written_points, "expected several graded functions and a written answer"
    auto_total = sum(test_points.values())

    half = set(functions[::2])
    first_written = next(iter(written_points))
    students = {
        "correct": (set(functions), set(written_points), {}),
        "blank": (set(), set(), {}),
        "partial": (half, {first_written}, {}),
        "wrong": (set(functions), set(), {"project": MUTANT}),
    }
    expected_auto = {
        "correct": auto_total,
        "blank": 0.0,
        "partial": sum(test_points[test_of[f]] for f in half),
        "wrong": auto_total - test_points[test_of["project"]],
    }
    assert 0 < expected_auto["partial"] < auto_total and 0 < expected_auto["wrong"] < auto_total
    for student, (answered, written, replace) in students.items():
        folder = course / "grading" / "submitted" / student / EX
        folder.mkdir(parents=True)
        nbformat.write(_submission(release, solution, answered, written, replace), folder / f"{EX}.ipynb")

    _nbgrader(course, env, "autograde", EX, "--force")

    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'grading' / 'gradebook.db'}") as gb:
        for student, (_answered, written, _replace) in students.items():
            nb = gb.find_submission_notebook(EX, EX, student)
            grades = {g.name: g for g in nb.grades}
            assert set(grades) == set(test_points) | set(written_points)
            auto = {name: grades[name].auto_score for name in test_points}
            assert sum(auto.values()) == pytest.approx(expected_auto[student]), f"{student}: {auto}"
            assert nb.max_score == pytest.approx(auto_total + sum(written_points.values()))
            for name in written_points:
                grade = grades[name]
                if name in written:  # a filled written answer waits for a human
                    assert grade.needs_manual_grade and grade.auto_score is None, (student, name)
                else:  # an untouched one is a 0 without manual grading
                    assert not grade.needs_manual_grade and grade.auto_score == 0, (student, name)
            assert nb.needs_manual_grade == bool(written), student
            assert (course / "grading" / "autograded" / student / EX / f"{EX}.ipynb").is_file()

    # the wrong submission fails only on hidden tests: the visible part of its test cell passes
    graded = nbformat.read(course / "grading" / "autograded" / "wrong" / EX / f"{EX}.ipynb", as_version=4)
    (project_test,) = [c for c in graded.cells if nbgrader_meta(c).get("grade_id") == test_of["project"]]
    errors = [o for o in project_test.outputs if o.output_type == "error"]
    assert errors and errors[0].ename == "AssertionError"
    assert "passed: project(X, W_q.T) raised ValueError" in "".join(
        o.get("text", "") for o in project_test.outputs if o.output_type == "stream")
