"""A learner's work survives course updates: ``git pull`` never conflicts, edits stay, new lessons appear."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from course_utils import course_updates, workspace


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
    pair = ("exercises/ex01_first/ex01_first.ipynb", "exercises/ex01_first/COURSE UPDATE ex01_first.ipynb")
    assert report.kept == [pair]
    assert "return 42" in answer.read_text()  # the learner's answer is intact
    update = ws / "exercises" / "ex01_first" / "COURSE UPDATE ex01_first.ipynb"
    assert "(clearer)" in update.read_text()
    # Told until dealt with: the note at the top of the workspace names both files.
    assert course_updates.pending(ws) == [pair]
    note = (ws / course_updates.NOTE).read_text()
    assert "exercises/ex01_first/COURSE%20UPDATE%20ex01_first.ipynb" in note and "Delete" in note
    assert "(fixed)" in ran.read_text()
    assert not (ws / "lessons" / "01_first.ipynb").exists()  # deleted by the learner, unchanged upstream
    lines = "\n".join(report.lines())
    assert "new in the course: lessons/02_second.ipynb" in lines and "COURSE UPDATE ex01_first" in lines

    # Nothing changed upstream: a third sync does nothing and touches nothing.
    before = {p: p.read_bytes() for p in ws.rglob("*") if p.is_file()}
    again = workspace.sync(learner, ws)
    assert not (again.added or again.updated or again.kept)
    assert {p: p.read_bytes() for p in ws.rglob("*") if p.is_file()} == before

    # The learner deletes the course's version: the notice and the note are gone.
    update.unlink()
    workspace.sync(learner, ws)
    assert course_updates.pending(ws) == [] and not (ws / course_updates.NOTE).exists()


def test_every_notebook_copied_carries_the_kernels_language_info(tmp_path: Path) -> None:
    """Committed notebooks are kernel-neutral; the learner's copies say what the kernel would, so that opening one
    does not make it "changed"; anything else about them is the course's, byte for byte as Jupyter writes it."""
    _course(tmp_path)
    ws = tmp_path / "ws"
    workspace.sync(tmp_path, ws)
    info = workspace.kernel_language_info()
    kernel = subprocess.run([sys.executable, "-c", "import json; from ipykernel.ipkernel import IPythonKernel; "
                             "print(json.dumps(IPythonKernel.language_info))"], capture_output=True, text=True, check=True)
    assert info == json.loads(kernel.stdout), "the kernel reports other language_info than the copies carry"
    for rel in workspace.course_files(tmp_path):
        copy = ws / rel
        if copy.suffix != ".ipynb":
            assert copy.read_bytes() == (tmp_path / rel).read_bytes()
            continue
        course, mine = json.loads((tmp_path / rel).read_text()), json.loads(copy.read_text())
        assert "version" not in course["metadata"].get("language_info", {})
        assert mine["metadata"].pop("language_info") == info
        course["metadata"].pop("language_info", None)
        assert mine == course
        assert copy.read_text() == nbformat.writes(nbformat.read(copy, as_version=4)) + "\n"

    # A new Python: unedited copies follow the kernel, an edited one is the learner's and is left alone.
    old = dict(info, version="3.0.0")
    lesson, exercise = ws / "lessons" / "00_intro.ipynb", ws / "exercises" / "ex01_first" / "ex01_first.ipynb"
    assert workspace.stamp_notebook(lesson, old) and workspace.stamp_notebook(exercise, old)
    nb = nbformat.read(exercise, as_version=4)
    nb.cells[1].source = "answer = 42"
    nbformat.write(nb, exercise)
    workspace.sync(tmp_path, ws)
    assert json.loads(lesson.read_text())["metadata"]["language_info"] == info
    assert json.loads(exercise.read_text())["metadata"]["language_info"]["version"] == "3.0.0"
    # A file not written the way Jupyter writes notebooks is never rewritten.
    odd = tmp_path / "odd.ipynb"
    odd.write_text(json.dumps({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    assert not workspace.stamp_notebook(odd, info)


def test_update_copies_are_found_by_name_old_and_new(tmp_path: Path) -> None:
    """An update copy is recognised by its name, including the one older versions wrote; the notices name it."""
    (tmp_path / "lessons" / ".ipynb_checkpoints").mkdir(parents=True)
    for name in ("02_a.ipynb", "COURSE UPDATE 02_a.ipynb", "03_b.ipynb", "03_b (course update).ipynb",
                 "COURSE UPDATE .ipynb", ".ipynb_checkpoints/COURSE UPDATE 02_a-checkpoint.ipynb"):
        (tmp_path / "lessons" / name).write_text("{}")
    pairs = course_updates.pending(tmp_path)
    assert pairs == [("lessons/02_a.ipynb", "lessons/COURSE UPDATE 02_a.ipynb"),
                     ("lessons/03_b.ipynb", "lessons/03_b (course update).ipynb")]
    text = course_updates.banner(pairs)
    assert "2 notebooks you edited have a new version" in text and "lessons/COURSE UPDATE 02_a.ipynb" in text
    assert all(len(line) <= 78 for line in text.splitlines())
    assert all(line.count("COURSE") == line.count("COURSE UPDATE") for line in text.splitlines())  # never split
    one = course_updates.toast(pairs[:1])
    assert one == ("Course update: 02_a.ipynb, which you edited, has a new version beside it: "
                   "COURSE UPDATE 02_a.ipynb")
    long = [("lessons/" + "x" * 80 + ".ipynb", "lessons/COURSE UPDATE " + "x" * 80 + ".ipynb")]
    for message in (course_updates.toast(pairs), course_updates.toast(long)):
        assert len(message) <= course_updates.TOAST_LIMIT and message.endswith("named COURSE UPDATE …")
    # The note is ours to remove; a learner's file of that name is not.
    assert course_updates.refresh_note(tmp_path) and (tmp_path / course_updates.NOTE).exists()
    for path in tmp_path.rglob("*course update*"):
        path.unlink()
    for path in (tmp_path / "lessons").glob("COURSE UPDATE*"):
        path.unlink()
    assert not course_updates.refresh_note(tmp_path) and not (tmp_path / course_updates.NOTE).exists()
    (tmp_path / course_updates.NOTE).write_text("my own notes\n")
    course_updates.refresh_note(tmp_path)
    assert (tmp_path / course_updates.NOTE).read_text() == "my own notes\n"


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
