"""What an LMS download says, read the way the LMS wrote it: names, ids, late markers, rosters.

Canvas's "Download Submissions" names each file ``SORTABLENAME[_LATE]_USERID_ATTACHMENTID_FILE``,
where the name is the student's sortable name ("Núñez, José") lower-cased with everything
but letters, digits and ``_`` removed (``núñezjosé``). Moodle's "Download all submissions"
puts each student's files in a folder ``Full Name_PARTICIPANTID_assignsubmission_file_``
(Moodle 3.x, with a trailing ``_``), ``Full Name_PARTICIPANTID_assignsubmission_file``
(Moodle 4.1 and later), or, without folders, prefixes every file name with it. A zip's file
times are the time of the download, never a submission time: only the LMS's own markers
(Canvas ``LATE``, the status in Moodle's grading worksheet) say that.

A *roster* is the LMS's own table of the class, given to ``course collect --roster``: Canvas's
gradebook export (``Student, ID, SIS User ID, ...``) or Moodle's grading worksheet
(``Identifier, Full name, ..., Status, ..., Last modified (submission)``). It gives each
student's name as the LMS shows it and, for Moodle, when and whether late they submitted.
"""
from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
from dataclasses import asdict, dataclass, field
from pathlib import Path, PurePosixPath

__all__ = ["PATTERNS", "Found", "LmsDetails", "match_path", "zip_name", "read_roster", "RosterEntry"]

_MOODLE_PLUGIN = r"assign(?:submission|feedback)_[a-z]+"
# Optional groups: ``name`` (the student's name as the LMS writes it), ``late`` (its late marker),
# ``attachment`` (Canvas's file id, which its re-upload needs) and ``prefix`` (Moodle's folder name).
PATTERNS = [
    ("canvas", re.compile(r"^(?:.*/)?(?P<name>[^/_]+)_(?:(?P<late>[Ll][Aa][Tt][Ee])_)?(?P<student>\d+)_"
                          r"(?P<attachment>\d+)_(?P<file>[^/]+)$")),
    ("moodle", re.compile(rf"^(?:.*/)?(?P<prefix>(?P<name>[^/_]+)_(?P<student>\d+)_{_MOODLE_PLUGIN})_?/"
                          r"(?P<file>.+)$")),
    ("moodle", re.compile(rf"^(?:.*/)?(?P<prefix>(?P<name>[^/_]+)_(?P<student>\d+)_{_MOODLE_PLUGIN})_"
                          r"(?P<file>[^/]+)$")),
    ("folder", re.compile(r"^(?P<student>[^/]+)/(?P<file>[^/]+)$")),
]
LMS_NAMES = {"canvas": "Canvas", "moodle": "Moodle", "folder": "the folder", "custom": "the download",
             "exchange": "nbgrader's exchange"}


@dataclass
class Found:
    """What one file name in a download says: whose it is, the file's own name, and LMS details."""

    student: str
    file: str
    lms: str
    name: str | None = None
    late: bool = False
    attachment: str | None = None
    prefix: str | None = None


def match_path(path: str, patterns: list[tuple[str, re.Pattern]]) -> Found | None:
    """The first pattern that names a student in ``path``; ``None`` when none does."""
    for lms, pat in patterns:
        m = pat.search(path)
        if m and m.groupdict().get("student"):
            groups = m.groupdict()
            name = (groups.get("name") or "").strip() or None
            return Found(unicodedata.normalize("NFC", m.group("student")),
                         PurePosixPath(groups.get("file") or path).name, lms,
                         name[:200] if name else None, bool(groups.get("late")),
                         groups.get("attachment"), groups.get("prefix"))
    return None


