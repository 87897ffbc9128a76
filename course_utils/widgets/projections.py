"""Explorers for lesson 01, *Projection shapes*: the multiply as blocks, and one column read at a time."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .base import assemble

__all__ = ["projection_explorer", "column_explorer"]


def projection_explorer(n: int = 3, d_in: int = 4, d_out: int = 2, *, max_dim: int = 16,
                        describe: Callable[[int, int, int], str] | None = None) -> Any:
    """Sliders for ``n``, ``d_in``, ``d_out`` and an output entry ``(i, j)``; draws the multiply as blocks.

    Wraps :func:`course_utils.plots.plot_projection_blocks`.

    Parameters
    ----------
    n, d_in, d_out : int
        Starting sizes (1..max_dim).
    max_dim : int
        Largest value on each size slider.
    describe : callable (n, d_in, d_out) -> str, optional
        Text shown under the picture, for example a cost the lesson computes.

    Returns
    -------
    ipywidgets.VBox
        With ``controls`` keys ``"n"``, ``"d_in"``, ``"d_out"``, ``"i"``, ``"j"``.
    """
    import ipywidgets as widgets

    from course_utils.plots import plot_projection_blocks

    for name, value in (("n", n), ("d_in", d_in), ("d_out", d_out)):
        if not 1 <= value <= max_dim:
            raise ValueError(f"{name}={value} is outside the slider range 1..{max_dim}; "
                             f"pick a smaller value or raise max_dim")

    def slider(label: str, value: int, high: int) -> Any:
        return widgets.IntSlider(value=value, min=1, max=high, description=label, continuous_update=False,
                                 layout=widgets.Layout(width="260px", min_width="220px"))

    def index(label: str, high: int) -> Any:
        return widgets.IntSlider(value=0, min=0, max=high, description=label, continuous_update=False,
                                 layout=widgets.Layout(width="240px", min_width="200px"))

    controls = {
        "n": slider("n", n, max_dim),
        "d_in": slider("d_in", d_in, max_dim),
        "d_out": slider("d_out", d_out, max_dim),
        "i": index("row i", n - 1),
        "j": index("col j", d_out - 1),
    }

    def draw(ax: Any) -> str:
        c = controls
        # Keep the (i, j) sliders inside Y when n or d_out shrink.
        c["i"].max = c["n"].value - 1
        c["j"].max = c["d_out"].value - 1
        sizes = (c["n"].value, c["d_in"].value, c["d_out"].value)
        plot_projection_blocks(*sizes, highlight=(c["i"].value, c["j"].value), ax=ax)
        return describe(*sizes) if describe is not None else ""

    return assemble(controls, draw, (7, 5.5))


def column_explorer(h: Sequence[float] | np.ndarray, W: np.ndarray, *, input_labels: Sequence[str] | None = None,
                    describe: Callable[[int], str] | None = None) -> Any:
    """A slider over the columns of ``W``; outlines the chosen column beside the input ``h``.

    Wraps :func:`course_utils.plots.plot_column_reading`.

    Parameters
    ----------
    h : (d_in,)
        One hidden state.
    W : (d_in, d_out)
        Weight matrix in ``h @ W`` orientation.
    input_labels : sequence of d_in str, optional
    describe : callable j -> str, optional
        Text shown under the picture for column ``j`` (for example the lesson's
        term-by-term dot product).

    Returns
    -------
    ipywidgets.VBox
        With ``controls`` key ``"j"``.
    """
    import ipywidgets as widgets

    from course_utils.plots import plot_column_reading

    W = np.asarray(W, dtype=float)
    h = np.asarray(h, dtype=float)
    if W.ndim != 2 or h.shape != (W.shape[0],):
        raise ValueError(f"need h of shape (d_in,) and W of shape (d_in, d_out); got h {h.shape}, W {W.shape}")
    controls = {"j": widgets.IntSlider(value=0, min=0, max=W.shape[1] - 1, description="column j",
                                       continuous_update=False)}

    def draw(ax: Any) -> str:
        j = controls["j"].value
        plot_column_reading(h, W, j, input_labels=input_labels, ax=ax)
        return describe(j) if describe is not None else ""

    width = max(5.0, 1.5 + 0.9 * (W.shape[1] + 2))
    return assemble(controls, draw, (width, 1.6 + 0.6 * W.shape[0]))
