"""Files an LMS reads back: its grade-import sheet and its bulk-feedback zip.

Checked against the importers' own rules:

* Canvas gradebook import: matched on ``ID`` (the Canvas user id); the grade column is
  ``name (assignment id)``; a blank cell changes nothing.
* Canvas "Re-upload submissions": each file in the zip is attached to a submission as a
  comment ("See attached file"). Canvas splits the file's name on ``_`` and takes the first two
  all-digit parts as the user id and the id of a file in that user's submission; a name whose
  last part starts with ``link`` or that starts with ``._`` is ignored, as is a file whose ids
  do not match. Canvas shows the attached file under the name of the student's submitted file.
* Moodle offline grading worksheet: columns are found by their names in the interface
  language (``Identifier``, ``Grade``, ``Last modified (grade)``, ``Feedback comments``);
  ``Participant N`` matches on N; a blank grade, one above the assignment's maximum or one whose
  ``Last modified (grade)`` is older than Moodle's own grade is skipped.
* Moodle "Upload multiple feedback files in a zip": a file inside a folder named
  ``Full Name_N_assignsubmission_file_`` goes to participant N (Moodle 3.x needs the trailing
  ``_``; 4.1+ reads both forms); files starting with ``.`` or ``~`` are ignored.
"""
from __future__ import annotations

import html
import re
import zipfile
from datetime import datetime, timezone
from pathlib import Path

from ..commands.course import Course
from ..commands.records import Record, load_records

__all__ = ["CANVAS_HEADER", "MOODLE_HEADER", "lms_rows", "comments_html", "feedback_zips",
           "canvas_feedback_name", "moodle_feedback_name"]

CANVAS_HEADER = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
MOODLE_HEADER = ["Identifier", "Full name", "Email address", "Status", "Grade", "Maximum Grade",
                 "Grade can be changed", "Last modified (submission)", "Last modified (grade)", "Feedback comments"]


def comments_html(comments: dict[str, str], titles: dict[str, str]) -> str:
    """The grader's comments as the small HTML Moodle's feedback-comments editor holds."""
    parts = [f"<p><strong>{html.escape(titles.get(key, key.split(':', 1)[-1]))}</strong>: "
             f"{html.escape(text).replace(chr(10), '<br>')}</p>" for key, text in comments.items()]
    return "".join(parts)


def lms_rows(course: Course, exercise: str, fmt: str, canvas_id: str | None = None,
             questions: tuple[list[str], list[list[str]]] | None = None,
             now: datetime | None = None) -> tuple[list[str], list[list[str]]]:
    """One exercise's totals in an LMS's gradebook-import layout (``canvas`` or ``moodle``).

    ``questions`` is :func:`export.export_rows` for the exercise (its totals are blank while an
    answer is pending, unless partial totals were asked for). Canvas: the layout of its gradebook
    export, with a "Points Possible" row. Moodle: the offline grading worksheet, with
    "Last modified (grade)" set to ``now`` (Moodle skips a row it thinks older than its own grade)
    and the grader's comments in "Feedback comments".
    """
    from ..commands.export import export_rows
    from ..commands.final import final_grades

    header, rows = questions or export_rows(course, [exercise])
    col = {name: i for i, name in enumerate(header)}
    total_i = col["total"]
    max_col = next(name for name in header if name.startswith("max"))
    records = load_records(course.status_dir(exercise))
    out = []
    if fmt == "canvas":
        maximum = rows[0][col[max_col]] if rows else ""
        out.append(["Points Possible", "", "", "", "", maximum])
        for row in rows:
            rec = records.get(row[0])
            out.append([(rec.name if rec and rec.name else row[0]), row[0], "", "", "", row[total_i]])
        return CANVAS_HEADER + [f"{exercise} ({canvas_id})" if canvas_id else exercise], out
    finals = final_grades(course, exercise)
    titles = _titles(course, exercise)
    stamp = (now or datetime.now(timezone.utc)).strftime("%Y-%m-%dT%H:%M:%S+00:00")
    for row in rows:
        rec = records.get(row[0])
        final = finals.get(row[0])
        comments = comments_html(final.comments, titles) if final else ""
        out.append([f"Participant {row[0]}", rec.name if rec and rec.name else "", "", "", row[total_i],
                    row[col[max_col]], "Yes", (rec.submitted or "") if rec else "", stamp, comments])
    return MOODLE_HEADER, out


def _titles(course: Course, exercise: str) -> dict[str, str]:
    """Question titles keyed ``notebook:cell`` for every cell a comment can belong to."""
    from ..commands.feedback import question_titles

    titles = {}
    for path in sorted((course.release / exercise).glob("*.ipynb")):
        for gid, title in question_titles(path, every_answer=True).items():
            titles[f"{path.stem}:{gid}"] = title
    return titles


def _part(text: str | None, fallback: str) -> str:
    """A name part that cannot be mistaken for an id or a separator by either importer."""
    cleaned = re.sub(r"[_/\\\0]+", " ", text or "").strip().lstrip(".~") or fallback
    return cleaned if not cleaned.isdigit() else fallback


def canvas_feedback_name(rec: Record, exercise: str) -> str | None:
    """``name_USERID_FILEID_EX_feedback.html``: the ids Canvas's re-upload matches (None without a file id)."""
    attachment = str((rec.lms or {}).get("attachment") or "")
    if not attachment.isdigit() or not rec.student.isdigit():
        return None
    return f"{_part(rec.name, 'student').replace(' ', '')}_{rec.student}_{attachment}_{exercise}_feedback.html"


def moodle_feedback_name(rec: Record, exercise: str) -> str | None:
    """``Full Name_N_assignsubmission_file_/EX-feedback.html`` (None when N is not Moodle's participant id)."""
    if not rec.student.isdigit():
        return None
    prefix = str((rec.lms or {}).get("prefix") or "")
    m = re.fullmatch(r"([^/_]+)_(\d+)_(assign(?:submission|feedback)_[a-z]+)", prefix)
    folder = f"{m.group(1)}_{rec.student}_{m.group(3)}_" if m and m.group(2) == rec.student else \
        f"{_part(rec.name, 'Participant')}_{rec.student}_assignsubmission_file_"
    return f"{folder}/{exercise}-feedback.html"


def feedback_zips(course: Course, exercise: str) -> dict[str, Path]:
    """Write the bulk-feedback zip of each LMS the class came from; ``{lms: zip path}``.

    Each student collected from Canvas or Moodle gets their feedback page under the name that
    LMS's importer matches to them; students from a plain folder are not in any zip.
    """
    records = load_records(course.status_dir(exercise))
    entries: dict[str, list[tuple[str, Path]]] = {"canvas": [], "moodle": []}
    for student, rec in sorted(records.items()):
        page = course.feedback / student / exercise / f"{exercise}.html"
        lms = (rec.lms or {}).get("lms")
        if not page.is_file() or lms not in entries:
            continue
        name = canvas_feedback_name(rec, exercise) if lms == "canvas" else moodle_feedback_name(rec, exercise)
        if name:
            entries[lms].append((name, page))
    written = {}
    for lms, items in entries.items():
        if not items:
            continue
        path = course.work / f"feedback-{exercise}-{lms}.zip"
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, page in items:
                info = zipfile.ZipInfo(name, date_time=datetime.now().timetuple()[:6])
                info.flag_bits |= 0x800  # names are UTF-8
                info.compress_type = zipfile.ZIP_DEFLATED
                zf.writestr(info, page.read_bytes())
        written[lms] = path
    return written
