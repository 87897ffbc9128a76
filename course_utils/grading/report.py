"""``course report``: a summary table for the instructor."""
from __future__ import annotations

from collections import Counter

from .course import Course
from .records import STATUSES, Record, load_records


def summary_line(records: list[Record]) -> str:
    counts = Counter(r.status for r in records)
    parts = [f"{counts.get(s, 0)} {s}" for s in STATUSES]
    return f"{len(records)} submissions: " + ", ".join(parts)


def report_text(records: list[Record], bins: int = 5) -> str:
    """The report as plain text: status counts, score histogram, pass rates, flags."""
    lines = [summary_line(records), ""]
    scored = [r for r in records if r.total is not None]
    if scored:
        top = max(r.max_total for r in scored) or 1.0
        lines.append(f"score distribution (out of {top:g}):")
        edges = [top * i / bins for i in range(bins + 1)]
        for lo, hi in zip(edges, edges[1:]):
            n = sum(1 for r in scored if lo <= r.total < hi or (hi == top and r.total == top))
            lines.append(f"  {lo:6.1f} - {hi:6.1f} | {'#' * n} {n}")
        totals = sorted(r.total for r in scored)
        lines.append(f"  mean {sum(totals) / len(totals):.2f}, median {totals[len(totals) // 2]:.2f}")
        lines.append("")
        lines.append("per-question pass rate (full points):")
        keys = list(scored[0].max_scores)
        for key in keys:
            full = sum(1 for r in scored if r.scores.get(key) is not None
                       and r.scores[key] >= r.max_scores[key] > 0)
            pending = sum(1 for r in scored if r.scores.get(key) is None)
            extra = f" ({pending} need manual grading)" if pending else ""
            lines.append(f"  {key:40s} {full:3d}/{len(scored)} {100 * full / len(scored):5.1f}%{extra}")
    problems = [r for r in records if r.status != "graded"]
    if problems:
        lines += ["", "needs attention:"]
        for r in problems:
            lines.append(f"  {r.student} [{r.status}]")
            for why in r.reasons:
                lines.append(f"      - {why}")
    return "\n".join(lines)


def report(course: Course, exercise: str) -> int:
    course.check_exercise(exercise)
    records = list(load_records(course.status_dir(exercise)).values())
    if not records:
        print(f"no graded submissions for {exercise}: run `course grade {exercise}` first")
        return 1
    print(report_text(records))
    return 0
