"""Figures for lesson 04, *ReLU orthants*: points snapped by a ReLU, latent zones, a plane in the orthant.

Nothing here does the maths a lesson teaches: the ReLU, the pre-activations and
which features are active where are computed in the lesson and passed in.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import to_rgb

from .style import PALETTE, as_matrix, new_axes, spread_positions, tidy_3d

__all__ = ["plot_relu_snap", "plot_latent_zones", "plot_plane_in_orthant", "plot_feature_dimensionality",
           "inside_features"]

_BEFORE, _AFTER = "#b9b9b9", PALETTE[0]


def plot_relu_snap(before: np.ndarray, after: np.ndarray, *, title: str | None = None,
                   ax: Axes | None = None) -> Axes:
    """Points before (grey) and after (blue) a ReLU, in 1, 2 or 3 dimensions.

    Parameters
    ----------
    before, after : (k, d) with d in {1, 2, 3}
        The same points before and after the ReLU (one point per row).
    title : str, optional
    ax : Axes, optional
        For d = 3 it must be a 3-D Axes (``projection="3d"``); one is made when ``ax`` is None.

    Returns
    -------
    Axes
    """
    before = np.asarray(before, dtype=float)
    after = np.asarray(after, dtype=float)
    if before.ndim != 2 or before.shape != after.shape or before.shape[1] not in (1, 2, 3):
        raise ValueError(f"before and after must both have shape (k, d) with d = 1, 2 or 3; got {before.shape} "
                         f"and {after.shape}")
    d = before.shape[1]
    if ax is None:
        import matplotlib.pyplot as plt

        fig = plt.figure(figsize=(3.4, 3.2) if d > 1 else (4.5, 2.0))
        ax = fig.add_subplot(1, 1, 1, projection="3d" if d == 3 else None)
    elif d == 3 and getattr(ax, "name", "") != "3d":
        raise ValueError("3-D points need a 3-D Axes: make it with projection='3d' "
                         "(plots.panel_grid(..., three_d=(k,)))")
    limit = float(np.abs(before).max()) * 1.05
    if d == 1:
        rng = np.random.default_rng(0)  # vertical jitter only, so overlapping points stay visible
        jitter = rng.uniform(-0.15, 0.15, size=len(before))
        ax.scatter(before[:, 0], 1 + jitter, s=8, color=_BEFORE, label="before")
        ax.scatter(after[:, 0], jitter, s=8, color=_AFTER, label="after ReLU")
        ax.set_yticks([0, 1], ["after", "before"])
        ax.set_xlim(-limit, limit)
        ax.axvline(0, color="black", linewidth=0.8)
        ax.set_xlabel("x")
        ax.set_ylabel("")
    elif d == 2:
        ax.scatter(*before.T, s=6, color=_BEFORE, label="before")
        ax.scatter(*after.T, s=8, color=_AFTER, label="after ReLU")
        ax.axhline(0, color="black", linewidth=0.8)
        ax.axvline(0, color="black", linewidth=0.8)
        ax.set_xlim(-limit, limit)
        ax.set_ylim(-limit, limit)
        ax.set_aspect("equal")
        ax.set_xlabel("x₀")
        ax.set_ylabel("x₁")
    else:
        ax.scatter(*before.T, s=3, color=_BEFORE, alpha=0.4, label="before")
        ax.scatter(*after.T, s=5, color=_AFTER, label="after ReLU")
        for axis in range(3):
            end = np.zeros((2, 3))
            end[1, axis] = limit
            ax.plot(*end.T, color="black", linewidth=1.0)
        tidy_3d(ax, limit, ("x₀", "x₁", "x₂"))
    ax.set_title(title or f"{d}-D: before and after ReLU")
    ax.legend(fontsize=8, loc={1: "center right", 2: "lower right", 3: "upper left"}[d], markerscale=2)
    return ax


def inside_features(W: np.ndarray, H: np.ndarray) -> np.ndarray:
    """Which latent points lie inside the polygon through the feature vectors (taken in angular order).

    One-hot inputs land exactly on the feature vectors, and mixtures of features inside
    that polygon, so figures show the latent zones there (as the source's pictures do).

    Parameters
    ----------
    W : (2, n), n >= 3
    H : (..., 2) latent points

    Returns
    -------
    (...) bool
    """
    from matplotlib.path import Path as Polygon

    W = as_matrix("W", W, rows=2)
    H = np.asarray(H, dtype=float)
    if W.shape[1] < 3 or H.shape[-1] != 2:
        raise ValueError(f"need W (2, n) with n >= 3 and H (..., 2); got {W.shape} and {H.shape}")
    order = np.argsort(np.arctan2(W[1], W[0]))
    polygon = Polygon(W[:, order].T)
    return polygon.contains_points(H.reshape(-1, 2), radius=1e-9).reshape(H.shape[:-1])


def _zone_colors(active: np.ndarray, feature_ids: Sequence[int] | None = None) -> np.ndarray:
    """RGB per grid point: a feature's colour where only it is active, a paler mix where several are, white where none."""
    n = active.shape[-1]
    ids = range(n) if feature_ids is None else feature_ids
    palette = np.array([to_rgb(PALETTE[i % len(PALETTE)]) for i in ids])
    count = active.sum(axis=-1, keepdims=True)
    mixed = (active[..., None] * palette).sum(axis=-2) / np.maximum(count, 1)
    image = np.where(count == 1, mixed, 0.55 * mixed + 0.45)  # several active: paler
    return np.where(count == 0, 1.0, image)


def plot_latent_zones(xs: np.ndarray, ys: np.ndarray, active: np.ndarray, W: np.ndarray, *,
                      labels: Sequence[str] | None = None, clip: bool = True, title: str = "Latent zones",
                      ax: Axes | None = None) -> Axes:
    """Colour a grid of latent points by which output features are active there; draw the features on top.

    Parameters
    ----------
    xs : (nx,), ys : (ny,)
        Coordinates of the grid of latent points ``h = (x, y)``.
    active : (ny, nx, n) bool
        ``active[j, i, f]``: output feature ``f`` is positive at ``h = (xs[i], ys[j])``.
    W : (2, n)
        The features' latent vectors (columns), drawn as arrows in their zone's colour.
    labels : sequence of n str, optional
    clip : bool
        Colour only inside the polygon through the feature vectors (see :func:`inside_features`);
        outside it is left grey. Ignored for fewer than three features.
    title : str
    ax : Axes, optional

    Returns
    -------
    Axes
    """
    xs, ys = np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)
    active = np.asarray(active, dtype=bool)
    W = as_matrix("W", W, rows=2)
    n = W.shape[1]
    if active.shape != (ys.size, xs.size, n):
        raise ValueError(f"active must have shape (len(ys), len(xs), n) = {(ys.size, xs.size, n)}; "
                         f"got {active.shape}")
    names = list(labels) if labels is not None else [str(i) for i in range(n)]
    if len(names) != n:
        raise ValueError(f"got {len(names)} labels for {n} features")
    ax = new_axes(ax, (4.2, 4.2))
    colors = _zone_colors(active)
    if clip and n >= 3:
        inside = inside_features(W, np.stack(np.meshgrid(xs, ys), axis=-1))
        colors = np.where(inside[..., None], colors, 0.93)
        order = np.argsort(np.arctan2(W[1], W[0]))
        ring = W[:, np.r_[order, order[:1]]]
        ax.plot(*ring, color="#888888", linewidth=0.8, linestyle="--")
    ax.imshow(colors, origin="lower", extent=(xs[0], xs[-1], ys[0], ys[-1]), interpolation="nearest", alpha=0.6)
    for i in range(n):
        color = PALETTE[i % len(PALETTE)]
        ax.annotate("", xy=(W[0, i], W[1, i]), xytext=(0, 0),
                    arrowprops={"arrowstyle": "-|>", "color": color, "linewidth": 2, "mutation_scale": 14})
        ax.text(*(W[:, i] * 1.12), names[i], color=color, fontsize=10, weight="bold", ha="center", va="center")
    ax.plot(0, 0, marker="+", color="black")
    ax.set_xlim(xs[0], xs[-1])
    ax.set_ylim(ys[0], ys[-1])
    ax.set_aspect("equal")
    ax.set_title(title)
    ax.set_xlabel("latent h₀")
    ax.set_ylabel("latent h₁")
    return ax


