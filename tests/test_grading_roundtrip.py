"""Grading round trip for every exercise set on a simulated class, with exact expected scores.

A temporary course folder gets solutions/, exercises/ and nbgrader_config.py. The
release is generated, four submissions are placed under grading/submitted/, and the
class is graded twice: by one plain ``nbgrader autograde`` call, and by the course's
own ``course grade`` (sandboxed, parallel). Both gradebooks must hold the scores
expected from the points in the notebook metadata:

* ``correct``  every answer filled with the reference code, written answers filled;
* ``blank``    the release as handed out;
* ``partial``  half of the functions answered, one written answer;
* ``wrong``    every answer correct except one, replaced by a plausible mutant that
  passes the visible tests (only hidden tests catch it; see ``WRONG``).

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
import nbtools
from nbtools import is_answer_cell, nbgrader, nbgrader_meta

ROOT = Path(__file__).resolve().parents[1]
MARKER_RE = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION[ \t]*\n", re.M)
SETS = nbtools.exercise_sets()
# For each set, the mutant (in tests/mutants/<set>.yml) the "wrong" student answers with.
# It must pass every visible test, so that only the hidden tests take its points away.
WRONG = {
    "ex01_projection_shapes": "project__no_shape_check",
    "ex02_feature_directions": "decode__normalised_columns",
    "ex03_superposition": "sample_k_sparse__values_all_one",
    "ex04_relu_orthants": "satisfies_criterion__bias_per_input",
    "ex05_embedding_hyperspheres": "lens_coordinates__eps_ignored",
    "ex06_composition_and_subspaces": "transmitted_fraction__ignores_polarization",
    "ex07_sparse_dictionaries": "recovery__counts_pairs",
}


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


def _submission(ex: str, release, solution, answered: set[str], written: set[str], replace: dict[str, str]):
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
            (mutant,) = [m for m in mutation.load(ROOT / "tests" / "mutants" / f"{ex}.yml")
                         if m.name == replace[function]]
            cell.source = MARKER_RE.sub("", mutation.apply(mutant, reference.source))
        elif function in answered:
            cell.source = MARKER_RE.sub("", reference.source)
    return nb


def _nbgrader(course: Path, env: dict, *args: str) -> str:
    """nbgrader with the copied nbgrader_config.py (it puts the gradebook in ``grading/``)."""
    proc = nbgrader(course, *args, env=env)
    assert proc.returncode == 0, f"{' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout + proc.stderr


def _passed_lines(nb, grade_id: str) -> int:
    (cell,) = [c for c in nb.cells if nbgrader_meta(c).get("grade_id") == grade_id]
    return "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream").count("passed:")


def test_every_set_has_a_wrong_student() -> None:
    assert set(WRONG) == set(SETS), f"name a visible-test-passing mutant in WRONG for {sorted(set(SETS) - set(WRONG))}"


@pytest.mark.slow
@pytest.mark.parametrize("ex", SETS)
def test_autograde_simulated_class(tmp_path, ex):
    course = tmp_path / "course"
    course.mkdir()
    shutil.copytree(ROOT / "solutions" / ex, course / "solutions" / ex)
    shutil.copy(ROOT / "nbgrader_config.py", course / "nbgrader_config.py")
    env = dict(os.environ)
    # the kernels import course_utils from this checkout
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))

    _nbgrader(course, env, "generate_assignment", ex, "--force")
    release = nbformat.read(course / "exercises" / ex / f"{ex}.ipynb", as_version=4)
    solution = nbformat.read(course / "solutions" / ex / f"{ex}.ipynb", as_version=4)
    test_of, test_points, written_points = _structure(solution)
    functions = list(test_of)
    assert len(functions) >= 4 and written_points, "expected several graded functions and a written answer"
    auto_total = sum(test_points.values())
    wrong_function = WRONG[ex].split("__")[0]
    assert wrong_function in functions, f"{WRONG[ex]} is not a mutant of a graded function"

    half = set(functions[::2])
    first_written = next(iter(written_points))
    students = {
        "correct": (set(functions), set(written_points), {}),
        "blank": (set(), set(), {}),
        "partial": (half, {first_written}, {}),
        "wrong": (set(functions), set(), {wrong_function: WRONG[ex]}),
    }
    expected_auto = {
        "correct": auto_total,
        "blank": 0.0,
        "partial": sum(test_points[test_of[f]] for f in half),
        "wrong": auto_total - test_points[test_of[wrong_function]],
    }
    assert 0 < expected_auto["partial"] < auto_total and 0 < expected_auto["wrong"] < auto_total
    for student, (answered, written, replace) in students.items():
        folder = course / "grading" / "submitted" / student / ex
        folder.mkdir(parents=True)
        nbformat.write(_submission(ex, release, solution, answered, written, replace), folder / f"{ex}.ipynb")

    def check_gradebook(label: str) -> None:
        from nbgrader.api import Gradebook

        with Gradebook(f"sqlite:///{course / 'grading' / 'gradebook.db'}") as gb:
            for student, (_answered, written, _replace) in students.items():
                nb = gb.find_submission_notebook(ex, ex, student)
                grades = {g.name: g for g in nb.grades}
                assert set(grades) == set(test_points) | set(written_points)
                auto = {name: grades[name].auto_score for name in test_points}
                assert sum(auto.values()) == pytest.approx(expected_auto[student]), f"{label}, {student}: {auto}"
                assert nb.max_score == pytest.approx(auto_total + sum(written_points.values()))
                for name in written_points:
                    grade = grades[name]
                    if name in written:  # a filled written answer waits for a human
                        assert grade.needs_manual_grade and grade.auto_score is None, (label, student, name)
                    else:  # an untouched one is a 0 without manual grading
                        assert not grade.needs_manual_grade and grade.auto_score == 0, (label, student, name)
                assert nb.needs_manual_grade == bool(written), (label, student)

        # the wrong submission fails only on hidden tests: every visible check of its test cell passes
        graded = {s: nbformat.read(course / "grading" / "autograded" / s / ex / f"{ex}.ipynb", as_version=4)
                  for s in ("correct", "wrong")}
        cell_id = test_of[wrong_function]
        (wrong_cell,) = [c for c in graded["wrong"].cells if nbgrader_meta(c).get("grade_id") == cell_id]
        errors = [o for o in wrong_cell.outputs if o.output_type == "error"]
        assert errors and errors[0].ename == "AssertionError", (label, errors)
        visible = _passed_lines(graded["correct"], cell_id)
        assert visible > 0 and _passed_lines(graded["wrong"], cell_id) == visible, (
            f"{label}: the mutant {WRONG[ex]} should pass all {visible} visible checks")

    _nbgrader(course, env, "autograde", ex, "--force")
    check_gradebook("nbgrader autograde")

    # The same class through the course's own grader, into a fresh gradebook.
    shutil.rmtree(course / "grading" / "autograded")
    (course / "grading" / "gradebook.db").unlink()
    from grading.grading_helpers import course_cmd

    done = course_cmd(course, "release", ex)
    assert done.returncode == 0, done.stdout + done.stderr
    done = course_cmd(course, "grade", ex, "--jobs", "2", "--no-progress")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "4 graded" in done.stdout, done.stdout
    check_gradebook("course grade")
