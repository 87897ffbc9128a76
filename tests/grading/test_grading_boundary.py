"""The trust boundary: test cells run in the judge, student code in the sandbox, plain data between them.

Unit tests of the pieces (the plain-data codec, free names, rebuilt exceptions, output
re-checking, student ids, robust parsing, ``collect``) and runs of one worker with both
sides, showing that the judge sees what nbgrader would (results, exceptions, changes
made in place, views) and nothing a student could forge.
"""
from __future__ import annotations

import json
import zipfile

import numpy as np
import pytest

from course_utils.grading.boundary import sandbox
from course_utils.grading.boundary.capture import Capture, add_outputs
from course_utils.grading.boundary.judge import free_names, rebuild_exception
from course_utils.grading.boundary.plain import NotPlain, decode, encode
from course_utils.grading.commands.records import Record, id_problem
from course_utils.grading.commands.sanitize import SubmissionError, parse_notebook
from course_utils.grading.commands.scoring import cell_score
from course_utils.grading.commands.sanitize import RunCell
from course_utils.grading.commands.template import TemplateCell


# ----------------------------------------------------------------------------- plain data
@pytest.mark.parametrize("value", [
    None, True, 3, -2**70, 2.5, float("inf"), 1 + 2j, "text", b"\x00\x01",
    [1, (2, 3), {"a": [4.0]}], {(1, 2): "tuple key"}, (), np.float32(1.5), np.int64(7),
])
def test_plain_values_round_trip_exactly(value):
    back = decode(json.loads(json.dumps(encode(value))))
    assert type(back) is type(value) and back == value


def test_arrays_and_generators_round_trip_with_dtype_shape_and_state():
    a = np.arange(12, dtype=np.int16).reshape(3, 4)[:, ::2]  # not contiguous
    back = decode(json.loads(json.dumps(encode(a))))
    assert back.dtype == a.dtype and back.shape == a.shape and np.array_equal(back, a)
    rng = np.random.default_rng(3)
    rng.normal(size=5)
    twin = decode(json.loads(json.dumps(encode(rng))))
    assert np.array_equal(twin.normal(size=4), rng.normal(size=4))
    assert np.isnan(decode(encode(float("nan"))))


class _AlwaysEqual:
    def __eq__(self, other):
        return True


@pytest.mark.parametrize("value", [_AlwaysEqual(), print, np.array(["a"]), np.array([object()]),
                                   {1: _AlwaysEqual()}, [np.random.Generator]])
def test_anything_else_is_refused(value):
    with pytest.raises(NotPlain):
        encode(value)


def test_deep_nesting_is_refused_both_ways():
    deep: list = []
    for _ in range(100):
        deep = [deep]
    with pytest.raises(NotPlain, match="nested"):
        encode(deep)
    forged = {"__t__": "tuple", "v": []}
    for _ in range(100):
        forged = {"__t__": "tuple", "v": [forged]}
    with pytest.raises(ValueError):
        decode(forged)


@pytest.mark.parametrize("forged", [
    {"__t__": "ndarray", "dtype": "<f8", "shape": [3], "v": "AAAA"},          # data does not fit the shape
    {"__t__": "ndarray", "dtype": "|O", "shape": [1], "v": ""},               # object arrays never decode
    {"__t__": "ndarray", "dtype": "<f8", "shape": [-1], "v": ""},
    {"__t__": "generator", "state": {"__t__": "dict", "v": [["bit_generator", "os.system"]]}},
    {"__t__": "bigint", "v": "1e5"}, {"__t__": "float", "v": "1.0"}, {"__t__": "pickle", "v": ""},
    {"__t__": "dict", "v": [[[1], 2]]},                                        # unhashable key
    {"__t__": "bytes", "v": "not base64!"}, {"no": "tag"}, {"__t__": "complex", "re": "1", "im": 0.0},
])
def test_forged_messages_fail_to_decode(forged):
    with pytest.raises(ValueError):
        decode(forged)


