"""``course collect``: import an LMS download (zip or folder) into nbgrader's ``submitted/`` layout.

File names must carry the student id: Canvas, Moodle (3.x and 4.1+ layouts) and a plain folder
per student are recognised (``lms.py``); ``--pattern`` takes any regex with a named group
``student``. Unknown files, duplicates and existing submissions are reported, never silently
dropped or overwritten. A zip's file times are the download's, not the submission's, so they
are never used: the LMS's own markers are (``lms.json`` next to each submission says what the
LMS said and where a submission time came from).
"""
from __future__ import annotations

import json
import os
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from .course import Course, CourseError
from .lms import PATTERNS, Found, LmsDetails, RosterEntry, match_path, read_roster, zip_name
from .records import id_problem

__all__ = ["PATTERNS", "LMS_FILE", "collect", "choose_notebooks"]

LMS_FILE = "lms.json"
# nbgrader's exchange puts this next to a submission; release_feedback needs it, no student's code does.
EXCHANGE_SECRET = "submission_secret.txt"
RESUBMIT = re.compile(r"-(\d+)(\.ipynb)$")
MAX_FILE = 50 << 20
_match = match_path  # the name earlier tests and tools use


@dataclass
class Entry:
    path: str
    data_size: int
    read: object  # callable returning bytes


@dataclass
class Outcome:
    collected: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    flagged: list[str] = field(default_factory=list)


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
                    found.append(Entry(rel, path.stat().st_size, (lambda p=path: p.read_bytes())))
        return sorted(found, key=lambda e: e.path)
    if zipfile.is_zipfile(source):
        zf = zipfile.ZipFile(source)
        return [Entry(zip_name(i), i.file_size, (lambda i=i: zf.read(i))) for i in zf.infolist() if not i.is_dir()]
    raise CourseError(f"{source} is neither a folder nor a zip file")


def _safe_name(name: str) -> bool:
    """A file name that stays inside the student's folder: no path parts, not ``.`` or ``..``."""
    return bool(name) and name not in (".", "..") and not any(c in name for c in "/\\\0") and len(name) <= 200


def collect(course: Course, exercise: str, source: Path, pattern: str | None = None,
            force: bool = False, roster: Path | None = None, kind: str | None = None) -> int:
    """Copy submissions into ``submitted/STUDENT/EX/``; prints a report; returns the exit code.

    ``kind`` names where a folder of ``STUDENT/FILE`` came from when it is not an LMS
    (``"exchange"``: staged from nbgrader's exchange by ``exchange.py``, with its timestamps).
    """
    course.check_exercise(exercise)
    if not source.exists():
        raise CourseError(f"{source} does not exist: pass the LMS zip download or a folder")
    try:
        patterns = [("custom", re.compile(pattern))] if pattern else PATTERNS
    except re.error as exc:
        raise CourseError(f"--pattern is not a valid regex: {exc}") from None
    if pattern and "student" not in patterns[0][1].groupindex:
        raise CourseError("--pattern needs a named group (?P<student>...) for the student id")
    people: dict[str, RosterEntry] = {}
    if roster is not None:
        try:
            _, people = read_roster(roster)
        except (OSError, ValueError) as exc:
            raise CourseError(f"--roster: {exc}") from None
    expected = sorted(p.name for p in (course.source / exercise).glob("*.ipynb"))
    out = Outcome()
    per_student: dict[str, list[tuple[str, Entry]]] = {}
    details: dict[str, Found] = {}
    for entry in _entries(source, out):
        parts = PurePosixPath(entry.path).parts
        if entry.path.startswith("/") or ".." in parts or any(p.startswith("__MACOSX") for p in parts):
            out.unknown.append(entry.path)
            continue
        found = match_path(entry.path, patterns)
        if found and kind and found.lms == "folder":
            found.lms = kind
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
        known.attachment = known.attachment or found.attachment
    for student, files in sorted(per_student.items()):
        dest = course.submitted / student / exercise
        if dest.exists() and not force:
            out.skipped.append(student)
            continue
        chosen, flags = choose_notebooks(student, files, expected, out)
        if not chosen:
            continue
        dest.mkdir(parents=True, exist_ok=True)
        for stale in ("timestamp.txt", LMS_FILE):  # an earlier collect's, when --force replaces it
            (dest / stale).unlink(missing_ok=True)
        for name, entry in chosen.items():
            if entry.data_size > MAX_FILE:
                out.notes.append(f"{student}: {entry.path} is larger than 50 MB, not copied")
                continue
            data = entry.read()
            if name == "timestamp.txt" and details[student].lms not in ("folder", "exchange"):
                continue  # a file a student uploaded to the LMS is no submission time
            (dest / name).write_bytes(data)
        lms = _details(details[student], people.get(student), dest, flags)
        (dest / LMS_FILE).write_text(json.dumps(lms.to_json(), ensure_ascii=False), encoding="utf-8")
        out.flagged += [f"{student}: {f}" for f in flags]
        out.collected.append(student)
    _print(out, exercise, course)
    return 0 if out.collected or out.skipped else 1


