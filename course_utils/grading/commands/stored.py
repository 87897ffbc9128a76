"""What ``course grade`` keeps for one student: the graded notebook, the gradebook's scores, the record.

Runs in the trusted host process only, after the student's run has finished.
"""
from __future__ import annotations

import json

from .course import Course
from .sanitize import Sanitized, inert_markdown
from .submission import Job
from .template import NotebookTemplate

__all__ = ["graded_notebook", "store", "store_failure", "duration"]


def graded_notebook(clean: Sanitized, tpl: NotebookTemplate) -> dict:
    """The graded notebook as nbformat v4 JSON, with nbgrader metadata from the template."""
    known = tpl.by_id()
    cells = []
    for i, c in enumerate(clean.cells):
        source = c.source
        if c.cell_type in ("markdown", "raw") and not (c.grade_id and known[c.grade_id].kind in ("test", "locked")):
            source = inert_markdown(source)
        cell: dict = {"cell_type": c.cell_type, "id": f"cell-{i:03d}", "metadata": {}, "source": source}
        if c.grade_id:
            t = known[c.grade_id]
            cell["metadata"]["nbgrader"] = {
                "grade_id": c.grade_id, "grade": t.graded, "solution": t.kind in ("answer", "manual"),
                "locked": t.kind in ("test", "locked"), "task": t.kind == "task",
                "schema_version": 3, **({"points": t.points} if t.graded else {})}
        if c.cell_type == "code":
            cell["outputs"] = c.outputs
            cell["execution_count"] = c.execution_count
        cells.append(cell)
    return {"cells": cells, "nbformat": 4, "nbformat_minor": 5,
            "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)",
                                        "language": "python"}}}


def store_failure(course: Course, gb, job: Job, why: str) -> None:
    """Record a student whose results could not be stored as an error, without their notebook."""
    from .gradebook_io import write_record

    record = job.record
    record.status = "error"
    record.reasons.append(why)
    record.scores = {}
    try:
        write_record(gb, record, None)
    except Exception:
        gb.db.rollback()
    try:
        record.save(course.status_dir(record.exercise))
    except (OSError, ValueError):
        pass


def store(course: Course, gb, job: Job) -> None:
    from .gradebook_io import write_record
    from .records import load_record

    record = job.record
    dest = course.autograded / record.student / record.exercise
    dest.mkdir(parents=True, exist_ok=True)
    for tpl, clean in job.notebooks:
        if clean is not None:
            path = dest / f"{tpl.name}.ipynb"
            path.write_text(json.dumps(graded_notebook(clean, tpl), indent=1), encoding="utf-8")
    (dest / "timestamp.txt").unlink(missing_ok=True)
    if record.timestamp:
        (dest / "timestamp.txt").write_text(record.timestamp + "\n", encoding="utf-8")
    previous = load_record(course.status_dir(record.exercise), record.student)
    try:
        late = write_record(gb, record, record.timestamp, previous)
    except Exception as exc:  # a malformed timestamp must not stop the class
        gb.db.rollback()
        record.reasons.append(f"timestamp {record.timestamp!r} not understood ({exc}); stored without it")
        late = write_record(gb, record, None, previous)
    if late > 0:
        record.seconds_late = late
        record.reasons.append(f"late by {duration(late)} (by {record.time_source or 'timestamp.txt'})")
    if record.status == "graded" and record.reasons:
        record.status = "flagged"
        for nb in gb.find_submission(record.exercise, record.student).notebooks:
            nb.flagged = True
        gb.db.commit()
    record.save(course.status_dir(record.exercise))


def duration(seconds: float) -> str:
    """``2 days 5 h``, ``3 h 12 min`` or ``4 min 10 s``: as precise as a reader needs."""
    days, rest = divmod(int(seconds), 86400)
    hours, rest = divmod(rest, 3600)
    if days:
        return f"{days} day{'s' if days > 1 else ''} {hours} h"
    return f"{hours} h {rest // 60} min" if hours else f"{rest // 60} min {rest % 60} s"
