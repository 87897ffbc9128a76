"""Fast unit tests of the grading pieces: sanitizing, scanning, scoring, hidden tests, collect, CLI."""
from __future__ import annotations

import copy
import json
import re
import warnings
import zipfile

import pytest

from course_utils.grading.boundary import sandbox
from course_utils.grading.commands.cli import main, parse_size
from course_utils.grading.commands.collect import PATTERNS, _match
from course_utils.grading.commands.feedback import feedback_notebook, hidden_lines
from course_utils.grading.commands.sanitize import RunCell, SubmissionError, parse_notebook, sanitize
from course_utils.grading.commands.scan import scan_sources
from course_utils.grading.commands.scoring import cell_score
from course_utils.grading.commands.template import NotebookTemplate, TemplateCell, remove_hidden_tests
from fixture_course import TESTS

TEST_SRC = "assert f(1) == 1\n### BEGIN HIDDEN TESTS\nassert f(2) == 2  # hidden-one\n### END HIDDEN TESTS\n"


def template() -> NotebookTemplate:
    return NotebookTemplate("nb", [
        TemplateCell("answer", "answer", "code", "# YOUR CODE HERE\nraise NotImplementedError()"),
        TemplateCell("test", "test", "code", TEST_SRC, 2.0),
        TemplateCell("written", "manual", "markdown", "YOUR ANSWER HERE", 1.0),
    ])


def cell(gid, source, ctype="code", **nbg):
    meta = {"nbgrader": {"grade_id": gid, **nbg}} if gid else {}
    return {"cell_type": ctype, "metadata": meta, "source": source}


def submission():
    return [cell(None, "import math"), cell("answer", "def f(x):\n    return x\n"),
            cell("test", remove_hidden_tests(TEST_SRC), points=2),
            cell("written", "because", "markdown", points=1)]


def test_remove_hidden_tests_keeps_visible_part():
    assert remove_hidden_tests(TEST_SRC) == "assert f(1) == 1\n"
    assert "hidden-one" not in remove_hidden_tests(TESTS["test_project"]) + remove_hidden_tests(
        TESTS["test_unit"])


def test_sanitize_restores_hidden_tests_and_flags_nothing_for_clean_submission():
    out = sanitize(submission(), template())
    test = next(c for c in out.cells if c.grade_id == "test")
    assert "hidden-one" in test.source
    assert out.flags == []


def test_sanitize_removes_tags_and_flags_them_on_test_cells():
    cells = submission()
    cells[2]["metadata"]["tags"] = ["skip-execution"]
    out = sanitize(cells, template())
    assert any("skip-execution" in f for f in out.flags)


def test_sanitize_duplicate_keeps_first_and_runs_copy_as_plain_cell():
    cells = submission()
    cells.insert(2, copy.deepcopy(cells[1]))
    out = sanitize(cells, template())
    assert [c.grade_id for c in out.cells].count("answer") == 1
    assert len([c for c in out.cells if c.cell_type == "code"]) == 4
    assert any("duplicated grade id 'answer'" in f for f in out.flags)


def test_sanitize_restores_deleted_test_after_its_answer():
    cells = submission()
    del cells[2]
    out = sanitize(cells, template())
    ids = [c.grade_id for c in out.cells]
    assert ids.index("test") == ids.index("answer") + 1
    assert any("'test' was deleted" in f for f in out.flags)


def test_sanitize_ignores_changed_points_and_cell_type():
    cells = submission()
    cells[2]["metadata"]["nbgrader"]["points"] = 50
    cells[1]["cell_type"] = "markdown"
    out = sanitize(cells, template())
    assert next(c for c in out.cells if c.grade_id == "answer").cell_type == "code"
    assert len(out.flags) == 2


@pytest.mark.parametrize("data, message", [
    (b"{not json", "invalid JSON"), (b"[1, 2]", "not a JSON object"),
    (b'{"nbformat": 2, "cells": []}', "unsupported nbformat 2")])
