"""``course export``: a grade CSV with one row per student and one column per graded cell.

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


def export(course: Course, exercise: str | None, output: Path | None) -> int:
    exercises = [exercise] if exercise else [e for e in course.exercises()
                                             if course.status_dir(e).is_dir()]
    if exercise:
        course.check_exercise(exercise)
    if not exercises:
        raise CourseError("nothing graded yet: run `course grade EX` first")
    header, rows = export_rows(course, exercises)
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