def zip_name(info: zipfile.ZipInfo) -> str:
    """An entry's name as the LMS wrote it.

    Python reads names without the zip's UTF-8 flag as code page 437; LMS downloads write UTF-8
    without setting the flag (``José`` would read ``JosÃ©``). Such a name is read as UTF-8 when it
    is valid UTF-8; an Info-ZIP Unicode path field (0x7075), when present, wins.
    """
    extra = info.extra
    while len(extra) >= 4:
        kind, size = int.from_bytes(extra[:2], "little"), int.from_bytes(extra[2:4], "little")
        body = extra[4:4 + size]
        if kind == 0x7075 and len(body) > 5 and body[0] == 1:
            try:
                return body[5:].decode("utf-8")
            except UnicodeDecodeError:
                break
        extra = extra[4 + size:]
    if info.flag_bits & 0x800:
        return info.filename
    try:
        return info.filename.encode("cp437").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return info.filename


@dataclass
class LmsDetails:
    """What ``course collect`` keeps about a submission (``lms.json`` next to it)."""

    lms: str = "folder"
    name: str | None = None
    late: bool = False
    late_note: str | None = None          # the LMS's own words, e.g. Moodle's "1 day 2 hours late"
    submitted: str | None = None          # the submission time as the LMS wrote it
    time_source: str | None = None        # where ``submitted`` (or timestamp.txt) came from
    attachment: str | None = None         # Canvas: the submitted file's id
    prefix: str | None = None             # Moodle: the folder (or file) prefix of the download
    flags: list[str] = field(default_factory=list)  # collect's own doubts, e.g. which notebook it chose

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: object) -> "LmsDetails":
        """Details from a parsed ``lms.json``; unknown or ill-typed fields are dropped."""
        if not isinstance(data, dict):
            return cls()
        out = cls()
        for key, value in data.items():
            if key == "late" and isinstance(value, bool):
                out.late = value
            elif key == "flags" and isinstance(value, list):
                out.flags = [str(v)[:500] for v in value[:20]]
            elif key in ("lms", "name", "late_note", "submitted", "time_source", "attachment", "prefix") \
                    and isinstance(value, str):
                setattr(out, key, value[:300])
        return out

    def lms_label(self) -> str:
        return LMS_NAMES.get(self.lms, self.lms)


@dataclass
class RosterEntry:
    """One student in an LMS's own table of the class."""

    student: str
    name: str | None = None
    late_note: str | None = None
    submitted: str | None = None
    columns: dict[str, str] = field(default_factory=dict)


MOODLE_ID = re.compile(r"^\D*?(\d+)$")   # "Participant 123" in any interface language
MOODLE_LATE = re.compile(r"(?:^| - )([^-]*\blate)\b", re.I)


def read_roster(path: Path) -> tuple[str, dict[str, RosterEntry]]:
    """Read a Canvas gradebook export or a Moodle grading worksheet; ``(lms, {student id: entry})``.

    Raises
    ------
    ValueError
        When the file is neither, with what was expected.
    """
    text = path.read_bytes().decode("utf-8-sig", errors="replace")
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        raise ValueError(f"{path} is empty")
    header = [h.strip() for h in rows[0]]
    out: dict[str, RosterEntry] = {}
    if "Identifier" in header and "Full name" in header:
        at = {h: i for i, h in enumerate(header)}
        for row in rows[1:]:
            cell = {h: (row[i].strip() if i < len(row) else "") for h, i in at.items()}
            m = MOODLE_ID.match(cell["Identifier"])
            if not m:
                continue
            status = cell.get("Status", "")
            late = MOODLE_LATE.search(status)
            submitted = cell.get("Last modified (submission)", "")
            out[m.group(1)] = RosterEntry(m.group(1), cell["Full name"] or None, late.group(1).strip() if late else None,
                                          submitted if submitted not in ("", "-") else None, cell)
        return "moodle", out
    if header[:2] == ["Student", "ID"]:
        for row in rows[1:]:
            if len(row) < 2 or not row[1].strip().isdigit():
                continue  # "Points Possible" and other summary rows
            cell = {h: (row[i].strip() if i < len(row) else "") for i, h in enumerate(header)}
            out[row[1].strip()] = RosterEntry(row[1].strip(), row[0].strip() or None, columns=cell)
        return "canvas", out
    raise ValueError(f"{path} is neither a Canvas gradebook export (columns Student, ID, ...) nor a Moodle grading "
                     "worksheet (columns Identifier, Full name, ...; download it with Moodle's interface in English)")
