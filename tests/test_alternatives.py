"""Correct answers written in other styles score full marks: no test is stricter than its spec.

``tests/alternatives/<set>.yml`` holds, for every graded function, answers that differ from the
reference in ways the specification allows (another formula, float32 arithmetic, another random
stream, loops instead of matrix products, dict keys in another order, another error message).
Each one replaces the reference solution block of its function and the notebook must still score
full marks, so the hidden tests are shown to check the promises and nothing more. Together with
``test_mutants.py`` (wrong answers score less) this pins the tests from both sides.
"""
from __future__ import annotations

import copy
import re

import pytest
import yaml

import nbtools
from test_mutants import _graded_functions, _score, _solution

ALTERNATIVES = nbtools.ROOT / "tests" / "alternatives"
BLOCK_RE = re.compile(r"^([ \t]*)### BEGIN SOLUTION\n(.*?)^[ \t]*### END SOLUTION", re.S | re.M)


def _load(ex: str) -> list[tuple[str, str, dict]]:
    path = ALTERNATIVES / f"{ex}.yml"
    data = yaml.safe_load(path.read_text()) if path.is_file() else {}
    found = []
    for function, entries in (data or {}).items():
        for slug, spec in (entries or {}).items():
            assert set(spec) == {"why", "solution"}, f"{ex}.yml: {function}/{slug} needs exactly 'why' and 'solution'"
            found.append((function, slug, spec))
    return found


def _with_solution(source: str, solution: str) -> str:
    """The answer cell with its reference solution block replaced by ``solution`` (indented to fit)."""
    match = BLOCK_RE.search(source)
    assert match, "no ### BEGIN/END SOLUTION block in the answer cell"
    pad = match.group(1)
    body = "".join(pad + line if line.strip() else line for line in solution.strip("\n").splitlines(True)) + "\n"
    return source[:match.start(2)] + body + source[match.end(2):]


SETS = nbtools.exercise_sets()
CASES = [(ex, f, slug, spec) for ex in SETS for f, slug, spec in _load(ex)]


@pytest.mark.parametrize("ex", SETS)
def test_every_graded_function_has_an_alternative(ex):
    functions = set(_graded_functions(_solution(ex)))
    covered = {f for f, _, _ in _load(ex)}
    assert functions <= covered, f"{ex}: no alternative answer in tests/alternatives/{ex}.yml for {sorted(functions - covered)}"
    assert covered <= functions, f"{ex}: alternatives for functions that are not graded answers: {sorted(covered - functions)}"


@pytest.mark.parametrize("ex,function,slug,spec", CASES, ids=[f"{ex}/{f}__{s}" for ex, f, s, _ in CASES])
def test_alternative_scores_full_marks(ex, function, slug, spec):
    nb = _solution(ex)
    index = _graded_functions(nb)[function]
    changed = copy.deepcopy(nb)
    changed.cells[index].source = _with_solution(nb.cells[index].source, spec["solution"])
    assert changed.cells[index].source != nb.cells[index].source
    compile(changed.cells[index].source, f"{function}__{slug}", "exec")
    results = nbtools.run_in_process(changed)
    failed = {g: f"{type(e).__name__}: {e}" for g, e in results.items() if e is not None}
    assert _score(nb, results) == nbtools.autograded_points(nb), (
        f"a correct answer in another style ({spec['why']}) loses points: {failed}")


def test_solution_block_is_replaced_with_its_indentation():
    cell = "def f(x):\n    '''Doc.'''\n    ### BEGIN SOLUTION\n    return x\n    ### END SOLUTION\n"
    assert _with_solution(cell, "y = x + 1\nif y:\n    return y\n") == (
        "def f(x):\n    '''Doc.'''\n    ### BEGIN SOLUTION\n    y = x + 1\n    if y:\n        return y\n    ### END SOLUTION\n")