def test_parse_notebook_rejects_bad_files_with_reason(data, message):
    with pytest.raises(SubmissionError, match=message):
        parse_notebook(data)


def test_parse_notebook_reads_nbformat3():
    nb3 = {"nbformat": 3, "worksheets": [{"cells": [
        {"cell_type": "code", "input": "x = 1", "metadata": {}},
        {"cell_type": "heading", "level": 2, "source": "Title", "metadata": {}}]}]}
    cells, notes = parse_notebook(json.dumps(nb3).encode())
    assert cells[0]["source"] == "x = 1" and cells[1]["source"] == "## Title"
    assert "nbformat 3" in notes[0]


def _ran(source, outputs, kind="test"):
    return RunCell("code", source, "test", kind, outputs, execution_count=1)


def test_scoring_follows_nbgrader_rules():
    tpl = template().cells[1]
    err = {"output_type": "error", "ename": "AssertionError", "evalue": "", "traceback": []}
    warn = {"output_type": "stream", "name": "stderr", "text": "UserWarning: careful\n"}
    partial = {"output_type": "execute_result", "data": {"text/plain": "0.5"}, "metadata": {}}
    assert cell_score(_ran(TEST_SRC, []), tpl) == 2.0
    assert cell_score(_ran(TEST_SRC, [err]), tpl) == 0.0
    assert cell_score(_ran(TEST_SRC, [warn]), tpl) == 2.0
    assert cell_score(_ran(TEST_SRC, [partial]), tpl) == 0.5
    assert cell_score(None, tpl) == 0.0
    manual = template().cells[2]
    assert cell_score(RunCell("markdown", "YOUR ANSWER HERE"), manual) == 0.0
    assert cell_score(RunCell("markdown", "my answer"), manual) is None


@pytest.mark.parametrize("code, phrase", [
    ("import numpy as np\nnp.testing.assert_allclose = print", "np.testing.assert_allclose"),
    ("import numpy.testing as npt\nsetattr(npt, 'assert_equal', print)", "setattr(npt"),
    ("class A:\n    def __eq__(self, o):\n        return True", "__eq__"),
    ("import os\nos._exit(0)", "os._exit"),
    ("open('/course/grading/gradebook.db')", "gradebook"),
    ("import ctypes", "ctypes"),
    ("def check_close(*args, **kwargs):\n    print('passed')", "redefines the test helper check_close"),
    ("check_equal = lambda *a, **k: None", "redefines the test helper check_equal"),
    ("from numpy.testing import assert_allclose as check_close", "redefines the test helper check_close"),
    ("import builtins as check_shape", "redefines the test helper check_shape"),
    ("from course_utils.checks import check_type as check_raises", "redefines the test helper check_raises"),
    ("libc = __import__('ctyp' + 'es')", "imports a module by a computed name"),
    ("import os\ngetattr(os, 'ki' + 'll')(1, 9)", "computed name (getattr(os"),
])
def test_scan_flags_tricks(code, phrase):
    assert any(phrase in f for f in scan_sources([code])), scan_sources([code])


def test_scan_leaves_ordinary_answers_alone():
    code = ("import numpy as np\n%timeit np.zeros(3)\n"
            "from course_utils.checks import check_close, check_shape\n"
            "def f(W, x):\n    y = W @ x\n    np.testing.assert_allclose(y, y)\n    return y\n")
    assert scan_sources([code]) == []


def test_feedback_hides_hidden_tests_and_their_tracebacks():
    nb = {"cells": [{"cell_type": "code", "source": TEST_SRC, "metadata": {"nbgrader": {"grade_id": "test"}},
                     "execution_count": 3, "outputs": [{"output_type": "error", "ename": "AssertionError", "evalue": "",
                                  "traceback": ["File <ipython-input-3-ab>:1\n----> 1 assert f(1) == 1\n      2 ### BEGIN HIDDEN TESTS", "File <ipython-input-2-cd>:2, in f(x)\n----> 2 return 1 / 0"]}]}]}
    safe = json.dumps(feedback_notebook(nb, {"test": TEST_SRC}))
    assert "hidden-one" not in safe and "BEGIN HIDDEN" not in safe and "AssertionError" in safe
    assert "return 1 / 0" in safe  # the student's own frame stays
    assert hidden_lines(TEST_SRC) == ["assert f(2) == 2  # hidden-one"]


