"""Student-facing checks for the exercise notebooks.

Every ``check_*`` function compares what a student computed with what was
expected.  On success it prints one short line that starts with ``passed``;
on failure it raises ``AssertionError`` with a message that says what was
expected, what was found and, where the mistake is recognisable, a hint
about its likely cause (for example a transposed shape).

These helpers only compare; none of them computes an exercise answer.
"""

from __future__ import annotations

import re
from typing import Any, Callable

import numpy as np

__all__ = ["check_shape", "check_close", "check_equal", "check_type", "check_raises"]


def _passed(text: str) -> None:
    print(f"passed: {text}")


class CheckFailed(AssertionError):
    """A failed check: an ``AssertionError`` whose traceback in a notebook shows only the learner's lines.

    IPython always prints the frame an exception was raised in; for a check that frame is
    this module, which says nothing useful. ``_render_traceback_`` (IPython's hook for
    custom tracebacks) leaves it out, so a learner sees the line that called the check and
    the message. The class keeps the name ``AssertionError``, as graders and tests expect.
    """

    def _render_traceback_(self) -> list[str]:
        import traceback
        import types

        kept = []
        entry = self.__traceback__
        while entry is not None:
            name = entry.tb_frame.f_code.co_filename
            if name != __file__ and "IPython" not in name.split("/"):
                kept.append(entry)
            entry = entry.tb_next
        trimmed = None
        for entry in reversed(kept):
            trimmed = types.TracebackType(trimmed, entry.tb_frame, entry.tb_lasti, entry.tb_lineno)
        try:
            from IPython import get_ipython

            shell = get_ipython()
            if shell is not None:  # the shell's own format ("Cell In[3], line 5"), colours included
                return shell.InteractiveTB.structured_traceback(type(self), self, trimmed, tb_offset=0)
        except Exception:  # never let the traceback hide the message
            pass
        frames = traceback.extract_tb(trimmed)
        return ([entry.rstrip("\n") for entry in traceback.format_list(frames)]
                + [f"AssertionError: {self}"])


CheckFailed.__name__ = CheckFailed.__qualname__ = "AssertionError"


def _fail(message: str, hint: str | None) -> AssertionError:
    if hint:
        message = f"{message}: {hint}"
    return CheckFailed(message)


def _as_shape(value: Any) -> tuple[int, ...] | None:
    """Shape of ``value``: a tuple of ints is a shape, an array (or list) gives its shape.

    Returns None for values that have no shape (None, numbers, strings).
    """
    if isinstance(value, tuple) and all(
        isinstance(s, (int, np.integer)) and not isinstance(s, bool) for s in value
    ):
        return tuple(int(s) for s in value)
    if hasattr(value, "shape"):
        return tuple(int(s) for s in value.shape)
    if isinstance(value, list):
        try:
            return tuple(np.shape(np.asarray(value, dtype=float)))
        except (TypeError, ValueError):
            return None
    return None


def _shape_hint(actual: tuple[int, ...], expected: tuple[int, ...]) -> str | None:
    """Guess the mistake behind a shape mismatch, or return None."""
    if len(actual) >= 2 and actual[::-1] == expected:
        return "did you multiply in the wrong order or forget a transpose?"
    if len(actual) == len(expected) + 1 and actual[0] == 1 and actual[1:] == expected:
        return "there is an extra leading axis of length 1; a single vector should stay 1-D"
    if len(actual) + 1 == len(expected) and expected[0] == 1 and expected[1:] == actual:
        return "the leading axis of length 1 is missing"
    if len(actual) != len(expected):
        return (
            f"the result has {len(actual)} axes instead of {len(expected)}; "
            "did you keep (or drop) the batch axis?"
        )
    if int(np.prod(actual)) == int(np.prod(expected)):
        return "same number of elements, different arrangement: check your reshape"
    return None


def check_shape(actual: Any, expected: Any, name: str = "output", hint: str | None = None) -> None:
    """Check that an array (or a shape tuple) has the expected shape.

    Parameters
    ----------
    actual : array, nested list, or tuple of int
        What the student produced; a tuple of ints is read as a shape.
    expected : tuple of int, or array-like with ``.shape``
        The shape it should have.
    name : str
        What ``actual`` is called in the message.
    hint : str, optional
        Extra advice added to the failure message.  Without it, a hint is
        guessed for transposed shapes and for extra or missing axes.

    Raises
    ------
    AssertionError
        If the shapes differ or ``actual`` has no shape (e.g. None).
    TypeError
        If ``expected`` is not a shape.
    """
    __tracebackhide__ = True  # a failing check shows the learner's line, not this file
    want = _as_shape(expected)
    if want is None:
        raise TypeError(f"expected must be a shape tuple such as (3, 2) or an array; got {expected!r}")
    got = _as_shape(actual)
    if got is None:
        raise _fail(
            f"{name}: expected an array of shape {want}, got {type(actual).__name__} {actual!r}",
            hint or ("did you forget to return?" if actual is None else None),
        )
    if got != want:
        raise _fail(
            f"{name}: expected shape {want}, got {got}", hint or _shape_hint(got, want)
        )
    _passed(f"{name} has shape {want}")


