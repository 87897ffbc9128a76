"""The committed exercises/ is exactly what nbgrader generates from solutions/, and leaks nothing."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

import nbtools

SETS = sorted(d.name for d in (nbtools.ROOT / "solutions").iterdir() if d.is_dir() and d.name.startswith("ex"))
SECRET_MARKERS = ["BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"]


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory) -> Path:
    """A temporary course folder with every release regenerated from solutions/."""
    course = tmp_path_factory.mktemp("course")
    shutil.copytree(nbtools.ROOT / "solutions", course / "solutions")
    shutil.copy(nbtools.ROOT / "nbgrader_config.py", course / "nbgrader_config.py")
    for ex in SETS:
        proc = subprocess.run(
            [sys.executable, "-m", "nbgrader", "generate_assignment", ex, "--force"],
            cwd=course, capture_output=True, text=True, timeout=300,
        )
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


def _secret_regions(source: str) -> list[str]:
    """Text between BEGIN/END SOLUTION and BEGIN/END HIDDEN TESTS markers in one cell."""
    regions, current = [], None
    for line in source.splitlines():
        if "BEGIN SOLUTION" in line or "BEGIN HIDDEN TESTS" in line:
            current = []
        elif "END SOLUTION" in line or "END HIDDEN TESTS" in line:
            if current is not None:
                regions.append("\n".join(current))
            current = None
        elif current is not None:
            current.append(line)
    return regions


@pytest.mark.parametrize("ex", SETS)
def test_no_solution_or_hidden_test_leaks(ex):
    source = nbformat.read(nbtools.ROOT / "solutions" / ex / f"{ex}.ipynb", as_version=4)
    released_path = nbtools.ROOT / "exercises" / ex / f"{ex}.ipynb"
    released = nbformat.read(released_path, as_version=4)
    released_text = "\n".join(c.source for c in released.cells)
    for marker in SECRET_MARKERS:
        assert marker not in released_text, f"{marker!r} appears in the release"
    visible_text = released_text
    leaks = []
    for cell in source.cells:
        for region in _secret_regions(cell.source):
            for line in region.splitlines():
                code = line.strip()
                # Distinctive lines only: short or generic lines can legitimately appear in both.
                if len(code) >= 30 and not code.startswith("#") and code in visible_text:
                    leaks.append(code)
    assert not leaks, "solution or hidden-test lines appear in the release:\n" + "\n".join(leaks)
    # Markdown answers graded by hand are blanked too.
    for src_cell, rel_cell in zip(
        [c for c in source.cells if nbtools.nbgrader_meta(c).get("solution") and c.cell_type == "markdown"],
        [c for c in released.cells if nbtools.nbgrader_meta(c).get("solution") and c.cell_type == "markdown"],
    ):
        assert src_cell.source.strip() != rel_cell.source.strip(), "a written-answer cell keeps its model answer"
