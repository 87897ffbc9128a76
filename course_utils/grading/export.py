"""``course export``: a grade CSV with one row per student and one column per graded cell, or an LMS import file.

Scores come from the gradebook (so manual grades entered in nbgrader's formgrader
count); the status columns come from ``course grade``'s records and tell apart
a real 0 from "could not be graded (why)" and "flagged for review (why)".
"""
from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

from .course import Course, CourseError
from .records import load_records


def _num(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def export_rows(course: Course, exercises: list[str]) -> tuple[list[str], list[list[str]]]:
    """Header and rows of the grade table for ``exercises``."""
    from .gradebook_io import gradebook_totals, has_assignment, open_gradebook
    from .template import load_templates

    header = ["student"]
    table: dict[str, dict[str, str]] = {}
    multi = len(exercises) > 1
    with open_gradebook(course) as gb:
        for ex in exercises:
            if not has_assignment(gb, ex):
                raise CourseError(f"{ex} is not in the gradebook: run `course release {ex}` and "
                                  f"`course grade {ex}` first")

            def label(name: str) -> str:
                return f"{ex} {name}" if multi else name

            templates = load_templates(gb, ex, course.source)
            keys = [(f"{t.name}:{c.grade_id}", c.points) for t in templates for c in t.graded()]
            cols = {key: f"{ex + ':' if multi else ''}{key.split(':', 1)[1] if len(templates) == 1 else key}"
                    f" ({pts:g})" for key, pts in keys}
            max_total = sum(p for _, p in keys)
            total_col = label("total")
            max_col = label("max") if multi else f"max ({max_total:g})"
            status_col, reasons_col, pending_col = label("status"), label("reasons"), label("pending manual")
            header += [*cols.values(), total_col, max_col, status_col, reasons_col, pending_col]
            scores = gradebook_totals(gb, ex)
            records = load_records(course.status_dir(ex))
            for student in sorted(set(scores) | set(records)):
                row = table.setdefault(student, {})
                rec = records.get(student)
                status = rec.status if rec else "not graded by course grade"
                cells = scores.get(student, {})
                for key, _ in keys:
                    row[cols[key]] = "" if status == "error" else _num(cells.get(key))
                values = [cells.get(k) for k, _ in keys]
                row[total_col] = "" if status == "error" else _num(sum(v for v in values if v is not None))
                row[max_col] = f"{max_total:g}"
                row[status_col] = status
                row[reasons_col] = " | ".join(rec.reasons) if rec else ""
                row[pending_col] = str(sum(1 for v in values if v is None)) if status != "error" else ""
    rows = [[student] + [table[student].get(col, "") for col in header[1:]] for student in sorted(table)]
    return header, rows


FORMATS = ("questions", "canvas", "moodle")
CANVAS_HEADER = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
MOODLE_HEADER = ["Identifier", "Full name", "Email address", "Status", "Grade", "Maximum Grade",
                 "Grade can be changed", "Last modified (submission)", "Last modified (grade)", "Feedback comments"]


def lms_rows(course: Course, exercise: str, fmt: str, canvas_id: str | None = None,
             questions: tuple[list[str], list[list[str]]] | None = None) -> tuple[list[str], list[list[str]]]:
    """One exercise's totals in an LMS's gradebook-import layout (``canvas`` or ``moodle``).

    Canvas: the layout of its gradebook export (Student, ID, SIS User ID, SIS Login ID, Section, then
    one column per assignment, with a "Points Possible" row), which its gradebook import reads back;
    ``ID`` is the Canvas user id from the download's file names. Moodle: the assignment's offline
    grading worksheet, matched on ``Identifier`` ("Participant N", N from the download's folder names).
    Canvas matches the grade column on the assignment id in its header, ``name (id)``: with
    ``canvas_id`` the import updates that assignment; without it Canvas offers to create a new one.
    ``questions`` is :func:`export_rows` for the exercise when the caller already has it.
    A submission that could not be graded gets an empty grade, never a 0.
    """
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
    for row in rows:
        rec = records.get(row[0])
        out.append([f"Participant {row[0]}", rec.name if rec and rec.name else "", "", "", row[total_i],
                    row[col[max_col]], "Yes", "", "", ""])
    return MOODLE_HEADER, out


def pending_warning(header: list[str], rows: list[list[str]]) -> str | None:
    """A warning when written answers are still ungraded: the totals count them as 0 until they are."""
    cols = [i for i, name in enumerate(header) if name.endswith("pending manual")]
    waiting = {row[0]: sum(int(row[i] or 0) for i in cols) for row in rows}
    waiting = {student: n for student, n in waiting.items() if n}
    if not waiting:
        return None
    return (f"warning: {len(waiting)} of {len(rows)} students have written answers not graded yet "
            f"({sum(waiting.values())} answers); the totals count them as 0 until they are. Grade them in "
            f"nbgrader's formgrader (`make teach`, then Manual Grading) and export again.")


def export(course: Course, exercise: str | None, output: Path | None, fmt: str = "questions",
           canvas_id: str | None = None) -> int:
    exercises = [exercise] if exercise else [e for e in course.exercises()
                                             if course.status_dir(e).is_dir()]
    if exercise:
        course.check_exercise(exercise)
    if fmt not in FORMATS:
        raise CourseError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
    if not exercises:
        raise CourseError("nothing graded yet: run `course grade EX` first")
    if fmt != "questions" and len(exercises) != 1:
        raise CourseError(f"--format {fmt} writes one exercise: name it, e.g. `course export ex01_projection_shapes "
                          f"--format {fmt}`")
    if canvas_id is not None and (fmt != "canvas" or not canvas_id.isdigit()):
        raise CourseError("--canvas-id goes with --format canvas and is the number at the end of the "
                          "assignment's Canvas address (…/assignments/12345)")
    questions = export_rows(course, exercises)
    header, rows = questions if fmt == "questions" else lms_rows(course, exercises[0], fmt, canvas_id, questions)
    warning = pending_warning(*questions)
    if warning:
        print(warning, file=sys.stderr)
    if fmt == "canvas" and not canvas_id:
        print(f"note: the grade column is named {exercise!r} with no Canvas assignment id, so Canvas will offer "
              "to create a new assignment; to update an existing one, pass --canvas-id with the number at the "
              "end of its address", file=sys.stderr)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    if output is None:
        sys.stdout.write(buf.getvalue())
    else:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(buf.getvalue(), encoding="utf-8")
        print(f"wrote {len(rows)} rows to {output}")
    return 0
