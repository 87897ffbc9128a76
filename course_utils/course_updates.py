"""Telling a learner that the course changed a notebook they had edited, until they act on it.

:func:`course_utils.workspace.sync` keeps the learner's copy and saves the course's new
version beside it as ``COURSE UPDATE NAME`` (older syncs wrote ``NAME (course update)``).
While such a copy exists the learner is told, in three places they cannot miss:

* the terminal, after the sync and again after JupyterLab's start-up lines (:func:`banner`,
  printed by :mod:`course_utils.learner_server`);
* JupyterLab itself: it opens on the note ``COURSE UPDATES.md`` (:func:`refresh_note`, kept in
  the top folder) and shows a notification (:func:`toast`).

Nothing is recorded: the copies on disk are the state, so deleting one ends its notice.
"""
from __future__ import annotations

import textwrap
from pathlib import Path
from urllib.parse import quote

__all__ = ["PREFIX", "NOTE", "update_name", "pending", "banner", "toast", "note_markdown", "refresh_note"]

#: Start of the name of the course's new version of a notebook the learner edited.
PREFIX = "COURSE UPDATE "
#: What older versions of the course appended to the name instead.
LEGACY_SUFFIX = " (course update)"
#: The note in the workspace's top folder, present while an update waits.
NOTE = "COURSE UPDATES.md"
NOTE_HEADING = "# Course updates waiting for you"
SKIP_PARTS = {".course", ".ipynb_checkpoints", "__pycache__"}
TOAST_LIMIT = 140  # JupyterLab cuts a notification's text here
NBSP = "\u00a0"


def update_name(rel: str) -> str:
    """Where the course's new version of ``rel`` (a path relative to the workspace) is saved."""
    path = Path(rel)
    return (path.parent / f"{PREFIX}{path.name}").as_posix()


def _original(update: Path) -> Path | None:
    rest = update.name[len(PREFIX):]
    if update.name.startswith(PREFIX) and rest and not rest.startswith("."):
        return update.with_name(rest)
    if update.stem.endswith(LEGACY_SUFFIX) and len(update.stem) > len(LEGACY_SUFFIX):
        return update.with_name(update.stem[: -len(LEGACY_SUFFIX)] + update.suffix)
    return None


def pending(dest: Path) -> list[tuple[str, str]]:
    """Every (learner's file, course's new version) pair in the workspace ``dest``, by relative path."""
    found = []
    if not dest.is_dir():
        return found
    for path in sorted(dest.rglob("*")):
        rel = path.relative_to(dest)
        if not path.is_file() or SKIP_PARTS.intersection(rel.parts):
            continue
        original = _original(rel)
        if original is not None:
            found.append((original.as_posix(), rel.as_posix()))
    return sorted(found)


def banner(pairs: list[tuple[str, str]], width: int = 78) -> str:
    """The terminal notice: a framed block naming each pair and what to do."""
    n = len(pairs)
    rule = "=" * width
    lines = [rule,
             f"  COURSE UPDATE: {n} notebook{'s' if n != 1 else ''} you edited "
             f"{'have' if n != 1 else 'has'} a new version from the course.",
             "  Your work is untouched; the course's new version sits beside it:"]
    for yours, update in pairs:
        lines += [f"    {yours}", f"      new version: {update}"]
    advice = (f"Open both, take what you want from the new one, then delete the {PREFIX.strip()} file; this "
              f"notice stops once none is left. The same list is in {NOTE}, in the top folder of JupyterLab's "
              "file browser.")
    for name in (PREFIX.strip(), NOTE):  # never split a name over two lines
        advice = advice.replace(name, name.replace(" ", NBSP))
    lines += [line.replace(NBSP, " ") for line in textwrap.wrap(advice, width, initial_indent="  ",
                                                                   subsequent_indent="  ")]
    lines.append(rule)
    return "\n".join(lines)


def toast(pairs: list[tuple[str, str]]) -> str:
    """The JupyterLab notification (at most 140 characters, which is all JupyterLab shows)."""
    if len(pairs) == 1:
        name = Path(pairs[0][0]).name
        text = f"Course update: {name}, which you edited, has a new version beside it: {PREFIX}{name}"
        if len(text) <= TOAST_LIMIT:
            return text
    n = len(pairs)
    return (f"Course update: {n} notebook{'s' if n != 1 else ''} you edited {'have' if n != 1 else 'has'} a new "
            f"version beside {'them' if n != 1 else 'it'}, named {PREFIX}…")


def _link(rel: str) -> str:
    return f"[{rel}]({quote(rel)})"


def note_markdown(pairs: list[tuple[str, str]]) -> str:
    """The text of ``COURSE UPDATES.md``: the pairs as links and what to do with them."""
    rows = "\n".join(f"| {_link(yours)} | {_link(update)} |" for yours, update in pairs)
    return f"""{NOTE_HEADING}

The course changed {'these notebooks' if len(pairs) != 1 else 'a notebook'} after you had edited
{'them' if len(pairs) != 1 else 'it'}. Your copy is untouched; the course's new version sits beside it, its
name starting with **{PREFIX.strip()}**.

| your copy | the course's new version |
|---|---|
{rows}

What to do: open both (click a link above), and copy what you want from the new version into your
copy, or the other way round. Then delete the {PREFIX.strip()} file (right-click it in the file browser,
*Delete*). This note, and the notice in the terminal and in JupyterLab, go away once no
{PREFIX.strip()} file is left (the note itself at the next `make lab`).
"""


def refresh_note(dest: Path) -> bool:
    """Write ``COURSE UPDATES.md`` into ``dest`` while updates wait, remove it (only ours) when none do."""
    note = dest / NOTE
    pairs = pending(dest)
    if pairs:
        text = note_markdown(pairs)
        if not note.exists() or note.read_text(encoding="utf-8") != text:
            note.write_text(text, encoding="utf-8")
        return True
    if note.is_file() and note.read_text(encoding="utf-8").startswith(NOTE_HEADING):
        note.unlink()
    return False