def check_close(
    actual: Any,
    expected: Any,
    name: str = "output",
    rtol: float = 1e-7,
    atol: float = 1e-9,
    hint: str | None = None,
) -> None:
    """Check that numbers or arrays agree within tolerances.

    Element ``i`` passes when ``|actual[i] - expected[i]| <= atol + rtol *
    |expected[i]|`` (the rule of ``numpy.isclose``).  NaN matches nothing.

    Parameters
    ----------
    actual, expected : float or array-like of the same shape
        What the student produced and the reference value.
    name : str
        What ``actual`` is called in the message.
    rtol, atol : float
        Relative and absolute tolerance.
    hint : str, optional
        Extra advice added to the failure message.

    Raises
    ------
    AssertionError
        If the shapes differ, the values are not numeric, or any element is
        out of tolerance; the message reports the largest difference and its
        index, or, when the result holds NaN, where the first NaN is.
    """
    __tracebackhide__ = True  # a failing check shows the learner's line, not this file
    if actual is None:
        raise _fail(f"{name}: expected numbers, got None", hint or "did you forget to return?")
    try:
        got = np.asarray(actual, dtype=float)
    except (TypeError, ValueError):
        raise _fail(
            f"{name}: expected numbers, got {type(actual).__name__} {actual!r}", hint
        ) from None
    want = np.asarray(expected, dtype=float)
    if got.shape != want.shape:
        raise _fail(
            f"{name}: expected shape {want.shape}, got {got.shape}",
            hint or _shape_hint(got.shape, want.shape),
        )
    ok = np.isclose(got, want, rtol=rtol, atol=atol)
    if not ok.all() and np.isnan(got).any():
        raise _fail(_nan_message(name, got, want), hint or _NAN_HINT)
    if not ok.all():
        diff = np.abs(got - want)
        diff = np.where(np.isnan(diff), np.inf, diff)
        where = np.unravel_index(int(np.argmax(diff)), diff.shape) if diff.ndim else ()
        n_bad = int((~ok).sum())
        at = f" at index {tuple(int(i) for i in where)}" if where else ""
        raise _fail(
            f"{name}: {n_bad} of {ok.size} values differ; largest difference is "
            f"{float(diff[where]):.4g}{at} (got {float(got[where]):.6g}, "
            f"expected {float(want[where]):.6g})",
            hint,
        )
    _passed(f"{name} matches the expected values")


_NAN_HINT = "NaN comes from 0/0, inf - inf or 0 * inf, often after np.exp overflowed or a length was zero"


def _nan_message(name: str, got: np.ndarray, want: np.ndarray) -> str:
    """Say that (and where) a result holds NaN, instead of reporting an infinite difference."""
    if got.ndim == 0:
        return f"{name}: the result is NaN (expected {float(want):.6g})"
    where = np.argwhere(np.isnan(got))
    first = tuple(int(i) for i in where[0])
    count = "" if len(where) == 1 else f"in {len(where)} of {got.size} values, first "
    return f"{name}: the result contains NaN {count}at index {first} (expected {float(want[first]):.6g} there)"


def _describe_difference(actual: Any, expected: Any) -> str | None:
    """Explain how two mappings or sequences differ, or return None."""
    if isinstance(actual, dict) and isinstance(expected, dict):
        missing = [k for k in expected if k not in actual]
        extra = [k for k in actual if k not in expected]
        if missing or extra:
            return f"missing keys {missing}, unexpected keys {extra}"
        for key in expected:
            if not _equal(actual[key], expected[key]):
                return f"at key {key!r}: expected {expected[key]!r}, got {actual[key]!r}"
        if list(actual) != list(expected):
            return f"keys are in the order {list(actual)}, expected {list(expected)}"
    if isinstance(actual, (list, tuple)) and isinstance(expected, (list, tuple)):
        if len(actual) != len(expected):
            return f"expected {len(expected)} items, got {len(actual)}"
        for i, (a, e) in enumerate(zip(actual, expected)):
            if not _equal(a, e):
                return f"at position {i}: expected {e!r}, got {a!r}"
    return None


