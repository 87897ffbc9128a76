"""nbgrader's scoring rules, applied to executed cells.

A test cell earns its full points when its outputs hold no error (an error
anywhere in the cell scores 0); otherwise an ``execute_result`` that is a single
number between 0 and the maximum gives partial credit (as in ``nbgrader.utils.determine_grade``). Unlike plain
nbgrader, text on stderr (a warning) does not zero a cell. A manually graded
answer left as released scores 0 ("No response"); otherwise it waits for a
grader (``None``).
"""
from __future__ import annotations

from .sanitize import RunCell
from .template import TemplateCell


def partial_credit(output: dict, max_points: float) -> float:
    """Points from an ``execute_result`` output, following nbgrader's partial-credit rule."""
    text = output.get("data", {}).get("text/plain")
    if isinstance(text, list):
        if len(text) != 1:
            return max_points
        text = text[0]
    try:
        value = float(text)
    except (TypeError, ValueError):
        return max_points
    if value < 0:
        return max_points
    return min(value, max_points)


def cell_score(cell: RunCell | None, tpl: TemplateCell) -> float | None:
    """Score of one graded cell; ``cell`` is ``None`` when it never ran."""
    if tpl.kind == "test":
        if cell is None or cell.execution_count is None:
            return 0.0
        if any(output.get("output_type") == "error" for output in cell.outputs):
            return 0.0
        for output in cell.outputs:
            if output.get("output_type") == "execute_result":
                return partial_credit(output, tpl.points)
        return tpl.points
    if tpl.kind in ("manual", "task"):
        if cell is None or cell.source.strip() == tpl.source.strip():
            return 0.0
        return None
    raise ValueError(f"cell {tpl.grade_id!r} is not graded")
