"""Figures for lesson 05, *Embedding hyperspheres*: token vectors in a plane, distributions over tokens, a lens path.

Nothing here does the maths a lesson teaches: logits, probabilities, norms and
projections are computed in the lesson and passed in.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.axes import Axes

from .style import HIGHLIGHT, PALETTE, as_matrix, new_axes

__all__ = ["plot_token_vectors", "plot_token_bars", "plot_histogram", "plot_lens_path"]

# Rules are told apart by the marker's shape; the markers are black so that no rule's colour is mistaken for
# the colour of a token (the token arrows use the palette).
_WINNER_STYLE = {"Euclidean nearest": "s", "cosine nearest": "D", "largest dot product": "*"}
_WINNER_SHAPES = "sD*o^v"


def plot_token_vectors(E: np.ndarray, labels: Sequence[str], h: np.ndarray | None = None, *,
                       winners: Mapping[str, int] | None = None, title: str = "Token vectors and a hidden state",
                       ax: Axes | None = None) -> Axes:
    """Token vectors in 2-D as arrows from the origin, a hidden state ``h``, and which token each rule picks.

    Parameters
    ----------
    E : (2, V)
        One token vector per column.
    labels : sequence of V str
        Token names.
    h : (2,), optional
        The hidden state, drawn as a black arrow.
    winners : mapping rule name -> token index, optional
        For example ``{"Euclidean nearest": 2, "cosine nearest": 0, "largest dot product": 1}``:
        each rule's token is ringed with its own marker.
    title : str
    ax : Axes, optional

    Returns
    -------
    Axes
    """
    E = as_matrix("E", E, rows=2)
    V = E.shape[1]
    if len(labels) != V:
        raise ValueError(f"got {len(labels)} labels for {V} token vectors")
    ax = new_axes(ax, (5.0, 5.0))
    circle = np.linspace(0, 2 * np.pi, 200)
    ax.plot(np.cos(circle), np.sin(circle), color="#dddddd", linewidth=0.8, zorder=0)
    for j in range(V):
        color = PALETTE[j % len(PALETTE)]
        ax.annotate("", xy=(E[0, j], E[1, j]), xytext=(0, 0),
                    arrowprops={"arrowstyle": "-|>", "color": color, "linewidth": 1.8, "mutation_scale": 13})
        length = float(np.linalg.norm(E[:, j])) or 1.0
        along = E[:, j] / length
        beside = np.array([-along[1], along[0]])  # labels sit beside the tip, clear of nearby arrows
        ax.text(*(E[:, j] + 0.15 * along + 0.22 * beside), labels[j], color=color, fontsize=10, weight="bold",
                ha="center", va="center")
    extent = max(1.2, float(np.abs(E).max()) * 1.3)
    if h is not None:
        h = np.asarray(h, dtype=float)
        if h.shape != (2,):
            raise ValueError(f"h must have shape (2,); got {h.shape}")
        # the view grows with h up to twice the tokens' extent; a longer h is drawn shortened, its length
        # written beside it, so the tokens (and their labels) stay readable
        extent = max(extent, min(float(np.abs(h).max()) * 1.25, 2.0 * extent))
        room = 0.9 * extent / max(float(np.abs(h).max()), 1e-12)
        tip = h * min(1.0, room)
        ax.annotate("", xy=(tip[0], tip[1]), xytext=(0, 0),
                    arrowprops={"arrowstyle": "-|>", "color": "black", "linewidth": 2.4, "mutation_scale": 15,
                                "linestyle": "-" if room >= 1 else "--"})
        name = "h" if room >= 1 else f"h (length {np.linalg.norm(h):.1f}, drawn shorter)"
        ax.annotate(name, tip, xytext=(6, 6) if room >= 1 else (8, -4), textcoords="offset points",
                    fontsize=11 if room >= 1 else 9, weight="bold", va="bottom" if room >= 1 else "top",
                    ha="left" if tip[0] <= 0.3 * extent else "right")
    for k, (rule, j) in enumerate((winners or {}).items()):
        marker = _WINNER_STYLE.get(rule, _WINNER_SHAPES[k % len(_WINNER_SHAPES)])
        ax.plot(*E[:, j], marker=marker, markersize=15 if marker == "*" else 11, markerfacecolor="none",
                markeredgecolor="black", markeredgewidth=1.6, linestyle="none", label=f"{rule}: {labels[j]}")
    if winners:
        ax.legend(fontsize=8, loc="lower left")
    ax.set_xlim(-extent, extent)
    ax.set_ylim(-extent, extent)
    ax.set_aspect("equal")
    ax.axhline(0, color="#eeeeee", linewidth=0.8, zorder=0)
    ax.axvline(0, color="#eeeeee", linewidth=0.8, zorder=0)
    ax.set_title(title)
    ax.set_xlabel("dimension 0")
    ax.set_ylabel("dimension 1")
    return ax


def plot_token_bars(labels: Sequence[str], values: Sequence[float] | np.ndarray, *, highlight: int | None = None,
                    title: str, ylabel: str, ylim: tuple[float, float] | None = None, ax: Axes | None = None) -> Axes:
    """One bar per token (a probability, a logit, a score), the chosen one highlighted, its value written on it.

    Parameters
    ----------
    labels : sequence of k str
        Token strings (shown with ``repr`` so leading spaces are visible).
    values : (k,)
    highlight : int, optional
        Index of the bar to draw in the highlight colour.
    title, ylabel : str
    ylim : (low, high), optional
    ax : Axes, optional

    Returns
    -------
    Axes
    """
    values = np.asarray(values, dtype=float)
    if values.ndim != 1 or len(labels) != values.size:
        raise ValueError(f"need one label per value; got {len(labels)} labels for values of shape {values.shape}")
    k = values.size
    ax = new_axes(ax, (max(4.0, 0.55 * k + 1.5), 3.4))
    colors = [HIGHLIGHT if i == highlight else PALETTE[0] for i in range(k)]
    ax.bar(range(k), values, color=colors)
    for i, v in enumerate(values):
        ax.annotate(f"{v:.2f}", (i, v), xytext=(0, 2 if v >= 0 else -2), textcoords="offset points", ha="center",
                    va="bottom" if v >= 0 else "top", fontsize=8)
    ax.set_xticks(range(k), [repr(s) for s in labels], rotation=45 if k > 5 else 0, ha="right" if k > 5 else "center",
                  fontsize=8)
    ax.axhline(0, color="black", linewidth=0.8)
    if ylim is not None:
        ax.set_ylim(*ylim)
    ax.set_title(title)
    ax.set_xlabel("token")
    ax.set_ylabel(ylabel)
    return ax


def plot_histogram(values: Sequence[float] | np.ndarray, *, bins: int = 60, marks: Mapping[str, float] | None = None,
                   title: str, xlabel: str, ylabel: str = "count", logy: bool = False,
                   ax: Axes | None = None) -> Axes:
    """Histogram of values with labelled vertical marks (e.g. min, median, max).

    Parameters
    ----------
    values : (k,)
    bins : int
    marks : mapping label -> x, optional
    title, xlabel, ylabel : str
    logy : bool
        Logarithmic counts (to see the tails).
    ax : Axes, optional

    Returns
    -------
    Axes
    """
    values = np.asarray(values, dtype=float).ravel()
    if values.size == 0:
        raise ValueError("values is empty")
    ax = new_axes(ax, (6.5, 3.6))
    ax.hist(values, bins=bins, color=PALETTE[0], alpha=0.8)
    top = ax.get_ylim()[1]
    for k, (label, x) in enumerate((marks or {}).items()):
        ax.axvline(x, color=PALETTE[(k + 1) % len(PALETTE)], linestyle="--", linewidth=1.2)
        ax.annotate(f"{label} {x:.2f}", (x, top), xytext=(3, -12 - 12 * k), textcoords="offset points", fontsize=8,
                    color=PALETTE[(k + 1) % len(PALETTE)])
    if logy:
        ax.set_yscale("log")
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    return ax


def plot_lens_path(coords: np.ndarray, *, axis_labels: tuple[str, str], upto: int | None = None,
                   title: str = "The hidden state, layer by layer", ax: Axes | None = None) -> Axes:
    """A path through a plane, one point per layer, numbered; the line where both coordinates are equal dashed.

    Parameters
    ----------
    coords : (L, 2)
        The hidden state's coordinates along two (unit) directions after each layer.
    axis_labels : (str, str)
        What the two directions are (for example two tokens' unembedding directions).
    upto : int, optional
        Draw the path only up to this layer (inclusive) and mark it; default: all of it.
    title : str
    ax : Axes, optional

    Returns
    -------
    Axes
    """
    coords = np.asarray(coords, dtype=float)
    if coords.ndim != 2 or coords.shape[1] != 2 or len(coords) < 1:
        raise ValueError(f"coords must have shape (L, 2); got {coords.shape}")
    last = len(coords) - 1 if upto is None else int(upto)
    if not 0 <= last < len(coords):
        raise ValueError(f"upto must be a layer in 0..{len(coords) - 1}; got {upto}")
    ax = new_axes(ax, (4.6, 4.6))
    low = float(min(coords.min(), 0.0)) - 0.5
    high = float(max(coords.max(), 0.0)) + 0.5
    ax.plot([low, high], [low, high], color="#bbbbbb", linestyle="--", linewidth=1)
    ax.plot(*coords.T, color="#dddddd", linewidth=1)
    shown = coords[: last + 1]
    ax.plot(*shown.T, color=PALETTE[0], linewidth=1.6)
    ax.scatter(*shown.T, c=np.arange(len(shown)), cmap="viridis", vmin=0, vmax=len(coords) - 1, s=22, zorder=3)
    for layer in sorted({0, last, *range(0, last + 1, 6)}):
        ax.annotate(str(layer), coords[layer], xytext=(4, 4), textcoords="offset points", fontsize=8)
    ax.plot(*coords[last], marker="o", markersize=11, markerfacecolor="none", markeredgecolor=HIGHLIGHT,
            markeredgewidth=2)
    ax.set_xlim(low, high)
    ax.set_ylim(low, high)
    ax.set_aspect("equal")
    ax.set_title(title)
    ax.set_xlabel(f"along {axis_labels[0]}")
    ax.set_ylabel(f"along {axis_labels[1]}")
    return ax
