"""Reading one student's submission for grading: files, notebook, sanitizing, scan.

Everything here only reads the student's folder, never follows a symbolic link, and
turns any failure into that student's error (see :func:`prepare_safely`), so one broken
submission never stops a class.
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from .course import Course
from .collect import EXCHANGE_SECRET
from .lms import LmsDetails
from .records import REVIEW, Record
from .sanitize import Sanitized, SubmissionError, parse_notebook, sanitize
from .scan import scan_sources
from .template import NotebookTemplate

__all__ = ["Job", "MAX_NOTEBOOK_BYTES", "MAX_EXTRA_BYTES", "warm_modules", "folder_imports", "prepare", "prepare_safely"]

LMS_FILE = "lms.json"  # written by `course collect`: the LMS, the student's name and late marker
MAX_NOTEBOOK_BYTES = 50 << 20
MAX_EXTRA_BYTES = 5 << 20
IMPORT_RE = re.compile(r"^\s*(?:from\s+([\w.]+)\s+import|import\s+([\w.]+))", re.M)


@dataclass
class Job:
    """One student's sanitized notebooks and extra files on their way to a worker (``record`` says who)."""

    record: Record
    notebooks: list[tuple[NotebookTemplate, Sanitized | None]] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict)
    timing: dict = field(default_factory=dict)  # notebook name -> the reference run's timing file


def _code_sources(path: Path) -> list[str]:
    """The code cells of one notebook file (none when it cannot be read)."""
    try:
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        return ["".join(c["source"]) if isinstance(c["source"], list) else c["source"]
                for c in cells if c.get("cell_type") == "code"]
    except (OSError, ValueError, KeyError, TypeError):
        return []


def _imported(sources: list[str]) -> list[str]:
    names = ["numpy"]
    for source in sources:
        for a, b in IMPORT_RE.findall(source):
            name = a or b
            if name and name not in names:
                names.append(name)
    return names


def warm_modules(templates: list[NotebookTemplate], folder: Path | None = None) -> list[str]:
    """Modules the instructor's notebooks import: pre-imported once in every zygote.

    The judge lends a test cell only modules it has loaded, so a module that the source
    notebook imports in an ordinary cell (and a test uses) is on this list too.
    """
    sources = [c.source for tpl in templates for c in tpl.cells if c.cell_type == "code"]
    for tpl in templates:
        if folder is not None:
            sources += _code_sources(folder / f"{tpl.name}.ipynb")
    return _imported(sources)


def folder_imports(folder: Path) -> list[str]:
    """The modules the source notebooks in ``folder`` import, read before the gradebook is open.

    Workers started with these serve the class unless :func:`warm_modules` finds more.
    """
    return _imported([source for path in sorted(folder.glob("*.ipynb")) for source in _code_sources(path)])


