"""Per-student grading records: status, reasons and per-cell scores, one JSON file each.

Statuses: ``graded`` (normal), ``flagged`` (graded, but needs a human look: see
``reasons``), ``error`` (could not be graded: see ``reasons``; no score).
"""
from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

STATUSES = ("graded", "flagged", "error")
MAX_ID = 100
MAX_ID_BYTES = 200  # a file name (id + ".json.tmp") stays far below the usual 255-byte limit
ID_PUNCTUATION = frozenset("_.@-")

# Reasons that start with this are the source scan's notes for the instructor: never on a student's page.
REVIEW = "review: "


def id_problem(student: str) -> str | None:
    """Why ``student`` cannot be a student id (it names files and folders), or ``None`` when it can.

    An id is 1-100 letters and digits of any script, ``_ . @ -``, at most 200 bytes in UTF-8, in
    Unicode's composed form (NFC, as ``course collect`` writes it), and does not start with a dot
    (so never ``.``, ``..`` or a hidden name).
    """
    import unicodedata

    if not isinstance(student, str) or not student:
        return "the student id is empty"
    shown = student[:40] + ("..." if len(student) > 40 else "")
    if len(student) > MAX_ID:
        return f"student id {shown!r} is {len(student)} characters long (at most {MAX_ID})"
    if len(student.encode("utf-8", "surrogatepass")) > MAX_ID_BYTES:
        return f"student id {shown!r} is longer than {MAX_ID_BYTES} bytes in UTF-8"
    if not all(c.isalnum() or c in ID_PUNCTUATION for c in student) or not student.isprintable():
        return f"student id {shown!r} has characters other than letters, digits and _ . @ -"
    if unicodedata.normalize("NFC", student) != student:
        return f"student id {shown!r} is not in composed Unicode form (NFC): rename the folder (course collect does)"
    if student.startswith("."):
        return f"student id {shown!r} starts with a dot"
    return None


@dataclass
class Record:
    student: str
    exercise: str
    status: str = "graded"
    reasons: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    scores: dict[str, float | None] = field(default_factory=dict)
    max_scores: dict[str, float] = field(default_factory=dict)
    timestamp: str | None = None
    seconds_late: float = 0.0
    run_seconds: float = 0.0
    answered: int = -1      # answer cells changed from the release (-1: unknown)
    answerable: int = 0     # answer cells in the release
    name: str | None = None  # the student's name, when the LMS download gives it
    submitted: str | None = None    # when they submitted, as its source wrote it
    time_source: str | None = None  # where ``submitted`` came from (an LMS's worksheet, timestamp.txt)
    lms: dict = field(default_factory=dict)  # what `course collect` kept (lms.LmsDetails)
    digests: dict[str, str] = field(default_factory=dict)  # written answers' text hashes, by cell key

    @property
    def total(self) -> float | None:
        if self.status == "error":
            return None
        return float(sum(v for v in self.scores.values() if v is not None))

    @property
    def max_total(self) -> float:
        return float(sum(self.max_scores.values()))

    def save(self, folder: Path) -> Path:
        problem = id_problem(self.student)
        if problem:
            raise ValueError(problem)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{self.student}.json"
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(asdict(self), indent=1), encoding="utf-8")
        os.replace(tmp, path)
        return path


def load_records(folder: Path) -> dict[str, Record]:
    """All records in ``folder`` keyed by student id (fields a newer version added get their defaults)."""
    from dataclasses import fields

    known = {f.name for f in fields(Record)}
    out = {}
    if folder.is_dir():
        for path in sorted(folder.glob("*.json")):
            data = json.loads(path.read_text(encoding="utf-8"))
            out[data["student"]] = Record(**{k: v for k, v in data.items() if k in known})
    return out


def load_record(folder: Path, student: str) -> Record | None:
    """One student's saved record, or ``None`` when there is none (or it cannot be read)."""
    from dataclasses import fields

    if id_problem(student):
        return None
    path = folder / f"{student}.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    known = {f.name for f in fields(Record)}
    return Record(**{k: v for k, v in data.items() if k in known}) if isinstance(data, dict) else None
