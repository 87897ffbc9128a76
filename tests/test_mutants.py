"""Hidden tests reject plausible wrong answers.

For every exercise set, ``tests/mutants/<set>.yml`` lists mutants: the reference answer
cell of one graded function with one mistake put in (see ``tests/mutation.py``). Each
mutant is swapped into the reference solution, the notebook is run, and it must score
below full marks, so the hidden tests are shown to catch exactly that mistake. Every
graded function needs at least three mutants; the unmodified reference must score full marks.
"""
from __future__ import annotations

import copy

import nbformat
import pytest

import mutation
import nbtools

MUTANTS = nbtools.ROOT / "tests" / "mutants"
MIN_MUTANTS = 3


def _solution(ex: str):
    return nbformat.read(nbtools.ROOT / "solutions" / ex / f"{ex}.ipynb", as_version=4)


def _graded_functions(nb) -> dict[str, int]:
    """{function name: index of the answer cell defining it}."""
    found = {}
    for index, cell in enumerate(nb.cells):
        if nbtools.is_answer_cell(cell):
            for name in mutation.DEF_RE.findall(cell.source):
                if not name.startswith("_"):
                    found[name] = index
    return found


def _score(nb, results) -> float:
    points = {nbtools.nbgrader_meta(c)["grade_id"]: nbtools.nbgrader_meta(c)["points"]
              for c in nb.cells if nbtools.is_graded_code(c)}
    return float(sum(points[g] for g, err in results.items() if err is None))


SETS = nbtools.exercise_sets()


def _mutants(ex: str) -> list[mutation.Mutant]:
    path = MUTANTS / f"{ex}.yml"
    return mutation.load(path) if path.is_file() else []


CASES = [(ex, m) for ex in SETS for m in _mutants(ex)]


@pytest.mark.parametrize("ex", SETS)
def test_reference_scores_full_marks_in_process(ex):
    nb = _solution(ex)
    results = nbtools.run_in_process(nb)
    failed = {g: repr(e) for g, e in results.items() if e is not None}
    assert not failed, f"reference solution fails its own tests: {failed}"
    assert _score(nb, results) == nbtools.autograded_points(nb) > 0


@pytest.mark.parametrize("ex", SETS)
def test_every_graded_function_has_mutants(ex):
    functions = _graded_functions(_solution(ex))
    assert functions, f"{ex}: no graded functions found"
    mutants = _mutants(ex)
    counts = {f: sum(m.function == f for m in mutants) for f in functions}
    short = {f: n for f, n in counts.items() if n < MIN_MUTANTS}
    assert not short, f"{ex}: functions with fewer than {MIN_MUTANTS} mutants in tests/mutants/{ex}.yml: {short}"
    strays = sorted({m.function for m in mutants} - set(functions))
    assert not strays, f"mutants for functions that are not graded answers: {strays}"


@pytest.mark.parametrize("ex,mutant", CASES, ids=[f"{ex}/{m.name}" for ex, m in CASES])
def test_mutant_is_rejected(ex, mutant: mutation.Mutant):
    nb = _solution(ex)
    index = _graded_functions(nb)[mutant.function]
    mutated = copy.deepcopy(nb)
    mutated.cells[index].source = mutation.apply(mutant, nb.cells[index].source)
    results = nbtools.run_in_process(mutated)
    full = nbtools.autograded_points(nb)
    score = _score(nb, results)
    assert score < full, f"mutant {mutant.name} ({mutant.why}) scores full marks {score}/{full}"


SAMPLE = '''def f(x, n):
    if n <= 0:
        raise ValueError(
            "n must be positive"
        )
    total = x * n
    return total
'''


def test_mutant_edits_apply_once_and_keep_indentation():
    m = mutation.Mutant("f", "demo", "why", replace=[("total = x * n", "total = x\ntotal *= n + 1")],
                        drop=["if n <= 0:"])
    assert mutation.apply(m, SAMPLE) == "def f(x, n):\n    total = x\n    total *= n + 1\n    return total\n"


@pytest.mark.parametrize("edit", [
    {"replace": [("x * m", "x")]},            # no longer in the reference
    {"replace": [("n", "m")]},                # ambiguous: occurs many times
    {"drop": ["while True:"]},                # no such statement
    {"replace": [("return total", "return (total")]},  # breaks the syntax
])
def test_mutant_edits_that_do_not_fit_fail_loudly(edit):
    with pytest.raises(mutation.MutantError):
        mutation.apply(mutation.Mutant("f", "demo", "why", **edit), SAMPLE)