def plot_plane_in_orthant(points: np.ndarray, active: np.ndarray, *, keep: np.ndarray | None = None,
                          labels: Sequence[str] = ("x₀", "x₁", "x₂"), feature_ids: Sequence[int] = (0, 1, 2),
                          title: str = "The latent plane in the output space", ax: Axes | None = None) -> Axes:
    """Points of the latent plane seen in three output coordinates, coloured by which coordinates are positive.

    Parameters
    ----------
    points : (..., 3)
        Pre-activations of three output features over a set of latent points.
    active : (..., 3) bool
        Which of the three coordinates are positive at each point.
    keep : (...) bool, optional
        Which points to draw (e.g. :func:`inside_features` of the latent grid); all by default.
    labels : three str
        Names of the three output coordinates.
    feature_ids : three int
        Which features the coordinates are, so each gets the colour it has in :func:`plot_latent_zones`.
    title : str
    ax : Axes, optional
        A 3-D Axes (made when None).

    Returns
    -------
    Axes
    """
    points = np.asarray(points, dtype=float)
    active = np.asarray(active, dtype=bool)
    if points.shape[-1] != 3 or active.shape != points.shape:
        raise ValueError(f"points and active must both have shape (..., 3); got {points.shape} and {active.shape}")
    keep = np.ones(points.shape[:-1], dtype=bool) if keep is None else np.asarray(keep, dtype=bool)
    if keep.shape != points.shape[:-1]:
        raise ValueError(f"keep must have shape {points.shape[:-1]}; got {keep.shape}")
    if ax is None:
        import matplotlib.pyplot as plt

        ax = plt.figure(figsize=(4.2, 4.0)).add_subplot(1, 1, 1, projection="3d")
    elif getattr(ax, "name", "") != "3d":
        raise ValueError("plot_plane_in_orthant needs a 3-D Axes (projection='3d')")
    if len(feature_ids) != 3:
        raise ValueError(f"feature_ids names the three output coordinates; got {feature_ids!r}")
    shown, colors = points[keep], _zone_colors(active, feature_ids)[keep]
    ax.scatter(*shown.T, c=colors, s=6, depthshade=False)
    limit = float(np.abs(shown).max()) if shown.size else 1.0
    for axis in range(3):
        end = np.zeros((2, 3))
        end[:, axis] = (0, limit)
        ax.plot(*end.T, color="black", linewidth=2.0)
        ax.text(*(end[1] * 1.1), labels[axis], color="black", fontsize=10, weight="bold")
    tidy_3d(ax, limit, tuple(labels))
    ax.view_init(elev=22, azim=40)
    ax.set_title(title)
    return ax


