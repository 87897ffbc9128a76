"""The shared look of every course figure: palette, colours by role, and the ``ax=None`` convention.

Every plotting function in :mod:`course_utils.plots` takes ``ax=None`` and returns
the Axes it drew on; with ``ax=None`` it opens one new figure of a size chosen to
read well unstretched. Nothing here changes matplotlib's global settings.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes

__all__ = ["OKABE_ITO", "PALETTE", "DIVERGING", "HIGHLIGHT", "ORIGINAL", "RECOVERED",
           "new_axes", "panel_grid", "positive_int", "as_matrix", "spread_positions",
           "tidy_3d"]

#: Okabe & Ito (2008) colour-blind-safe palette, by name.
OKABE_ITO: dict[str, str] = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}
#: The same colours in the order used for successive series (black last).
PALETTE: tuple[str, ...] = tuple(OKABE_ITO[k] for k in (
    "blue", "orange", "bluish_green", "vermillion", "reddish_purple", "sky_blue", "yellow", "black"))

#: Colours by role: the input X, the weight W and the output Y of a projection (lesson 01).
X_COLOR, W_COLOR, Y_COLOR = OKABE_ITO["sky_blue"], OKABE_ITO["orange"], OKABE_ITO["bluish_green"]
#: The one thing a figure wants you to look at.
HIGHLIGHT = OKABE_ITO["vermillion"]
#: Values as they were stored, and as they were read back (lessons 02 and 03).
ORIGINAL, RECOVERED = "#9a9a9a", OKABE_ITO["bluish_green"]
#: Purple/orange diverging map, readable with common colour-vision deficiencies.
DIVERGING = "PuOr"


def new_axes(ax: Axes | None, figsize: tuple[float, float]) -> Axes:
    """``ax`` itself, or the Axes of a new figure of ``figsize`` inches when ``ax`` is None."""
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def panel_grid(nrows: int, ncols: int, panel: tuple[float, float] = (2.4, 2.4),
               three_d: tuple[int, ...] = ()) -> tuple:
    """A new figure of ``nrows x ncols`` panels, each ``panel`` inches; returns ``(figure, axes array)``.

    For small multiples: pass the panels one by one to the plotting functions as ``ax=``.
    ``three_d`` lists the panels (counted row by row from 0) that get 3-D axes.
    """
    fig = plt.figure(figsize=(panel[0] * ncols, panel[1] * nrows), layout="constrained")
    axes = np.empty((nrows, ncols), dtype=object)
    for k in range(nrows * ncols):
        axes.flat[k] = fig.add_subplot(nrows, ncols, k + 1, projection="3d" if k in three_d else None)
    return fig, axes


def positive_int(name: str, value: object) -> int:
    """``value`` as an int; ValueError naming ``name`` unless it is a positive integer (bools refused)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def as_matrix(name: str, value: object, rows: int | None = None) -> np.ndarray:
    """``value`` as a 2-D float array; ValueError naming ``name`` and its shape otherwise.

    ``rows``, when given, is the number of rows the matrix must have.
    """
    array = np.asarray(value, dtype=float)
    if array.ndim != 2 or (rows is not None and array.shape[0] != rows):
        want = f"({rows}, n)" if rows is not None else "2-D"
        raise ValueError(f"{name} must be a {want} array; got shape {array.shape}")
    return array


def spread_positions(values: np.ndarray | list[float], min_gap: float) -> np.ndarray:
    """Label positions near ``values`` with neighbours at least ``min_gap`` apart (order kept).

    Labels that would overlap are pushed apart along their axis, as little as possible: each
    crowded group is spread evenly around its own centre.

    Parameters
    ----------
    values : (k,)
        Where each label would go.
    min_gap : float
        Smallest distance between two labels, in the same units.

    Returns
    -------
    (k,)
        Positions in the order of ``values``.
    """
    values = np.asarray(values, dtype=float)
    order = np.argsort(values, kind="stable")
    groups: list[list[float]] = []          # each group: [start position, count, sum of wanted positions]
    for v in values[order]:
        groups.append([v, 1, v])
        while len(groups) > 1 and groups[-2][0] + groups[-2][1] * min_gap > groups[-1][0]:
            start, count, total = groups.pop()
            prev = groups[-1]
            prev[1] += count
            prev[2] += total
            prev[0] = prev[2] / prev[1] - (prev[1] - 1) * min_gap / 2   # centred on the group's mean
    placed = np.concatenate([g[0] + min_gap * np.arange(g[1]) for g in groups])
    out = np.empty_like(values)
    out[order] = placed
    return out


def tidy_3d(ax: Axes, limit: float, labels: tuple[str, str, str]) -> None:
    """Cube limits ``[-limit, limit]``, three ticks per axis in small type, and axis labels close in.

    A 3-D panel at lesson size has little room: matplotlib's default five or six ticks per
    axis crowd into each other and push the axis labels off the panel.
    """
    inner = 0.8 * limit
    step = 10.0 ** np.floor(np.log10(inner))
    tick = np.floor(inner / step) * step                  # a round number inside the cube: 2 for 2.6
    ticks = [-tick, 0.0, tick]
    tick_text = [f"{t:g}" for t in ticks]
    for axis, label in zip((ax.xaxis, ax.yaxis, ax.zaxis), labels):
        axis.set_ticks(ticks, tick_text)
        axis.set_tick_params(labelsize=7, pad=0)
        axis.labelpad = -4
        axis.set_label_text(label)
    ax.set_xlim(-limit, limit)
    ax.set_ylim(-limit, limit)
    ax.set_zlim(-limit, limit)
