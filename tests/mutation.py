"""Mutants as edits of a reference answer cell (read from ``tests/mutants/<set>.yml``).

A mutant is the reference answer with one mistake put in, described by edits that
must each apply exactly once, so a mutant stops working loudly (instead of testing
something else) when the reference answer changes.

A mutant may carry ``grader_gap``: why ``course grade`` cannot see that mistake although
the hidden tests catch it in nbgrader's own kernel (for example an argument returned inside
a tuple, which crosses the sandbox's channel as a copy). ``test_mutants_graded.py`` then
expects full marks for it there, so the gap stays written down until the grader closes it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml


class MutantError(ValueError):
    """A mutant's edits do not fit the reference answer any more."""


@dataclass
class Mutant:
    function: str
    slug: str
    why: str
    replace: list[tuple[str, str]] = field(default_factory=list)
    drop: list[str] = field(default_factory=list)
    grader_gap: str = ""

    @property
    def name(self) -> str:
        return f"{self.function}__{self.slug}"


def load(path: Path) -> list[Mutant]:
    """Every mutant in one exercise set's YAML file, in file order."""
    data = yaml.safe_load(path.read_text()) or {}
    mutants = []
    for function, entries in data.items():
        for slug, spec in (entries or {}).items():
            unknown = set(spec) - {"why", "replace", "drop", "grader_gap"}
            if unknown or not spec.get("why") or not (spec.get("replace") or spec.get("drop")):
                raise MutantError(f"{path.name}: {function}/{slug} needs 'why' and at least one of "
                                  f"'replace'/'drop' (unknown keys: {sorted(unknown)})")
            mutants.append(Mutant(function, slug, spec["why"],
                                  [tuple(pair) for pair in spec.get("replace", [])], list(spec.get("drop", [])),
                                  str(spec.get("grader_gap", ""))))
    return mutants


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _replace(source: str, old: str, new: str) -> str:
    count = source.count(old)
    if count != 1:
        raise MutantError(f"{old!r} occurs {count} times in the answer cell (must be exactly once)")
    at = source.index(old)
    line_start = source.rfind("\n", 0, at) + 1
    pad = " " * _indent(source[line_start:at] + "x")  # indentation of the line `old` starts on
    lines = new.split("\n")
    new = "\n".join([lines[0], *[(pad + ln if ln else ln) for ln in lines[1:]]])
    return source[:at] + new + source[at + len(old):]


def _drop(source: str, start: str) -> str:
    lines = source.split("\n")
    hits = [i for i, ln in enumerate(lines) if ln.lstrip().startswith(start)]
    if len(hits) != 1:
        raise MutantError(f"{len(hits)} lines start with {start!r} in the answer cell (must be exactly one)")
    first = hits[0]
    base = _indent(lines[first])
    end = first + 1
    while end < len(lines) and (not lines[end].strip() or _indent(lines[end]) > base):
        end += 1
    while end > first + 1 and not lines[end - 1].strip():  # keep blank lines after the block
        end -= 1
    return "\n".join(lines[:first] + lines[end:])


def apply(mutant: Mutant, source: str) -> str:
    """The answer cell ``source`` with the mutant's edits; raises MutantError when they do not fit."""
    out = source
    for old, new in mutant.replace:
        out = _replace(out, old, new)
    for start in mutant.drop:
        out = _drop(out, start)
    if out == source:
        raise MutantError(f"{mutant.name} changes nothing")
    try:
        compile(out, mutant.name, "exec")
    except SyntaxError as exc:
        raise MutantError(f"{mutant.name} is not valid Python after its edits: {exc}") from None
    return out


DEF_RE = re.compile(r"^def\s+([A-Za-z_]\w*)\s*\(", re.M)