def prepare(course: Course, exercise: str, student: str, templates: list[NotebookTemplate]) -> Job:
    """Read and sanitize one student's submission (read-only access to their folder).

    Symbolic links are never followed: a linked notebook is an error, a linked extra file
    is left out, and both are named in the record.
    """
    folder = course.submitted / student / exercise
    record = Record(student, exercise)
    job = Job(record)
    ts_file = folder / "timestamp.txt"
    if ts_file.is_file() and not ts_file.is_symlink() and ts_file.stat().st_size < 1000:
        record.timestamp = ts_file.read_text(encoding="utf-8", errors="replace").strip() or None
    entries = sorted(folder.iterdir(), key=lambda p: p.name)
    links = [p.name for p in entries if p.is_symlink()]
    present = [p.name for p in entries if not p.is_symlink() and p.is_file()]
    expected = {f"{t.name}.ipynb" for t in templates}
    others = [n for n in present if n.endswith(".ipynb") and n not in expected]
    extra = [n for n in present if not n.endswith(".ipynb") and n not in ("timestamp.txt", LMS_FILE, EXCHANGE_SECRET)]
    lms = folder / LMS_FILE
    if lms.is_file() and not lms.is_symlink() and lms.stat().st_size < 20_000:
        try:
            details = LmsDetails.from_json(json.loads(lms.read_text(encoding="utf-8")))
        except ValueError:
            details = LmsDetails()
        record.name = details.name
        record.lms = details.to_json()
        if details.late:
            record.reasons.append(f"late: {details.late_note or details.lms_label() + ' marks it late'}")
        record.reasons += details.flags
        if details.submitted:
            record.submitted = details.submitted
        record.time_source = details.time_source
    if record.timestamp and not record.submitted:
        record.submitted = record.timestamp
        record.time_source = record.time_source or "the timestamp.txt in the submission folder"
    if links:
        record.reasons.append(f"symbolic links are not read: {', '.join(links)}")
    size = 0
    for name in extra:
        data = (folder / name).read_bytes() if (folder / name).stat().st_size <= MAX_EXTRA_BYTES else b""
        size += len(data)
        if data and size <= MAX_EXTRA_BYTES:
            job.files[name] = data
    if extra:
        record.notes.append(f"extra files: {', '.join(extra)}")
    for tpl in templates:
        path = folder / f"{tpl.name}.ipynb"
        if path.name in links:
            record.status = "error"
            record.reasons.append(f"{path.name} is a symbolic link, not a notebook file: not graded")
            job.notebooks.append((tpl, None))
            continue
        if not path.is_file() and len(templates) == 1 and len(others) == 1:
            path = folder / others[0]
            record.reasons.append(f"notebook was named {others[0]!r}, not {tpl.name + '.ipynb'!r}; "
                                  "graded anyway")
            others = []
        if not path.is_file():
            record.status = "error"
            record.reasons.append(f"no {tpl.name}.ipynb in the submission "
                                  f"(found: {', '.join(present) or 'nothing'})")
            job.notebooks.append((tpl, None))
            continue
        try:
            if path.stat().st_size > MAX_NOTEBOOK_BYTES:
                raise SubmissionError(f"notebook is larger than {MAX_NOTEBOOK_BYTES >> 20} MB")
            cells, notes = parse_notebook(path.read_bytes())
        except SubmissionError as exc:
            record.status = "error"
            record.reasons.append(f"{path.name}: {exc}")
            job.notebooks.append((tpl, None))
            continue
        clean = sanitize(cells, tpl)
        answers = {c.grade_id: c for c in tpl.cells if c.kind in ("answer", "manual")}
        given = {c.grade_id: c for c in clean.cells if c.grade_id in answers}
        record.answerable += len(answers)
        record.answered = max(record.answered, 0) + sum(
            1 for gid, c in given.items() if c.source.strip() != answers[gid].source.strip())
        for gid, cell in given.items():
            if answers[gid].kind == "manual":
                digest = hashlib.sha256(cell.source.strip().encode("utf-8", "replace")).hexdigest()[:16]
                record.digests[f"{tpl.name}:{gid}"] = digest
        record.notes += notes + clean.notes
        record.reasons += clean.flags
        student_code = [c.source for c in clean.cells if c.cell_type == "code" and c.kind not in
                        ("test", "locked")]
        record.reasons += [f"{REVIEW}{why}" for why in scan_sources(student_code)]
        job.notebooks.append((tpl, clean))
    for name in others:
        record.notes.append(f"unexpected notebook {name} ignored")
    return job


def prepare_safely(course: Course, exercise: str, student: str, templates: list[NotebookTemplate]) -> Job:
    """:func:`prepare`, with any failure turned into this student's error (the class goes on)."""
    try:
        return prepare(course, exercise, student, templates)
    except Exception as exc:
        job = Job(Record(student, exercise, status="error"))
        job.record.reasons.append(f"the submission could not be read ({type(exc).__name__}: {str(exc)[:300]})")
        job.notebooks = [(tpl, None) for tpl in templates]
        return job
