"""What one student's run may use, and what it produced: the plain records the pool and the grader share.

Time is bounded twice: each cell has a limit (one number, or one per cell derived from the
reference solution's own run time, see :func:`derived_limits`), and the whole notebook has a
budget; a notebook that uses its budget up has its remaining cells left unrun. Output is
bounded per cell (``max_output`` characters of text, a few pictures) and per notebook
(``max_notebook_output`` bytes), so the grader never holds more than that for one student.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Limits", "RunResult", "derived_limits", "save_timing", "FLOOR", "MARGIN", "BUDGET_FLOOR"]

FLOOR = 10.0          # seconds: no cell's limit is shorter
MARGIN = 10.0         # times the reference solution's own time
BUDGET_FLOOR = 60.0   # seconds: no notebook's budget is shorter


@dataclass
class Limits:
    """Per-student limits and rules. ``timeout`` is per cell in seconds (``cell_limits``, when given, one per cell
    of the run, by position); ``budget`` the whole notebook's seconds; ``memory`` in bytes; ``max_output`` in
    characters per cell; ``max_notebook_output`` in bytes per notebook; ``unchanged_arguments`` below."""

    timeout: float = 60.0
    memory: int = 2 << 30
    procs: int = 64
    fsize: int = 64 << 20
    max_output: int = 20000
    grace: float = 3.0
    budget: float | None = None
    cell_limits: list[float] | None = None
    max_notebook_output: int = 8 << 20
    # True: a student's function that changes an array, list or dict it was given fails the test that
    # called it (for exercises whose functions must leave their inputs alone). False: the change is
    # copied back to the test's own value, as it would be in one process.
    unchanged_arguments: bool = False

    def cell_limit(self, index: int) -> float:
        if self.cell_limits and 0 <= index < len(self.cell_limits):
            return self.cell_limits[index]
        return self.timeout


@dataclass
class RunResult:
    """Outputs of one student's run.

    ``cells`` holds one entry per executed cell: ``{"outputs": [...], "execution_count": n}``;
    cells after a fatal problem are absent. ``fatal`` says why the run stopped early
    (``None`` when every cell ran); ``timeouts`` lists indices of cells that were
    interrupted for exceeding the time limit; ``violation`` is set when the student's
    side sent something that was not an answer to the grader's request; ``budget_stop`` is the
    index of the first cell left unrun because the notebook's time budget was used up;
    ``seconds`` the wall time of each executed cell.
    """

    cells: list[dict] = field(default_factory=list)
    fatal: str | None = None
    timeouts: list[int] = field(default_factory=list)
    worker_failed: bool = False
    fatal_cell: int | None = None
    violation: bool = False
    budget_stop: int | None = None
    seconds: list[float] = field(default_factory=list)
    output_dropped: bool = False


def save_timing(path: Path, grade_ids: list[str | None], seconds: list[float]) -> None:
    """Record the reference solution's time per cell (by grade id, or position for ordinary cells)."""
    cells = {(gid or f"#{i}"): round(s, 4) for i, (gid, s) in enumerate(zip(grade_ids, seconds))}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"cells": cells, "total": round(sum(seconds), 4)}, indent=1), encoding="utf-8")


def derived_limits(timing: Path, grade_ids: list[str | None], cap: float) -> tuple[list[float], float] | None:
    """Per-cell limits and the notebook budget from the reference run recorded in ``timing``.

    A graded or answer cell gets ``MARGIN`` times the reference's time for it, at least ``FLOOR``
    seconds; a cell the reference does not have (a student's own) gets the limit of the slowest
    reference cell; none exceeds ``cap`` (the configured per-cell timeout). The budget is
    ``MARGIN`` times the reference's total, at least ``BUDGET_FLOOR``. ``None`` without a record.
    """
    try:
        data = json.loads(timing.read_text(encoding="utf-8"))
        cells = {str(k): float(v) for k, v in data["cells"].items()}
        total = float(data["total"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    slowest = max(cells.values(), default=0.0)

    def limit(seconds: float) -> float:
        return min(cap, max(FLOOR, MARGIN * seconds))

    limits = [limit(cells[gid]) if gid in cells else limit(slowest) for gid in grade_ids]
    return limits, max(BUDGET_FLOOR, MARGIN * total)
