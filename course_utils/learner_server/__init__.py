"""The learner's JupyterLab (``make lab``): a Jupyter server extension for the second day and after.

Enabled by ``course_utils/jupyter_learner/jupyter_server_config.json``, never for ``make
teach``. On start-up it

* keeps explorers' last pictures with the notebook (:mod:`.widget_state`, a pre-save hook
  that completes what JupyterLab saves when widget state saving is on);
* repeats the course-update notice after the server's start-up lines, opens JupyterLab on
  the note that lists the updates and offers it as a notification (:mod:`.notice`);
* answers nbgrader's Validate button truthfully for lessons, and puts the line that says
  what went wrong first for exercises (:mod:`.validate`).

Nothing here is imported by ``import course_utils``; Jupyter imports it when the server starts.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["_jupyter_server_extension_points", "_load_jupyter_server_extension"]

#: Seconds after the event loop starts before the notice is printed (after the start-up lines).
BANNER_DELAY = 1.0


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    return [{"module": "course_utils.learner_server"}]


def _load_jupyter_server_extension(serverapp: Any) -> None:
    """Register the pre-save hook, the Validate handler and the start-up notice with ``serverapp``."""
    from tornado.ioloop import IOLoop

    from . import notice, validate, widget_state

    root = Path(serverapp.root_dir)
    notice.WORKSPACE = root
    serverapp.contents_manager.register_pre_save_hook(widget_state.keep_widget_state)
    validate.install(serverapp.web_app)
    notice.land_on_note(root, serverapp)
    IOLoop.current().call_later(BANNER_DELAY, notice.print_banner, root)
