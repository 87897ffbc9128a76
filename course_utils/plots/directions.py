"""Figures for lesson 02, *Feature directions*: directions in a plane, their dot products, knobs read back.

Nothing here does the maths a lesson teaches: encoded points, decoded values and
the matrix of dot products are computed in the lesson and passed in. The only
arithmetic is drawing geometry (where a perpendicular from a point meets a line).
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import TwoSlopeNorm
from matplotlib.patches import Rectangle

from .style import DIVERGING, HIGHLIGHT, OKABE_ITO, ORIGINAL, PALETTE, RECOVERED, as_matrix, new_axes, spread_positions

__all__ = ["plot_directions", "plot_gram", "plot_equalizer", "plot_error_by_angle"]

_POINT_COLORS = (OKABE_ITO["black"], OKABE_ITO["reddish_purple"], OKABE_ITO["sky_blue"])


def _names(labels: Sequence[str] | None, n: int, what: str) -> list[str]:
    if labels is None:
        return [f"{what} {i}" for i in range(n)]
    if len(labels) != n:
        raise ValueError(f"got {len(labels)} labels for {n} {what}s; give one label per {what}")
    return [str(label) for label in labels]


def _clear_side(p: np.ndarray, targets: Sequence[np.ndarray], distance: float = 13.0) -> dict:
    """Where to put a label at ``p`` so that it points away from every line drawn from ``p`` to a target.

    Returns keyword arguments for ``annotate``: an offset in points and the matching alignment.
    """
    angles = [np.arctan2(t[1] - p[1], t[0] - p[0]) for t in targets if np.linalg.norm(t - p) > 1e-9]
    candidates = np.radians(np.arange(45, 405, 30))          # start above-right, the usual place
    if angles:
        def clearance(c: float) -> float:
            return min(abs((c - a + np.pi) % (2 * np.pi) - np.pi) for a in angles)
        best = max(candidates, key=clearance)
    else:
        best = candidates[0]
    dx, dy = np.cos(best), np.sin(best)
    return {"xytext": (distance * dx, distance * dy), "textcoords": "offset points",
            "ha": "left" if dx > 0.3 else "right" if dx < -0.3 else "center",
            "va": "bottom" if dy > 0.3 else "top" if dy < -0.3 else "center"}


def plot_directions(W: np.ndarray, points: np.ndarray | Mapping[str, np.ndarray] | None = None, *,
                    labels: Sequence[str] | None = None,
                    readings: Mapping[str, Sequence[float] | np.ndarray] | None = None,
                    project: bool = True, title: str = "Feature directions and an encoded point",
                    ax: Axes | None = None) -> Axes:
    """Draw 2-D feature directions as arrows, encoded points, and each point's projection on each direction.

    Parameters
    ----------
    W : (2, n)
        One feature direction per column.
    points : (2,) array or mapping name -> (2,), optional
        Encoded vectors to mark (a bare array is called ``"h"``). Every point after the first is
        drawn as an update of the first, with an arrow from the first to it.
    labels : sequence of n str, optional
        Feature names (default ``feature 0``, ...).
    readings : mapping name -> (n,), optional
        For a point of that name, the value read along each direction, written where the
        perpendicular from the point meets the direction's line.
    project : bool
        Draw the perpendiculars from each point to each direction's line.
    title : str
    ax : Axes, optional

    Returns
    -------
    Axes
    """
    W = as_matrix("W", W, rows=2)
    n = W.shape[1]
    names = _names(labels, n, "feature")
    lengths = np.linalg.norm(W, axis=0)
    if np.any(lengths == 0):
        raise ValueError(f"direction(s) {np.flatnonzero(lengths == 0).tolist()} have zero length; nothing to draw")
    if points is None:
        points = {}
    elif not isinstance(points, Mapping):
        points = {"h": points}
    points = {name: np.asarray(p, dtype=float) for name, p in points.items()}
    for name, p in points.items():
        if p.shape != (2,):
            raise ValueError(f"point {name!r} must have shape (2,); got {p.shape}")
    readings = dict(readings or {})
    unknown = set(readings) - set(points)
    if unknown:
        raise ValueError(f"readings given for points that are not drawn: {sorted(unknown)}")

    ax = new_axes(ax, (5.5, 5.5))
    circle = np.linspace(0, 2 * np.pi, 200)
    ax.plot(np.cos(circle), np.sin(circle), color="#c8c8c8", linewidth=0.8, linestyle="--", zorder=0)
    ax.axhline(0, color="#dddddd", linewidth=0.8, zorder=0)
    ax.axvline(0, color="#dddddd", linewidth=0.8, zorder=0)
    extent = max(1.0, float(lengths.max()))
    # names sit beyond the arrow tips, pushed apart when two directions are close
    name_angles = spread_positions(np.arctan2(W[1], W[0]), min_gap=0.22)
    for i in range(n):
        w = W[:, i]
        color = PALETTE[i % len(PALETTE)]
        ax.annotate("", xy=(w[0], w[1]), xytext=(0, 0),
                    arrowprops={"arrowstyle": "-|>", "color": color, "linewidth": 2.2, "mutation_scale": 16})
        unit = w / lengths[i]
        ax.plot([-1.25 * extent * unit[0], 1.25 * extent * unit[0]], [-1.25 * extent * unit[1], 1.25 * extent * unit[1]],
                color=color, linewidth=0.7, alpha=0.35, zorder=0)
        radius = lengths[i] + 0.14
        ax.text(radius * np.cos(name_angles[i]), radius * np.sin(name_angles[i]), names[i], color=color,
                fontsize=11, weight="bold", ha="center", va="center")
    first = next(iter(points.values()), None)
    for k, (name, p) in enumerate(points.items()):
        color = _POINT_COLORS[k % len(_POINT_COLORS)]
        extent = max(extent, float(np.abs(p).max()))
        lines_from_p = [first] if k else [q for q in points.values() if q is not p]
        if project:
            for i in range(n):
                unit = W[:, i] / lengths[i]
                foot = (unit @ p) * unit  # where the perpendicular from p meets direction i's line
                lines_from_p.append(foot)
                ax.plot([p[0], foot[0]], [p[1], foot[1]], color=PALETTE[i % len(PALETTE)], linestyle=":",
                        linewidth=1.4)
                ax.plot(*foot, marker="o", markersize=5, color=PALETTE[i % len(PALETTE)], markeredgecolor="white")
                if name in readings:
                    ax.annotate(f"{float(np.asarray(readings[name])[i]):.2f}", foot, xytext=(6, -12),
                                textcoords="offset points", fontsize=9, color=PALETTE[i % len(PALETTE)])
        ax.plot(*p, marker="o", markersize=8, color=color, zorder=5)
        if k:  # a later point is an update of the first: draw the step
            ax.annotate("", xy=(p[0], p[1]), xytext=(first[0], first[1]),
                        arrowprops={"arrowstyle": "-|>", "color": color, "linewidth": 1.5, "shrinkA": 5, "shrinkB": 5})
        # the label goes where no line leaves the point, on a white patch in case one still passes
        ax.annotate(name, p, fontsize=11, color=color, weight="bold", zorder=6,
                    bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none", "alpha": 0.8},
                    **_clear_side(p, lines_from_p))
    limit = 1.3 * extent
    ax.set_xlim(-limit, limit)
    ax.set_ylim(-limit, limit)
    ax.set_aspect("equal")
    ax.set_title(title)
    ax.set_xlabel("hidden dimension 0")
    ax.set_ylabel("hidden dimension 1")
    return ax


def plot_gram(G: np.ndarray, *, labels: Sequence[str] | None = None,
              title: str = "WᵀW: dot products of the directions", ax: Axes | None = None) -> Axes:
    """Heat map of a square matrix of dot products ``G[i, j] = w_i · w_j``, diagonal outlined.

    Off-diagonal entries are the interference between features; the identity means none.
    Entries are written in the cells when there are at most 12 features.

    Parameters
    ----------
    G : (n, n)
    labels : sequence of n str, optional
    title : str
    ax : Axes, optional

    Returns
    -------
    Axes
    """
    G = as_matrix("G", G)
    n = G.shape[0]
    if G.shape != (n, n):
        raise ValueError(f"G must be square; got shape {G.shape}")
    names = _names(labels, n, "feature") if (labels is not None or n <= 12) else None
    side = min(2.5 + 0.55 * n, 6.0)
    ax = new_axes(ax, (side + 1.2, side))
    limit = max(1.0, float(np.abs(G).max()))
    image = ax.imshow(G, cmap=DIVERGING, norm=TwoSlopeNorm(vmin=-limit, vcenter=0.0, vmax=limit))
    ax.figure.colorbar(image, ax=ax, shrink=0.8, label="wᵢ · wⱼ")
    if n <= 12:
        digits = 3 if n <= 6 else 2
        for i in range(n):
            for j in range(n):
                dark = abs(G[i, j]) > 0.6 * limit
                ax.text(j, i, f"{G[i, j]:.{digits}f}", ha="center", va="center", fontsize=9 if n <= 6 else 7,
                        color="white" if dark else "black")
    if names is not None:
        ax.set_xticks(range(n), names, rotation=45 if n > 4 else 0, ha="right" if n > 4 else "center")
        ax.set_yticks(range(n), names)
    if n <= 30:
        for i in range(n):
            ax.add_patch(Rectangle((i - 0.5, i - 0.5), 1, 1, facecolor="none", edgecolor=HIGHLIGHT, linewidth=1.5))
    ax.set_title(title)
    ax.set_xlabel("feature j")
    ax.set_ylabel("feature i")
    return ax


def plot_equalizer(original: Sequence[float] | np.ndarray, recovered: Sequence[float] | np.ndarray, *,
                   labels: Sequence[str] | None = None, title: str = "Stored values and the values read back",
                   ax: Axes | None = None) -> Axes:
    """The "equalizer": one knob per feature, the stored value in grey and the value read back in green.

    Parameters
    ----------
    original, recovered : (n,)
        Values stored, and values decoded.
    labels : sequence of n str, optional
        Knob names; without them knobs are numbered (every 5th label shown beyond 15 knobs).
    title : str
    ax : Axes, optional

    Returns
    -------
    Axes
    """
    original = np.asarray(original, dtype=float)
    recovered = np.asarray(recovered, dtype=float)
    if original.ndim != 1 or original.shape != recovered.shape:
        raise ValueError(f"original and recovered must be 1-D of the same length; got {original.shape} "
                         f"and {recovered.shape}")
    n = original.size
    names = _names(labels, n, "knob") if labels is not None else [str(i) for i in range(n)]
    ax = new_axes(ax, (min(max(5.0, 0.32 * n + 2.0), 12.0), 3.8))
    slots = np.arange(n)
    ax.bar(slots, original, width=0.8, color=ORIGINAL, alpha=0.6, label="stored", zorder=1)
    ax.bar(slots, recovered, width=0.38, color=RECOVERED, label="read back", zorder=2)
    wrong_sign = (original != 0) & (np.sign(recovered) != np.sign(original)) & (np.abs(recovered) > 1e-12)
    if wrong_sign.any():
        ax.bar(slots[wrong_sign], recovered[wrong_sign], width=0.38, color=HIGHLIGHT, label="read back, sign flipped",
               zorder=3)
    ax.axhline(0, color="black", linewidth=0.8)
    if n <= 10:  # few knobs: write the value read back on each
        for i, v in enumerate(recovered):
            ax.annotate(f"{v:.2f}", (i, v), xytext=(0, 3 if v >= 0 else -3), textcoords="offset points",
                        ha="center", va="bottom" if v >= 0 else "top", fontsize=9)
    low = min(0.0, float(original.min()), float(recovered.min()))
    high = max(0.0, float(original.max()), float(recovered.max()))
    span = high - low if high > low else 1.0
    ax.set_ylim(low - 0.12 * span, high + 0.4 * span)  # headroom for the legend
    if n <= 15:
        ax.set_xticks(slots, names, rotation=0 if max(len(s) for s in names) <= 6 else 45)
    else:
        shown = slots[::5]
        ax.set_xticks(shown, [names[i] for i in shown])
    ax.set_xlim(-0.7, n - 0.3)
    ax.legend(loc="upper right", fontsize=8, ncols=3)
    ax.set_title(title)
    ax.set_xlabel("knob (feature)")
    ax.set_ylabel("value")
    return ax


def plot_error_by_angle(angles_deg: Sequence[float] | np.ndarray, measured: Sequence[float] | np.ndarray, *,
                        predicted: Sequence[float] | np.ndarray | None = None, predicted_label: str = "formula",
                        title: str = "Recovery error against the angle between two directions",
                        ax: Axes | None = None) -> Axes:
    """Recovery error as a function of the angle between two directions, with 90° marked.

    Parameters
    ----------
    angles_deg : (k,)
        Angles in degrees.
    measured : (k,)
        Error measured at each angle.
    predicted : (k,), optional
        A formula's prediction, drawn dashed on top and labelled ``predicted_label``.
    title : str
    ax : Axes, optional

    Returns
    -------
    Axes
    """
    angles = np.asarray(angles_deg, dtype=float)
    measured = np.asarray(measured, dtype=float)
    if angles.ndim != 1 or measured.shape != angles.shape:
        raise ValueError(f"angles_deg and measured must be 1-D of the same length; got {angles.shape} and "
                         f"{measured.shape}")
    ax = new_axes(ax, (6.5, 3.8))
    ax.plot(angles, measured, color=PALETTE[0], linewidth=3, label="measured")
    if predicted is not None:
        predicted = np.asarray(predicted, dtype=float)
        if predicted.shape != angles.shape:
            raise ValueError(f"predicted has shape {predicted.shape} but angles_deg has shape {angles.shape}")
        ax.plot(angles, predicted, color="black", linestyle="--", linewidth=1.3, label=predicted_label)
    ax.axvline(90, color=HIGHLIGHT, linestyle=":", linewidth=1.2)
    ax.annotate("orthogonal", (90, 0), xytext=(4, 6), textcoords="offset points", color=HIGHLIGHT, fontsize=9)
    ax.set_xlim(float(angles.min()), float(angles.max()))
    ax.set_ylim(bottom=0)
    if angles.min() >= 0 and angles.max() <= 360:
        ax.set_xticks(np.arange(0, angles.max() + 1, 30))
    ax.grid(True, alpha=0.3)
    ax.legend()
    ax.set_title(title)
    ax.set_xlabel("angle between the two directions (degrees)")
    ax.set_ylabel("recovery error |x̂ − x|")
    return ax
