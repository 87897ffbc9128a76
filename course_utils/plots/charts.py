"""General-purpose charts used across lessons: signed bars and named series.

Nothing here does the maths a lesson teaches: the numbers to draw are passed in.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.axes import Axes

from .style import OKABE_ITO, PALETTE, new_axes

__all__ = ["plot_signed_bars", "plot_series", "plot_grouped_bars"]

STYLES = ("-", "--", "-.", ":")


def plot_signed_bars(values: Sequence[float] | np.ndarray, labels: Sequence[str], *, title: str,
                     xlabel: str, ylabel: str, ax: Axes | None = None) -> Axes:
    """Bar chart of signed values: positive bars in blue, negative in vermillion.

    Parameters
    ----------
    values : (k,)
    labels : sequence of k str
    title, xlabel, ylabel : str
    ax : Axes, optional

    Returns
    -------
    Axes
    """
    values = np.asarray(values, dtype=float)
    if values.ndim != 1 or len(labels) != values.shape[0]:
        raise ValueError(f"need one label per value; got {len(labels)} labels for values of shape {values.shape}")
    ax = new_axes(ax, (6, 3.5))
    colors = [OKABE_ITO["blue"] if v >= 0 else OKABE_ITO["vermillion"] for v in values]
    ax.bar(range(len(values)), values, color=colors, edgecolor="black", linewidth=0.6)
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_xticks(range(len(values)), list(labels))
    for k, v in enumerate(values):
        ax.annotate(f"{v:.3g}", (k, v), xytext=(0, 3 if v >= 0 else -3), textcoords="offset points",
                    ha="center", va="bottom" if v >= 0 else "top", fontsize=9)
    low, high = min(float(values.min()), 0.0), max(float(values.max()), 0.0)
    pad = 0.2 * (high - low) if high > low else 1.0
    ax.set_ylim(low - pad, high + pad)  # room for the value labels on both sides of zero
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    return ax


def plot_series(x: Sequence[float] | np.ndarray, series: Mapping[str, Sequence[float] | np.ndarray], *,
                title: str, xlabel: str, ylabel: str, logx: bool = False, logy: bool = False,
                logx_base: int = 2, markers: bool = True, references: Sequence[str] = (), ylim: tuple[float, float] | None = None,
                ax: Axes | None = None) -> Axes:
    """Line plot of several named series against a shared x (markers on every point).

    Measured series and the formulas they are compared with can coincide; name the formulas in
    ``references`` and they are drawn as thin dashed lines *over* the measurements, so both stay visible.

    Parameters
    ----------
    x : (k,)
    series : mapping name -> (k,)
        One line per entry, coloured from :data:`PALETTE` in order.
    title, xlabel, ylabel : str
    logx, logy : bool
        Logarithmic axes (with ``logy``, values of 0 or below are left out: a log scale cannot show them).
    logx_base : int
        Base of the logarithmic x-axis: 2 for counts that double (tokens), 10 for probabilities.
    markers : bool
        Mark every point (turn off for dense curves; lines are then told apart by style).
    references : sequence of str
        Names in ``series`` to draw as dashed reference lines (no markers) above the others.
    ylim : (low, high), optional
        Limits of the y-axis (for example to keep rounding-error values out of a log scale's range).
    ax : Axes, optional

    Returns
    -------
    Axes
    """
    x = np.asarray(x, dtype=float)
    if not series:
        raise ValueError("series is empty: pass at least one {name: values} entry")
    unknown = [name for name in references if name not in series]
    if unknown:
        raise ValueError(f"references {unknown} are not names of series; the series are {list(series)}")
    ax = new_axes(ax, (6.5, 4))
    symbols = "osD^v<>p"
    for k, (name, ys) in enumerate(series.items()):
        ys = np.asarray(ys, dtype=float)
        if ys.shape != x.shape:
            raise ValueError(f"series {name!r} has shape {ys.shape} but x has shape {x.shape}")
        if logy:
            ys = np.where(ys > 0, ys, np.nan)
        if name in references:
            ax.plot(x, ys, linestyle="--", linewidth=1.4, color=PALETTE[k % len(PALETTE)], label=name, zorder=3)
        elif markers:
            ax.plot(x, ys, marker=symbols[k % len(symbols)], color=PALETTE[k % len(PALETTE)], label=name)
        else:
            ax.plot(x, ys, linestyle=STYLES[k % len(STYLES)], linewidth=2, color=PALETTE[k % len(PALETTE)], label=name)
    if logx:
        ax.set_xscale("log", base=logx_base)
    if logy:
        ax.set_yscale("log")
    if ylim is not None:
        ax.set_ylim(*ylim)
    ax.grid(True, which="major", alpha=0.3)
    ax.legend()
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    return ax


def plot_grouped_bars(categories: Sequence[str], series: Mapping[str, Sequence[float] | np.ndarray], *,
                      title: str, xlabel: str, ylabel: str, logy: bool = False, ax: Axes | None = None) -> Axes:
    """Bars grouped by category, one bar per named series in each group (coloured from :data:`PALETTE`).

    Parameters
    ----------
    categories : sequence of k str
        Group labels along the x-axis.
    series : mapping name -> (k,)
        One value per category for each series.
    title, xlabel, ylabel : str
    logy : bool
        Logarithmic y-axis.
    ax : Axes, optional

    Returns
    -------
    Axes
    """
    if not series:
        raise ValueError("series is empty: pass at least one {name: values} entry")
    k = len(categories)
    ax = new_axes(ax, (max(6.0, 1.3 * k + 2.0), 4.0))
    width = 0.8 / len(series)
    for s, (name, values) in enumerate(series.items()):
        values = np.asarray(values, dtype=float)
        if values.shape != (k,):
            raise ValueError(f"series {name!r} has shape {values.shape}; expected ({k},), one value per category")
        offsets = np.arange(k) - 0.4 + width * (s + 0.5)
        ax.bar(offsets, values, width=width * 0.95, color=PALETTE[s % len(PALETTE)], label=name)
    ax.set_xticks(range(k), list(categories))
    if logy:
        ax.set_yscale("log")
    ax.grid(True, axis="y", alpha=0.3)
    ax.legend(fontsize=9, loc="upper left", bbox_to_anchor=(1.01, 1.0))   # beside the bars, never over them
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    return ax
