"""Notebook utilities shared by the test suite (discovery, execution, nbgrader metadata)."""
from __future__ import annotations

import contextlib
import io
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import nbformat

ROOT = Path(__file__).resolve().parents[1]
SECRET_BLOCK_RE = re.compile(r"### BEGIN (SOLUTION|HIDDEN TESTS)\n(.*?)### END \1", re.S)
LESSON_RE = re.compile(r"^(\d\d)_([a-z0-9]+(?:_[a-z0-9]+)*)\.ipynb$")
EXERCISE_RE = re.compile(r"^ex(\d\d)_([a-z0-9]+(?:_[a-z0-9]+)*)$")


def lessons() -> list[Path]:
    return sorted((ROOT / "lessons").glob("*.ipynb"))


def solution_notebooks() -> list[Path]:
    return sorted((ROOT / "solutions").glob("*/*.ipynb"))


def exercise_notebooks() -> list[Path]:
    return sorted((ROOT / "exercises").glob("*/*.ipynb"))


def exercise_sets() -> list[str]:
    """Names of the exercise sets in solutions/ (``exNN_slug``)."""
    return sorted(d.name for d in (ROOT / "solutions").iterdir() if d.is_dir() and d.name.startswith("ex"))


def all_notebooks() -> list[Path]:
    return lessons() + solution_notebooks() + exercise_notebooks()


def rel(path: Path) -> str:
    return str(path.relative_to(ROOT))


def nbgrader_meta(cell: Any) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def is_graded_code(cell: Any) -> bool:
    """An autograded test cell: grade=True, solution=False, code."""
    meta = nbgrader_meta(cell)
    return cell.cell_type == "code" and bool(meta.get("grade")) and not meta.get("solution")


def is_answer_cell(cell: Any) -> bool:
    """An autograded answer cell (student writes code here): solution=True, grade=False."""
    meta = nbgrader_meta(cell)
    return cell.cell_type == "code" and bool(meta.get("solution")) and not meta.get("grade")


def autograded_points(nb: Any) -> float:
    return float(sum(nbgrader_meta(c).get("points", 0) for c in nb.cells if is_graded_code(c)))


def execute(path: Path, *, allow_errors: bool = False, timeout: int = 300) -> Any:
    """Execute a notebook on a fresh ``python3`` kernel in its own folder; return the executed notebook."""
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)  # headless plotting: conftest sets MPLBACKEND=Agg
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        allow_errors=allow_errors,
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()
    return nb


def error_outputs(nb: Any) -> list[tuple[int, dict]]:
    """(cell index, error output) for every error output of an executed notebook."""
    found = []
    for index, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []) if cell.cell_type == "code" else []:
            if out.get("output_type") == "error":
                found.append((index, out))
    return found


def run_in_process(nb: Any) -> dict[str, BaseException | None]:
    """Run a notebook's code cells in one fresh namespace, in order, without a kernel.

    Returns ``{grade_id: exception or None}`` for every autograded test cell. Used for
    mutant testing, where the code under test is our own. Cells must not use IPython magics.
    Output is swallowed.
    """
    namespace: dict[str, Any] = {"__name__": "__main__"}
    results: dict[str, BaseException | None] = {}
    sink = io.StringIO()
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        code = compile(cell.source, f"<cell {index}>", "exec")
        error: BaseException | None = None
        with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
            try:
                exec(code, namespace)  # noqa: S102 - trusted course notebooks only
            except Exception as exc:  # a failing test cell is a result, not a crash
                error = exc
        if is_graded_code(cell):
            results[nbgrader_meta(cell)["grade_id"]] = error
    return results


def secret_lines(nb: Any, min_length: int = 30) -> set[str]:
    """Distinctive lines (stripped, at least ``min_length`` long) of a source notebook's
    reference answers and hidden tests: none of them may reach a student."""
    lines: set[str] = set()
    for cell in nb.cells:
        for _, block in SECRET_BLOCK_RE.findall(cell.source):
            lines |= {ln.strip() for ln in block.splitlines() if len(ln.strip()) >= min_length}
    return lines


def nbgrader(course: Path, *args: str, env: dict | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
    """Run nbgrader's command line with ``args`` in ``course`` and capture its output.

    Uses the course tool's launcher (plain nbgrader minus a slow, unused import) and puts
    this Python's ``bin/`` on PATH, where nbgrader finds ``alembic``.
    """
    from course_utils.grading.commands.course import nbgrader_command

    env = dict(os.environ if env is None else env)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    return subprocess.run(nbgrader_command(*args), cwd=course, env=env, capture_output=True, text=True,
                          timeout=timeout)
