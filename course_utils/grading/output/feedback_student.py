"""One student's feedback page: the final grade, the grader's comments, what failed and why.

Built in a worker process by ``course feedback`` (``feedback.py``) from the graded notebook, the
student's record and their final grade from the gradebook (``final.py``), so the page shows the
grade the instructor gave, including manual scores and comments from nbgrader's formgrader.
"""
from __future__ import annotations

import html
import json
import re
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

from ..commands.feedback import ANSI
from ..commands.hidden_hint import answer_functions, describe_failed_check, statement_lines
from ..commands.records import REVIEW, Record
from ..commands.template import grade_id_of

__all__ = ["PageTask", "student_page", "failure_text", "score_line"]


@dataclass
class PageTask:
    """Everything one student's page needs (picklable: pages are written in worker processes)."""

    feedback: str
    autograded: str
    exercise: str
    student: str
    record: Record
    templates: list
    titles: dict
    roots: list[str]
    final: object = None                        # final.FinalGrade, or None when not in the gradebook
    comments: dict[str, str] = field(default_factory=dict)


def failure_text(raw: list[dict], clean: list[dict], source: str, count: int | None,
             answers: set[str] = frozenset()) -> str | None:
    """What a failed test cell says to the student: the failing line when it is visible, and the message.

    The line number comes from the unscrubbed traceback (``raw``); only the line itself, taken from
    the test's visible part, and the scrubbed message (``clean``) are shown. A hidden ``assert``
    without a message is described instead: which of the ``answers`` functions it checked, and how.
    """
    errors = [o for o in clean if o.get("output_type") == "error"]
    if not errors:
        return None
    error = errors[0]
    message = '<span class="fg-msg">' + html.escape(f"{error.get('ename')}: {error.get('evalue')}".strip(": ")) + "</span>"
    raw_errors = [o for o in raw if o.get("output_type") == "error"]
    text = "\n".join(ANSI.sub("", str(t)) for t in (raw_errors[0] if raw_errors else error).get("traceback", []))
    visible_end = len(source.splitlines())
    marker = re.search(r"^[ \t]*###[ \t]*BEGIN HIDDEN TESTS", source, re.M)
    if marker:
        visible_end = source[:marker.start()].count("\n")
    lines = [int(n) for n in re.findall(rf"ipython-input-{count}-\w+>?\"?(?::|, line )(\d+)", text)] if count else []
    if lines and lines[-1] <= visible_end:
        first, last = statement_lines(source, lines[-1])
        code = textwrap.dedent("\n".join(source.splitlines()[first - 1:min(last, visible_end)])).strip()
        return f"line {first}: <code>{html.escape(code)}</code><br>{message}"
    if marker and (not lines or lines[-1] > visible_end):
        if error.get("evalue"):
            return f"a hidden test failed: {message}"
        hint = describe_failed_check(source, lines[-1], answers) \
            if lines and error.get("ename") == "AssertionError" else None
        return re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(hint)) if hint else \
            "a hidden test failed (its message is empty)"
    return message




def score_line(total: float | None, partial: float, maximum: float, pending: int) -> str:
    """``8 / 12 points`` when final; ``8 of 12 points so far (2 written answers still to be graded)`` when not."""
    if pending:
        return (f"{partial:g} of {maximum:g} points so far ({pending} written answer{'s' if pending > 1 else ''} "
                "still to be graded)")
    return f"{total:g} / {maximum:g} points"


def _meta(rec: Record) -> str:
    """Who, and when they submitted with where that time came from (never a download's file time)."""
    who = html.escape(rec.student) + (f" ({html.escape(rec.name)})" if rec.name else "")
    stamp = re.sub(r"(\d\d:\d\d:\d\d)\.\d+", r"\1", rec.submitted or "")  # no microseconds
    if not stamp:
        return f"Feedback for {who}"
    source = f" (from {html.escape(rec.time_source)})" if rec.time_source else ""
    return f"Feedback for {who} · submitted {html.escape(stamp)}{source}"


def _comment_html(text: str) -> str:
    from .feedback_page import render_markdown
    return f'<div class="fg-comment"><strong>Your grader:</strong> {render_markdown(text)}</div>'


