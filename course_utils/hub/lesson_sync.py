"""Jupyter server extension: ``/course-sync`` makes or tops up a student's copy of the lessons.

The last step of the lesson link (``lessons.pull_link``): nbgitpuller has pulled the lessons
branch into ``feature-geometry/.course/source``; this copies it into the student's own
``feature-geometry/`` with :func:`course_utils.workspace.sync`, the rules ``make lab`` uses for
``workspace/`` (new lessons added, lessons the student has not edited updated, an edited one
kept with the course's new version saved next to it as ``NAME (course update).ipynb``), then
redirects to ``next``, a path inside this server. Enabled by the hub's role configuration
(``jupyter_student/``, ``jupyter_instructor/``).
"""
from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

from jupyter_server.base.handlers import JupyterHandler
from jupyter_server.utils import url_path_join
from tornado import web

from course_utils.hub.lessons import FIRST_LESSON, SOURCE, WORKSPACE
from course_utils.workspace import sync

__all__ = ["CourseSyncHandler", "safe_next"]


def safe_next(path: str) -> bool:
    """Whether ``path`` is a relative path inside this server (no scheme, host, ``..`` or backslash)."""
    parts = urlsplit(path)
    return bool(path) and not parts.scheme and not parts.netloc and not path.startswith("/") \
        and "\\" not in path and ".." not in parts.path.split("/") and not any(ord(ch) < 32 for ch in path)


class CourseSyncHandler(JupyterHandler):
    """``GET /course-sync?next=lab/tree/...``: sync the lessons, then go to ``next``."""

    @web.authenticated
    def get(self) -> None:
        root = Path(os.path.expanduser(self.settings["server_root_dir"]))
        target = self.get_argument("next", f"lab/tree/{WORKSPACE}/{FIRST_LESSON}")
        if not safe_next(target):
            raise web.HTTPError(400, "next must be a path inside this server")
        source = root / SOURCE
        if not (source / "lessons").is_dir():
            raise web.HTTPError(404, "no lessons have been pulled yet: open the lesson link your instructor gave you")
        report = sync(source, root / WORKSPACE)
        for line in report.lines():
            self.log.info("course-sync: %s", line)
        self.redirect(url_path_join(self.base_url, target))


def _jupyter_server_extension_points() -> list[dict]:
    return [{"module": "course_utils.hub.lesson_sync"}]


def _load_jupyter_server_extension(serverapp) -> None:
    base = serverapp.web_app.settings["base_url"]
    serverapp.web_app.add_handlers(".*$", [(url_path_join(base, "course-sync"), CourseSyncHandler)])
    serverapp.log.info("course-sync: lesson links sync %s/ into %s/", SOURCE, WORKSPACE)
