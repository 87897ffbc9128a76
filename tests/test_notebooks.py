"""Every notebook runs: lessons and solutions top to bottom without error; released
exercises fail only where a stub raises NotImplementedError."""
from __future__ import annotations

import re

import pytest

import nbtools
from source_numbers import SOURCE_NUMBERS

RUNNABLE = nbtools.lessons() + nbtools.solution_notebooks()


def _printed(nb) -> str:
    parts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []) if cell.cell_type == "code" else []:
            if out.get("output_type") == "stream":
                parts.append(out.get("text", ""))
            elif "text/plain" in out.get("data", {}):
                parts.append(out["data"]["text/plain"])
    return "\n".join(parts)


def _fmt_error(index: int, out: dict) -> str:
    return f"cell {index}: {out.get('ename')}: {out.get('evalue')}"


def test_there_are_notebooks_to_run():
    assert nbtools.lessons(), "no lessons found in lessons/"
    assert nbtools.solution_notebooks(), "no exercise sets found in solutions/"
    assert nbtools.exercise_notebooks(), "no released exercises found in exercises/"


@pytest.mark.slow
@pytest.mark.parametrize("path", RUNNABLE, ids=nbtools.rel)
def test_notebook_runs_without_error(path):
    if path.parent.name == "lessons":  # run once per test session; the site test reuses the run
        from course_utils.website.executed import cache_folder, execute_lesson
        nb = execute_lesson(path, timeout=300, cache=cache_folder())
    else:
        nb = nbtools.execute(path)
    # nbclient raises on the first error; this is a second guard for errors printed as outputs.
    assert not nbtools.error_outputs(nb)
    printed = _printed(nb)
    missing = [name for name, pattern in SOURCE_NUMBERS.get(path.name, {}).items()
               if not re.search(pattern, printed)]
    assert not missing, f"{path.name} no longer prints these source numbers: {missing}"


def test_source_number_patterns_are_not_vacuous():
    """Each pattern matches the source's numbers and rejects a wrong result."""
    patterns = SOURCE_NUMBERS["01_projection_shapes.ipynb"]
    assert re.search(patterns["[2,-1,3,0] @ W_q = [5,-4]"], "h @ W_q = [ 5 -4]")
    assert not re.search(patterns["[2,-1,3,0] @ W_q = [5,-4]"], "h @ W_q = [ 5 4]")
    good = "[[ 0.68  0.66]\n [ 0.24  1.8 ]\n [ 0.22 -0.54]]"
    key = "X @ W_q = [[0.68,0.66],[0.24,1.80],[0.22,-0.54]]"
    assert re.search(patterns[key], good)
    assert not re.search(patterns[key], good.replace("0.24", "0.42"))
    three = SOURCE_NUMBERS["02_feature_directions.ipynb"]["and decodes to [0.35,-0.10,-0.25]"]
    assert re.search(three, "Decoded settings: [ 0.35 -0.1  -0.25]")
    assert not re.search(three, "Decoded settings: [ 0.35 -0.12 -0.25]")
    assert not re.search(three, "Decoded settings: [ 0.35 -1.   -0.25]")


def test_every_lesson_checks_its_source_numbers():
    """Every lesson after 00 has source numbers to print, and no entry names a missing lesson."""
    names = {p.name for p in nbtools.lessons()}
    assert set(SOURCE_NUMBERS) <= names, f"entries for lessons that do not exist: {set(SOURCE_NUMBERS) - names}"
    missing = sorted(n for n in names if not n.startswith("00_") and not SOURCE_NUMBERS.get(n))
    assert not missing, f"lessons without source numbers in tests/source_numbers.py: {missing}"


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


@pytest.mark.slow
def test_start_here_tables_keep_their_columns():
    """Lesson 00's lesson and exercise tables line up on every row, whatever the longest name (ex06 once overflowed)."""
    from course_utils.website.executed import cache_folder, execute_lesson

    nb = execute_lesson(nbtools.ROOT / "lessons" / "00_start_here.ipynb", timeout=300, cache=cache_folder())
    texts = [out.get("text", "") for cell in nb.cells if cell.cell_type == "code" for out in cell.get("outputs", [])
             if out.get("output_type") == "stream"]
    exercises = next(t for t in texts if t.startswith("exercise notebook")).splitlines()
    assert len(exercises) == len(nbtools.exercise_notebooks()) + 1
    assert len({len(line) for line in exercises}) == 1, "\n".join(exercises)  # right-aligned numbers end together
    lessons = next(t for t in texts if t.startswith("lesson ")).splitlines()
    column = lessons[0].index("status")
    assert all(re.match(r"(ready|planned) ", line[column:]) for line in lessons[1:]), "\n".join(lessons)
