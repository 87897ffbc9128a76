"""Unit tests for course_utils.checks: messages, hints, and the one-line 'passed' report."""
from __future__ import annotations

import re

import numpy as np
import pytest

from course_utils.checks import check_close, check_equal, check_raises, check_shape, check_type


def _message(fn, *args, **kwargs) -> str:
    with pytest.raises(AssertionError) as info:
        fn(*args, **kwargs)
    return str(info.value)


def _one_passed_line(capsys) -> str:
    out = capsys.readouterr()
    lines = out.out.splitlines()
    assert len(lines) == 1 and lines[0].startswith("passed"), out.out
    assert out.err == ""
    return lines[0]


# ---------------------------------------------------------------- check_shape
def test_check_shape_passes_for_arrays_and_tuples(capsys):
    check_shape(np.zeros((3, 2)), (3, 2), name="Q")
    assert "Q" in _one_passed_line(capsys)
    check_shape((4,), (4,))
    _one_passed_line(capsys)


def test_check_shape_transposed_gets_wrong_order_hint():
    msg = _message(check_shape, np.zeros((2, 3)), (3, 2))
    assert "expected shape (3, 2), got (2, 3)" in msg
    assert "wrong order" in msg


@pytest.mark.parametrize(
    "actual, expected, needle",
    [
        ((1, 4), (4,), "extra leading axis"),
        ((4,), (1, 4), "leading axis of length 1 is missing"),
        ((2, 3, 4), (2, 3), "3 axes instead of 2"),
        ((6, 2), (3, 4), "same number of elements"),
    ],
)
def test_check_shape_hints(actual, expected, needle):
    assert needle in _message(check_shape, np.zeros(actual), expected)


def test_check_shape_custom_hint_replaces_guess_and_no_hint_when_unrecognised():
    assert _message(check_shape, np.zeros((2, 3)), (3, 2), hint="use W.T").endswith(": use W.T")
    assert _message(check_shape, np.zeros((5, 5)), (3, 2)) == "output: expected shape (3, 2), got (5, 5)"


def test_check_shape_values_without_a_shape_fail_as_assertions():
    assert "forget to return" in _message(check_shape, None, (3, 2))
    assert "expected an array of shape (1,), got float 3.5" in _message(check_shape, 3.5, (1,))


def test_check_shape_reads_lists_as_arrays_and_bad_expected_as_type_error(capsys):
    check_shape([[1.0, 2.0], [3.0, 4.0]], (2, 2))
    _one_passed_line(capsys)
    assert "expected shape (2,), got (3,)" in _message(check_shape, [5, -4, 1], (2,))
    with pytest.raises(TypeError, match="shape tuple"):
        check_shape(np.zeros(2), "two")


# ---------------------------------------------------------------- check_close
def test_check_close_passes_within_tolerance(capsys):
    check_close([1.0, 2.0 + 1e-12], [1.0, 2.0], name="y")
    assert "y" in _one_passed_line(capsys)


def test_check_close_reports_largest_difference_and_index():
    got = np.array([[0.0, 1.0], [2.0, 3.5]])
    want = np.array([[0.0, 1.1], [2.0, 3.0]])
    msg = _message(check_close, got, want, name="Y")
    assert "2 of 4 values differ" in msg
    assert "largest difference is 0.5 at index (1, 1)" in msg
    assert "got 3.5, expected 3" in msg


def test_check_close_shape_mismatch_uses_shape_hint():
    msg = _message(check_close, np.zeros((2, 3)), np.zeros((3, 2)))
    assert "expected shape (3, 2), got (2, 3)" in msg and "wrong order" in msg


def test_check_close_nan_none_and_text_fail_clearly():
    msg = _message(check_close, [1.0, np.nan], [1.0, 2.0], name="y")
    assert msg.startswith("y: the result contains NaN at index (1,) (expected 2 there)"), msg
    assert "inf" not in msg.split(":")[1], "a NaN is not reported as an infinite difference"
    assert "forget to return" in _message(check_close, None, [1.0])
    assert "expected numbers" in _message(check_close, "abc", 1.0)


def test_check_close_says_where_a_result_is_nan_and_keeps_a_given_hint():
    grid = np.zeros((2, 3))
    grid[1, 0] = grid[1, 2] = np.nan
    msg = _message(check_close, grid, np.ones((2, 3)), name="P")
    assert "P: the result contains NaN in 2 of 6 values, first at index (1, 0) (expected 1 there)" in msg
    assert "0/0" in msg, "without a hint, the message says where NaN comes from"
    assert _message(check_close, np.nan, 0.5, name="p").startswith("p: the result is NaN (expected 0.5)")
    assert _message(check_close, [np.nan], [0.5], hint="subtract the maximum").endswith(": subtract the maximum")
    check_close([np.inf], [np.inf])  # infinities that agree still pass


def test_check_close_scalar_and_tolerances():
    check_close(5.0, 5.0)
    assert "largest difference is 0.01" in _message(check_close, 1.01, 1.0)
    check_close(1.01, 1.0, rtol=0.02)
    check_close(1.01, 1.0, atol=0.02, rtol=0.0)


