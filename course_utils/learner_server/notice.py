"""The course-update notice in the learner's terminal (after the server's start-up lines) and in JupyterLab.

JupyterLab asks its server, once per page load, whether an update is available (the
``LabApp.check_for_updates_class`` setting) and shows the answer as a notification;
:class:`CourseUpdateNotice` answers with the course's updates instead of JupyterLab's own
(which would need the network). JupyterLab shows it for 5 s the first time and then only in
its list of notifications, so while an update waits JupyterLab also opens on the note that
lists every update (:func:`land_on_note`). The text comes from :mod:`course_utils.course_updates`.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any
from urllib.parse import quote

from jupyterlab.handlers.announcements import CheckForUpdateABC

from course_utils import course_updates

__all__ = ["WORKSPACE", "CourseUpdateNotice", "print_banner", "land_on_note"]

#: The folder the server shows (set when the extension loads); None outside a learner's server.
WORKSPACE: Path | None = None


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

    async def __call__(self) -> str | None:  # type: ignore[override]
        pairs = course_updates.pending(WORKSPACE) if WORKSPACE is not None else []
        return course_updates.toast(pairs) if pairs else None


def land_on_note(root: Path, serverapp: Any) -> bool:
    """While updates wait, open JupyterLab on the note (the browser ``make lab`` opens and the URL it prints).

    JupyterLab shows its update notification for 5 s the first time and then only in its
    notification list, so the note in the main area is what the learner cannot miss. The
    tabs of their last session are restored beside it. True when the landing page changed.
    """
    from jupyter_server.utils import url_path_join

    if not course_updates.pending(root) or "/lab" not in serverapp.default_url:
        return False
    course_updates.refresh_note(root)
    landing = url_path_join(serverapp.base_url, "lab", "tree", quote(course_updates.NOTE))
    serverapp.default_url = landing
    serverapp.web_app.settings["default_url"] = landing
    return True
