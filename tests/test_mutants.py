"""Hidden tests reject plausible wrong answers.

For every exercise set, ``tests/mutants/<set>/<function>__<slug>.py`` holds a complete
replacement for the answer cell that defines ``<function>``. Each mutant is swapped into
the reference solution, the notebook is run, and it must score below full marks. Every
graded function needs at least three mutants; the unmodified reference must score full marks.
"""
from __future__ import annotations

import copy
import re
from pathlib import Path

import nbformat
import pytest

import nbtools

MUTANTS = nbtools.ROOT / "tests" / "mutants"
DEF_RE = re.compile(r"^def\s+([A-Za-z_]\w*)\s*\(", re.M)
MIN_MUTANTS = 3


def _solution(ex: str):
    return nbformat.read(nbtools.ROOT / "solutions" / ex / f"{ex}.ipynb", as_version=4)


def _graded_functions(nb) -> dict[str, int]:
    """{function name: index of the answer cell defining it}."""
    found = {}
    for index, cell in enumerate(nb.cells):
        if nbtools.is_answer_cell(cell):
            for name in DEF_RE.findall(cell.source):
                if not name.startswith("_"):
                    found[name] = index
    return found


def _score(nb, results) -> float:
    points = {nbtools.nbgrader_meta(c)["grade_id"]: nbtools.nbgrader_meta(c)["points"]
              for c in nb.cells if nbtools.is_graded_code(c)}
    return float(sum(points[g] for g, err in results.items() if err is None))


SETS = sorted(d.name for d in (nbtools.ROOT / "solutions").iterdir() if d.is_dir() and d.name.startswith("ex"))
CASES = [(ex, p) for ex in SETS for p in sorted((MUTANTS / ex).glob("*.py"))]


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
    counts = {f: len(list((MUTANTS / ex).glob(f"{f}__*.py"))) for f in functions}
    short = {f: n for f, n in counts.items() if n < MIN_MUTANTS}
    assert not short, f"{ex}: functions with fewer than {MIN_MUTANTS} mutants in tests/mutants/{ex}/: {short}"
    strays = [p.name for p in (MUTANTS / ex).glob("*.py") if p.name.split("__")[0] not in functions]
    assert not strays, f"mutants for functions that are not graded answers: {strays}"


@pytest.mark.parametrize("ex,mutant", CASES, ids=[f"{ex}/{p.stem}" for ex, p in CASES])
def test_mutant_is_rejected(ex, mutant: Path):
    nb = _solution(ex)
    function = mutant.stem.split("__")[0]
    index = _graded_functions(nb)[function]
    source = mutant.read_text()
    assert source.startswith("# Mutant:"), f"{mutant.name} must start with a '# Mutant: <what is wrong>' line"
    assert f"def {function}(" in source, f"{mutant.name} does not define {function}()"
    mutated = copy.deepcopy(nb)
    mutated.cells[index].source = source
    results = nbtools.run_in_process(mutated)
    full = nbtools.autograded_points(nb)
    score = _score(nb, results)
    assert score < full, f"mutant {mutant.name} ({source.splitlines()[0][10:]}) scores full marks {score}/{full}"
