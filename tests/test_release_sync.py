"""The committed exercises/ is exactly what nbgrader generates from solutions/, and leaks nothing."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import nbformat
import pytest

import nbtools

SETS = nbtools.exercise_sets()
pytestmark = pytest.mark.xdist_group("release_sync")  # regenerate the releases once per run
SECRET_MARKERS = ["BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"]


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory) -> Path:
    """A temporary course folder with every release regenerated from solutions/."""
    course = tmp_path_factory.mktemp("course")
    shutil.copytree(nbtools.ROOT / "solutions", course / "solutions")
    shutil.copy(nbtools.ROOT / "nbgrader_config.py", course / "nbgrader_config.py")
    for ex in SETS:
        proc = nbtools.nbgrader(course, "generate_assignment", ex, "--force", timeout=300)
        assert proc.returncode == 0, f"nbgrader generate_assignment {ex} failed:\n{proc.stdout}\n{proc.stderr}"
    return course


def _files(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")
            if p.is_file() and ".ipynb_checkpoints" not in p.parts and "__pycache__" not in p.parts}


@pytest.mark.parametrize("ex", SETS)
def test_release_is_in_sync(regenerated, ex):
    fresh, committed = regenerated / "exercises" / ex, nbtools.ROOT / "exercises" / ex
    assert committed.is_dir(), f"exercises/{ex} is missing: run `make release`"
    assert _files(fresh) == _files(committed), "file lists differ: run `make release` and commit exercises/"
    for name in _files(fresh):
        a, b = fresh / name, committed / name
        if name.endswith(".ipynb"):
            same = json.loads(a.read_text()) == json.loads(b.read_text())
        else:
            same = a.read_bytes() == b.read_bytes()
        assert same, f"exercises/{ex}/{name} differs from a fresh release: run `make release` and commit it"


@pytest.mark.parametrize("ex", SETS)
def test_no_solution_or_hidden_test_leaks(ex):
    source = nbformat.read(nbtools.ROOT / "solutions" / ex / f"{ex}.ipynb", as_version=4)
    released_path = nbtools.ROOT / "exercises" / ex / f"{ex}.ipynb"
    released = nbformat.read(released_path, as_version=4)
    released_text = "\n".join(c.source for c in released.cells)
    for marker in SECRET_MARKERS:
        assert marker not in released_text, f"{marker!r} appears in the release"
    visible_text = released_text
    # Distinctive lines only (short or generic lines can legitimately appear in both).
    leaks = sorted(line for line in nbtools.secret_lines(source)
                   if not line.startswith("#") and line in visible_text)
    assert not leaks, "solution or hidden-test lines appear in the release:\n" + "\n".join(leaks)
    # Markdown answers graded by hand are blanked too.
    written = [[c for c in nb.cells if nbtools.nbgrader_meta(c).get("solution") and c.cell_type == "markdown"]
               for nb in (source, released)]
    assert len(written[0]) == len(written[1]) > 0, "written-answer cells are missing from the release"
    for src_cell, rel_cell in zip(*written):
        assert src_cell.source.strip() != rel_cell.source.strip(), "a written-answer cell keeps its model answer"
