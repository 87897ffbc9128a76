"""Figures for lesson 07, *Sparse dictionaries*: the sparsity–reconstruction frontier, recovery, a latent's examples.

Nothing here does the maths a lesson teaches: codes, reconstructions, cosines and activations are
computed in the lesson and passed in.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.axes import Axes

from .style import HIGHLIGHT, PALETTE, new_axes

__all__ = ["plot_frontier", "plot_best_cosines", "plot_latent_contexts"]


def plot_frontier(series: Mapping[str, tuple[np.ndarray, np.ndarray, np.ndarray]], *, n_true: int,
                  highlight: tuple[str, int] | None = None, title: str = "Sparsity against reconstruction",
                  ax: Axes | None = None) -> Axes:
    """Each dictionary as a point (L0, fraction of variance unexplained), coloured by how many true features it recovers.

    Parameters
    ----------
    series : mapping name -> (l0 (k,), fvu (k,), recovered (k,))
        One line of dictionaries per name (for example an L1 sweep and a TopK sweep), in sweep order.
    n_true : int
        The number of true features (the top of the colour scale).
    highlight : (name, index), optional
        One dictionary to ring.
    title : str
    ax : Axes, optional

    Returns
    -------
    Axes
    """
    ax = new_axes(ax, (6.0, 4.2))
    markers = "os^D"
    image = None
    for k, (name, (l0, fvu, recovered)) in enumerate(series.items()):
        l0, fvu, recovered = (np.asarray(a, dtype=float) for a in (l0, fvu, recovered))
        if not l0.shape == fvu.shape == recovered.shape:
            raise ValueError(f"series {name!r}: l0, fvu and recovered must have one value per dictionary; got "
                             f"{l0.shape}, {fvu.shape}, {recovered.shape}")
        ax.plot(l0, fvu, color="#999999", linewidth=1.0, zorder=1)
        image = ax.scatter(l0, fvu, c=recovered, cmap="viridis", vmin=0, vmax=n_true, s=60,
                           marker=markers[k % len(markers)], edgecolors="black", linewidths=0.6, zorder=2,
                           label=name)
    if highlight is not None:
        name, index = highlight
        l0, fvu, _ = series[name]
        ax.scatter([l0[index]], [fvu[index]], s=260, facecolors="none", edgecolors=HIGHLIGHT, linewidths=2.2,
                   zorder=3)
    if image is not None:
        ax.figure.colorbar(image, ax=ax, shrink=0.85, label=f"true features recovered (of {n_true})")
    from matplotlib.lines import Line2D

    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.grid(True, which="major", alpha=0.3)
    # legend markers in white: the colour of a point is its recovery, not its series
    handles = [Line2D([], [], marker=markers[k % len(markers)], linestyle="", markersize=8, markerfacecolor="white",
                      markeredgecolor="black", label=name) for k, name in enumerate(series)]
    ax.legend(handles=handles, fontsize=8, loc="upper right")
    ax.set_title(title)
    ax.set_xlabel("L0: latents active per example")
    ax.set_ylabel("fraction of variance unexplained")
    return ax


def plot_best_cosines(best: Sequence[float] | np.ndarray, *, threshold: float = 0.9,
                      title: str = "How well each true feature is recovered", ax: Axes | None = None) -> Axes:
    """Each true feature's best cosine with any decoder column, sorted, with the threshold for "recovered".

    Parameters
    ----------
    best : (n_true,)
        For each true feature, the largest cosine with a decoder column.
    threshold : float
        Cosines above it count as recovered.
    title : str
    ax : Axes, optional

    Returns
    -------
    Axes
    """
    best = np.sort(np.asarray(best, dtype=float))[::-1]
    if best.ndim != 1 or best.size == 0:
        raise ValueError(f"best must be a non-empty 1-D array; got shape {best.shape}")
    ax = new_axes(ax, (5.0, 3.6))
    found = best > threshold
    ax.bar(np.arange(best.size), best, width=1.0, color=np.where(found, PALETTE[2], PALETTE[3]))
    ax.axhline(threshold, color="black", linestyle="--", linewidth=1.0)
    ax.text(0.03, threshold - 0.04, f"{int(found.sum())} of {best.size} above {threshold:g} (green): recovered",
            transform=ax.get_yaxis_transform(), ha="left", va="top", fontsize=9,
            bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.9, "pad": 2})
    ax.set_ylim(min(0.0, float(best.min())), 1.05)
    ax.set_xlim(-0.5, best.size - 0.5)
    ax.set_title(title)
    ax.set_xlabel("true features, best recovered first")
    ax.set_ylabel("best cosine with a latent")
    return ax


def plot_latent_contexts(contexts: Sequence[tuple], *, title: str, ax: Axes | None = None) -> Axes:
    """A latent's top examples, one per line: the text before, the token it fires on (boxed), the text after.

    Parameters
    ----------
    contexts : sequence of (before, token, after, activation) or (before, token, after, activation, note)
        Strings as they should appear (newlines already made visible), strongest first; a ``note`` (for
        example the token's position) is written in grey beside the activation.
    title : str
    ax : Axes, optional

    Returns
    -------
    Axes
    """
    ax = new_axes(ax, (7.5, 0.42 * max(len(contexts), 1) + 0.8))
    ax.set_axis_off()
    ax.set_xlim(0, 1)
    ax.set_ylim(len(contexts) + 0.3, -0.3)
    notes = any(len(c) > 4 for c in contexts)
    for row, (before, token, after, value, *note) in enumerate(contexts):
        ax.text(0.0, row, f"{value:5.1f}" + (f"  {note[0]}" if note else ""), family="monospace", fontsize=9,
                color="#555555", va="center")
        left = ax.text(0.16 if notes else 0.09, row, before, family="monospace", fontsize=9, va="center")
        middle = ax.annotate(token, xy=(1.0, 0.5), xycoords=left, va="center", family="monospace", fontsize=9,
                             weight="bold", bbox={"boxstyle": "round,pad=0.15", "facecolor": "#f6d8a8",
                                                  "edgecolor": HIGHLIGHT, "linewidth": 0.8})
        ax.annotate(after, xy=(1.0, 0.5), xycoords=middle, va="center", family="monospace", fontsize=9)
    ax.set_title(title, loc="left", fontsize=10)
    return ax
