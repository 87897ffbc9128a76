"""Figures for lesson 03, *Superposition*: cosines of random directions, packings, a toy model's features.

Nothing here does the maths a lesson teaches: cosines, norms and interference are
computed in the lesson (or by :mod:`course_utils.toy.analysis`) and passed in.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize

from .style import PALETTE, as_matrix, new_axes

__all__ = ["plot_cosine_histograms", "plot_features_2d", "plot_feature_bars", "plot_phase_diagram"]

#: Colour map for "how much a feature shares its dimensions": dark = alone, yellow = shared.
SHARING_CMAP = "viridis"


def plot_cosine_histograms(cosines: Mapping[str, Sequence[float] | np.ndarray], *, bins: int = 80,
                           title: str = "Cosine between two random directions",
                           ax: Axes | None = None) -> Axes:
    """Overlaid histograms (as densities, log scale) of cosine samples, one per label.

    Parameters
    ----------
    cosines : mapping label -> (k,)
        Samples of cosines in [-1, 1], e.g. ``{"d = 2": ..., "d = 4096": ...}``.
    bins : int
        Number of bins over [-1, 1].
    title : str
    ax : Axes, optional

    Returns
    -------
    Axes
    """
    if not cosines:
        raise ValueError("cosines is empty: pass at least one {label: samples} entry")
    ax = new_axes(ax, (6.5, 3.8))
    edges = np.linspace(-1.0, 1.0, bins + 1)
    for k, (label, values) in enumerate(cosines.items()):
        values = np.asarray(values, dtype=float).ravel()
        if values.size == 0 or np.any(np.abs(values) > 1 + 1e-9):
            raise ValueError(f"{label!r}: cosines must be a non-empty set of values in [-1, 1]")
        density, _ = np.histogram(values, bins=edges, density=True)
        ax.stairs(density, edges, color=PALETTE[k % len(PALETTE)], linewidth=1.8, label=str(label))
    ax.set_yscale("log")
    ax.set_xlim(-1, 1)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=9)
    ax.set_title(title)
    ax.set_xlabel("cosine of the angle between the two directions")
    ax.set_ylabel("density (log scale)")
    return ax


def plot_features_2d(W: np.ndarray, *, importance: Sequence[float] | np.ndarray | None = None,
                     groups: Sequence[int] | None = None, title: str = "Feature directions",
                     ax: Axes | None = None) -> Axes:
    """The columns of a 2-D model's ``W`` as spokes from the origin, coloured by importance or by group.

    Parameters
    ----------
    W : (2, n)
        One feature per column (a trained toy model's ``W`` for one instance).
    importance : (n,), optional
        Feature importances; the most important feature is drawn darkest.
    groups : (n,) ints, optional
        A group per feature (e.g. which pair it belongs to): each group gets a palette colour and
        every spoke is labelled with its feature number. Overrides the importance shading.
    title : str
    ax : Axes, optional

    Returns
    -------
    Axes
    """
    W = as_matrix("W", W, rows=2)
    n = W.shape[1]
    ax = new_axes(ax, (2.6, 2.6))
    if importance is None:
        importance = np.ones(n)
    importance = np.asarray(importance, dtype=float)
    if importance.shape != (n,):
        raise ValueError(f"importance must have shape ({n},), one value per column of W; got {importance.shape}")
    span = float(importance.max() - importance.min()) or 1.0
    shade = 0.85 - 0.65 * (importance - importance.min()) / span  # grey level: important = dark
    circle = np.linspace(0, 2 * np.pi, 100)
    ax.plot(np.cos(circle), np.sin(circle), color="#dddddd", linewidth=0.8, zorder=0)
    if groups is not None and len(groups) != n:
        raise ValueError(f"groups must give one group per column of W ({n}); got {len(groups)}")
    for i in np.argsort(importance, kind="stable"):
        color = (shade[i],) * 3 if groups is None else PALETTE[int(groups[i]) % len(PALETTE)]
        ax.plot([0, W[0, i]], [0, W[1, i]], color=color, linewidth=1.6)
        ax.plot(W[0, i], W[1, i], marker="o", markersize=5, color=color)
        if groups is not None:
            ax.annotate(str(i), (W[0, i], W[1, i]), xytext=(4 * np.sign(W[0, i]) or 4, 4 * np.sign(W[1, i]) or 4),
                        textcoords="offset points", fontsize=9, color=color, weight="bold",
                        ha="left" if W[0, i] >= 0 else "right", va="bottom" if W[1, i] >= 0 else "top")
    limit = max(1.2, 1.25 * float(np.abs(W).max()))
    ax.set_xlim(-limit, limit)
    ax.set_ylim(-limit, limit)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(title, fontsize=10)
    ax.set_xlabel("hidden 0", fontsize=8)
    ax.set_ylabel("hidden 1", fontsize=8)
    return ax


def plot_feature_bars(norms: Sequence[float] | np.ndarray, sharing: Sequence[float] | np.ndarray, *,
                      labels: Sequence[str] | None = None, sharing_max: float = 1.0, colorbar: bool = False,
                      title: str = "Feature norms, coloured by sharing", ax: Axes | None = None) -> Axes:
    """One horizontal bar per feature: its length ``‖W_i‖``, its colour how much it shares its dimensions.

    Parameters
    ----------
    norms : (n,)
        ``‖W_i‖`` for each feature (1 = fully represented, 0 = dropped).
    sharing : (n,)
        A measure of interference per feature, e.g. ``Σ_{j≠i} (Ŵ_i · W_j)²``; dark means the
        feature has its dimensions to itself, yellow that it shares them.
    labels : sequence of n str, optional
    sharing_max : float
        Value drawn in the brightest colour (larger values are clipped to it).
    colorbar : bool
        Add a colour bar explaining the colours.
    title : str
    ax : Axes, optional

    Returns
    -------
    Axes
    """
    norms = np.asarray(norms, dtype=float)
    sharing = np.asarray(sharing, dtype=float)
    if norms.ndim != 1 or sharing.shape != norms.shape:
        raise ValueError(f"norms and sharing must be 1-D of the same length; got {norms.shape} and {sharing.shape}")
    n = norms.size
    names = list(labels) if labels is not None else [str(i) for i in range(n)]
    if len(names) != n:
        raise ValueError(f"got {len(names)} labels for {n} features")
    ax = new_axes(ax, (3.0, 0.3 * n + 1.2))
    mapper = ScalarMappable(norm=Normalize(0.0, sharing_max), cmap=SHARING_CMAP)
    rows = np.arange(n)
    ax.barh(rows, norms, color=mapper.to_rgba(np.clip(sharing, 0, sharing_max)), edgecolor="black", linewidth=0.5)
    ax.set_yticks(rows, names, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, max(1.2, 1.05 * float(norms.max())))
    ax.axvline(1.0, color="#999999", linewidth=0.8, linestyle=":")
    if colorbar:
        ax.figure.colorbar(mapper, ax=ax, label="sharing", shrink=0.9)
    ax.set_title(title, fontsize=10)
    ax.set_xlabel("‖W_i‖", fontsize=9)
    ax.set_ylabel("feature", fontsize=9)
    return ax


def plot_phase_diagram(x: Sequence[float] | np.ndarray, y: Sequence[float] | np.ndarray, phase: np.ndarray,
                       names: Sequence[str], *, boundaries: Mapping[str, tuple[np.ndarray, np.ndarray]] | None = None,
                       title: str, xlabel: str, ylabel: str, ax: Axes | None = None) -> Axes:
    """A grid of categorical results on log-log axes (one colour per phase), with boundary curves over it.

    Parameters
    ----------
    x : (nx,)
        Grid values along the x-axis (positive; drawn on a log scale).
    y : (ny,)
        Grid values along the y-axis (positive; drawn on a log scale).
    phase : (ny, nx) int
        The phase of each grid point, an index into ``names``.
    names : sequence of str
        One name per phase, for the legend.
    boundaries : mapping label -> (xs, ys), optional
        Curves to draw over the grid (dashed, black), e.g. a predicted boundary.
    title, xlabel, ylabel : str
    ax : Axes, optional

    Returns
    -------
    Axes
    """
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch

    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    phase = np.asarray(phase)
    if phase.shape != (y.size, x.size):
        raise ValueError(f"phase must have shape (len(y), len(x)) = {(y.size, x.size)}; got {phase.shape}")
    if phase.size and (phase.min() < 0 or phase.max() >= len(names)):
        raise ValueError(f"phase values must index names (0..{len(names) - 1}); got {phase.min()}..{phase.max()}")
    if np.any(x <= 0) or np.any(y <= 0):
        raise ValueError("x and y must be positive: they are drawn on log scales")

    def edges(v: np.ndarray) -> np.ndarray:          # cell edges halfway between grid values, in log space
        logs = np.log10(v)
        step = np.diff(logs)
        inner = logs[:-1] + step / 2
        return 10 ** np.concatenate([[logs[0] - step[0] / 2], inner, [logs[-1] + step[-1] / 2]])

    colours = [PALETTE[k % len(PALETTE)] for k in range(len(names))]
    ax = new_axes(ax, (6.0, 4.6))
    ax.pcolormesh(edges(x), edges(y), phase, cmap=ListedColormap(colours), vmin=-0.5, vmax=len(names) - 0.5,
                  shading="flat")
    handles = [Patch(color=c, label=name) for c, name in zip(colours, names)]
    for label, (xs, ys) in (boundaries or {}).items():
        (line,) = ax.plot(xs, ys, color="black", linestyle="--", linewidth=1.8, label=label)
        handles.append(line)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(*sorted(edges(x)[[0, -1]]))          # increasing upwards and rightwards, whatever the grid order
    ax.set_ylim(*sorted(edges(y)[[0, -1]]))
    ax.legend(handles=handles, fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    return ax
