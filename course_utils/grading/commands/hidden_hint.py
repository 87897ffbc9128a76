"""What to tell a student when a hidden check failed without a message of its own.

A hidden test's source is never shown, but the statement that failed says which of the
student's functions it called and what kind of property it checked (values, shape,
type, a copy rather than a view, an error raised). :func:`describe_failed_check` turns
that into one sentence that names no input and no expected value.
"""
from __future__ import annotations

import ast
import builtins
import functools

# What the outermost check tests, by the name of the call or attribute it uses.
KINDS = (
    ("shares_memory", "returns an array that shares memory with an argument (return a new array; do not "
                      "change or return what you were given)"),
    ("may_share_memory", "returns an array that shares memory with an argument (return a new array)"),
    ("isinstance", "returns a value of the wrong type"),
    ("shape", "returns an array of the wrong shape"),
    ("dtype", "returns an array of the wrong dtype"),
    ("isfinite", "returns values that are not finite (nan or inf)"),
    ("raises", "does not raise the error the instructions ask for on invalid input"),
)
VALUES = "returns values that differ from the expected ones"
# Statements that hold others: a failing line belongs to the simple statement inside them.
COMPOUND = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.For, ast.AsyncFor, ast.While, ast.If,
            ast.With, ast.AsyncWith, ast.Try)


def _names_called(node: ast.AST, test_defined: set[str]) -> list[str]:
    found: list[str] = []
    for sub in ast.walk(node):
        if isinstance(sub, ast.Call) and isinstance(sub.func, ast.Name):
            name = sub.func.id
            if (name not in found and not name.startswith("_") and not name.startswith("check_")
                    and not hasattr(builtins, name) and name not in test_defined):
                found.append(name)
    return found


def _kind(test: ast.AST) -> str:
    words = set()
    for sub in ast.walk(test):
        if isinstance(sub, ast.Attribute):
            words.add(sub.attr)
        elif isinstance(sub, ast.Name):
            words.add(sub.id)
        elif isinstance(sub, ast.Compare) and any(isinstance(op, (ast.Is, ast.IsNot)) for op in sub.ops):
            words.add("isinstance")  # `type(x) is int`
    return next((text for word, text in KINDS if word in words), VALUES)


def _kinds(test: ast.AST) -> list[str]:
    """The kinds of property ``test`` checks; one per part of an ``and`` (the failing part is unknown)."""
    parts = test.values if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And) else [test]
    out: list[str] = []
    for part in parts:
        kind = _kind(part)
        if kind not in out:
            out.append(kind)
    return out


def _statement_at(source: str, line: int) -> tuple[ast.Module, list[ast.stmt], ast.stmt] | None:
    """The parsed cell, its simple statements, and the innermost one that spans ``line`` (1-based)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    simple = [n for n in ast.walk(tree) if isinstance(n, ast.stmt) and not isinstance(n, COMPOUND)]
    spanning = [n for n in simple if n.lineno <= line <= (n.end_lineno or n.lineno)]
    if not spanning:
        return None
    return tree, simple, min(spanning, key=lambda n: (n.end_lineno or n.lineno) - n.lineno)


def statement_lines(source: str, line: int) -> tuple[int, int]:
    """First and last line (1-based) of the simple statement of ``source`` that spans ``line``.

    ``(line, line)`` when the source cannot be parsed or no simple statement spans it.
    """
    found = _statement_at(source, line)
    return (found[2].lineno, found[2].end_lineno or found[2].lineno) if found else (line, line)


@functools.lru_cache(maxsize=32)
def answer_functions(sources: tuple[str, ...]) -> frozenset[str]:
    """Names of the functions the exercise asks for: those its answer cells define (cached per template)."""
    names: set[str] = set()
    for source in sources:
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        names |= {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
    return frozenset(names)


def describe_failed_check(source: str, line: int, answers: frozenset[str] | set[str]) -> str | None:
    """One sentence about the statement of ``source`` (a test cell) that spans ``line`` (1-based).

    Names the functions of ``answers`` (the ones the student writes) that the statement calls,
    directly or through a variable the cell assigned earlier; no other name of the test appears.
    Then the kind of property checked. ``None`` when the cell cannot be parsed or no statement
    spans ``line``.
    """
    found = _statement_at(source, line)
    if found is None:
        return None
    tree, simple, statement = found
    defined = {n.name for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}
    # where each variable of the cell last got its value before the failing statement
    origin: dict[str, list[str]] = {}
    for node in sorted(simple, key=lambda n: n.lineno):
        if node.lineno >= statement.lineno:
            break
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            calls = _names_called(node.value, defined)
            for target in targets:
                for name in ast.walk(target):
                    if isinstance(name, ast.Name):
                        origin[name.id] = calls
    called = _names_called(statement, defined)
    for sub in ast.walk(statement):
        if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Load):
            called += [n for n in origin.get(sub.id, []) if n not in called]
    test = statement.test if isinstance(statement, ast.Assert) else statement
    called = [n for n in called if n in answers]
    who = ", ".join(f"`{n}`" for n in called) if called else "your code"
    kinds = _kinds(test)
    what = kinds[0] if len(kinds) == 1 else "either " + " or ".join(kinds)
    return (f"a hidden check of {who} failed: it {what}, in a case the visible tests do not try "
            "(another size, an edge case or another input type). Re-read the instructions for that case.")