def _equal(actual: Any, expected: Any) -> bool:
    if isinstance(actual, np.ndarray) or isinstance(expected, np.ndarray):
        return bool(np.array_equal(np.asarray(actual), np.asarray(expected)))
    if isinstance(actual, dict) and isinstance(expected, dict):
        return list(actual) == list(expected) and all(
            _equal(actual[k], expected[k]) for k in expected
        )
    if isinstance(actual, (list, tuple)) and isinstance(expected, (list, tuple)):
        return len(actual) == len(expected) and all(
            _equal(a, e) for a, e in zip(actual, expected)
        )
    result = actual == expected
    return bool(result) if isinstance(result, (bool, np.bool_)) else False


def check_equal(actual: Any, expected: Any, name: str = "output", hint: str | None = None) -> None:
    """Check exact equality of numbers, tuples, lists, dicts or integer arrays.

    Dictionaries must have the same keys in the same order.  A tuple and a
    list with equal items compare equal; use :func:`check_type` to insist on
    one of them.

    Parameters
    ----------
    actual, expected : object
        What the student produced and the reference value.
    name : str
        What ``actual`` is called in the message.
    hint : str, optional
        Extra advice added to the failure message.

    Raises
    ------
    AssertionError
        If the values differ; for dicts and sequences the message names the
        first differing key or position.
    """
    __tracebackhide__ = True  # a failing check shows the learner's line, not this file
    if actual is None and expected is not None:
        raise _fail(f"{name}: expected {expected!r}, got None", hint or "did you forget to return?")
    if not _equal(actual, expected):
        detail = _describe_difference(actual, expected)
        message = f"{name}: expected {expected!r}, got {actual!r}"
        if detail:
            message += f" ({detail})"
        raise _fail(message, hint)
    _passed(f"{name} equals {expected!r}" if len(repr(expected)) <= 40 else f"{name} is correct")


def check_type(
    actual: Any,
    expected_type: type | tuple[type, ...],
    name: str = "output",
    hint: str | None = None,
) -> None:
    """Check that ``actual`` is an instance of ``expected_type``.

    Parameters
    ----------
    actual : object
        What the student produced.
    expected_type : type or tuple of types
        Accepted type(s), as for ``isinstance``.
    name : str
        What ``actual`` is called in the message.
    hint : str, optional
        Extra advice added to the failure message.

    Raises
    ------
    AssertionError
        If ``actual`` is not an instance of ``expected_type``.
    """
    __tracebackhide__ = True  # a failing check shows the learner's line, not this file
    types = expected_type if isinstance(expected_type, tuple) else (expected_type,)
    wanted = " or ".join(t.__name__ for t in types)
    if not isinstance(actual, types):
        raise _fail(
            f"{name}: expected type {wanted}, got {type(actual).__name__} {actual!r}", hint
        )
    _passed(f"{name} has type {wanted}")


def check_raises(
    fn: Callable[[], Any],
    exc_type: type[BaseException] = Exception,
    match: str | None = None,
    hint: str | None = None,
    name: str | None = None,
) -> None:
    """Check that calling ``fn()`` raises ``exc_type``.

    Parameters
    ----------
    fn : callable taking no arguments
        Typically a lambda wrapping the call under test,
        e.g. ``lambda: project(X, W)``.
    exc_type : exception class
        The exception that must be raised (subclasses count).
    match : str, optional
        A regular expression that must be found (``re.search``) in the
        exception's message.  Use ``re.escape`` for literal text.
    hint : str, optional
        Extra advice added to the failure message.
    name : str, optional
        How the call is described in messages; defaults to ``"the call"``.

    Returns nothing on purpose: a test cell that ends with this call must
    not display a value, because nbgrader reads a displayed number as a
    partial score.

    Raises
    ------
    AssertionError
        If nothing is raised, a different exception type is raised, or the
        message does not match.
    """
    __tracebackhide__ = True  # a failing check shows the learner's line, not this file
    what = name or "the call"
    try:
        fn()
    except (exc_type, Exception) as exc:
        if isinstance(exc, NotImplementedError) and exc_type is not NotImplementedError:
            raise  # an unfinished exercise stays visibly unfinished, however broad exc_type is
        if not isinstance(exc, exc_type):  # any other error is a failure, reported clearly
            raise _fail(
                f"{what} should raise {exc_type.__name__}, but raised "
                f"{type(exc).__name__}: {exc}",
                hint,
            ) from None
        if match is not None and re.search(match, str(exc)) is None:
            raise _fail(
                f"{what} raised {type(exc).__name__} as expected, but its message "
                f"{str(exc)!r} does not contain {match!r}",
                hint,
            ) from None
        _passed(f"{what} raised {type(exc).__name__}")
        return
    raise _fail(f"{what} should raise {exc_type.__name__}, but nothing was raised", hint)
