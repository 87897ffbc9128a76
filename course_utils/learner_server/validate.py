"""nbgrader's Validate button, made to say true and useful things to a learner.

nbgrader's toolbar button appears on every notebook. On a lesson, which has no tests, its
server answered "Success! Your notebook passes all the tests."; here it says that a lesson
has nothing to validate and what to do instead. On an exercise, every failure now opens
with the line that says what went wrong (the exception and its message, which nbgrader
shows last, under the whole traceback), and each failing cell is named by its first line.
The rest of the report is nbgrader's own.
"""
from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any

__all__ = ["NO_TESTS", "has_tests", "headline", "shorten_report", "install"]

NO_TESTS = ("This notebook has no tests, so Validate has nothing to check: it is a lesson, not an exercise "
            "set. Validate checks the exercise notebooks (exercises/exNN_…/exNN_….ipynb). To check that a "
            "lesson runs from top to bottom, use Kernel → Restart Kernel and Run All Cells.")
NOT_WRITTEN = "NotImplementedError: the answer above this test is not written yet (it still raises NotImplementedError)"
ANSI_RE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
EXCEPTION_RE = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Warning|Interrupt|Exit)\b")


def has_tests(path: Path) -> bool:
    """True when the notebook has an nbgrader cell (an answer or a test), as an exercise set does."""
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
        cells = nb.get("cells", [])
    except (OSError, ValueError, AttributeError):
        return True  # let nbgrader report what is wrong with the file
    return any((cell.get("metadata", {}).get("nbgrader") or {}).get(key)
               for cell in cells for key in ("grade", "solution", "task"))


def headline(raw_error: str) -> str:
    """What went wrong, from a failing cell's error text: the exception line and the message under it."""
    lines = [ANSI_RE.sub("", line).rstrip() for line in raw_error.splitlines()]
    lines = [line for line in lines if line.strip()]
    if not lines:
        return ""
    start = max((i for i, line in enumerate(lines) if EXCEPTION_RE.match(line)), default=len(lines) - 1)
    text = "\n".join(lines[start:])
    return NOT_WRITTEN if text.strip() in ("NotImplementedError:", "NotImplementedError") else text


def _first_line(source: str) -> str:
    lines = source.strip().splitlines() or [""]
    more = len(lines) - 1
    return lines[0] + (f"\n… ({more} more line{'s' if more != 1 else ''})" if more else "")


def shorten_report(result: dict[str, Any]) -> dict[str, Any]:
    """nbgrader's validation result with each failure's headline first and its cell shown by its first line."""
    value = result.get("value")
    if not result.get("success") or not isinstance(value, dict) or not value.get("failed"):
        return result
    failed = []
    for cell in value["failed"]:
        first = headline(cell.get("raw_error", ""))
        error = cell.get("error", "")
        if first and first not in ("You did not provide a response.",):
            error = f"<b>{html.escape(first)}</b>\n\nwhere it happened:\n{error}"
        failed.append({**cell, "source": _first_line(cell.get("source", "")), "error": error})
    return {**result, "value": {**value, "failed": failed}}


def install(web_app: Any) -> None:
    """Answer nbgrader's validate requests with :func:`shorten_report` (ahead of nbgrader's own handler)."""
    from jupyter_server.utils import url_path_join
    from nbgrader.server_extensions.validate_assignment.handlers import ValidateAssignmentHandler

    class LearnerValidateHandler(ValidateAssignmentHandler):
        """nbgrader's handler; a notebook without tests is answered without running it."""

        def validate_notebook(self, path: str) -> dict[str, Any]:
            root = Path(self.settings["server_root_dir"]).resolve()
            target = (root / path).resolve()
            if target.is_relative_to(root) and target.is_file() and not has_tests(target):
                return {"success": False, "value": NO_TESTS}
            self.settings.setdefault("root_dir", str(root))
            return shorten_report(super().validate_notebook(path))

    pattern = url_path_join(web_app.settings["base_url"], r"/assignments/validate")
    web_app.add_handlers(".*$", [(pattern, LearnerValidateHandler)])
    rules = web_app.default_router.rules
    ours = rules[-2]  # add_handlers puts a rule just before the catch-all; the first rule that matches wins
    rules.remove(ours)
    rules.insert(0, ours)
