"""What crosses into the judge: which names a cell borrows, and how replies become values and exceptions.

Used by the trusted judge (``judge.py``), standard library and NumPy only. Nothing here
executes anything it receives: names are checked, exceptions are rebuilt from class names
and a message, and a view is made only inside the judge's own array, after checking bounds.
"""
from __future__ import annotations

import builtins
import symtable
import sys

__all__ = ["BUILTINS", "defined_names", "free_names", "rebuild_exception", "view_of"]

BUILTINS = frozenset(dir(builtins))


def free_names(source: str) -> set[str]:
    """Global names a cell reads and does not define itself at top level (builtins excluded).

    Names read inside the cell's functions and lambdas count when they are global there.
    A cell that does not parse has none (it will fail with its own SyntaxError).
    """
    try:
        table = symtable.symtable(source, "<cell>", "exec")
    except (SyntaxError, ValueError, RecursionError):
        return set()
    defined = {s.get_name() for s in table.get_symbols()
               if s.is_assigned() or s.is_imported() or s.is_namespace()}
    wanted: set[str] = set()
    stack = [table]
    while stack:
        scope = stack.pop()
        top = scope is table
        for sym in scope.get_symbols():
            if sym.is_referenced() and (top or sym.is_global()):
                wanted.add(sym.get_name())
        stack.extend(scope.get_children())
    return wanted - defined - BUILTINS


def defined_names(source: str) -> set[str]:
    """Names a cell defines at top level (assignments, imports, functions, classes)."""
    try:
        table = symtable.symtable(source, "<cell>", "exec")
    except (SyntaxError, ValueError, RecursionError):
        return set()
    return {s.get_name() for s in table.get_symbols() if s.is_assigned() or s.is_imported() or s.is_namespace()}


_NUMPY_ERRORS = {"LinAlgError": ("numpy.linalg", "LinAlgError"), "AxisError": ("numpy.exceptions", "AxisError")}


def rebuild_exception(error: object, name: str, timed_out: bool = False) -> BaseException:
    """The judge-side exception for a student's exception described by class names (``mro``) and message.

    Where the exception was raised in the student's cells (``where``) is added as a note,
    which the test cell's traceback shows under the message.
    """
    exc = _rebuild(error, name, timed_out)
    where = error.get("where") if isinstance(error, dict) else None
    if isinstance(where, list) and where:
        # the student's own words cannot pose as a frame of the test cell (feedback reads those)
        lines = [str(w)[:300].replace("ipython-input-", "notebook-cell-") for w in where[-6:]]
        exc.add_note(f"raised in the notebook by {name}():\n" + "\n".join(f"  {w}" for w in lines))
    return exc


def _rebuild(error: object, name: str, timed_out: bool = False) -> BaseException:
    error = error if isinstance(error, dict) else {}
    mro = [n for n in error.get("mro", []) if isinstance(n, str) and n.isidentifier()][:20]
    message = error.get("message")
    message = message[:5000].replace("ipython-input-", "notebook-cell-") if isinstance(message, str) else ""
    if mro[:1] == ["KeyboardInterrupt"]:  # only the grader's interrupt is a time-out; a student's own is an error
        if timed_out:
            return TimeoutError(f"{name}() was stopped: it did not return within the time limit")
        return RuntimeError(f"{name}() raised KeyboardInterrupt")
    if mro and mro[0] in _NUMPY_ERRORS:
        module, attr = _NUMPY_ERRORS[mro[0]]
        cls = getattr(sys.modules.get(module), attr, None)
        if isinstance(cls, type) and issubclass(cls, Exception):
            return cls(message)
    for i, cname in enumerate(mro):
        cls = getattr(builtins, cname, None)
        if not (isinstance(cls, type) and issubclass(cls, Exception)):
            continue
        if i == 0:
            try:
                return cls(message)
            except TypeError:  # an exception class with a special signature
                pass
        try:
            return type(mro[0], (cls,), {"__module__": "notebook"})(message)
        except TypeError:
            return cls.__new__(cls)
    label = mro[0] if mro else "an exception"
    return RuntimeError(f"{name}() raised {label}: {message}")


def view_of(np, original, value, alias: dict):
    """A view into ``original`` at the student's offset and strides, if it stays inside and matches ``value``."""
    try:
        offset = int(alias["offset"])
        strides = tuple(int(s) for s in alias["strides"])
    except (KeyError, TypeError, ValueError):
        return None
    if not original.flags.c_contiguous or len(strides) != value.ndim or value.dtype != original.dtype:
        return None
    if value.size == 0:
        return None
    low = offset + sum((n - 1) * s for n, s in zip(value.shape, strides) if s < 0)
    high = offset + sum((n - 1) * s for n, s in zip(value.shape, strides) if s > 0) + value.itemsize
    if low < 0 or high > original.nbytes:
        return None
    try:
        view = np.ndarray(value.shape, dtype=value.dtype, buffer=original.reshape(-1).view(np.uint8),
                          offset=offset, strides=strides)
    except (TypeError, ValueError):
        return None
    if not np.array_equal(view, value, equal_nan=value.dtype.kind in "fc"):
        return None
    return view


def adopt(value: object, alias: object, passed: dict) -> object:
    """The judge's own argument named by ``alias`` (or a view of it) when it matches the returned ``value``.

    The student's side says which argument a returned array is (``{"arg": key, "same": True}``) or views
    (offset and strides); the judge then hands the test its own object, so tests about copies keep their
    meaning. A claim the values contradict is ignored: the test gets the value as it came back.
    """
    if not isinstance(alias, dict):
        return value
    key = alias.get("arg")
    original = passed.get(int(key) if isinstance(key, str) and key.isdigit() else key)
    np = sys.modules.get("numpy")
    if alias.get("same") is True:
        if type(original) is not type(value):
            return value
        if np is not None and isinstance(original, np.ndarray):
            same = original.shape == value.shape and np.array_equal(original, value,
                                                                    equal_nan=original.dtype.kind in "fc")
            return original if same else value
        return original
    if np is None or not isinstance(original, np.ndarray) or not isinstance(value, np.ndarray):
        return value
    view = view_of(np, original, value, alias)
    return value if view is None else view
