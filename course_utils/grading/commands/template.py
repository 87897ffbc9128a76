"""The trusted description of an exercise, read from the gradebook and the source notebook.

For every nbgrader cell the template records its kind, points and the instructor's
source (with hidden tests), plus the version students received (hidden tests
removed), which is what an unedited submission contains.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

HIDDEN = re.compile(r"^[ \t]*###[ \t]*BEGIN HIDDEN TESTS.*?^[ \t]*###[ \t]*END HIDDEN TESTS[^\n]*\n?",
                    re.M | re.S)


def remove_hidden_tests(source: str) -> str:
    """Drop every ``### BEGIN HIDDEN TESTS`` ... ``### END HIDDEN TESTS`` block."""
    return HIDDEN.sub("", source)


@dataclass
class TemplateCell:
    """One nbgrader cell as the instructor wrote it.

    ``kind`` is ``test`` (autograded test), ``answer`` (autograded answer),
    ``manual`` (manually graded answer), ``task`` or ``locked``.
    """

    grade_id: str
    kind: str
    cell_type: str
    source: str
    points: float = 0.0

    @property
    def graded(self) -> bool:
        return self.kind in ("test", "manual", "task")

    @property
    def student_source(self) -> str:
        return remove_hidden_tests(self.source) if self.kind == "test" else self.source


@dataclass
class NotebookTemplate:
    name: str
    cells: list[TemplateCell] = field(default_factory=list)

    def by_id(self) -> dict[str, TemplateCell]:
        return {c.grade_id: c for c in self.cells}

    def graded(self) -> list[TemplateCell]:
        return [c for c in self.cells if c.graded]


def grade_id_of(cell: dict) -> str | None:
    """The nbgrader ``grade_id`` of a notebook cell (JSON dict), or None."""
    return ((cell.get("metadata") or {}).get("nbgrader") or {}).get("grade_id")


def _source_order(path: Path) -> list[str]:
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return [gid for gid in map(grade_id_of, nb.get("cells", [])) if gid]


def load_templates(gb, exercise: str, source_dir: Path) -> list[NotebookTemplate]:
    """Build templates for every notebook of ``exercise`` from an open nbgrader ``Gradebook``."""
    assignment = gb.find_assignment(exercise)
    templates = []
    for nb in sorted(assignment.notebooks, key=lambda n: n.name):
        grade = {c.name: c for c in nb.grade_cells}
        solution = {c.name for c in nb.solution_cells}
        task = {c.name: c for c in nb.task_cells}
        cells = {}
        for sc in nb.source_cells:
            if sc.name in task:
                kind, points = "task", float(task[sc.name].max_score)
            elif sc.name in grade and sc.name in solution:
                kind, points = "manual", float(grade[sc.name].max_score)
            elif sc.name in grade:
                kind, points = "test", float(grade[sc.name].max_score)
            elif sc.name in solution:
                kind, points = "answer", 0.0
            else:
                kind, points = "locked", 0.0
            cells[sc.name] = TemplateCell(sc.name, kind, sc.cell_type, sc.source or "", points)
        order = [gid for gid in _source_order(source_dir / exercise / f"{nb.name}.ipynb") if gid in cells]
        order += sorted(set(cells) - set(order))
        templates.append(NotebookTemplate(nb.name, [cells[g] for g in order]))
    return templates