def test_check_close_hint_is_appended():
    assert _message(check_close, [1.0], [2.0], hint="did you add the bias?").endswith(": did you add the bias?")


# ---------------------------------------------------------------- check_equal
def test_check_equal_passes_for_matching_structures(capsys):
    check_equal((10, 64), (10, 64), name="shape")
    assert "shape" in _one_passed_line(capsys)
    check_equal({"a": (1, 2), "b": 3}, {"a": (1, 2), "b": 3})
    check_equal(np.array([1, 2]), np.array([1, 2]))
    capsys.readouterr()


def test_check_equal_dict_messages_name_the_problem():
    assert "at key 'b': expected 3, got 4" in _message(check_equal, {"a": 1, "b": 4}, {"a": 1, "b": 3})
    assert "missing keys ['c']" in _message(check_equal, {"a": 1}, {"a": 1, "c": 2})
    assert "keys are in the order ['b', 'a']" in _message(check_equal, {"b": 2, "a": 1}, {"a": 1, "b": 2})


def test_check_equal_sequences_and_arrays():
    assert "at position 1: expected 64, got 63" in _message(check_equal, (10, 63), (10, 64))
    assert "expected 2 items, got 3" in _message(check_equal, (1, 2, 3), (1, 2))
    _message(check_equal, np.array([1, 2]), np.array([1, 3]))
    _message(check_equal, np.array([1, 2]), np.array([1, 2, 3]))


def test_check_equal_none_and_unequal_scalars():
    assert "forget to return" in _message(check_equal, None, 5)
    assert _message(check_equal, 4, 5, name="n") == "n: expected 5, got 4"


# ---------------------------------------------------------------- check_type
def test_check_type(capsys):
    check_type((1, 2), tuple, name="shape")
    assert "tuple" in _one_passed_line(capsys)
    check_type(3, (int, float))
    capsys.readouterr()
    assert "expected type tuple, got list [1, 2]" in _message(check_type, [1, 2], tuple)
    assert "int or float" in _message(check_type, "3", (int, float))


# ---------------------------------------------------------------- check_raises
def _raise(exc):
    def fn():
        raise exc
    return fn


def test_check_raises_passes_and_returns_none(capsys):
    assert check_raises(_raise(ValueError("shape (3, 5) vs (4, 2)")), ValueError, match=re.escape("(3, 5)")) is None
    assert "ValueError" in _one_passed_line(capsys)


def test_check_raises_accepts_subclasses():
    check_raises(_raise(KeyError("k")), LookupError)


def test_check_raises_nothing_raised():
    msg = _message(check_raises, lambda: 1, ValueError, name="project(X, W)")
    assert msg == "project(X, W) should raise ValueError, but nothing was raised"


def test_check_raises_wrong_type_and_wrong_message():
    msg = _message(check_raises, _raise(IndexError("index 5")), ValueError)
    assert "should raise ValueError, but raised IndexError: index 5" in msg
    msg = _message(check_raises, _raise(ValueError("shapes differ")), ValueError, match=r"\(4, 2\)", hint="name both shapes")
    assert "does not contain" in msg and "'shapes differ'" in msg and msg.endswith(": name both shapes")


@pytest.mark.parametrize("expected", [ValueError, RuntimeError, Exception])
def test_check_raises_lets_not_implemented_error_through(expected):
    """A stub never passes, even when the expected type (RuntimeError, Exception) covers it."""
    with pytest.raises(NotImplementedError):
        check_raises(_raise(NotImplementedError()), expected)


def test_failures_print_nothing(capsys):
    _message(check_equal, 1, 2)
    _message(check_close, 1.0, 2.0)
    _message(check_shape, (1,), (2,))
    assert capsys.readouterr().out == ""


def test_module_is_light():
    import subprocess
    import sys
    from pathlib import Path

    code = "import course_utils.checks, sys; print('matplotlib' in sys.modules, 'ipywidgets' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[1]).stdout
    assert out.split() == ["False", "False"]


def test_a_failing_check_shows_the_learners_line_and_message_not_the_checker() -> None:
    """In a notebook a failed check's traceback is the learner's cell and the helpful message only."""
    import re

    import nbformat
    from nbclient import NotebookClient

    cell = nbformat.v4.new_code_cell(
        "from course_utils.checks import check_close\nimport numpy as np\n"
        "def double(x):\n    return x * 3\n"
        "check_close(double(np.ones(2)), [2, 2], name='double(ones)', hint='multiply by two')")
    nb = nbformat.v4.new_notebook(cells=[cell])
    NotebookClient(nb, kernel_name="python3", allow_errors=True, timeout=60).execute()
    (error,) = nb.cells[0].outputs
    text = re.sub(r"\x1b\[[0-9;]*m", "", "\n".join(error.traceback))
    assert error.ename == "AssertionError"
    assert "----> 5 check_close(double(np.ones(2))" in text
    assert text.rstrip().endswith("multiply by two")
    assert "checks.py" not in text and "raise _fail" not in text
