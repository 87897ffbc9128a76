"""The grade as the instructor gave it: final scores and grader comments, read from the gradebook.

``course grade`` stores autograded scores; nbgrader's formgrader then adds manual scores,
extra credit and comments to the same gradebook. Every page, report and LMS file reads them
from here, so a student sees the grade the instructor gave. An answer still waiting for a
grader (no score yet, or ticked "needs manual grade") is *pending*: it has no score, and a
total that would count it is left blank unless a caller asks for the partial sum.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .course import Course
from .records import Record

__all__ = ["CellGrade", "FinalGrade", "final_grades", "overlay"]


@dataclass
class CellGrade:
    """One graded cell: its final score (``None`` while pending) and what it is made of."""

    score: float | None
    max_score: float
    auto: float | None = None
    manual: float | None = None
    extra: float | None = None
    pending: bool = False


@dataclass
class FinalGrade:
    """One student's grade for one exercise, as the gradebook holds it now."""

    student: str
    cells: dict[str, CellGrade] = field(default_factory=dict)       # "notebook:grade_id" -> grade
    comments: dict[str, str] = field(default_factory=dict)          # "notebook:cell" -> grader's comment

    @property
    def pending(self) -> int:
        return sum(1 for c in self.cells.values() if c.pending)

    @property
    def partial_total(self) -> float:
        return float(sum(c.score for c in self.cells.values() if c.score is not None))

    @property
    def total(self) -> float | None:
        """The total, or ``None`` while an answer is pending."""
        return None if self.pending else self.partial_total

    @property
    def max_total(self) -> float:
        return float(sum(c.max_score for c in self.cells.values()))


def final_grades(course: Course, exercise: str) -> dict[str, FinalGrade]:
    """Every submission of ``exercise`` in the gradebook, keyed by student id."""
    from .gradebook_io import open_gradebook

    out: dict[str, FinalGrade] = {}
    with open_gradebook(course) as gb:
        try:
            assignment = gb.find_assignment(exercise)
        except Exception:  # not in the gradebook: nothing graded yet
            return out
        for sub in assignment.submissions:
            final = out.setdefault(sub.student.id, FinalGrade(sub.student.id))
            for nb in sub.notebooks:
                for grade in nb.grades:
                    manual, auto, extra = grade.manual_score, grade.auto_score, grade.extra_credit
                    base = manual if manual is not None else auto
                    pending = base is None or bool(grade.needs_manual_grade)
                    score = None if pending else float(base) + float(extra or 0.0)
                    final.cells[f"{nb.name}:{grade.name}"] = CellGrade(score, float(grade.max_score or 0.0),
                                                                       auto, manual, extra, pending)
                for comment in nb.comments:
                    text = (comment.manual_comment or "").strip()
                    if text:
                        final.comments[f"{nb.name}:{comment.name}"] = text
    return out


def overlay(records: dict[str, Record], finals: dict[str, FinalGrade]) -> dict[str, Record]:
    """``records`` with their scores replaced by the gradebook's final ones (``None`` while pending).

    A submission that could not be graded keeps its record as it is: it has no scores.
    """
    for student, rec in records.items():
        final = finals.get(student)
        if final is None or rec.status == "error":
            continue
        rec.scores = {key: final.cells[key].score if key in final.cells else value
                      for key, value in rec.scores.items()}
    return records
