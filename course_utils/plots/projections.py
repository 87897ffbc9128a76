"""Figures for lesson 01, *Projection shapes*: the multiply drawn as blocks, one column read, widths.

Nothing here does the maths a lesson teaches: the numbers to draw are passed in.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import TwoSlopeNorm
from matplotlib.patches import Rectangle

from .style import DIVERGING, HIGHLIGHT, W_COLOR, X_COLOR, Y_COLOR, new_axes, positive_int

__all__ = ["plot_projection_blocks", "plot_column_reading", "plot_widths"]


def _block(ax: Axes, x: float, y: float, w: float, h: float, color: str, grid: bool) -> None:
    ax.add_patch(Rectangle((x, y), w, h, facecolor=color, edgecolor="black", linewidth=1.2, alpha=0.55))
    if grid:
        for k in range(1, int(round(w))):
            ax.plot([x + k, x + k], [y, y + h], color="black", linewidth=0.4, alpha=0.5)
        for k in range(1, int(round(h))):
            ax.plot([x, x + w], [y + k, y + k], color="black", linewidth=0.4, alpha=0.5)


def plot_projection_blocks(n: int, d_in: int, d_out: int, *, highlight: tuple[int, int] | None = None,
                           note: str | None = None, ax: Axes | None = None) -> Axes:
    """Draw ``X [n, d_in] @ W [d_in, d_out] = Y [n, d_out]`` as blocks, one square per number.

    ``X`` sits left of ``Y`` (same rows), ``W`` sits above ``Y`` (same columns), so the
    shared inner width ``d_in`` lines up between ``X`` and ``W``.

    Parameters
    ----------
    n, d_in, d_out : int
        Token rows, input width, output width (positive).
    highlight : (i, j), optional
        Output entry ``Y[i, j]`` to mark, together with the row ``X[i, :]`` and the
        column ``W[:, j]`` it is computed from.
    note : str, optional
        Extra text shown under the picture (for example a cost the lesson computed).
    ax : Axes, optional

    Returns
    -------
    Axes
    """
    n, d_in, d_out = (positive_int(k, v) for k, v in (("n", n), ("d_in", d_in), ("d_out", d_out)))
    ax = new_axes(ax, (7, 5))
    gap = max(1.0, 0.15 * max(n, d_in, d_out))
    grid = max(n, d_in, d_out) <= 24
    # Y at the origin; X to its left; W above it.
    _block(ax, 0, 0, d_out, n, Y_COLOR, grid)
    _block(ax, -gap - d_in, 0, d_in, n, X_COLOR, grid)
    _block(ax, 0, n + gap, d_out, d_in, W_COLOR, grid)
    size = 10
    ax.text(-gap - d_in / 2, n / 2, f"X\n[{n}, {d_in}]", ha="center", va="center", fontsize=size, weight="bold")
    ax.text(d_out / 2, n + gap + d_in / 2, f"W\n[{d_in}, {d_out}]", ha="center", va="center",
            fontsize=size, weight="bold")
    ax.text(d_out / 2, n / 2, f"Y\n[{n}, {d_out}]", ha="center", va="center", fontsize=size, weight="bold")
    ax.text(-gap / 2, n / 2, "=", ha="center", va="center", fontsize=14)
    if highlight is not None:
        i, j = highlight
        if not (0 <= i < n and 0 <= j < d_out):
            raise ValueError(f"highlight {highlight} is outside Y, which has shape ({n}, {d_out}); "
                             f"use 0 <= i < {n} and 0 <= j < {d_out}")
        row_y = n - 1 - i  # row 0 drawn at the top, as in printed matrices
        style = {"facecolor": "none", "edgecolor": HIGHLIGHT, "linewidth": 2.5}
        ax.add_patch(Rectangle((-gap - d_in, row_y), d_in, 1, **style))
        ax.add_patch(Rectangle((j, n + gap), 1, d_in, **style))
        ax.add_patch(Rectangle((j, row_y), 1, 1, facecolor=HIGHLIGHT, edgecolor=HIGHLIGHT, alpha=0.9))
    ax.set_xlim(-gap - d_in - 0.5, d_out + 0.5)
    ax.set_ylim(-0.5, n + gap + d_in + 0.5)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    title = f"[{n}, {d_in}] × [{d_in}, {d_out}] = [{n}, {d_out}]"
    if highlight is not None:
        title += f"\nY[{highlight[0]}, {highlight[1]}] = row {highlight[0]} of X · column {highlight[1]} of W"
    ax.set_title(title)
    ax.set_xlabel("columns" + (f"\n{note}" if note else ""))
    ax.set_ylabel("rows")
    return ax


def plot_column_reading(h: Sequence[float] | np.ndarray, W: np.ndarray, j: int, *,
                        input_labels: Sequence[str] | None = None, ax: Axes | None = None) -> Axes:
    """Show an input vector beside a weight matrix with column ``j`` outlined.

    Parameters
    ----------
    h : (d_in,)
        One hidden state (one token row).
    W : (d_in, d_out)
        Weight matrix in ``h @ W`` orientation.
    j : int
        Output feature (column of ``W``) to outline.
    input_labels : sequence of d_in str, optional
        Names of the input coordinates (default ``h[0]``, ``h[1]``, ...).
    ax : Axes, optional

    Returns
    -------
    Axes
    """
    h = np.asarray(h, dtype=float)
    W = np.asarray(W, dtype=float)
    if h.ndim != 1 or W.ndim != 2 or W.shape[0] != h.shape[0]:
        raise ValueError(f"need h of shape (d_in,) and W of shape (d_in, d_out) with the same d_in; "
                         f"got h {h.shape} and W {W.shape}")
    d_in, d_out = W.shape
    if not 0 <= j < d_out:
        raise ValueError(f"column j={j} does not exist: W has {d_out} columns (use 0..{d_out - 1})")
    if input_labels is not None and len(input_labels) != d_in:
        raise ValueError(f"input_labels has {len(input_labels)} names but h has {d_in} coordinates")
    labels = list(input_labels) if input_labels is not None else [f"h[{i}]" for i in range(d_in)]
    ax = new_axes(ax, (max(5.0, 1.5 + 0.9 * (d_out + 2)), 1.5 + 0.6 * d_in))
    limit = max(float(np.abs(W).max()), float(np.abs(h).max()), 1e-12)
    norm = TwoSlopeNorm(vmin=-limit, vcenter=0.0, vmax=limit)
    # Column 0 of the picture is h; columns 2.. are W (one empty column between them).
    picture = np.full((d_in, d_out + 2), np.nan)
    picture[:, 0] = h
    picture[:, 2:] = W
    ax.imshow(np.ma.masked_invalid(picture), cmap=DIVERGING, norm=norm, aspect="auto")
    for r in range(d_in):
        for c, value in [(0, h[r])] + [(k + 2, W[r, k]) for k in range(d_out)]:
            dark = abs(value) > 0.6 * limit
            ax.text(c, r, f"{value:.3g}", ha="center", va="center", fontsize=9,
                    color="white" if dark else "black")
    ax.add_patch(Rectangle((j + 2 - 0.5, -0.5), 1, d_in, facecolor="none", edgecolor=HIGHLIGHT, linewidth=3))
    ax.add_patch(Rectangle((-0.5, -0.5), 1, d_in, facecolor="none", edgecolor="black", linewidth=1.5))
    ax.set_xticks([0] + [k + 2 for k in range(d_out)], ["h"] + [f"W[:, {k}]" for k in range(d_out)])
    ax.set_yticks(range(d_in), labels)
    ax.set_title(f"output[{j}] = h · W[:, {j}]")
    ax.set_xlabel("the input h, then the columns of W (one per output feature)")
    ax.set_ylabel("input coordinate")
    return ax


def plot_widths(names: Sequence[str], d_in: Sequence[int], d_out: Sequence[int], *, title: str,
                ax: Axes | None = None) -> Axes:
    """Input and output width of each projection as paired horizontal bars.

    Parameters
    ----------
    names : sequence of k str
        Projection names (``"W_Q"``, ``"W_up"``, ...).
    d_in, d_out : sequence of k int
        Input and output widths.
    title : str
    ax : Axes, optional

    Returns
    -------
    Axes
    """
    d_in_arr = np.asarray(d_in, dtype=float)
    d_out_arr = np.asarray(d_out, dtype=float)
    if not (len(names) == d_in_arr.size == d_out_arr.size):
        raise ValueError(f"names, d_in and d_out must have the same length; "
                         f"got {len(names)}, {d_in_arr.size}, {d_out_arr.size}")
    ax = new_axes(ax, (7, 0.6 * len(names) + 1.5))
    rows = np.arange(len(names))[::-1]
    ax.barh(rows + 0.2, d_in_arr, height=0.4, color=X_COLOR, edgecolor="black", label="d_in (reads)")
    ax.barh(rows - 0.2, d_out_arr, height=0.4, color=Y_COLOR, edgecolor="black", label="d_out (writes)")
    for r, a, b in zip(rows, d_in_arr, d_out_arr):
        kind = "expand" if b > a else "contract" if b < a else "same width"
        ax.text(max(a, b) * 1.02, r, f"{int(a)} → {int(b)}  ({kind})", va="center", fontsize=9)
    ax.set_yticks(rows, list(names))
    ax.set_xlim(0, max(d_in_arr.max(), d_out_arr.max()) * 1.45)
    ax.legend(loc="upper right")
    ax.set_title(title)
    ax.set_xlabel("width (numbers per token)")
    ax.set_ylabel("projection")
    return ax
