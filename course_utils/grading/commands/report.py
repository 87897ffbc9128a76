"""``course report``: what an instructor needs to see about a graded class, in ten seconds.

Plain text (aligned whatever the ids) or, with ``--html``, a page with the same tables and
two plots. Scores are the gradebook's final ones (``final.py``), manual grades included. Autograded and manually graded points are reported apart: a written answer not
graded yet is *pending*, never a 0, and the means count only points that have a score.
Submissions that need a look are listed with their reasons: errors, flags, and blank or
untouched notebooks.
"""
from __future__ import annotations

import html
import statistics
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from .course import Course
from .records import STATUSES, Record, load_records

__all__ = ["QuestionStats", "summary_line", "question_stats", "attention", "report_text", "report_html", "report"]


@dataclass
class QuestionStats:
    key: str
    title: str
    kind: str          # "auto" or "manual"
    points: float
    full: int          # submissions with full points
    scored: int        # submissions with a score
    pending: int       # written answers waiting for a grader
    mean: float | None


def summary_line(records: list[Record]) -> str:
    counts = Counter(r.status for r in records)
    parts = [f"{counts.get(s, 0)} {s}" for s in STATUSES]
    return f"{len(records)} submissions: " + ", ".join(parts)


def question_stats(records: list[Record], titles: dict[str, str], kinds: dict[str, str]) -> list[QuestionStats]:
    """Per graded question: pass rate, mean and how many answers still wait for a grader."""
    graded = [r for r in records if r.status != "error"]
    keys = list(dict.fromkeys(k for r in records for k in r.max_scores))
    stats = []
    for key in keys:
        points = max((r.max_scores.get(key, 0.0) for r in records), default=0.0)
        values = [r.scores.get(key) for r in graded]
        scored = [v for v in values if v is not None]
        stats.append(QuestionStats(
            key, titles.get(key, key.split(":", 1)[-1]), kinds.get(key, "auto"), points,
            sum(1 for v in scored if v >= points > 0), len(scored), sum(1 for v in values if v is None),
            statistics.fmean(scored) if scored else None))
    return stats


def attention(records: list[Record]) -> list[tuple[Record, list[str]]]:
    """Submissions to look at, with why: errors, flags, blank or untouched notebooks."""
    out = []
    for r in sorted(records, key=lambda r: (STATUSES.index(r.status) * -1, r.student)):
        why = list(r.reasons)
        if r.status != "error" and r.answered == 0 and r.answerable:
            why.insert(0, "blank: no answer cell was changed from the release")
        if r.status != "graded" or why:
            out.append((r, why))
    return out


def _who(r: Record) -> str:
    """The student id, with the name the LMS gave when there is one."""
    return f"{r.student} ({r.name})" if getattr(r, "name", None) else r.student


def _bar_label(title: str, width: int = 30) -> str:
    """A question title on at most two lines of ``width`` characters, shortened with an ellipsis."""
    import textwrap

    lines = textwrap.wrap(title, width)
    if len(lines) > 2:
        lines = [lines[0], textwrap.shorten(" ".join(lines[1:]), width, placeholder="…")]
    return "\n".join(lines)


def _auto_manual(r: Record, kinds: dict[str, str]) -> tuple[float, float, float, int]:
    auto = sum(v for k, v in r.scores.items() if kinds.get(k, "auto") == "auto" and v is not None)
    manual = sum(v for k, v in r.scores.items() if kinds.get(k) == "manual" and v is not None)
    auto_max = sum(v for k, v in r.max_scores.items() if kinds.get(k, "auto") == "auto")
    pending = sum(1 for k, v in r.scores.items() if kinds.get(k) == "manual" and v is None)
    return auto, manual, auto_max, pending


def _histogram(values: list[float], top: float, bins: int = 5) -> list[tuple[float, float, int]]:
    edges = [top * i / bins for i in range(bins + 1)]
    return [(lo, hi, sum(1 for v in values if lo <= v < hi or (hi == top and v == top)))
            for lo, hi in zip(edges, edges[1:])]


