"""Explorers that show their last picture when a lesson is reopened after a restart.

With JupyterLab's "save widget state" setting on (the learner configuration turns it on),
saving a notebook stores the state of every *live* widget in its metadata, and reopening
it draws the explorers from that state before any kernel runs. Two gaps remain, and
:func:`keep_widget_state` (a pre-save hook) closes them:

* explorers restored from a saved notebook are not live, so the next save (an edit
  elsewhere, autosave) would drop them and bring back "model not found": their state is
  carried over from the file being replaced;
* every run of an explorer's cell adds a new set of live widgets and the old ones stay
  live: only the widgets that an output still shows are kept, so the file does not grow.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

__all__ = ["WIDGET_STATE", "WIDGET_VIEW", "shown_models", "merge_state", "keep_widget_state"]

WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
REF = "IPY_MODEL_"


def shown_models(nb: dict) -> list[str]:
    """Ids of the widget models the notebook's outputs display, in order."""
    ids = []
    for cell in nb.get("cells", []):
        for output in cell.get("outputs", []) if cell.get("cell_type") == "code" else []:
            view = (output.get("data") or {}).get(WIDGET_VIEW)
            if isinstance(view, dict) and view.get("model_id") and view["model_id"] not in ids:
                ids.append(view["model_id"])
    return ids


def _references(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value[len(REF):]] if value.startswith(REF) else []
    if isinstance(value, dict):
        return [ref for item in value.values() for ref in _references(item)]
    if isinstance(value, list):
        return [ref for item in value for ref in _references(item)]
    return []


def merge_state(nb: dict, previous: dict[str, Any]) -> dict[str, Any]:
    """The widget state to save: what ``nb`` carries, completed from ``previous``, for the widgets it shows.

    ``previous`` is the state saved last time (model id -> model); the result holds every
    model an output displays and every model those refer to (children, layout, style).
    """
    saved = ((nb.get("metadata", {}).get("widgets") or {}).get(WIDGET_STATE) or {}).get("state") or {}
    pool = {**previous, **saved}
    keep: dict[str, Any] = {}
    todo = shown_models(nb)
    while todo:
        model_id = todo.pop()
        if model_id in keep or model_id not in pool:
            continue
        keep[model_id] = pool[model_id]
        todo.extend(_references(pool[model_id].get("state", {})))
    return keep


def _saved_state(path: Path) -> dict[str, Any]:
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
        return nb["metadata"]["widgets"][WIDGET_STATE]["state"]
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def keep_widget_state(model: dict, path: str, contents_manager: Any, **_: Any) -> None:
    """Pre-save hook: store the state of the widgets the notebook shows, completed from the file on disk."""
    if model.get("type") != "notebook" or not isinstance(model.get("content"), dict):
        return
    nb = model["content"]
    metadata = nb.setdefault("metadata", {})
    on_disk = Path(contents_manager.root_dir) / path.strip("/")
    state = merge_state(nb, _saved_state(on_disk) if shown_models(nb) else {})
    if state:
        old = (metadata.get("widgets") or {}).get(WIDGET_STATE) or {}
        metadata["widgets"] = {WIDGET_STATE: {"version_major": old.get("version_major", 2),
                                              "version_minor": old.get("version_minor", 0), "state": state}}
    else:
        metadata.pop("widgets", None)
