"""Figures for lesson 06, *Composition and subspaces*: projections of a point cloud, polarizers, score maps.

Nothing here does the maths a lesson teaches: projected points, fields after each
polarizer and composition scores are computed in the lesson and passed in. The only
arithmetic is drawing geometry (where a point's perpendicular meets a line).
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.patches import Circle

from .style import DIVERGING, HIGHLIGHT, OKABE_ITO, PALETTE, new_axes

__all__ = ["plot_projection_to_line", "plot_point_clouds", "plot_polarizers", "plot_heatmap"]


def plot_projection_to_line(points: np.ndarray, w: Sequence[float] | np.ndarray, values: np.ndarray, *,
                            title: str = "Projecting 2-D points to one number", ax: Axes | None = None) -> Axes:
    """2-D points, the line of the row vector ``w``, and each point's perpendicular to it, coloured by its value.

    Parameters
    ----------
    points : (k, 2)
    w : (2,)
        The down-projection (one row); the line drawn is its direction.
    values : (k,)
        The projected numbers ``w · x`` the lesson computed, used for the colours.
    title : str
    ax : Axes, optional

    Returns
    -------
    Axes
    """
    points = np.asarray(points, dtype=float)
    w = np.asarray(w, dtype=float)
    values = np.asarray(values, dtype=float)
    if points.ndim != 2 or points.shape[1] != 2 or w.shape != (2,) or values.shape != (len(points),):
        raise ValueError(f"need points (k, 2), w (2,) and values (k,); got {points.shape}, {w.shape}, {values.shape}")
    if not np.linalg.norm(w) > 0:
        raise ValueError("w has length zero: there is no line to project onto")
    ax = new_axes(ax, (4.4, 4.4))
    unit = w / np.linalg.norm(w)
    feet = (points @ unit)[:, None] * unit  # where each point's perpendicular meets the line
    extent = 1.15 * float(np.abs(points).max())
    for p, f in zip(points, feet):
        ax.plot([p[0], f[0]], [p[1], f[1]], color="#cccccc", linewidth=0.6, zorder=0)
    ax.plot([-extent * unit[0], extent * unit[0]], [-extent * unit[1], extent * unit[1]], color="black", linewidth=1)
    scatter = ax.scatter(*points.T, c=values, cmap="viridis", s=18, zorder=2)
    ax.scatter(*feet.T, c=values, cmap="viridis", s=10, marker="s", zorder=2)
    ax.figure.colorbar(scatter, ax=ax, shrink=0.8, label="projected value w · x")
    ax.set_xlim(-extent, extent)
    ax.set_ylim(-extent, extent)
    ax.set_aspect("equal")
    ax.set_title(title)
    ax.set_xlabel("x₀")
    ax.set_ylabel("x₁")
    return ax


def plot_point_clouds(before: np.ndarray, after: np.ndarray, *, title: str = "Points before and after",
                      ax: Axes | None = None) -> Axes:
    """Two 2-D point clouds in one plane: the input in grey, where each point goes in colour.

    Parameters
    ----------
    before, after : (k, 2)
    title : str
    ax : Axes, optional

    Returns
    -------
    Axes
    """
    before = np.asarray(before, dtype=float)
    after = np.asarray(after, dtype=float)
    if before.ndim != 2 or before.shape[1] != 2 or after.shape != before.shape:
        raise ValueError(f"before and after must both have shape (k, 2); got {before.shape} and {after.shape}")
    ax = new_axes(ax, (4.4, 4.4))
    ax.scatter(*before.T, s=12, color="#c4c4c4", label="input")
    ax.scatter(*after.T, s=12, color=PALETTE[0], label="output")
    extent = 1.15 * max(float(np.abs(before).max()), float(np.abs(after).max()), 1e-9)
    ax.axhline(0, color="#eeeeee", linewidth=0.8, zorder=0)
    ax.axvline(0, color="#eeeeee", linewidth=0.8, zorder=0)
    ax.set_xlim(-extent, extent)
    ax.set_ylim(-extent, extent)
    ax.set_aspect("equal")
    ax.legend(fontsize=8, loc="upper left")
    ax.set_title(title)
    ax.set_xlabel("z₀")
    ax.set_ylabel("z₁")
    return ax


def plot_polarizers(angles_deg: Sequence[float], fields: np.ndarray, *, title: str | None = None,
                    ax: Axes | None = None) -> Axes:
    """Light through a stack of polarizers: each polarizer's axis, and the light's field after it.

    Parameters
    ----------
    angles_deg : sequence of n float
        Each polarizer's transmission axis, in degrees.
    fields : (n + 1, 2)
        The light's field before the first polarizer and after each one.
    title : str, optional
        Default: the transmitted fraction of the intensity.
    ax : Axes, optional

    Returns
    -------
    Axes
    """
    fields = np.asarray(fields, dtype=float)
    n = len(angles_deg)
    if fields.shape != (n + 1, 2):
        raise ValueError(f"fields must have shape (n + 1, 2) = {(n + 1, 2)} for {n} polarizers; got {fields.shape}")
    ax = new_axes(ax, (1.9 * (n + 1) + 0.6, 2.6))
    for stage in range(n + 1):
        cx = 2.4 * stage
        ax.add_patch(Circle((cx, 0), 1.0, facecolor="#f4f4f4", edgecolor="#bbbbbb"))
        if stage > 0:
            t = np.radians(angles_deg[stage - 1])
            ax.plot([cx - np.cos(t), cx + np.cos(t)], [-np.sin(t), np.sin(t)], color=OKABE_ITO["orange"],
                    linewidth=3, alpha=0.7)
            label = f"{angles_deg[stage - 1]:g}°"
        else:
            label = "light in"
        f = fields[stage]
        if np.linalg.norm(f) > 1e-9:
            ax.annotate("", xy=(cx + f[0], f[1]), xytext=(cx - f[0], -f[1]),
                        arrowprops={"arrowstyle": "<|-|>", "color": PALETTE[0], "linewidth": 2, "mutation_scale": 12})
        intensity = float(f @ f)
        ax.text(cx, -1.35, f"{label}\nI = {intensity:.3f}", ha="center", va="top", fontsize=9,
                color=HIGHLIGHT if stage == n else "black")
    ax.set_xlim(-1.3, 2.4 * n + 1.3)
    ax.set_ylim(-2.3, 1.3)
    ax.set_aspect("equal")
    ax.axis("off")
    final = float(fields[-1] @ fields[-1]) / max(float(fields[0] @ fields[0]), 1e-12)
    ax.set_title(title or f"{n} polarizer(s): {final:.1%} of the light gets through")
    return ax


def plot_heatmap(M: np.ndarray, *, title: str, xlabel: str, ylabel: str, colorbar_label: str,
                 row_ticks: tuple[Sequence[float], Sequence[str]] | None = None,
                 col_ticks: tuple[Sequence[float], Sequence[str]] | None = None, vmin: float | None = None,
                 vmax: float | None = None, diverging: bool = False, ax: Axes | None = None) -> Axes:
    """A matrix of scores as a heat map; NaN entries (pairs not scored) are left blank.

    With ``diverging`` the map is the course's purple/orange diverging one, centred on 0 (for signed
    weights); otherwise a sequential map (for scores).

    Parameters
    ----------
    M : (r, c)
    title, xlabel, ylabel, colorbar_label : str
    row_ticks, col_ticks : (positions, labels), optional
    vmin, vmax : float, optional
        Colour range (with ``diverging``, symmetric around 0 by default).
    diverging : bool
        Signed values: diverging colours, white at 0.
    ax : Axes, optional

    Returns
    -------
    Axes
    """
    M = np.asarray(M, dtype=float)
    if M.ndim != 2:
        raise ValueError(f"M must be 2-D; got shape {M.shape}")
    ax = new_axes(ax, (6.5, 5.2))
    if diverging and vmin is None and vmax is None:
        vmax = float(np.nanmax(np.abs(M))) if np.isfinite(M).any() else 1.0
        vmin = -vmax
    image = ax.imshow(np.ma.masked_invalid(M), cmap=DIVERGING if diverging else "magma", vmin=vmin, vmax=vmax,
                      interpolation="nearest", aspect="auto")
    ax.figure.colorbar(image, ax=ax, shrink=0.85, label=colorbar_label)
    if row_ticks is not None:
        ax.set_yticks(*row_ticks)
    if col_ticks is not None:
        ax.set_xticks(*col_ticks)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    return ax
