"""What every explorer shares: a figure redrawn into an Image widget whenever a control moves.

An explorer is a ``VBox`` of (controls, picture, caption). It draws on its own
matplotlib ``Figure`` (not registered with pyplot, so nothing leaks into a
notebook's figure list) and shows it as a PNG at the figure's own size: the box
does not stretch the picture to the width of the cell. For tests and for curious
readers the box also carries:

``box.controls``  dict name -> control widget (set ``.value`` to drive it)
``box.figure``    the matplotlib Figure that is redrawn
``box.image``     the Image widget showing the figure as PNG
``box.caption``   HTML widget with the text under the picture

ipywidgets and matplotlib are imported inside the functions, so importing this
module is cheap.
"""
from __future__ import annotations

import html
import io
from collections.abc import Callable
from typing import Any

__all__ = ["DPI", "SHARPNESS", "render", "drawn_for", "assemble", "slider_width", "int_slider", "float_slider",
           "build_controls", "values_of", "caption_of"]

#: CSS pixels per inch of an explorer's picture (the figure size in inches sets its size on screen).
DPI = 90
#: The picture holds this many image pixels per CSS pixel, so it stays sharp on high-DPI screens.
SHARPNESS = 2
#: Longest slider track in CSS pixels (one pixel per degree of a full turn).
MAX_TRACK = 360


def render(fig: Any, scale: int = SHARPNESS) -> bytes:
    """The figure as PNG bytes at ``DPI * scale`` pixels per inch."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI * scale)
    return buffer.getvalue()


def drawn_for(controls: dict[str, Any]) -> str:
    """The control values a picture was drawn for (``n=3, tilt=30``), kept on its caption."""
    def shown(control: Any) -> Any:  # what the control displays: a selection slider's label, else its value
        label = getattr(control, "label", None)
        return label if isinstance(label, str) else control.value

    return ", ".join(f"{control.description or name}={shown(control)}" for name, control in controls.items())


def slider_width(label: str, steps: int) -> str:
    """A slider's width: at least 260 px, and long enough for a track of one pixel per step up to 360 steps.

    A 0..359° angle slider gets a track of about 360 px, so a drag can stop on any degree;
    the arrow keys move one step and the number at the end can be typed over. The label takes
    about 7 px per character and the readout with its margins about 100 px (Chromium, JupyterLab 4).
    """
    return f"{max(260, min(steps, MAX_TRACK) + 7 * len(label) + 100)}px"


def int_slider(label: str, value: int, low: int, high: int, width: str | None = None, step: int = 1) -> Any:
    """An integer slider that reports its value when released (one redraw per move); see :func:`slider_width`."""
    import ipywidgets as widgets

    width = width or slider_width(label, (high - low) // step)
    return widgets.IntSlider(value=value, min=low, max=high, step=step, description=label, continuous_update=False,
                             style={"description_width": "initial"},
                             layout=widgets.Layout(width=width, min_width="200px"))


def float_slider(label: str, value: float, low: float, high: float, step: float, width: str | None = None) -> Any:
    """A float slider that reports its value when released (one redraw per move); see :func:`slider_width`."""
    import ipywidgets as widgets

    width = width or slider_width(label, int(round((high - low) / step)))
    return widgets.FloatSlider(value=value, min=low, max=high, step=step, description=label,
                               continuous_update=False, readout_format=".2f" if step < 0.1 else ".1f",
                               style={"description_width": "initial"},
                               layout=widgets.Layout(width=width, min_width="200px"))


def values_of(controls: dict[str, Any]) -> dict[str, Any]:
    """The controls' current values by name (what a lesson's callback receives as keyword arguments)."""
    return {name: control.value for name, control in controls.items()}


def caption_of(describe: Callable[..., str] | None, controls: dict[str, Any]) -> str:
    """The lesson's text for the current values (``describe(**values)``), or '' without one."""
    return describe(**values_of(controls)) if describe is not None else ""


def build_controls(spec: Any) -> dict[str, Any]:
    """Controls from a lesson's description: ``{name: (low, high, step, start)}`` or ``{name: [options]}``.

    A tuple makes a slider (an integer slider when all four numbers are integers); a list of
    strings makes a drop-down menu that starts at its first option. Raises ValueError naming
    the control whose description is wrong.
    """
    import ipywidgets as widgets
    import numpy as np

    if not spec:
        raise ValueError("give at least one control: {name: (low, high, step, start)} or {name: [options]}")
    built: dict[str, Any] = {}
    for name, entry in spec.items():
        if isinstance(entry, list):
            if not entry or not all(isinstance(option, str) for option in entry):
                raise ValueError(f"drop-down {name!r} needs a non-empty list of option names; got {entry!r}")
            built[name] = widgets.Dropdown(options=entry, value=entry[0], description=name,
                                           style={"description_width": "initial"})
            continue
        if len(entry) != 4:
            raise ValueError(f"slider {name!r} needs (low, high, step, start); got {entry!r}")
        low, high, step, start = entry
        if not low <= start <= high:
            raise ValueError(f"slider {name!r} starts at {start}, outside its range {low}..{high}")
        if all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in entry):
            built[name] = int_slider(name, int(start), int(low), int(high), step=int(step))
        else:
            built[name] = float_slider(name, float(start), float(low), float(high), float(step))
    return built


def assemble(controls: dict[str, Any], draw: Callable[[Any], str], figsize: tuple[float, float],
             ncols: int = 1, width_ratios: list[float] | None = None) -> Any:
    """Build the VBox (controls, picture, caption) and redraw whenever a control changes.

    ``draw(ax)`` draws on fresh Axes (an array of ``ncols`` Axes side by side, widths in
    ``width_ratios``, when ``ncols > 1``) and returns the caption text. A control that ``draw`` itself adjusts (for example a
    slider's ``max``) does not start a second, nested redraw.
    """
    import ipywidgets as widgets
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, layout="constrained")
    width_px = int(round(figsize[0] * DPI))
    # Shown at its own size in CSS pixels (never stretched), from a picture twice as fine.
    image = widgets.Image(format="png", layout=widgets.Layout(width=f"{width_px}px", max_width="100%",
                                                              height="auto"))
    caption = widgets.HTML()
    busy = [False]

    def redraw(_change: object = None) -> None:
        if busy[0]:  # a control changed while drawing (draw adjusted it): the loop below catches it
            return
        busy[0] = True
        try:
            for _ in range(3):  # the last values always win: draw again if they moved meanwhile
                wanted = drawn_for(controls)
                fig.clf()
                axes = fig.subplots(1, ncols, width_ratios=width_ratios) if ncols > 1 else fig.add_subplot(1, 1, 1)
                text = draw(axes)
                if drawn_for(controls) == wanted:
                    break
            image.value = render(fig)
            # The values the picture shows, for anyone who needs to check (the browser test does).
            caption.value = (f'<div class="fg-caption" data-drawn-for="{html.escape(drawn_for(controls))}">'
                             + (f"<pre>{html.escape(text)}</pre>" if text else "") + "</div>")
        finally:
            busy[0] = False

    for control in controls.values():
        control.observe(redraw, names="value")
    row = widgets.HBox(list(controls.values()), layout=widgets.Layout(flex_flow="row wrap"))
    box = widgets.VBox([row, image, caption], layout=widgets.Layout(align_items="flex-start"))
    box.controls = controls
    box.figure = fig
    box.image = image
    box.caption = caption
    redraw()
    return box