def _table(rows: list[list[str]], right: set[int]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for n, row in enumerate(rows):
        cells = [cell.rjust(w) if i in right else cell.ljust(w) for i, (cell, w) in enumerate(zip(row, widths))]
        lines.append("  " + "  ".join(cells).rstrip())
        if n == 0:
            lines.append("  " + "  ".join("-" * w for w in widths))
    return lines


def report_text(records: list[Record], titles: dict[str, str] | None = None,
                kinds: dict[str, str] | None = None, bins: int = 5) -> str:
    """The report as plain text: status counts, autograded points, histogram, questions, what needs a look."""
    titles, kinds = titles or {}, kinds or {}
    lines = [summary_line(records), ""]
    graded = [r for r in records if r.status != "error"]
    if graded:
        parts = [_auto_manual(r, kinds) for r in graded]
        autos = [p[0] for p in parts]
        top = max(p[2] for p in parts) or 1.0
        pending = sum(p[3] for p in parts)
        lines.append(f"autograded points (out of {top:g}): mean {statistics.fmean(autos):.2f}, "
                     f"median {statistics.median(autos):g}")
        if any(kinds.get(k) == "manual" for k in graded[0].max_scores):
            lines.append(f"written answers: {pending} waiting for a grader (not counted in any mean)")
        lines.append("")
        width = max(len(str(n)) for _, _, n in _histogram(autos, top, bins))
        for lo, hi, n in _histogram(autos, top, bins):
            lines.append(f"  {lo:6.1f} - {hi:6.1f} | {str(n).rjust(width)} {'#' * n}")
        lines.append("")
        rows = [["question", "kind", "points", "full marks (of scored)", "mean of scored", "pending"]]
        for q in question_stats(records, titles, kinds):
            title = q.title if len(q.title) <= 48 else q.title[:47] + "…"
            rate = f"{q.full}/{q.scored} ({100 * q.full / q.scored:.0f}%)" if q.scored else "–"
            rows.append([title, q.kind, f"{q.points:g}", rate, "–" if q.mean is None else f"{q.mean:.2f}",
                         str(q.pending) if q.pending else ""])
        lines += _table(rows, {2, 3, 4, 5})
    look = attention(records)
    if look:
        lines += ["", "needs attention:"]
        for r, why in look:
            lines.append(f"  {_who(r)} [{r.status}]")
            lines += [f"      - {w}" for w in why]
    return "\n".join(lines)


def _plots(records: list[Record], stats: list[QuestionStats], kinds: dict[str, str]) -> str:
    import base64
    import io

    from matplotlib.figure import Figure

    graded = [r for r in records if r.status != "error"]
    n_auto = sum(1 for q in stats if q.kind == "auto" and q.scored)
    fig = Figure(figsize=(9.0, max(3.2, 0.42 * n_auto + 1.0)), layout="constrained")
    left, right = fig.subplots(1, 2, width_ratios=[1.0, 1.3])
    autos = [_auto_manual(r, kinds)[0] for r in graded]
    top = max((_auto_manual(r, kinds)[2] for r in graded), default=1.0) or 1.0
    from matplotlib.ticker import MaxNLocator

    if top <= 30 and all(float(a).is_integer() for a in autos):  # whole points: one bar per score
        left.hist(autos, bins=[k - 0.5 for k in range(int(top) + 2)], color="#1f6f8b", edgecolor="white")
    else:
        left.hist(autos, bins=12, range=(0, top), color="#1f6f8b", edgecolor="white")
    left.set(xlabel="autograded points", ylabel="submissions", title="Scores")
    left.yaxis.set_major_locator(MaxNLocator(integer=True))
    left.xaxis.set_major_locator(MaxNLocator(integer=True))
    auto = [q for q in stats if q.kind == "auto" and q.scored]
    right.barh([_bar_label(q.title) for q in auto][::-1], [100 * q.full / q.scored for q in auto][::-1],
               color="#1f6f8b")
    right.tick_params(axis="y", labelsize=8)
    right.set(xlim=(0, 100), xlabel="% with full marks", title="Questions")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=144)
    return f'<img alt="score histogram and pass rates" style="width:900px;max-width:100%" ' \
           f'src="data:image/png;base64,{base64.b64encode(buffer.getvalue()).decode()}">'