# ----------------------------------------------------------------------------- judge pieces
@pytest.mark.parametrize("source,expected", [
    ("assert f(x) == 1", {"f", "x"}),
    ("y = 2\nassert g(y)", {"g"}),
    ("import numpy as np\nnp.testing.assert_allclose(h(1), 1)", {"h"}),
    ("def helper(a):\n    return a + k(a)\nhelper(z)", {"k", "z"}),
    ("check_raises(lambda: f(1), ValueError)", {"check_raises", "f"}),
    ("[f(i) for i in range(3)]", {"f"}),
    ("for i in range(3):\n    total = i\nprint(total, w)", {"w"}),
    ("def broken(:\n", set()),
])
def test_free_names_are_what_a_cell_reads_from_outside(source, expected):
    assert free_names(source) == expected


@pytest.mark.parametrize("mro,cls", [
    (["ValueError", "Exception"], ValueError),
    (["ShapeMismatch", "ValueError", "Exception"], ValueError),   # the student's own subclass
    (["LinAlgError", "ValueError", "Exception"], np.linalg.LinAlgError),
    (["SystemExit", "BaseException"], RuntimeError),              # cannot stop the judge
    (["KeyboardInterrupt", "BaseException"], RuntimeError),      # raised by the student, not the grader's interrupt
    (["os.system('x')", "ValueError"], ValueError),                # names that are not identifiers are ignored
    ([], RuntimeError),
])
def test_rebuilt_exceptions_keep_their_builtin_class(mro, cls):
    exc = rebuild_exception({"mro": mro, "message": "msg"}, "f")
    assert isinstance(exc, cls)
    if mro[:1] == ["ShapeMismatch"]:
        assert type(exc).__name__ == "ShapeMismatch" and str(exc) == "msg"


def test_untrusted_outputs_are_rechecked_and_capped_per_cell():
    capture = Capture(1000)
    add_outputs(capture, [{"output_type": "stream", "name": "stdout", "text": "a" * 700},
                          {"output_type": "stream", "name": "stdout", "text": "b" * 700},
                          {"output_type": "execute_result", "data": {"text/plain": "10**9"}},
                          {"output_type": "stream", "name": "evil", "text": "x"},
                          {"output_type": "display_data", "data": {"text/plain": ["not", "a str"]}},
                          "not a dict", {"output_type": "error", "ename": "E", "evalue": "v"}],
                results_as_display=True)
    outputs = capture.finish()
    kinds = [o["output_type"] for o in outputs]
    assert "execute_result" not in kinds and "error" not in kinds
    assert sum(len(o.get("text", "")) for o in outputs if o["output_type"] == "stream") < 1100
    assert "output truncated" in outputs[-1]["text"]


def test_only_inert_output_formats_are_kept():
    """HTML, SVG, Markdown and JavaScript outputs would run in the formgrader's and nbconvert's pages:
    a graded notebook keeps text and pictures only (a rich object keeps its text)."""
    capture = Capture(10_000)
    capture.data("display_data", {"text/html": "<script>steal()</script>", "text/plain": "<DataFrame>",
                                  "image/svg+xml": "<svg onload='x()'/>", "application/javascript": "x()",
                                  "text/markdown": "<img src=x onerror=y()>", "image/png": "iVBORw0KGgo="}, {})
    capture.data("display_data", {"text/html": "<b>only html</b>"}, {})
    outputs = capture.finish()
    assert [sorted(o["data"]) for o in outputs if o["output_type"] == "display_data"] == [["image/png", "text/plain"]]
    assert "script" not in str(outputs) and "onerror" not in str(outputs)
    assert not any("truncated" in o.get("text", "") for o in outputs)  # nothing was cut short


def test_an_error_anywhere_in_a_test_cell_scores_zero():
    tpl = TemplateCell("t", "test", "code", "", 3.0)
    result = {"output_type": "execute_result", "data": {"text/plain": "1000000000"}}
    error = {"output_type": "error", "ename": "AssertionError", "evalue": "", "traceback": []}
    assert cell_score(RunCell("code", "", "t", "test", [result, error], 1), tpl) == 0.0
    assert cell_score(RunCell("code", "", "t", "test", [result], 1), tpl) == 3.0
    half = {"output_type": "execute_result", "data": {"text/plain": "1.5"}}
    assert cell_score(RunCell("code", "", "t", "test", [half], 1), tpl) == 1.5