@pytest.mark.parametrize("path, expected", [
    ("smithjane_12345_67890_ex01.ipynb", ("12345", "ex01.ipynb", "canvas", "smithjane", False)),
    ("doejohn_LATE_23456_1_ex01-1.ipynb", ("23456", "ex01-1.ipynb", "canvas", "doejohn", True)),
    ("Jane Smith_777_assignsubmission_file_/ex01.ipynb", ("777", "ex01.ipynb", "moodle", "Jane Smith", False)),
    ("s001/ex01.ipynb", ("s001", "ex01.ipynb", "folder", None, False)),
])
def test_collect_patterns(path, expected):
    found = _match(path, PATTERNS)
    assert (found.student, found.file, found.lms, found.name, found.late) == expected


def test_collect_rejects_unknown_and_reports(tmp_path, capsys):
    from fixture_course import make_course
    root = make_course(tmp_path / "course")
    archive = tmp_path / "lms.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("smithjane_12345_1_exfx.ipynb", "{}")
        zf.writestr("smithjane_12345_2_exfx-1.ipynb", "{}")
        zf.writestr("../evil_1_2_exfx.ipynb", "{}")
        zf.writestr("readme.txt", "hi")
    assert main(["--root", str(root), "collect", "exfx", str(archive)]) == 0
    out = capsys.readouterr().out
    assert "readme.txt" in out and "../evil_1_2_exfx.ipynb" in out and "duplicates" in out
    folder = root / "grading" / "submitted" / "12345" / "exfx"
    # the zip's file times are the download's: no timestamp.txt is made from them
    assert sorted(p.name for p in folder.iterdir()) == ["exfx.ipynb", "lms.json"]
    assert not (tmp_path / "evil_1_2_exfx.ipynb").exists()


def test_parse_size():
    assert parse_size("2G") == 2 << 30 and parse_size("512M") == 512 << 20 and parse_size("1.5GiB") == 3 << 29
    with pytest.raises(Exception, match="not understood"):
        parse_size("lots")


def test_cli_reports_unknown_exercise(tmp_path, capsys):
    from fixture_course import make_course
    root = make_course(tmp_path / "course")
    assert main(["--root", str(root), "grade", "ex99"]) == 2
    err = capsys.readouterr().err
    assert "unknown exercise 'ex99'" in err and "exfx" in err


def test_cli_outside_a_course(tmp_path, capsys):
    assert main(["--root", str(tmp_path), "report", "exfx"]) == 2
    assert "no nbgrader_config.py" in capsys.readouterr().err


def test_without_bubblewrap_grading_refuses_unless_told(monkeypatch):
    monkeypatch.setenv("COURSE_GRADING_BWRAP", "none")
    for mode in ("auto", "bwrap"):
        with pytest.raises(sandbox.SandboxMissing, match="apt-get install bubblewrap"):
            sandbox.choose_mode(mode)
    with pytest.warns(sandbox.ReducedIsolationWarning, match="WITHOUT bubblewrap"):
        assert sandbox.choose_mode("none") == "none"


