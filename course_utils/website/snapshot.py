"""Turn live ipywidgets outputs of an executed notebook into static HTML snapshots.

A widget output in a saved notebook is only a reference (``model_id``) into the
widget state that the executing client stores in ``nb.metadata.widgets``. A
static page has no kernel, so the course site replaces each reference with the
picture, text and control values the widget showed when the lesson ran, drawn
as inert HTML (no script, nothing fetched from the network), and a line telling
the reader how to get the live version.

Only the widget models the course's explorers use are drawn in detail (boxes,
images, HTML/Label text, sliders, dropdowns, checkboxes, buttons); any other
model shows its class name and value, so nothing disappears silently.
"""
from __future__ import annotations

import html
import re
from typing import Any

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
LIVE_NOTE = ("Snapshot of an interactive explorer at its starting values. Run the lesson in "
             "JupyterLab (<code>make lab</code>) to move the controls.")

__all__ = ["LIVE_NOTE", "widget_models", "render_widget", "snapshot_widgets"]


def widget_models(nb: Any) -> dict[str, dict]:
    """Model id -> ``{"model_name", "state"}`` from a notebook's stored widget state.

    Buffers (for example an Image widget's PNG bytes) are merged into ``state``
    under their path, still base64-encoded.
    """
    stored = (nb.get("metadata", {}).get("widgets", {}) or {}).get(WIDGET_STATE, {}) or {}
    models: dict[str, dict] = {}
    for model_id, entry in (stored.get("state", {}) or {}).items():
        state = dict(entry.get("state", {}) or {})
        for buffer in entry.get("buffers", []) or []:
            path = buffer.get("path") or []
            if len(path) == 1 and buffer.get("encoding") == "base64":
                state[path[0]] = {"base64": buffer.get("data", "")}
        models[model_id] = {"model_name": entry.get("model_name", ""), "state": state}
    return models


def _child_ids(state: dict) -> list[str]:
    return [c[len("IPY_MODEL_"):] for c in state.get("children", []) or []
            if isinstance(c, str) and c.startswith("IPY_MODEL_")]


def _label(state: dict) -> str:
    text = state.get("description", "") or ""
    return f'<span class="fg-label">{html.escape(str(text))}</span> ' if text else ""


def _layout_width(models: dict[str, dict], state: dict) -> str:
    """The CSS width a widget's layout gives it (``"846px"``), or '' (the picture's own pixel width)."""
    ref = state.get("layout")
    if isinstance(ref, str) and ref.startswith("IPY_MODEL_"):
        width = models.get(ref[len("IPY_MODEL_"):], {}).get("state", {}).get("width")
        if isinstance(width, str) and re.fullmatch(r"\d+(\.\d+)?px", width):
            return width
    return ""


def render_widget(models: dict[str, dict], model_id: str, depth: int = 0) -> str:
    """Static HTML for one widget model and its children (inert: no scripts, disabled inputs)."""
    model = models.get(model_id)
    if model is None or depth > 20:
        return '<div class="fg-missing">(widget state not saved)</div>'
    name, state = model["model_name"], model["state"]
    if name in ("VBoxModel", "HBoxModel", "BoxModel", "GridBoxModel"):
        direction = "row" if name == "HBoxModel" else "column"
        inner = "".join(render_widget(models, child, depth + 1) for child in _child_ids(state))
        return (f'<div class="fg-box" style="display:flex;flex-direction:{direction};'
                f'flex-wrap:wrap;align-items:flex-start;gap:0.3em 1.2em">{inner}</div>')
    if name == "ImageModel":
        value = state.get("value")
        data = value.get("base64", "") if isinstance(value, dict) else ""
        fmt = html.escape(str(state.get("format", "png")))
        if not data:
            return '<div class="fg-missing">(empty image)</div>'
        width = _layout_width(models, state)
        size = f"width:{width};" if width else ""
        return (f'<img alt="explorer picture" src="data:image/{fmt};base64,{data}" '
                f'style="{size}max-width:100%;height:auto">')
    if name in ("HTMLModel", "HTMLMathModel"):
        return f'<div class="fg-html">{state.get("value", "")}</div>'
    if name == "LabelModel":
        return f'<div class="fg-label">{html.escape(str(state.get("value", "")))}</div>'
    if name in ("IntSliderModel", "FloatSliderModel"):
        low, high, value = state.get("min", 0), state.get("max", 100), state.get("value", 0)
        step = state.get("step", 1)
        return (f'<label class="fg-slider">{_label(state)}<input type="range" disabled '
                f'min="{low}" max="{high}" step="{step}" value="{value}"> '
                f"<output>{html.escape(str(value))}</output></label>")
    if name in ("DropdownModel", "ToggleButtonsModel", "RadioButtonsModel", "SelectModel"):
        options = list(state.get("_options_labels", []) or [])
        index = state.get("index")
        chosen = options[index] if isinstance(index, int) and 0 <= index < len(options) else ""
        return f'<label class="fg-choice">{_label(state)}<b>{html.escape(str(chosen))}</b></label>'
    if name in ("CheckboxModel", "ToggleButtonModel"):
        mark = "checked " if state.get("value") else ""
        return f'<label class="fg-check">{_label(state)}<input type="checkbox" disabled {mark}></label>'
    if name == "ButtonModel":
        return f'<button disabled>{html.escape(str(state.get("description", "")))}</button>'
    value = state.get("value")
    shown = f": {html.escape(str(value))}" if value is not None and not isinstance(value, dict) else ""
    return f'<div class="fg-other">{html.escape(name.removesuffix("Model"))}{shown}</div>'


def snapshot_widgets(nb: Any) -> int:
    """Replace every widget output of ``nb`` in place by a static snapshot; return how many.

    The stored widget state is removed afterwards so an HTML exporter does not
    add scripts that fetch a widget renderer from the network.
    """
    models = widget_models(nb)
    count = 0
    for cell in nb.get("cells", []):
        for output in cell.get("outputs", []) if cell.get("cell_type") == "code" else []:
            view = (output.get("data") or {}).get(WIDGET_VIEW)
            if not view:
                continue
            body = render_widget(models, str(view.get("model_id", "")))
            output["data"] = {
                "text/html": f'<div class="fg-snapshot">{body}<p class="fg-note"><em>{LIVE_NOTE}</em></p></div>',
                "text/plain": "(interactive explorer: run the lesson in JupyterLab to use it)",
            }
            count += 1
    nb.get("metadata", {}).pop("widgets", None)
    return count