# ----------------------------------------------------------------------------- ids, parsing, collect
@pytest.mark.parametrize("student,ok", [
    ("jsmith", True), ("12345", True), ("jane.doe@uni.edu", True), ("a" * 100, True),
    ("a" * 101, False), (".", False), ("..", False), (".hidden", False), ("a/b", False),
    ("a b", False), ("", False), ("é", True), ("e\u0301", False),
])
def test_student_ids_are_bounded_and_safe_as_file_names(student, ok):
    assert (id_problem(student) is None) == ok


def test_a_record_with_an_invalid_id_is_never_written(tmp_path):
    with pytest.raises(ValueError, match="at most 100"):
        Record("x" * 250, "ex").save(tmp_path)
    with pytest.raises(ValueError):
        Record("..", "ex").save(tmp_path / "status")
    assert not list(tmp_path.rglob("*.json"))


@pytest.mark.parametrize("data,ok", [
    (b'{"nbformat": 4, "metadata": null, "cells": []}', True),
    (b'{"nbformat": 4, "cells": [{"cell_type": "code", "source": ["x = 1", 5, null]}]}', True),
    (b'{"nbformat": 3, "worksheets": [5]}', False),
    (b'{"nbformat": 3, "worksheets": [{"cells": [{"cell_type": "heading", "level": "x"}]}]}', False),
    (b'{"nbformat": 4, "cells": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", False),
])
def test_malformed_notebooks_parse_or_fail_with_a_reason(data, ok):
    if ok:
        cells, notes = parse_notebook(data)
        assert isinstance(cells, list)
    else:
        with pytest.raises(SubmissionError, match="not a valid notebook"):
            parse_notebook(data)


def test_collect_never_writes_outside_submitted_or_follows_links(released_course, tmp_path):
    import shutil
    from grading_helpers import course_cmd

    root = tmp_path / "course"
    shutil.copytree(released_course, root)
    zpath = tmp_path / "canvas.zip"
    with zipfile.ZipFile(zpath, "w") as zf:
        zf.writestr("smith_123_456_..", "x")
        zf.writestr("jones_124_457_.", "x")
        zf.writestr("good_125_458_exfx.ipynb", "{}")
    done = course_cmd(root, "collect", "exfx", str(zpath))
    assert done.returncode == 0, done.stdout + done.stderr
    assert sorted(p.name for p in (root / "grading" / "submitted").iterdir()) == ["125"]
    folder = tmp_path / "folder"
    (folder / "..").mkdir(parents=True, exist_ok=True)
    (folder / "student1").mkdir(parents=True)
    (folder / "student1" / "exfx.ipynb").symlink_to(root / "solutions" / "exfx" / "exfx.ipynb")
    (folder / "student2").mkdir()
    (folder / "student2" / "exfx.ipynb").write_text("{}")
    done = course_cmd(root, "collect", "exfx", str(folder), "--pattern", r"^(?P<student>[^/]+)/(?P<file>[^/]+)$")
    assert "symbolic link" in done.stdout
    assert not (root / "grading" / "submitted" / "student1").exists()
    assert (root / "grading" / "submitted" / "student2" / "exfx" / "exfx.ipynb").read_text() == "{}"
    dots = tmp_path / "dots"
    (dots / "x").mkdir(parents=True)
    (dots / "x" / "exfx.ipynb").write_text("{}")
    done = course_cmd(root, "collect", "exfx", str(dots), "--pattern", r"^(?P<file>x)/(?P<student>.*)$")
    assert not (root / "grading" / "exfx").exists() and not (root / "grading" / "submitted" / "exfx").exists()


# ----------------------------------------------------------------------------- one worker, both sides
needs_bwrap = pytest.mark.skipif(not (sandbox.bwrap_path() and sandbox.bwrap_works(sandbox.bwrap_path())),
                                 reason="bubblewrap is not usable on this machine (the CI installs it)")


@pytest.fixture(scope="module")
def worker(tmp_path_factory):
    from course_utils.grading.boundary.pool import Worker
    root = tmp_path_factory.mktemp("course")
    w = Worker(sandbox.default_spec(root, [], "bwrap"), ["numpy"])
    yield w
    w.close()


def _run(worker, cells, timeout=10):
    from course_utils.grading.boundary.pool import Limits
    return worker.run(cells, Limits(timeout=timeout))


def _text(result, index):
    return "".join(o.get("text", "") for o in result.cells[index]["outputs"] if o["output_type"] == "stream")


def _traceback(result, index):
    """The one error a cell shows: its name and its traceback as one text."""
    (error,) = [o for o in result.cells[index]["outputs"] if o["output_type"] == "error"]
    return error["ename"], "\n".join(error["traceback"])


def _error(result, index):
    errors = [o for o in result.cells[index]["outputs"] if o["output_type"] == "error"]
    return errors[0]["ename"] if errors else None


@needs_bwrap
@pytest.mark.xdist_group("sandbox_worker")
def test_the_judge_sees_results_errors_changes_in_place_and_views(worker):
    result = _run(worker, [
        ("locked", "import numpy as np"),
        "def double(x):\n    return np.asarray(x) * 2\n"
        "def shout(x):\n    raise ValueError(f'bad {x}')\n"
        "def scale_in_place(a):\n    a *= 3\n"
        "def column(W, j):\n    return W[:, j]\n"
        "def same(a):\n    return a\n"
        "def draw(rng):\n    return rng.normal()\n"
        "def append(xs):\n    xs.append(4)\n    return len(xs)\n",
        ("test", "assert np.array_equal(double([1, 2]), [2, 4])\n"
                 "try:\n    shout(3)\nexcept ValueError as e:\n    print('caught', e)\n"
                 "a = np.ones(3)\nscale_in_place(a)\nprint(a.tolist())\n"
                 "W = np.arange(6.0).reshape(2, 3)\nc = column(W, 1)\n"
                 "print(np.shares_memory(c, W), c.tolist(), same(W) is W)\n"
                 "rng = np.random.default_rng(0)\nfirst = draw(rng)\n"
                 "twin = np.random.default_rng(0)\ntwin.normal()\n"
                 "print(first == np.random.default_rng(0).normal(), rng.normal() == twin.normal())\n"
                 "xs = [1, 2]\nprint(append(xs), xs)\n"),
    ])
    assert result.fatal is None, result.fatal
    assert _error(result, 2) is None, result.cells[2]
    assert _text(result, 2).splitlines() == ["caught bad 3", "[3.0, 3.0, 3.0]", "True [1.0, 4.0] True",
                                             "True True", "3 [1, 2, 4]"]


@needs_bwrap
@pytest.mark.xdist_group("sandbox_worker")
def test_arguments_returned_inside_a_tuple_are_the_tests_own(worker):
    """A function that returns the caller's array (or a view of it) as an item of a tuple or list is seen
    doing so; a copy stays a copy; a claim the values contradict cannot swap in the test's array."""
    result = _run(worker, [
        ("locked", "import numpy as np"),
        "def pair(a, b):\n    return a, b[1:]\n"
        "def fresh(a):\n    return [a.copy(), 1]\n"
        "def nested(a):\n    return (a, (a,))\n",
        ("test", "A, B = np.arange(3.0), np.arange(4.0)\nx, y = pair(A, B)\n"
                 "print(x is A, np.shares_memory(y, B), y.tolist())\n"
                 "z = fresh(A)\nprint(z[0] is A, np.shares_memory(z[0], A), z[1])\n"
                 "u, (v,) = nested(A)\nprint(u is A, v is A)\n"),
    ])
    assert result.fatal is None, result.fatal
    assert _text(result, 2).splitlines() == ["True True [1.0, 2.0, 3.0]", "False False 1", "True False"]


def test_a_same_object_claim_the_values_contradict_is_ignored():
    import numpy as np

    from course_utils.grading.boundary.crossing import adopt
    mine = np.arange(3.0)
    assert adopt(np.arange(3.0), {"arg": "0", "same": True}, {0: mine}) is mine
    forged = np.array([9.0, 9.0, 9.0])
    assert adopt(forged, {"arg": "0", "same": True}, {0: mine}) is forged


@needs_bwrap
@pytest.mark.xdist_group("sandbox_worker")
def test_with_unchanged_arguments_a_function_that_overwrites_its_input_fails(worker):
    """A function that zeroes the test's own array so that the expected values (computed from it after
    the call) match a wrong answer: with ``unchanged_arguments`` that call fails, naming the argument;
    random generators still advance, and a function that leaves its inputs alone passes."""
    from course_utils.grading.boundary.pool import Limits

    result = worker.run([
        ("locked", "import numpy as np"),
        "def directions(angles):\n    angles[:] = 0\n    return np.stack([np.ones(len(angles)), np.zeros(len(angles))])\n"
        "def honest(angles):\n    t = np.radians(angles)\n    return np.stack([np.cos(t), np.sin(t)])\n"
        "def draw(rng):\n    return rng.normal()\n"
        "def grow(xs):\n    xs.append(1)\n    return len(xs)\n",
        ("test", "a = np.array([10.0, 80.0])\nD = directions(a)\n"
                 "assert np.allclose(D, [np.cos(np.radians(a)), np.sin(np.radians(a))])\n"),
        ("test", "a = np.array([10.0, 80.0])\nD = honest(a)\n"
                 "assert np.allclose(D, [np.cos(np.radians(a)), np.sin(np.radians(a))])\n"
                 "rng = np.random.default_rng(0)\ndraw(rng)\ntwin = np.random.default_rng(0)\ntwin.normal()\n"
                 "assert rng.normal() == twin.normal()\n"),
        ("test", "grow([1, 2])"),
    ], Limits(timeout=10, unchanged_arguments=True))
    assert result.fatal is None, result.fatal
    first = [o for o in result.cells[2]["outputs"] if o["output_type"] == "error"]
    assert first and first[0]["ename"] == "ValueError"
    assert "directions() changed its argument 1 in place" in first[0]["evalue"]
    assert _error(result, 3) is None, result.cells[3]
    assert _error(result, 4) == "ValueError" and "grow() changed its argument 1" in json.dumps(result.cells[4])


@needs_bwrap
@pytest.mark.xdist_group("sandbox_worker")
def test_what_cannot_cross_fails_the_cell_with_a_reason(worker):
    result = _run(worker, [
        ("locked", "import numpy as np"),
        "class Box:\n    pass\nbox = Box()\n"
        "def make_box():\n    return Box()\n"
        "def always_equal():\n    class E:\n        def __eq__(self, o):\n            return True\n    return E()\n",
        ("test", "print(box)"),
        ("test", "assert make_box() is not None"),
        ("test", "assert always_equal() == 42"),
        ("test", "assert undefined_function(1)"),
    ])
    cells = result.cells
    assert "'box' is a value of type Box, which cannot be graded" in cells[2]["outputs"][0]["evalue"]
    assert _error(result, 3) == "TypeError" and "make_box() returned" in json.dumps(cells[3]["outputs"])
    assert _error(result, 4) == "TypeError"
    assert _error(result, 5) == "NameError"


@needs_bwrap
@pytest.mark.xdist_group("sandbox_worker")
def test_student_code_cannot_reach_the_judges_namespace_or_modules(worker):
    result = _run(worker, [
        ("locked", "import numpy as np\nexpected = np.array([1.0, 2.0])"),
        "import numpy\nnumpy.allclose = lambda *a, **k: True\nexpected = 'forged'\n"
        "import builtins\nbuiltins.AssertionError = type('Quiet', (Exception,), {})\n"
        "def f():\n    return np.array([5.0, 5.0])\n",
        ("test", "assert np.allclose(f(), expected), 'wrong values'"),
    ])
    assert _error(result, 2) == "AssertionError"
    assert "wrong values" in json.dumps(result.cells[2]["outputs"])


@needs_bwrap
@pytest.mark.xdist_group("sandbox_worker")
def test_a_slow_function_times_out_inside_its_test_and_the_run_goes_on(worker):
    result = _run(worker, [
        "def slow():\n    while True:\n        pass\n",
        ("test", "slow()\nprint('unreachable')"),
        ("test", "print('next cell runs')"),
    ], timeout=2)
    assert result.fatal is None and result.timeouts == [1]
    assert _error(result, 1) == "TimeoutError"
    assert _text(result, 2) == "next cell runs\n"


@needs_bwrap
@pytest.mark.xdist_group("sandbox_worker")
def test_a_failing_call_shows_where_in_the_students_cells_it_failed(worker):
    result = _run(worker, [
        ("locked", "import numpy as np"),
        "def helper(W):\n    return W @ np.ones(7)\n\ndef project(W, x):\n    return helper(W)\n",
        ("test", "project(np.ones((2, 3)), 1)"),
    ])
    ename, text = _traceback(result, 2)
    assert ename == "ValueError"
    assert "ipython-input-3-" in text  # numbered like the cell (execution count 3), as feedback expects
    assert "project() in cell In [2], line 5: return helper(W)" in text
    assert "helper() in cell In [2], line 2: return W @ np.ones(7)" in text
    assert "judge.py" not in text and "grading" not in text


@needs_bwrap
@pytest.mark.xdist_group("sandbox_worker")
def test_a_failing_test_line_is_quoted_without_the_lines_around_it(worker):
    """A test's traceback quotes the line that failed and no other line of the (possibly hidden) test cell."""
    result = _run(worker, [
        "def f(x):\n    return x\n",
        ("test", "first_line = 1\nassert f(2) == 3, 'f(2) should be 3'\nlast_line = 4"),
    ])
    ename, text = _traceback(result, 1)
    assert ename == "AssertionError" and "assert f(2) == 3" in text and "f(2) should be 3" in text
    assert "first_line" not in text and "last_line" not in text


@needs_bwrap
@pytest.mark.xdist_group("sandbox_worker")
def test_names_the_instructors_cells_define_are_never_borrowed(worker):
    """A test cell moved above the imports cell cannot pick up the student's stand-ins for the checkers."""
    result = _run(worker, [
        "def check_close(*a, **k):\n    pass\nnp = None\ndef f():\n    return 0.0\n",
        ("test", "check_close(f(), 1.0)"),
        ("locked", "import numpy as np\ndef check_close(a, b):\n    assert np.isclose(a, b), f'{a} != {b}'"),
        ("test", "check_close(f(), 1.0)"),
    ])
    assert _error(result, 1) == "NameError"
    assert _error(result, 3) == "AssertionError"


@needs_bwrap
@pytest.mark.xdist_group("sandbox_worker")
def test_warnings_in_a_test_cell_do_not_quote_its_lines(worker):
    result = _run(worker, [
        ("locked", "import numpy as np"),
        "def huge():\n    return np.float64(1.79e308)\n",
        ("test", "x = huge() * 10.0  # SECRET-HIDDEN-LINE\nprint('done')"),
    ])
    text = json.dumps(result.cells[2]["outputs"])
    assert "RuntimeWarning: overflow" in text and "done" in text
    assert "SECRET-HIDDEN-LINE" not in text


def test_an_interrupt_while_an_error_is_shown_still_fails_the_cell():
    """IPython swallows an interrupt that arrives while it formats a traceback: the judge still records an error."""
    from course_utils.grading.boundary.capture import Runner, make_shell
    from course_utils.grading.boundary.judge import Judge

    owner: list = [None]
    shell = make_shell(owner)
    runner = owner[0] = Runner(shell, 20000)

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    shell._showtraceback = interrupted
    reply = Judge(runner, -1, -1).run_cell("assert 1 == 2")
    assert reply["success"] is False
    assert [o["output_type"] for o in reply["outputs"]].count("error") == 1


def test_a_reply_with_millions_of_containers_is_refused_before_it_is_parsed():
    import os as _os
    import struct

    from course_utils.grading.boundary.channels import VIOLATION, FrameReader

    body = b'{"nonce": "n", "value": [' + b"{}," * 1_200_000 + b"{}]}"
    r, w = _os.pipe()
    _os.set_blocking(r, False)
    reader = FrameReader(r)
    frame = struct.pack(">I", len(body)) + body
    import threading
    writer = threading.Thread(target=lambda: (_os.write(w, frame), _os.close(w)))
    writer.start()
    status = "wait"
    while status == "wait":
        status = reader.pump()
    writer.join()
    _os.close(r)
    assert status == VIOLATION and not reader.frames
