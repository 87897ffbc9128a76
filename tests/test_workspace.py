"""A learner's work survives course updates: ``git pull`` never conflicts, edits stay, new lessons appear."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from course_utils import workspace


def _nb(path: Path, *sources: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    cells = [new_markdown_cell(sources[0])] + [new_code_cell(s) for s in sources[1:]]
    nbformat.write(new_notebook(cells=cells), path)


def _git(cwd: Path, *args: str) -> str:
    done = subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@e", *args], cwd=cwd,
                          capture_output=True, text=True, check=True)
    return done.stdout + done.stderr


def _course(root: Path) -> None:
    _nb(root / "lessons" / "00_intro.ipynb", "# Lesson 00", "print('hello')")
    _nb(root / "lessons" / "01_first.ipynb", "# Lesson 01", "x = 1")
    _nb(root / "exercises" / "ex01_first" / "ex01_first.ipynb", "# Exercise 01", "raise NotImplementedError()")
    (root / "lessons" / "data").mkdir()
    (root / "lessons" / "data" / "table.csv").write_text("a,b\n1,2\n")
    (root / "REFERENCES.md").write_text("# References\n")
    (root / ".gitignore").write_text("/workspace/\n")


def test_a_course_update_through_git_keeps_the_learners_work(tmp_path: Path) -> None:
    upstream = tmp_path / "upstream"
    upstream.mkdir()
    _course(upstream)
    _git(upstream, "init", "-q", "-b", "main")
    _git(upstream, "add", "-A")
    _git(upstream, "commit", "-qm", "course v1")
    learner = tmp_path / "learner"
    _git(tmp_path, "clone", "-q", str(upstream), str(learner))
    ws = learner / "workspace"
    first = workspace.sync(learner, ws)
    assert sorted(first.added) == sorted(workspace.course_files(learner))

    # The learner answers the exercise, runs lesson 00 (outputs only), deletes lesson 01's copy.
    answer = ws / "exercises" / "ex01_first" / "ex01_first.ipynb"
    nb = nbformat.read(answer, as_version=4)
    nb.cells[1].source = "def f():\n    return 42"
    nbformat.write(nb, answer)
    ran = ws / "lessons" / "00_intro.ipynb"
    nb = nbformat.read(ran, as_version=4)
    nb.cells[1].outputs = [new_output("stream", name="stdout", text="hello\n")]
    nb.cells[1].execution_count = 1
    nbformat.write(nb, ran)
    (ws / "lessons" / "01_first.ipynb").unlink()

    # The course changes lesson 00 and the exercise, adds lesson 02; the learner pulls.
    _nb(upstream / "lessons" / "00_intro.ipynb", "# Lesson 00 (fixed)", "print('hello, world')")
    _nb(upstream / "exercises" / "ex01_first" / "ex01_first.ipynb", "# Exercise 01 (clearer)",
        "raise NotImplementedError()")
    _nb(upstream / "lessons" / "02_second.ipynb", "# Lesson 02", "y = 2")
    _git(upstream, "add", "-A")
    _git(upstream, "commit", "-qm", "course v2")
    pulled = _git(learner, "pull", "-q", "--ff-only")
    assert "CONFLICT" not in pulled and _git(learner, "status", "--porcelain") == ""

    report = workspace.sync(learner, ws)
    assert report.added == ["lessons/02_second.ipynb"]
    assert report.updated == ["lessons/00_intro.ipynb"]  # only outputs differed: safe to update
    assert report.kept == [("exercises/ex01_first/ex01_first.ipynb",
                            "exercises/ex01_first/ex01_first (course update).ipynb")]
    assert "return 42" in answer.read_text()  # the learner's answer is intact
    update = ws / "exercises" / "ex01_first" / "ex01_first (course update).ipynb"
    assert "(clearer)" in update.read_text()
    assert "(fixed)" in ran.read_text()
    assert not (ws / "lessons" / "01_first.ipynb").exists()  # deleted by the learner, unchanged upstream
    lines = "\n".join(report.lines())
    assert "new in the course: lessons/02_second.ipynb" in lines and "course update" in lines

    # Nothing changed upstream: a third sync does nothing and touches nothing.
    before = {p: p.read_bytes() for p in ws.rglob("*") if p.is_file()}
    again = workspace.sync(learner, ws)
    assert not (again.added or again.updated or again.kept)
    assert {p: p.read_bytes() for p in ws.rglob("*") if p.is_file()} == before


def test_only_course_material_is_copied(tmp_path: Path) -> None:
    _course(tmp_path)
    (tmp_path / "grading").mkdir()
    (tmp_path / "grading" / "gradebook.db").write_text("x")
    (tmp_path / "lessons" / ".ipynb_checkpoints").mkdir()
    (tmp_path / "lessons" / ".ipynb_checkpoints" / "00_intro-checkpoint.ipynb").write_text("{}")
    files = workspace.course_files(tmp_path)
    assert all(f.split("/")[0] in workspace.COURSE_ITEMS for f in files)
    assert not any("checkpoint" in f for f in files)
    assert "lessons/data/table.csv" in files


def test_the_command_says_where_the_copy_is(tmp_path: Path, capsys) -> None:
    _course(tmp_path)
    assert workspace.main([str(tmp_path), str(tmp_path / "ws")]) == 0
    assert "never overwrite your work" in capsys.readouterr().out
    manifest = json.loads((tmp_path / "ws" / ".course" / "manifest.json").read_text())
    assert set(manifest) == set(workspace.course_files(tmp_path))
    assert workspace.main([str(tmp_path / "nowhere")]) == 2
