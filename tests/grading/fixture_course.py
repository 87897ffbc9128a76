"""A small self-contained course for grading tests: one exercise, three graded functions.

``make_course(root)`` writes an nbgrader course (config, source notebook) into
``root``; ``answered(release, answers)`` derives a submission from the
released notebook. The simulated class (good, bad and malicious students) is
built from these in ``class_cases.py``.
"""
from __future__ import annotations

import copy
import json
from pathlib import Path

EXERCISE = "exfx"

CONFIG = '''import os
c = get_config()  # noqa: F821
_HERE = os.path.dirname(os.path.abspath(__file__))
c.CourseDirectory.root = _HERE
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "exercises"
c.CourseDirectory.submitted_directory = os.path.join("grading", "submitted")
c.CourseDirectory.autograded_directory = os.path.join("grading", "autograded")
c.CourseDirectory.feedback_directory = os.path.join("grading", "feedback")
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(_HERE, "grading", "gradebook.db")
c.CourseDirectory.course_id = "fixture-course"
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\\nraise NotImplementedError()"}
c.Execute.timeout = 30
c.ClearHiddenTests.enabled = True
'''

# Answers the reference solution gives; submissions swap these in.
REFERENCE = {
    "project": "def project(W, x):\n    \"\"\"Project x with W.\"\"\"\n    return W @ x\n",
    "norms": "def norms(X):\n    \"\"\"Row norms of X.\"\"\"\n    return np.sqrt((X * X).sum(axis=1))\n",
    "unit": "def unit(v):\n    \"\"\"v scaled to length 1.\"\"\"\n    return v / np.linalg.norm(v)\n",
    "explain": "Each column of W is the direction that output reads from.",
}
POINTS = {"test_project": 2, "test_norms": 1, "test_unit": 2, "explain": 1}

TESTS = {
    "test_project": (
        '"""project: shape and values on a small case."""\n'
        "W = np.array([[1.0, 2.0, 0.0], [0.0, -1.0, 3.0]])\n"
        "np.testing.assert_allclose(project(W, np.array([1.0, 1.0, 1.0])), [3.0, 2.0])\n"
        "### BEGIN HIDDEN TESTS\n"
        "rng = np.random.default_rng(0)\n"
        "W2, x2 = rng.normal(size=(4, 5)), rng.normal(size=5)\n"
        "np.testing.assert_allclose(project(W2, x2), W2 @ x2)  # SECRET-HIDDEN-PROJECT\n"
        "### END HIDDEN TESTS\n"),
    "test_norms": (
        '"""norms: one value per row."""\n'
        "assert norms(np.array([[3.0, 4.0], [0.0, 0.0]]))[0] == 5.0\n"
        "### BEGIN HIDDEN TESTS\n"
        "assert norms(np.array([[3.0, 4.0], [0.0, 0.0]]))[1] == 0.0  # SECRET-HIDDEN-NORMS\n"
        "### END HIDDEN TESTS\n"),
    "test_unit": (
        '"""unit: length one, same direction."""\n'
        "u = unit(np.array([3.0, 4.0]))\n"
        "np.testing.assert_allclose(u, [0.6, 0.8])\n"
        "### BEGIN HIDDEN TESTS\n"
        "np.testing.assert_allclose(np.linalg.norm(unit(np.arange(1.0, 6.0))), 1.0)  # SECRET-HIDDEN-UNIT\n"
        "### END HIDDEN TESTS\n"),
}


def _cell(cell_type: str, source: str, **nbgrader) -> dict:
    meta = {}
    if nbgrader:
        meta["nbgrader"] = {"schema_version": 3, "grade": False, "solution": False, "locked": False,
                            "task": False, **nbgrader}
    cell = {"cell_type": cell_type, "metadata": meta, "source": source}
    if cell_type == "code":
        cell.update(outputs=[], execution_count=None)
    return cell


def _solution(name: str) -> str:
    head, _, body = REFERENCE[name].partition("\n")
    return f"{head}\n    ### BEGIN SOLUTION\n{body}    ### END SOLUTION\n"


def source_notebook() -> dict:
    """The instructor's notebook with reference answers and hidden tests."""
    cells = [
        _cell("markdown", "# Fixture exercise\nWrite three small functions: the projection $W x$, the row norms "
                          "$\\lVert X_i \\rVert$ and the unit vector\n\n$$u = \\frac{v}{\\lVert v \\rVert}.$$"),
        _cell("code", "import numpy as np"),
    ]
    for name, test in (("project", "test_project"), ("norms", "test_norms"), ("unit", "test_unit")):
        cells.append(_cell("code", _solution(name), grade_id=name, solution=True))
        cells.append(_cell("code", TESTS[test], grade_id=test, grade=True, locked=True,
                           points=POINTS[test]))
    cells.append(_cell("markdown", "### BEGIN SOLUTION\n" + REFERENCE["explain"] + "\n### END SOLUTION",
                       grade_id="explain", grade=True, solution=True, points=POINTS["explain"]))
    return {"cells": cells, "nbformat": 4, "nbformat_minor": 5,
            "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)",
                                        "language": "python"}}}


def make_course(root: Path) -> Path:
    """Write the fixture course into ``root``; returns ``root``."""
    (root / "solutions" / EXERCISE).mkdir(parents=True, exist_ok=True)
    (root / "nbgrader_config.py").write_text(CONFIG, encoding="utf-8")
    (root / "solutions" / EXERCISE / f"{EXERCISE}.ipynb").write_text(
        json.dumps(source_notebook(), indent=1), encoding="utf-8")
    return root


def find_cell(nb: dict, grade_id: str) -> dict:
    for cell in nb["cells"]:
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id:
            return cell
    raise KeyError(grade_id)


def answered(release: dict, answers: dict[str, str] | None = None) -> dict:
    """A copy of the released notebook with the given answers (default: the reference ones)."""
    nb = copy.deepcopy(release)
    for gid, text in (REFERENCE if answers is None else answers).items():
        find_cell(nb, gid)["source"] = text
    return nb
