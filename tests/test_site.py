"""The course website: widget snapshots, its own pages, the execution cache, failure handling, and a real build."""
from __future__ import annotations

import base64
import html
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

import nbtools
from course_utils.website import snapshot
from course_utils.website.pages import exercises_md, overview_of
from source_numbers import SOURCE_NUMBERS

PNG = base64.b64encode(b"\x89PNG fake picture").decode()


def _widget_nb(model_id: str = "box") -> nbformat.NotebookNode:
    state = {
        "box": {"model_name": "VBoxModel", "state": {"children": ["IPY_MODEL_row", "IPY_MODEL_img", "IPY_MODEL_cap"]}},
        "row": {"model_name": "HBoxModel", "state": {"children": ["IPY_MODEL_s", "IPY_MODEL_d", "IPY_MODEL_c"]}},
        "s": {"model_name": "IntSliderModel", "state": {"description": "d_in", "min": 1, "max": 16, "value": 4}},
        "d": {"model_name": "DropdownModel", "state": {"description": "layer", "_options_labels": ["L0", "L1"],
                                                       "index": 1}},
        "c": {"model_name": "CheckboxModel", "state": {"description": "bias", "value": True}},
        "img": {"model_name": "ImageModel", "state": {"format": "png"},
                "buffers": [{"path": ["value"], "encoding": "base64", "data": PNG}]},
        "cap": {"model_name": "HTMLModel", "state": {"value": "<pre>24 multiply-adds</pre>"}},
        "odd": {"model_name": "ColorPickerModel", "state": {"value": "#ff0000"}},
    }
    nb = new_notebook(cells=[new_code_cell("explorer()")])
    nb.cells[0].outputs = [nbformat.v4.new_output(
        "display_data", data={snapshot.WIDGET_VIEW: {"model_id": model_id, "version_major": 2},
                              "text/plain": "VBox(...)"})]
    nb.metadata["widgets"] = {snapshot.WIDGET_STATE: {"state": state, "version_major": 2}}
    return nb


def test_snapshot_draws_picture_controls_and_caption() -> None:
    nb = _widget_nb()
    assert snapshot.snapshot_widgets(nb) == 1
    data = nb.cells[0].outputs[0]["data"]
    assert snapshot.WIDGET_VIEW not in data
    page = data["text/html"]
    assert f'src="data:image/png;base64,{PNG}"' in page
    assert re.search(r'd_in</span> <input type="range" disabled min="1" max="16" step="1" value="4">', page)
    assert "<b>L1</b>" in page and "checked" in page
    assert "<pre>24 multiply-adds</pre>" in page
    assert "make lab" in page
    # The stored state (with its pictures and a script hook for a CDN renderer) is gone.
    assert "widgets" not in nb.metadata


def test_snapshot_never_drops_a_widget_silently() -> None:
    nb = _widget_nb("odd")
    snapshot.snapshot_widgets(nb)
    assert "ColorPicker: #ff0000" in nb.cells[0].outputs[0]["data"]["text/html"]
    missing = _widget_nb("not-saved")
    snapshot.snapshot_widgets(missing)
    assert "widget state not saved" in missing.cells[0].outputs[0]["data"]["text/html"]


def test_snapshot_leaves_other_outputs_alone() -> None:
    nb = new_notebook(cells=[new_code_cell("1")])
    out = nbformat.v4.new_output("execute_result", data={"text/plain": "1"}, execution_count=1)
    nb.cells[0].outputs = [out]
    assert snapshot.snapshot_widgets(nb) == 0
    assert nb.cells[0].outputs[0]["data"] == {"text/plain": "1"}


def test_overview_is_the_text_under_its_heading() -> None:
    nb = new_notebook(cells=[new_markdown_cell("# Lesson 09 — X\n\n## Overview\n\n1. one\n2. two\n"),
                             new_markdown_cell("## Prerequisites\n\nnone")])
    assert overview_of(nb) == "1. one\n2. two"
    assert overview_of(new_notebook(cells=[new_markdown_cell("# no overview")])) == ""


def test_exercise_page_lists_each_set_with_its_points_and_a_download(tmp_path: Path) -> None:
    folder = tmp_path / "exercises" / "ex01_demo"
    folder.mkdir(parents=True)
    cells = [new_markdown_cell("# Exercise set 01 — Demo\n\nPractise the demo.\n\n1. First step.\n2. Second step.\n"),
             new_code_cell("def f(): pass"), new_code_cell("assert f() is None")]
    cells[2].metadata["nbgrader"] = {"grade": True, "points": 3, "grade_id": "t", "locked": True, "solution": False}
    nbformat.write(new_notebook(cells=cells), folder / "ex01_demo.ipynb")
    page = exercises_md([folder / "ex01_demo.ipynb"])
    assert "## Exercise set 01 — Demo" in page and "Practise the demo." in page
    assert "First step" not in page  # the first paragraph introduces the set; steps would run together
    assert "1 graded questions, 3 points" in page
    link = re.search(r'<a [^>]*download="ex01_demo.ipynb" href="data:application/x-ipynb\+json;base64,([^"]+)"', page)
    assert link and base64.b64decode(link.group(1)) == (folder / "ex01_demo.ipynb").read_bytes()


def _run_course(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "course_utils.grading", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=600,
                          env={**os.environ, "COURSE_EXECUTED_CACHE": str(cwd / "cache")})


def _lesson(path: Path, cells: list) -> None:
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)


