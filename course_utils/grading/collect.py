"""``course collect``: import an LMS download (zip or folder) into nbgrader's ``submitted/`` layout.

File names must carry the student id. Built-in patterns cover Canvas
(``smithjane_LATE_12345_67890_ex01.ipynb``), Moodle
(``Jane Smith_12345_assignsubmission_file_/ex01.ipynb``) and a plain folder per
student (``12345/ex01.ipynb``); ``--pattern`` takes any regex with a named group
``student``. Unknown files, duplicates and existing submissions are reported,
never silently dropped or overwritten.
"""
from __future__ import annotations

import json
import os
import re
import time
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath

from .course import Course, CourseError
from .records import id_problem

# Optional groups: ``name`` (the student's name as the LMS writes it) and ``late`` (its late marker).
PATTERNS = [
    ("canvas", re.compile(r"^(?:.*/)?(?P<name>[^/_]+)_(?:(?P<late>[Ll][Aa][Tt][Ee])_)?(?P<student>\d+)_\d+_"
                          r"(?P<file>[^/]+)$")),
    ("moodle", re.compile(r"^(?:.*/)?(?P<name>[^/]+?)_(?P<student>\d+)_assignsubmission_[a-z]+_/(?P<file>.+)$")),
    ("folder", re.compile(r"^(?P<student>[A-Za-z0-9_.@-]+)/(?P<file>[^/]+)$")),
]
LMS_FILE = "lms.json"
RESUBMIT = re.compile(r"-(\d+)(\.ipynb)$")
MAX_FILE = 50 << 20


@dataclass
class Entry:
    path: str
    data_size: int
    mtime: float
    read: object  # callable returning bytes


@dataclass
class Outcome:
    collected: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _entries(source: Path, out: Outcome) -> list[Entry]:
    if source.is_dir():
        found = []
        for folder, dirs, files in os.walk(source, followlinks=False):
            for name in sorted(dirs + files):
                path = Path(folder) / name
                rel = path.relative_to(source).as_posix()
                if path.is_symlink():
                    out.unknown.append(f"{rel} (a symbolic link: not followed)")
                elif name in files and path.is_file():
                    st = path.stat()
                    found.append(Entry(rel, st.st_size, st.st_mtime, (lambda p=path: p.read_bytes())))
        return sorted(found, key=lambda e: e.path)
    if zipfile.is_zipfile(source):
        zf = zipfile.ZipFile(source)
        return [Entry(i.filename, i.file_size, time.mktime(i.date_time + (0, 0, -1)),
                      (lambda i=i: zf.read(i))) for i in zf.infolist() if not i.is_dir()]
    raise CourseError(f"{source} is neither a folder nor a zip file")


def _safe_name(name: str) -> bool:
    """A file name that stays inside the student's folder: no path parts, not ``.`` or ``..``."""
    return bool(name) and name not in (".", "..") and not any(c in name for c in "/\\\0") and len(name) <= 200


@dataclass
class Found:
    """What a file name in an LMS download says: whose it is, the file's own name, and LMS details."""

    student: str
    file: str
    lms: str
    name: str | None = None
    late: bool = False


def _match(path: str, patterns: list[tuple[str, re.Pattern]]) -> Found | None:
    for lms, pat in patterns:
        m = pat.search(path)
        if m and m.groupdict().get("student"):
            groups = m.groupdict()
            name = (groups.get("name") or "").strip() or None
            return Found(m.group("student"), PurePosixPath(groups.get("file") or path).name, lms,
                         name[:200] if name else None, bool(groups.get("late")))
    return None