def _details(found: Found, person: RosterEntry | None, dest: Path, flags: list[str]) -> LmsDetails:
    """What the download (and the roster, when given) says about one submission."""
    lms = LmsDetails(found.lms, found.name, found.late, attachment=found.attachment, prefix=found.prefix,
                     flags=flags)
    if found.late:
        lms.late_note = "Canvas marks it LATE" if found.lms == "canvas" else "the download marks it late"
    if person is not None:
        lms.name = person.name or lms.name
        if person.late_note:
            lms.late, lms.late_note = True, f"Moodle: {person.late_note}"
        if person.submitted:
            lms.submitted, lms.time_source = person.submitted, "Moodle's grading worksheet"
    if (dest / "timestamp.txt").is_file():
        lms.time_source = ("nbgrader's exchange (when the student submitted)" if found.lms == "exchange"
                           else "the timestamp.txt in the submission folder")
    return lms


def _family(name: str, stem: str) -> int | None:
    """Resubmission number when ``name`` is ``stem.ipynb`` (0) or LMS's renamed ``stem-N.ipynb`` (N); else None."""
    if name == f"{stem}.ipynb":
        return 0
    m = RESUBMIT.search(name)
    return int(m.group(1)) if m and name[:m.start()] == stem else None


def choose_notebooks(student: str, files: list[tuple[str, Entry]], expected: list[str],
                     out: Outcome) -> tuple[dict[str, Entry], list[str]]:
    """Which file becomes each expected notebook; the other files kept as they are; doubts to flag.

    A file with the expected name (or the LMS's renamed copy of it, ``NAME-2.ipynb``, the highest
    number winning) is always chosen. Otherwise a single notebook is taken as the expected one
    with a note; several are a doubt: the one whose name starts like the expected name (else the
    first by name) is chosen and the submission is flagged, naming every candidate.
    """
    notebooks = [(n, e) for n, e in files if n.endswith(".ipynb")]
    chosen: dict[str, Entry] = {}
    flags: list[str] = []
    used: set[str] = set()
    for target in expected:
        stem = target[:-len(".ipynb")]
        family = sorted(((_family(n, stem), n, e) for n, e in notebooks if _family(n, stem) is not None),
                        key=lambda t: t[0])
        if family:
            if len(family) > 1:
                out.duplicates.append(f"{student}: {', '.join(f[1] for f in family)} -> kept {family[-1][1]}")
            chosen[target] = family[-1][2]
            used.update(f[1] for f in family)
    others = [(n, e) for n, e in notebooks if n not in used]
    missing = [t for t in expected if t not in chosen]
    if len(missing) == 1 and others:
        target = missing[0]
        stem = target[:-len(".ipynb")]
        pick = sorted(others, key=lambda t: (not t[0].startswith(stem), t[0]))[0]
        chosen[target] = pick[1]
        used.add(pick[0])
        if len(others) == 1:
            out.notes.append(f"{student}: {pick[0]} saved as {target}")
        else:
            flags.append(f"several notebooks and none named {target}: {', '.join(n for n, _ in others)}; "
                         f"graded {pick[0]} (the others are kept next to it)")
    for name, entry in files:
        if name not in used and name not in chosen:
            chosen.setdefault(PurePosixPath(name).name, entry)
            if name.endswith(".ipynb"):
                out.notes.append(f"{student}: also uploaded {name} (kept, not graded)")
            elif name != EXCHANGE_SECRET:
                out.notes.append(f"{student}: extra file {name}")
    if not notebooks:
        out.notes.append(f"{student}: no notebook in the submission ({', '.join(n for n, _ in files)})")
    return chosen, flags


def _print(out: Outcome, exercise: str, course: Course) -> None:
    print(f"collected {len(out.collected)} submission(s) of {exercise} into {course.submitted}")
    for title, items in (("already collected (use --force to replace)", out.skipped),
                         ("to check (flagged when graded)", out.flagged),
                         ("duplicates", out.duplicates), ("unknown files (ignored)", out.unknown),
                         ("notes", out.notes)):
        if items:
            print(f"{title}:")
            for item in items:
                print(f"  {item}")