def student_page(task: PageTask) -> tuple[str, str | None]:
    """Write one student's page(s); returns (student, problem or None)."""
    from ..commands.feedback import clean_paths, feedback_notebook
    from .feedback_page import Question, cells_html, error_page_body, page_html, questions_table

    rec = task.record
    try:
        dest = Path(task.feedback) / task.student / task.exercise
        dest.mkdir(parents=True, exist_ok=True)
        reasons = [r for r in rec.reasons if not r.startswith(REVIEW)]  # the scan's notes are the instructor's
        for tpl in task.templates:
            path = Path(task.autograded) / task.student / task.exercise / f"{tpl.name}.ipynb"
            titles = task.titles.get(tpl.name, {})
            title = titles.get("__title__", task.exercise)
            if rec.status == "error" or not path.is_file():
                body, total, status = error_page_body(reasons), "could not be graded", "error"
            else:
                body, total = _graded_body(task, tpl, path, titles, reasons, Question, cells_html, questions_table,
                                           feedback_notebook, clean_paths)
                status = rec.status
            page = page_html(title, _meta(rec), status, total, body)
            (dest / f"{tpl.name}.html").write_text(page, encoding="utf-8", errors="backslashreplace")
        return task.student, None
    except Exception as exc:  # one student's page never stops the class's
        return task.student, f"{type(exc).__name__}: {str(exc)[:200]}"


def _graded_body(task: PageTask, tpl, path: Path, titles: dict, reasons: list[str], Question, cells_html,
                 questions_table, feedback_notebook, clean_paths) -> tuple[str, str]:
    rec, final = task.record, task.final
    nb = json.loads(path.read_text(encoding="utf-8"))
    secrets = {c.grade_id: c.source for c in tpl.cells if c.kind == "test"}
    count = {grade_id_of(c): c.get("execution_count") for c in nb.get("cells", [])}
    raw = {grade_id_of(c): c.get("outputs", []) for c in nb.get("cells", []) if grade_id_of(c)}
    clean = feedback_notebook(nb, secrets)
    for cell in clean["cells"]:
        if cell.get("cell_type") == "code":
            cell["outputs"] = clean_paths(cell.get("outputs", []), task.roots)
    by_id = {grade_id_of(c): c for c in clean["cells"] if grade_id_of(c)}
    comments = {k.split(":", 1)[1]: v for k, v in task.comments.items() if k.startswith(f"{tpl.name}:")}
    answers = answer_functions(tuple(c.source for c in tpl.cells if c.kind == "answer"))
    questions = []
    for cell in tpl.graded():
        key = f"{tpl.name}:{cell.grade_id}"
        graded = final.cells.get(key) if final is not None else None
        score = graded.score if graded is not None else rec.scores.get(key)
        q = Question(titles.get(cell.grade_id, cell.grade_id), score, cell.points, cell.kind)
        ran = by_id.get(cell.grade_id)
        if cell.kind == "test" and ran is not None and (q.score or 0) < cell.points and \
                not (graded is not None and graded.manual is not None):
            why = failure_text(raw.get(cell.grade_id, []), ran.get("outputs", []), cell.source,
                               count.get(cell.grade_id), answers)
            if why:
                q.why.append(why)
        if cell.grade_id in comments:
            q.why.append(_comment_html(comments[cell.grade_id]))
        questions.append(q)
    graded_ids = {c.grade_id for c in tpl.graded()}
    others = [(gid, text) for gid, text in comments.items() if gid not in graded_ids]
    notes = "".join(f"<li>{html.escape(r)}</li>" for r in reasons)
    kinds = {c.grade_id: c.kind for c in tpl.cells}
    labels = {i: {"test": "tests (hidden tests are not shown)", "answer": "your answer",
                  "manual": "your written answer", "locked": "given code"}.get(kinds.get(grade_id_of(cell), ""), "")
              for i, cell in enumerate(clean["cells"]) if grade_id_of(cell)}
    after = {i: _comment_html(comments[grade_id_of(cell)]) for i, cell in enumerate(clean["cells"])
             if grade_id_of(cell) in comments}
    body = (questions_table(questions)
            + ("<h2>Comments from your grader</h2>" + "".join(
                f"<h3>{html.escape(titles.get(gid, gid))}</h3>{_comment_html(text)}" for gid, text in others)
               if others else "")
            + (f"<h2>Notes from grading</h2><ul>{notes}</ul>" if notes else "")
            + "<h2>Your notebook, as graded</h2>"
            + cells_html(clean["cells"], {i: t for i, t in labels.items() if t}, after))
    if final is not None:
        keys = [f"{tpl.name}:{c.grade_id}" for c in tpl.graded()]
        cells = [final.cells[k] for k in keys if k in final.cells]
        pending = sum(1 for c in cells if c.pending)
        partial = sum(c.score for c in cells if c.score is not None)
        total = score_line(None if pending else partial, partial, sum(c.max_score for c in cells), pending)
    else:
        pending = sum(1 for q in questions if q.score is None)
        total = score_line(rec.total, rec.total or 0.0, rec.max_total, pending)
    return body, total
