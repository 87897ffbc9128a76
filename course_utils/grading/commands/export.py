"""``course export``: a grade CSV with one row per student and one column per graded cell, or an LMS import file.

Scores are the gradebook's final ones (``final.py``: manual grades and extra credit from
nbgrader's formgrader count); the status columns come from ``course grade``'s records and
tell apart a real 0 from "could not be graded (why)" and "flagged for review (why)". A total
that would count a written answer still waiting for a grader is left blank (an LMS reads a
blank grade as "no change") unless ``--partial-totals`` asks for the partial sum.
"""
from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

from .course import Course, CourseError
from .records import load_records

FORMATS = ("questions", "canvas", "moodle")


def _num(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def export_rows(course: Course, exercises: list[str], partial: bool = False) -> tuple[list[str], list[list[str]]]:
    """Header and rows of the grade table for ``exercises``."""
    from .final import final_grades
    from .gradebook_io import has_assignment, open_gradebook
    from .template import load_templates

    header = ["student"]
    table: dict[str, dict[str, str]] = {}
    multi = len(exercises) > 1
    for ex in exercises:
        with open_gradebook(course) as gb:
            if not has_assignment(gb, ex):
                raise CourseError(f"{ex} is not in the gradebook: run `course release {ex}` and "
                                  f"`course grade {ex}` first")
            templates = load_templates(gb, ex, course.source)

        def label(name: str) -> str:
            return f"{ex} {name}" if multi else name

        keys = [(f"{t.name}:{c.grade_id}", c.points) for t in templates for c in t.graded()]
        cols = {key: f"{ex + ':' if multi else ''}{key.split(':', 1)[1] if len(templates) == 1 else key}"
                f" ({pts:g})" for key, pts in keys}
        max_total = sum(p for _, p in keys)
        total_col = label("total")
        max_col = label("max") if multi else f"max ({max_total:g})"
        status_col, reasons_col, pending_col = label("status"), label("reasons"), label("pending manual")
        header += [*cols.values(), total_col, max_col, status_col, reasons_col, pending_col]
        finals = final_grades(course, ex)
        records = load_records(course.status_dir(ex))
        for student in sorted(set(finals) | set(records)):
            row = table.setdefault(student, {})
            rec = records.get(student)
            status = rec.status if rec else "not graded by course grade"
            final = finals.get(student)
            cells = final.cells if final else {}
            error = status == "error"
            for key, _ in keys:
                cell = cells.get(key)
                row[cols[key]] = "" if error or cell is None else _num(cell.score)
            pending = sum(1 for key, _ in keys if key not in cells or cells[key].pending)
            partial_sum = sum(cells[k].score or 0.0 for k, _ in keys if k in cells)
            row[total_col] = "" if error or (pending and not partial) else _num(partial_sum)
            row[max_col] = f"{max_total:g}"
            row[status_col] = status
            row[reasons_col] = " | ".join(rec.reasons) if rec else ""
            row[pending_col] = "" if error else str(pending)
    rows = [[student] + [table[student].get(col, "") for col in header[1:]] for student in sorted(table)]
    return header, rows


def pending_warning(header: list[str], rows: list[list[str]], partial: bool) -> str | None:
    """A warning when written answers are still ungraded, saying what the totals do about them."""
    cols = [i for i, name in enumerate(header) if name.endswith("pending manual")]
    waiting = {row[0]: sum(int(row[i] or 0) for i in cols) for row in rows}
    waiting = {student: n for student, n in waiting.items() if n}
    if not waiting:
        return None
    effect = ("their totals count those answers as 0 (--partial-totals)" if partial else
              "their totals are left blank (an LMS reads a blank grade as no change); pass --partial-totals "
              "for the partial sums")
    return (f"warning: {len(waiting)} of {len(rows)} students have written answers not graded yet "
            f"({sum(waiting.values())} answers): {effect}. Grade them in nbgrader's formgrader "
            f"(`make teach`, then Manual Grading) and export again.")


def export(course: Course, exercise: str | None, output: Path | None, fmt: str = "questions",
           canvas_id: str | None = None, partial: bool = False) -> int:
    """Write the grade table (or an LMS import file) to ``output`` or stdout; returns the exit code."""
    from ..output.lms_files import lms_rows

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
    questions = export_rows(course, exercises, partial)
    header, rows = questions if fmt == "questions" else lms_rows(course, exercises[0], fmt, canvas_id, questions)
    warning = pending_warning(*questions, partial)
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
