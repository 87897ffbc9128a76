"""Notebook hygiene: valid, clean, python3 kernel, unique grade ids, paired names."""
from __future__ import annotations

import re

import nbformat
import pytest

import nbtools

ALL = nbtools.all_notebooks()


@pytest.mark.parametrize("path", ALL, ids=nbtools.rel)
def test_valid_and_clean(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert nb.nbformat == 4
    spec = nb.metadata.get("kernelspec", {})
    assert spec.get("name") == "python3", f"kernelspec must be python3, found {spec!r}"
    assert "widgets" not in nb.metadata, (
        "saved widget state in the notebook metadata (pictures included): turn off JupyterLab's "
        "Settings > Save Widget State Automatically and delete metadata.widgets")
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            assert cell.get("outputs") == [], f"cell {index} has outputs: clear them (Edit > Clear Outputs of All Cells, then save)"
            assert cell.get("execution_count") is None, f"cell {index} has an execution count"
        assert "attachments" not in cell or not cell["attachments"], f"cell {index} has attachments"


@pytest.mark.parametrize("path", ALL, ids=nbtools.rel)
def test_grade_ids_unique_and_complete(path):
    nb = nbformat.read(path, as_version=4)
    seen: dict[str, int] = {}
    for index, cell in enumerate(nb.cells):
        meta = nbtools.nbgrader_meta(cell)
        if not meta:
            continue
        gid = meta.get("grade_id")
        assert gid, f"cell {index} has nbgrader metadata but no grade_id"
        assert gid not in seen, f"grade_id {gid!r} used by cells {seen[gid]} and {index}"
        seen[gid] = index
        if meta.get("grade"):
            assert meta.get("points", 0) > 0, f"graded cell {gid!r} has no points"


def test_lesson_names():
    for path in nbtools.lessons():
        assert nbtools.LESSON_RE.match(path.name), f"{path.name}: lessons are named NN_slug.ipynb"
    numbers = [p.name[:2] for p in nbtools.lessons()]
    assert len(numbers) == len(set(numbers)), f"duplicate lesson numbers: {numbers}"
    assert "00" in numbers, "lessons/00_start_here.ipynb is the course's front door"


@pytest.mark.parametrize("folder", ["solutions", "exercises"])
def test_exercise_sets_pair_with_lessons(folder):
    lesson_slugs = {p.stem for p in nbtools.lessons()}
    sets = sorted(d for d in (nbtools.ROOT / folder).iterdir() if d.is_dir() and not d.name.startswith("."))
    assert sets, f"{folder}/ is empty"
    for d in sets:
        m = nbtools.EXERCISE_RE.match(d.name)
        assert m, f"{folder}/{d.name}: exercise sets are named exNN_slug"
        assert f"{m.group(1)}_{m.group(2)}" in lesson_slugs, f"{d.name} has no lesson lessons/{d.name[2:]}.ipynb"
        assert (d / f"{d.name}.ipynb").exists(), f"{folder}/{d.name}/ must hold {d.name}.ipynb"
    # every lesson after 00 has an exercise set
    names = {d.name for d in sets}
    for slug in lesson_slugs - {p.stem for p in nbtools.lessons() if p.name.startswith("00_")}:
        assert f"ex{slug}" in names, f"lesson {slug} has no exercise set {folder}/ex{slug}/"


def test_solutions_and_exercises_match():
    sol = {d.name for d in (nbtools.ROOT / "solutions").iterdir() if d.is_dir()}
    rel = {d.name for d in (nbtools.ROOT / "exercises").iterdir() if d.is_dir()}
    assert sol == rel, f"solutions/ and exercises/ differ: only in solutions {sol - rel}, only in exercises {rel - sol}"


@pytest.mark.parametrize("path", nbtools.lessons(), ids=nbtools.rel)
def test_lesson_skeleton(path):
    """Every lesson has the shared skeleton: Overview, Prerequisites, Imports, Summary, What's next."""
    nb = nbformat.read(path, as_version=4)
    headings = [line.strip("# ").strip().lower() for c in nb.cells if c.cell_type == "markdown"
                for line in c.source.splitlines() if line.startswith("#")]
    for needed in ["overview", "prerequisites", "summary", "what's next"]:
        assert any(h.startswith(needed) for h in headings), f"{path.name} lacks a '{needed}' section"
    if not path.name.startswith("00_"):
        assert any(h.startswith("imports") for h in headings), f"{path.name} lacks an 'Imports' section"


@pytest.mark.parametrize("path", nbtools.lessons() + nbtools.solution_notebooks(), ids=nbtools.rel)
def test_no_global_state_changes(path):
    nb = nbformat.read(path, as_version=4)
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert not re.search(r"np\.random\.seed\(", code), "seed a local np.random.default_rng instead"
    assert not re.search(r"\b(urllib|requests|wget|curl)\b", code), "notebooks must not download anything"