def report_html(exercise: str, records: list[Record], titles: dict[str, str], kinds: dict[str, str]) -> str:
    """The report as a self-contained HTML page with the course's look and two plots."""
    from ..output.feedback_page import page_html

    stats = question_stats(records, titles, kinds)
    rows = "".join(
        f"<tr><td>{html.escape(q.title)}</td><td>{q.kind}</td><td class='fg-num'>{q.points:g}</td>"
        f"<td class='fg-num'>{(f'{q.full}/{q.scored} ({100 * q.full / q.scored:.0f}%)') if q.scored else '–'}</td>"
        f"<td class='fg-num'>{'–' if q.mean is None else f'{q.mean:.2f}'}</td>"
        f"<td class='fg-num'>{q.pending or ''}</td></tr>" for q in stats)
    table = ('<table class="fg-questions"><thead><tr><th>question</th><th>kind</th><th class="fg-num">points</th>'
             '<th class="fg-num">full marks (of scored)</th><th class="fg-num">mean of scored</th>'
             '<th class="fg-num">pending</th></tr>'
             f"</thead><tbody>{rows}</tbody></table>")
    look = "".join(f"<li><strong>{html.escape(_who(r))}</strong> [{r.status}]<ul>"
                   + "".join(f"<li>{html.escape(w)}</li>" for w in why) + "</ul></li>" for r, why in attention(records))
    graded = [r for r in records if r.status != "error"]
    body = ((_plots(records, stats, kinds) if graded else "") + "<h2>Questions</h2>" + table
            + (f"<h2>Needs attention</h2><ul>{look}</ul>" if look else ""))
    text = report_text(records, titles, kinds).splitlines()
    return page_html(f"Class report: {exercise}", html.escape(text[0]), "graded",
                     html.escape(next((t for t in text if t.startswith("autograded")), "")), body)


def _labels(course: Course, exercise: str) -> tuple[dict[str, str], dict[str, str]]:
    """Question titles and kinds (auto/manual) keyed like the records (``notebook:grade_id``)."""
    from .feedback import question_titles
    from .gradebook_io import open_gradebook
    from .template import load_templates

    titles, kinds = {}, {}
    try:
        with open_gradebook(course) as gb:
            templates = load_templates(gb, exercise, course.source)
    except Exception:  # the report still works from the records alone
        return titles, kinds
    for tpl in templates:
        named = question_titles(course.release / exercise / f"{tpl.name}.ipynb")
        for cell in tpl.graded():
            key = f"{tpl.name}:{cell.grade_id}"
            titles[key] = named.get(cell.grade_id, cell.grade_id)
            kinds[key] = "auto" if cell.kind == "test" else "manual"
    return titles, kinds


def report(course: Course, exercise: str, html_path: Path | None = None) -> int:
    course.check_exercise(exercise)
    from .final import final_grades, overlay

    records = list(overlay(load_records(course.status_dir(exercise)), final_grades(course, exercise)).values())
    if not records:
        print(f"no graded submissions for {exercise}: run `course grade {exercise}` first")
        return 1
    titles, kinds = _labels(course, exercise)
    print(report_text(records, titles, kinds))
    if html_path is not None:
        html_path.parent.mkdir(parents=True, exist_ok=True)
        html_path.write_text(report_html(exercise, records, titles, kinds), encoding="utf-8")
        print(f"\nwrote {html_path}")
    return 0