def test_a_failing_lesson_is_named_and_the_others_are_built(tmp_path: Path) -> None:
    (tmp_path / "nbgrader_config.py").write_text("")
    (tmp_path / "lessons").mkdir()
    _lesson(tmp_path / "lessons" / "00_alpha.ipynb",
            [new_markdown_cell("# Lesson 00 — Alpha\n\n## Overview\n\nAdd two numbers.\n\n## 1. Sum\n\n"
                               "The sum $a + b$ of two numbers."),
             new_code_cell("print('sum is', 2 + 3)")])
    _lesson(tmp_path / "lessons" / "01_beta.ipynb",
            [new_markdown_cell("# Lesson 01 — Beta"), new_code_cell("raise ValueError('shape mismatch in cell two')")])
    done = _run_course("site", "-o", str(tmp_path / "out"), "--jobs", "2", cwd=tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "FAILED 01_beta.ipynb failed while running: ValueError: shape mismatch in cell two" in done.stdout
    assert "\x1b[" not in done.stdout
    assert "do not publish" in done.stderr
    page = (tmp_path / "out" / "lessons" / "00_alpha.html").read_text()
    assert "sum is 5" in page
    index = (tmp_path / "out" / "index.html").read_text()
    assert 'href="lessons/00_alpha.html"' in index and "Add two numbers." in index
    assert "01_beta" not in index
    assert not (tmp_path / "out" / "lessons" / "01_beta.html").exists()
    # The lesson that ran is kept for the next build (test below: reused only while unchanged).
    cached = list((tmp_path / "cache").glob("00_alpha-*.ipynb"))
    assert len(cached) == 1


def test_an_executed_lesson_is_reused_only_while_its_inputs_are_unchanged(tmp_path: Path) -> None:
    from course_utils.website.executed import execute_lesson

    lesson = tmp_path / "lessons" / "00_count.ipynb"
    lesson.parent.mkdir()
    runs = tmp_path / "runs.txt"
    _lesson(lesson, [new_code_cell(f"open({str(runs)!r}, 'a').write('run\\n')\nprint('ran')")])
    cache = tmp_path / "cache"
    first = execute_lesson(lesson, cache=cache)
    again = execute_lesson(lesson, cache=cache)
    assert runs.read_text() == "run\n"
    assert first.cells[0].outputs == again.cells[0].outputs
    _lesson(lesson, [new_code_cell(f"open({str(runs)!r}, 'a').write('run\\n')\nprint('changed')")])
    changed = execute_lesson(lesson, cache=cache)
    assert runs.read_text() == "run\nrun\n" and "changed" in changed.cells[0].outputs[0]["text"]
    assert len(list(cache.glob("00_count-*.ipynb"))) == 1


def test_site_refuses_bad_jobs(tmp_path: Path) -> None:
    done = _run_course("site", "--jobs", "0", "-o", str(tmp_path), cwd=nbtools.ROOT)
    assert done.returncode == 2 and "--jobs must be at least 1" in done.stderr


def _text_of(page: str) -> str:
    """Visible text of an HTML page (tags dropped, entities decoded)."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def _printed_text(page: str) -> str:
    """Text the lesson's cells printed or returned (plain-text outputs only; not its prose or code)."""
    blocks = re.findall(r'<div class="output (?:stream|text_plain)[^"]*"><div class="highlight"><pre>(.*?)</pre>',
                        page, re.S)
    return "\n".join(_text_of(block) for block in blocks)


@pytest.mark.slow
def test_course_site_has_every_lesson_with_its_outputs(course_site: Path) -> None:
    out = course_site
    lessons = nbtools.lessons()
    index = (out / "index.html").read_text()
    # Distinctive lines of every reference answer and hidden test: none may reach the site.
    secret = set().union(*(nbtools.secret_lines(nbformat.read(p, as_version=4))
                           for p in nbtools.solution_notebooks()))
    assert secret, "found no solution lines to look for"
    for path in lessons:
        name = f"lessons/{path.stem}.html"
        assert f'href="{name}"' in index, f"index does not link {name}"
        page = (out / name).read_text()
        text = _text_of(page)
        printed = _printed_text(page)
        assert printed.strip(), f"{name} shows no printed output"
        missing = [k for k, pattern in SOURCE_NUMBERS.get(path.name, {}).items() if not re.search(pattern, printed)]
        assert not missing, f"{name} does not show {missing}"
        # Explorers: every one became a snapshot with its picture; no live-widget leftovers.
        code = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code")
        snapshots = page.count('class="fg-snapshot"')
        assert (snapshots > 0) == bool(re.search(r"\w+_explorer\(", code)), f"{name}: {snapshots} snapshots"
        assert page.count('src="data:image/png;base64,iVBOR') >= snapshots
        if re.search(r"\bplots\.plot_\w+\(", code):  # figures drawn by the lesson are kept as images
            assert re.search(r'<img alt="[^"]*" src="\.\./_images/', page), f"{name} draws figures but shows none"
        assert "widget-view+json" not in page and "widget-state+json" not in page
        assert "widget state not saved" not in page
        leaked = [line for line in secret if line in text]
        assert not leaked, f"{name} shows solution or hidden-test lines: {leaked[:3]}"
        assert str(nbtools.ROOT) not in page, f"{name} shows a path of the machine that built it"
    exercises = (out / "exercises.html").read_text()
    for path in nbtools.exercise_notebooks():  # carried in the page: a download from file:// too
        link = re.search(rf'download="{path.name}" href="data:application/x-ipynb\+json;base64,([^"]+)"', exercises)
        assert link and base64.b64decode(link.group(1)) == path.read_bytes(), path.name
    # One search box (the sidebar's), no boilerplate footer, and a theme mode the theme accepts.
    assert "By Feature Geometry" not in index and "© Copyright" not in index
    assert index.count('class="btn search-button-field') == 1, "expected one search box"
    assert re.search(r'<html[^>]*data-theme="auto"', index)
    assert not list(out.rglob("*solutions*")), "the site must not carry solutions"
