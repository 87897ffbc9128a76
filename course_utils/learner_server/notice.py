"""The course-update notice in the learner's terminal (after the server's start-up lines) and in JupyterLab.

JupyterLab asks its server, once per page load, whether an update is available (the
``LabApp.check_for_updates_class`` setting) and shows the answer as a notification;
:class:`CourseUpdateNotice` answers with the course's updates instead of JupyterLab's own
(which would need the network); its button opens the note that lists every update (in a
new browser tab). The text comes from :mod:`course_utils.course_updates`.
"""
from __future__ import annotations

import sys
from urllib.parse import quote
from pathlib import Path

from jupyterlab.handlers.announcements import CheckForUpdateABC

from course_utils import course_updates

__all__ = ["WORKSPACE", "CourseUpdateNotice", "print_banner"]

#: The folder the server shows and the server's base URL (set when the extension loads).
WORKSPACE: Path | None = None
BASE_URL = "/"


def print_banner(root: Path) -> bool:
    """Print the notice to the server's terminal when an update waits in ``root``; True if printed."""
    pairs = course_updates.pending(root)
    if not pairs:
        return False
    course_updates.refresh_note(root)
    print("\n" + course_updates.banner(pairs) + "\n", file=sys.stderr, flush=True)
    return True


class CourseUpdateNotice(CheckForUpdateABC):
    """JupyterLab's update check, answered with the course's updates waiting in the workspace."""

    async def __call__(self) -> tuple[str, tuple[str, str]] | None:  # type: ignore[override]
        pairs = course_updates.pending(WORKSPACE) if WORKSPACE is not None else []
        if not pairs:
            return None
        course_updates.refresh_note(WORKSPACE)
        note = f"{BASE_URL.rstrip('/')}/lab/tree/{quote(course_updates.NOTE)}"
        return course_updates.toast(pairs), ("What to do", note)