def test_sandbox_hides_course_and_mounts_back_helpers(tmp_path):
    from pathlib import Path

    spec = sandbox.default_spec(tmp_path, [tmp_path / "elsewhere"], "bwrap")
    cmd = sandbox.worker_command(spec, 5)
    assert str(tmp_path.resolve()) not in cmd  # not shown at all: nothing to hide
    assert cmd[1:3] == ["--ro-bind", "/usr"] and "/etc" not in cmd  # only a few files of /etc
    assert "/etc/ld.so.cache" in cmd and not any(c.startswith("/etc/shadow") or c.startswith("/etc/ssh") for c in cmd)
    assert cmd[cmd.index("--cap-drop") + 1] == "ALL"
    assert cmd[cmd.index("--unshare-all") - 2:cmd.index("--unshare-all")] == ["--remount-ro", "/"]
    # A course that lives inside a shown folder is covered by an empty, read-only tmpfs after that folder
    # is shown, and the package inside it comes back after that.
    inside = Path("/usr") / "a-course-for-this-test"  # /usr is always shown, from the start
    cmd = sandbox.worker_command(sandbox.default_spec(inside, [], "bwrap"), 5)
    shown = cmd.index("/usr")
    assert cmd[cmd.index(str(inside)) - 1] == "--tmpfs" and cmd.index(str(inside)) > shown
    assert cmd[len(cmd) - cmd[::-1].index(str(inside)) - 2] == "--remount-ro"
    assert "--unshare-all" in cmd and "--die-with-parent" in cmd
    assert cmd[-2:] == ["5", "pidns"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert sandbox.worker_command(sandbox.default_spec(tmp_path, [], "none"), 5)[-1] == "plain"


def test_sandbox_mounts_back_what_lives_under_tmp(monkeypatch):
    """/tmp is a private tmpfs in the sandbox: a package or venv under /tmp must be mounted back."""
    import shutil
    import sys
    import tempfile
    from pathlib import Path

    from course_utils.grading.boundary import sandbox

    base = Path(tempfile.mkdtemp(dir="/tmp", prefix="sandbox-spec-"))
    try:
        fake_prefix = base / "venv"
        fake_prefix.mkdir()
        package = base / "pkg" / "course_utils"  # an install of course_utils under /tmp
        (package / "grading" / "boundary").mkdir(parents=True)
        monkeypatch.setattr(sys, "prefix", str(fake_prefix))
        monkeypatch.setattr(sandbox, "__file__", str(package / "grading" / "boundary" / "sandbox.py"))
        course = base / "course"
        course.mkdir()
        spec = sandbox.default_spec(course, [], "bwrap")
        readonly = {p.resolve() for p in spec.readonly}
        assert fake_prefix.resolve() in readonly
        assert package.resolve() in readonly
    finally:
        shutil.rmtree(base, ignore_errors=True)


HIDDEN_CELL = """from course_utils.checks import check_close
def _loop_encode(W, x):
    return W @ x
check_close(encode(W_small, x_small), [1.0, 2.0], name="encode")
### BEGIN HIDDEN TESTS
Wr, xr = make_case(7)  # SECRET-CASE
hr = encode(Wr, xr)
assert np.allclose(hr, _loop_encode(Wr, xr))
assert not np.shares_memory(hr, xr)
W, rank = compose(Wr, Wr.T)
assert np.allclose(W, Wr @ Wr.T) and type(rank) is int
### END HIDDEN TESTS
"""


@pytest.mark.parametrize("line, names, kinds", [
    (8, ["<code>encode</code>"], ["differ from the expected"]),
    (9, ["<code>encode</code>"], ["shares memory"]),
    (11, ["<code>compose</code>"], ["differ from the expected", "wrong type"]),
])
def test_hidden_failure_without_message_gets_a_hint(line, names, kinds):
    """A bare hidden `assert` fails: the feedback names the student's function and the kind of check,
    never the test's own inputs, helpers or expected values."""
    from course_utils.grading.output.feedback_student import failure_text as _failure

    error = {"output_type": "error", "ename": "AssertionError", "evalue": "", "traceback": []}
    raw = [{**error, "traceback": [f"File <ipython-input-4-ab>:{line}\n----> {line} (hidden line)"]}]
    answers = {"encode", "compose", "decode"}  # what the exercise's answer cells define
    said = _failure(raw, [error], HIDDEN_CELL, 4, answers)
    assert said.startswith("a hidden check of ") and all(n in said for n in names) and all(k in said for k in kinds)
    for secret in ("make_case", "SECRET", "_loop_encode", "Wr", "7", "np.allclose", "Wr.T"):
        assert secret not in said, secret
    # a hidden failure that has its own message keeps it; one raised on an unknown line stays generic
    assert "a hidden test failed: " in _failure(raw, [{**error, "evalue": "compose: rank 3, expected 2"}],
                                                  HIDDEN_CELL, 4, answers)
    assert _failure([{**error, "traceback": []}], [error], HIDDEN_CELL, 4,
                    answers) == "a hidden test failed (its message is empty)"


def test_a_failing_visible_check_is_quoted_whole():
    """A check written over several lines is shown whole, from its first line, without hidden lines."""
    from course_utils.grading.output.feedback_student import failure_text as _failure

    source = ("W = np.eye(2)\ncheck_close(encode(W, [1.0, 2.0]),\n            [1.0, 2.0],\n"
              "            name='encode')\n### BEGIN HIDDEN TESTS\nassert encode(W, W) is not W\n### END HIDDEN TESTS\n")
    error = {"output_type": "error", "ename": "AssertionError", "evalue": "encode: values differ"}
    raw = [{**error, "traceback": ["File <ipython-input-2-ab>:3\n----> 3 [1.0, 2.0],"]}]
    said = _failure(raw, [error], source, 2, {"encode"})
    assert said.startswith("line 2: <code>check_close(encode(W, [1.0, 2.0]),\n            [1.0, 2.0],\n"
                           "            name=&#x27;encode&#x27;)</code>"), said
    assert "is not W" not in said and "encode: values differ" in said


@pytest.mark.parametrize("seconds, text", [(75, "1 min 15 s"), (2 * 3600 + 300, "2 h 5 min"),
                                           (86400 + 7200, "1 day 2 h"), (274 * 86400 + 3600 * 11, "274 days 11 h")])
def test_lateness_reads_naturally(seconds, text):
    from course_utils.grading.commands.stored import duration as _duration

    assert _duration(seconds) == text


@pytest.mark.parametrize("answer", [r"$\text{<script>alert(1)</script>}$", r"$\href{javascript:alert(1)}{x}$",
                                    r"$$\text{<img src=x onerror=alert(1)>}$$", "<script>alert(1)</script>"])
def test_written_answers_never_become_markup(answer):
    """Math in a student's answer is typeset as MathML rebuilt from MathML elements only; anything the
    converter would copy through (a tag inside \\text, a link) is dropped or shown as text."""
    from course_utils.grading.output.feedback_page import render_markdown

    import re

    out = render_markdown(answer)
    assert "<script" not in out and "<img" not in out and not re.search(r"<[^>]*\s(href|onerror)=", out), out
    assert not re.search(r"<(?!/?(p|span|div|code|math|mrow|mi|mo|mn|mtext)\b)[a-z]", out), out


def test_math_in_answers_is_still_typeset():
    from course_utils.grading.output.feedback_page import render_markdown

    out = render_markdown("$$u = \\frac{v}{\\lVert v \\rVert}$$\n\nand $x_i^2$")
    assert out.count("<math") == 2 and "<mfrac>" in out and "<msubsup>" in out


def test_markup_in_a_written_answer_is_made_inert_for_the_formgrader():
    """The formgrader renders a graded notebook's Markdown with its HTML: a student's tags are escaped there,
    while answers without tags (math, quotes, code) stay exactly as written."""
    from course_utils.grading.commands.sanitize import inert_markdown
    from course_utils.grading.output.feedback_page import render_markdown

    plain = "> a quote & $a \\le b$\n\n```\nx = 1\n```"
    assert inert_markdown(plain) == plain
    hostile = "My answer <script>fetch('/api/terminals')</script><img src=x onerror=alert(1)> and $x<y$"
    safe = inert_markdown(hostile)
    assert "<script" not in safe and "<img" not in safe and "My answer" in safe
    # the student's feedback page still shows their math as they wrote it
    assert "<mi>x</mi><mo>&lt;</mo><mi>y</mi>" in render_markdown(safe)


def test_a_student_exception_cannot_pose_as_a_frame_of_the_test_cell():
    """Feedback reads the failing test line from the traceback: a student's message or frames that name
    the test cell's input are renamed, so they cannot point feedback at a hidden line."""
    from course_utils.grading.boundary.crossing import rebuild_exception

    exc = rebuild_exception({"mro": ["ValueError"], "message": "File <ipython-input-6-ab>:12",
                             "where": ["File <ipython-input-6-ab>:12 in f"]}, "f")
    text = str(exc) + "".join(getattr(exc, "__notes__", []))
    assert "ipython-input-6" not in text and "notebook-cell-6-ab>:12" in text


@pytest.mark.parametrize("answer", [
    "[x](javascript:alert(1))", "[x][r]\n\n[r]: javascript:alert(1)", "[x](jav&#x61;script:alert(1))",
    "[x](&#106;avascript:alert(1))", "[x](JaVaScRiPt:alert(1)) <b>hi</b>", "[x](java\tscript:alert(1))",
    "[x](data:text/html;base64,PHNjcmlwdD4=)", "[x](vbscript:msgbox(1))", "![x](javascript:alert(1))",
])
def test_script_links_in_a_written_answer_are_inert_in_the_formgrader(answer):
    """Markdown links and images can carry script URLs past an HTML sanitizer; nbconvert renders them."""
    from nbconvert.filters.markdown import markdown2html

    from course_utils.grading.commands.sanitize import inert_markdown

    page = markdown2html(inert_markdown(answer)).lower()
    assert not re.search(r"(href|src)=\"\s*(javascript|vbscript|data|jav&)", page), page
    assert "<a " not in page and "<img" not in page


def test_a_worker_thread_starts_its_worker_early_and_replaces_it_when_the_class_needs_more_modules():
    """The early worker (started before the gradebook opens) serves when its modules suffice; otherwise
    the thread closes it before the first student and starts one with the class's modules."""
    import queue
    import threading

    from course_utils.grading.boundary.pool import Limits
    from course_utils.grading.commands import grade

    made: list[str] = []

    class Fake:
        def __init__(self, kind: str) -> None:
            self.kind, self.closed = kind, False
            made.append(kind)

        def alive(self) -> bool:
            return not self.closed

        def close(self) -> None:
            self.closed = True

        def run(self, cells, limits, files, notebook):
            return grade.RunResult(fatal=f"run by the {self.kind} worker")

    def graded_by(needed: list[str]) -> tuple[list, list]:
        made.clear()
        box: list = [None]
        jobs, out = queue.Queue(), queue.Queue()
        def start(modules: list[str]) -> Fake:
            return Fake("early" if modules == ["numpy"] else "full")

        thread = threading.Thread(target=grade._worker_loop, args=(box, start, ["numpy"], jobs, out))
        thread.start()
        tpl = NotebookTemplate("nb", [])
        for student in ("a", "b"):
            job = grade.Job(record=grade.Record(student=student, exercise="ex"), notebooks=[(tpl, object())])
            jobs.put((job, needed, Limits(timeout=5)))
        jobs.put(None)
        thread.join(10)
        box[0].close()
        return [[r.fatal for r in out.get()[1]] for _ in range(2)], list(made)

    import unittest.mock
    with unittest.mock.patch.object(grade, "run_plan", lambda clean: []), \
            unittest.mock.patch.object(grade, "job_limits", lambda limits, clean, timing: limits):
        early, full = ["run by the early worker"], ["run by the full worker"]
        assert graded_by(["numpy"]) == ([early, early], ["early"])
        assert graded_by(["numpy", "scipy"]) == ([full, full], ["early", "full"])