def plot_feature_dimensionality(x: np.ndarray, dimensionality: np.ndarray, *,
                                fractions: Sequence[tuple[int, int]] = ((1, 1), (3, 4), (2, 3), (1, 2), (2, 5),
                                                                         (3, 8), (1, 3)),
                                xlabel: str = "1 / (1 − S)", title: str = "Feature dimensionality",
                                ax: Axes | None = None) -> Axes:
    """One dot per feature and condition: its dimensionality ``D_i``, with reference lines at simple fractions.

    Parameters
    ----------
    x : (k,)
        The condition of each row (e.g. ``1 / (1 - S)``), drawn on a log axis.
    dimensionality : (k, n)
        ``D_i`` of every feature under each condition; features with ``D_i = 0`` (not represented) are skipped.
    fractions : sequence of (numerator, denominator)
        Where to draw the reference lines.
    xlabel, title : str
    ax : Axes, optional

    Returns
    -------
    Axes
    """
    x = np.asarray(x, dtype=float)
    dims = np.asarray(dimensionality, dtype=float)
    if x.ndim != 1 or dims.ndim != 2 or dims.shape[0] != x.size:
        raise ValueError(f"need x (k,) and dimensionality (k, n); got {x.shape} and {dims.shape}")
    ax = new_axes(ax, (6.5, 4.0))
    levels = [num / den for num, den in fractions]
    for (num, den), level, at in zip(fractions, levels, spread_positions(levels, 0.06)):  # close fractions apart
        ax.axhline(level, color="#bbbbbb", linewidth=0.8, zorder=0)
        ax.annotate(f"{num}/{den}", (1.0, at), xycoords=("axes fraction", "data"), xytext=(3, 0),
                    textcoords="offset points", va="center", fontsize=8, color="#777777")
    xx = np.repeat(x[:, None], dims.shape[1], axis=1)
    shown = dims > 0
    ax.scatter(xx[shown], dims[shown], s=9, color=PALETTE[0], alpha=0.5)
    ax.set_xscale("log")
    ax.set_ylim(0, 1.1)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("dimensionality D_i")
    ax.grid(True, axis="x", alpha=0.3)
    return ax