def collect(course: Course, exercise: str, source: Path, pattern: str | None = None,
            force: bool = False) -> int:
    """Copy submissions into ``submitted/STUDENT/EX/``; prints a report; returns the exit code."""
    course.check_exercise(exercise)
    if not source.exists():
        raise CourseError(f"{source} does not exist: pass the LMS zip download or a folder")
    try:
        patterns = [("custom", re.compile(pattern))] if pattern else PATTERNS
    except re.error as exc:
        raise CourseError(f"--pattern is not a valid regex: {exc}") from None
    if pattern and "student" not in patterns[0][1].groupindex:
        raise CourseError("--pattern needs a named group (?P<student>...) for the student id")
    expected = sorted(p.name for p in (course.source / exercise).glob("*.ipynb"))
    out = Outcome()
    per_student: dict[str, list[tuple[str, Entry]]] = {}
    details: dict[str, Found] = {}
    for entry in _entries(source, out):
        parts = PurePosixPath(entry.path).parts
        if entry.path.startswith("/") or ".." in parts or any(p.startswith("__MACOSX") for p in parts):
            out.unknown.append(entry.path)
            continue
        found = _match(entry.path, patterns)
        if not found or not _safe_name(found.file):
            out.unknown.append(entry.path)
            continue
        if id_problem(found.student):
            out.unknown.append(f"{entry.path} ({id_problem(found.student)})")
            continue
        per_student.setdefault(found.student, []).append((found.file, entry))
        known = details.setdefault(found.student, found)
        known.late = known.late or found.late
        known.name = known.name or found.name
    for student, files in sorted(per_student.items()):
        dest = course.submitted / student / exercise
        if dest.exists() and not force:
            out.skipped.append(student)
            continue
        chosen = _choose(student, files, expected, out)
        if not chosen:
            continue
        dest.mkdir(parents=True, exist_ok=True)
        newest = 0.0
        for name, entry in chosen.items():
            if entry.data_size > MAX_FILE:
                out.notes.append(f"{student}: {entry.path} is larger than 50 MB, not copied")
                continue
            (dest / name).write_bytes(entry.read())
            newest = max(newest, entry.mtime)
        stamp = datetime.fromtimestamp(newest, tz=timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f UTC")
        (dest / "timestamp.txt").write_text(stamp + "\n", encoding="utf-8")
        found = details[student]
        (dest / LMS_FILE).write_text(json.dumps({"lms": found.lms, "name": found.name, "late": found.late}),
                                     encoding="utf-8")
        out.collected.append(student)
    _print(out, exercise, course)
    return 0 if out.collected or out.skipped else 1


def _choose(student: str, files: list[tuple[str, Entry]], expected: list[str],
            out: Outcome) -> dict[str, Entry]:
    notebooks = [(n, e) for n, e in files if n.endswith(".ipynb")]
    chosen: dict[str, Entry] = {}
    groups: dict[str, list[tuple[int, str, Entry]]] = {}
    for name, entry in notebooks:
        m = RESUBMIT.search(name)
        base = RESUBMIT.sub(r"\2", name) if m else name
        target = base if base in expected else (expected[0] if len(expected) == 1 else base)
        groups.setdefault(target, []).append((int(m.group(1)) if m else 0, name, entry))
    for target, items in groups.items():
        items.sort(key=lambda t: (t[0], t[2].mtime))
        if len(items) > 1:
            out.duplicates.append(f"{student}: {', '.join(i[1] for i in items)} -> kept {items[-1][1]}")
        if items[-1][1] != target:
            out.notes.append(f"{student}: {items[-1][1]} saved as {target}")
        chosen[target] = items[-1][2]
    for name, entry in files:
        if not name.endswith(".ipynb"):
            chosen.setdefault(PurePosixPath(name).name, entry)
            out.notes.append(f"{student}: extra file {name}")
    if not groups:
        out.notes.append(f"{student}: no notebook in the submission ({', '.join(n for n, _ in files)})")
    return chosen


def _print(out: Outcome, exercise: str, course: Course) -> None:
    print(f"collected {len(out.collected)} submission(s) of {exercise} into {course.submitted}")
    for title, items in (("already collected (use --force to replace)", out.skipped),
                         ("duplicates", out.duplicates), ("unknown files (ignored)", out.unknown),
                         ("notes", out.notes)):
        if items:
            print(f"{title}:")
            for item in items:
                print(f"  {item}")
