"""``course feedback``: per-student HTML feedback that never shows hidden tests.

Test cells show only their visible part; an error raised inside a hidden test
keeps its exception type and message but loses the traceback lines that would
quote the hidden code. Feedback is written for every student, including those
whose submission could not be graded (their page says why).
"""
from __future__ import annotations

import html
import json
import re

from .course import Course, CourseError
from .records import Record, load_records
from .template import HIDDEN, grade_id_of, remove_hidden_tests

ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
HIDDEN_NOTE = "[this part of the traceback is inside a test cell and is not shown]"
HIDDEN_LINE = "[a line from a test cell is not shown]"


def hidden_lines(source: str) -> list[str]:
    """Non-trivial lines inside the hidden-test blocks of ``source``."""
    lines = []
    for block in HIDDEN.findall(source):
        for line in block.splitlines()[1:-1]:
            line = line.strip()
            if len(line) >= 6 and not line.startswith("###"):
                lines.append(line)
    return lines


def scrub_outputs(outputs: list[dict], secret: list[str], own_input: str | None = None) -> list[dict]:
    """Outputs safe to show: traceback frames that quote hidden code are replaced by a note.

    ``own_input`` is the IPython input name of a test cell with hidden tests
    (``"ipython-input-7-"``); frames inside that cell can show hidden lines as context
    and are always dropped.
    """
    markers = secret + ["BEGIN HIDDEN TESTS", "END HIDDEN TESTS"]
    clean = []
    for out in outputs:
        out = dict(out)
        if out.get("output_type") == "error":
            kept = []
            for block in (ANSI.sub("", t) for t in out.get("traceback", [])):
                if (own_input and own_input in block) or any(m in block for m in markers):
                    if not kept or kept[-1] != HIDDEN_NOTE:
                        kept.append(HIDDEN_NOTE)
                else:
                    kept.append(block)
            out["traceback"] = kept
            if any(m in str(out.get("evalue", "")) for m in markers):
                out["evalue"] = "(details hidden)"
                out["traceback"] = [f"{out.get('ename')}: (details hidden)"]
        elif out.get("output_type") == "stream":
            out["text"] = _scrub_text(str(out.get("text", "")), markers, own_input)
        elif isinstance(out.get("data"), dict):
            out["data"] = {mime: _scrub_text(value, markers, own_input) if isinstance(value, str) else value
                           for mime, value in out["data"].items()}
        clean.append(out)
    return clean


def _scrub_text(text: str, markers: list[str], own_input: str | None) -> str:
    """Printed text with every line that quotes hidden code (e.g. in a warning) replaced by a note."""
    if not any(m in text for m in markers) and not (own_input and own_input in text):
        return text
    lines = []
    for line in text.splitlines(keepends=True):
        if any(m in line for m in markers) or (own_input and own_input in line):
            line = HIDDEN_LINE + ("\n" if line.endswith("\n") else "")
        lines.append(line)
    return "".join(lines)


def feedback_notebook(nb: dict, secret_sources: dict[str, str]) -> dict:
    """A copy of a graded notebook safe to show the student."""
    secret = [line for src in secret_sources.values() for line in hidden_lines(src)]
    cells = []
    for cell in nb.get("cells", []):
        cell = dict(cell)
        gid = grade_id_of(cell)
        own = None
        if gid in secret_sources:
            cell["source"] = remove_hidden_tests(cell["source"])
            if cell.get("execution_count") is not None:
                own = f"ipython-input-{cell['execution_count']}-"
        if cell.get("cell_type") == "code":
            cell["outputs"] = scrub_outputs(cell.get("outputs", []), secret, own)
        cells.append(cell)
    return {**nb, "cells": cells}


def summary_html(rec: Record | None) -> str:
    if rec is None:
        return "<p>This submission has not been graded.</p>"
    rows = "".join(f"<tr><td>{html.escape(k.split(':', 1)[1])}</td><td>"
                   f"{'' if rec.status == 'error' else ('pending' if v is None else f'{v:g}')}"
                   f"</td><td>{rec.max_scores.get(k, 0):g}</td></tr>" for k, v in rec.scores.items())
    total = "could not be graded" if rec.total is None else f"{rec.total:g} / {rec.max_total:g}"
    why = "".join(f"<li>{html.escape(r)}</li>" for r in rec.reasons)
    return (f"<h2>{html.escape(rec.exercise)}: {html.escape(total)}</h2>"
            f"<table><tr><th>question</th><th>score</th><th>out of</th></tr>{rows}</table>"
            + (f"<p>Notes from grading:</p><ul>{why}</ul>" if why else ""))


def write_feedback(course: Course, exercise: str) -> int:
    """Write ``feedback/STUDENT/EX/NB.html`` for every graded student; returns the exit code."""
    from nbconvert import HTMLExporter

    from .gradebook_io import open_gradebook
    from .template import load_templates

    course.check_exercise(exercise)
    records = load_records(course.status_dir(exercise))
    if not records:
        raise CourseError(f"nothing graded for {exercise}: run `course grade {exercise}` first")
    with open_gradebook(course) as gb:
        templates = load_templates(gb, exercise, course.source)
    exporter = HTMLExporter(template_name="lab")
    secrets = {tpl.name: {c.grade_id: c.source for c in tpl.cells if c.kind == "test"} for tpl in templates}
    written = 0
    failed = []
    for student, rec in sorted(records.items()):
        try:
            written += _student_pages(course, exercise, student, rec, templates, secrets, exporter)
        except Exception as exc:  # one student's page never stops the class's
            failed.append(f"{student}: {type(exc).__name__}: {str(exc)[:200]}")
    print(f"wrote {written} feedback file(s) under {course.feedback}")
    for line in failed:
        print(f"  no feedback page for {line}")
    return 1 if failed else 0


def _student_pages(course: Course, exercise: str, student: str, rec: Record, templates: list,
                   secrets: dict, exporter) -> int:
    import nbformat

    written = 0
    dest = course.feedback / student / exercise
    dest.mkdir(parents=True, exist_ok=True)
    head = summary_html(rec)
    for tpl in templates:
        path = course.autograded / student / exercise / f"{tpl.name}.ipynb"
        if rec.status == "error" or not path.is_file():
            body = "<p>Your submission could not be run, so there is no graded notebook.</p>"
        else:
            nb = feedback_notebook(json.loads(path.read_text(encoding="utf-8")), secrets[tpl.name])
            body, _ = exporter.from_notebook_node(nbformat.from_dict(nb))
        page = body
        if "<body" in page:
            start = page.index(">", page.index("<body")) + 1
            page = page[:start] + f"<div style='margin:1em'>{head}</div>" + page[start:]
        else:
            page = f"<html><body>{head}{page}</body></html>"
        (dest / f"{tpl.name}.html").write_text(page, encoding="utf-8", errors="backslashreplace")
        written += 1
    return written
