"""Every notebook runs: lessons and solutions top to bottom without error; released
exercises fail only where a stub raises NotImplementedError."""
from __future__ import annotations

import pytest

import nbtools

RUNNABLE = nbtools.lessons() + nbtools.solution_notebooks()


def _fmt_error(index: int, out: dict) -> str:
    return f"cell {index}: {out.get('ename')}: {out.get('evalue')}"


def test_there_are_notebooks_to_run():
    assert nbtools.lessons(), "no lessons found in lessons/"
    assert nbtools.solution_notebooks(), "no exercise sets found in solutions/"
    assert nbtools.exercise_notebooks(), "no released exercises found in exercises/"


@pytest.mark.slow
@pytest.mark.parametrize("path", RUNNABLE, ids=nbtools.rel)
def test_notebook_runs_without_error(path):
    nb = nbtools.execute(path)
    # nbclient raises on the first error; this is a second guard for errors printed as outputs.
    assert not nbtools.error_outputs(nb)


def _is_stub_failure(out: dict) -> bool:
    if out.get("ename") == "NotImplementedError":
        return True
    # A check helper may wrap the stub's exception in its own message.
    text = "\n".join(out.get("traceback", [])) + str(out.get("evalue", ""))
    return "NotImplementedError" in text


@pytest.mark.slow
@pytest.mark.parametrize("path", nbtools.exercise_notebooks(), ids=nbtools.rel)
def test_release_fails_only_on_stubs(path):
    nb = nbtools.execute(path, allow_errors=True)
    errors = nbtools.error_outputs(nb)
    bad = [_fmt_error(i, out) for i, out in errors if not _is_stub_failure(out)]
    assert not bad, "released exercise fails for a reason other than an unfinished stub:\n" + "\n".join(bad)
    # Every answer cell is a stub, so every autograded test cell must fail in the blank release.
    failing_cells = {i for i, _ in errors}
    graded = [i for i, c in enumerate(nb.cells) if nbtools.is_graded_code(c)]
    passing = [nbtools.nbgrader_meta(nb.cells[i])["grade_id"] for i in graded if i not in failing_cells]
    assert not passing, f"test cells pass on the blank release (free points): {passing}"
