"""Explorers for lesson 04, *ReLU orthants*: latent zones (and the latent plane in the orthant) under sliders.

The lesson computes the zones — which output features are positive at each latent
point — for the settings the controls give; the explorer only draws them.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from .base import assemble, build_controls, caption_of, values_of

__all__ = ["zones_explorer"]


def zones_explorer(compute: Callable[..., Mapping[str, np.ndarray]],
                   controls: Mapping[str, tuple[float, float, float, float] | Sequence[str]], *,
                   labels: Sequence[str] | None = None, describe: Callable[..., str] | None = None,
                   with_plane: bool = False) -> Any:
    """Latent zones redrawn under the lesson's controls; optionally the plane in three output coordinates.

    Wraps :func:`course_utils.plots.plot_latent_zones` and :func:`~course_utils.plots.plot_plane_in_orthant`.

    Parameters
    ----------
    compute : callable (**control values) -> mapping
        The lesson's computation. Keys: ``"W"`` (2, n) feature vectors, ``"xs"`` (nx,), ``"ys"`` (ny,),
        ``"active"`` (ny, nx, n) bool; with ``with_plane`` also ``"plane"`` (py, px, 3) pre-activations
        of three output coordinates over a latent grid, ``"plane_active"`` (py, px, 3) bool and
        optionally ``"plane_keep"`` (py, px) bool, the points to draw.
    controls : mapping name -> (low, high, step, start) or list of str
        Sliders and drop-down menus (see :func:`course_utils.widgets.base.build_controls`).
    labels : sequence of n str, optional
        Feature names (the first three also name the plane's axes).
    describe : callable (**control values) -> str, optional
        Text shown under the picture.
    with_plane : bool
        Also draw the 3-D view of the plane.

    Returns
    -------
    ipywidgets.VBox
        With one ``controls`` entry per name.
    """
    built = build_controls(controls)

    def draw(axes: Any) -> str:
        from course_utils.plots import plot_latent_zones, plot_plane_in_orthant

        zones = compute(**values_of(built))
        names = list(labels)[: np.shape(zones["W"])[1]] if labels is not None else None
        first = axes if not with_plane else axes[0]
        plot_latent_zones(zones["xs"], zones["ys"], zones["active"], zones["W"], labels=names, ax=first,
                          title="Latent zones (where each feature is on)")
        if with_plane:
            axis_names = tuple(labels[:3]) if labels is not None else ("x₀", "x₁", "x₂")
            plot_plane_in_orthant(zones["plane"], zones["plane_active"], keep=zones.get("plane_keep"),
                                  labels=axis_names, ax=axes[1], title="The plane in three output coordinates")
        return caption_of(describe, built)

    if not with_plane:
        return assemble(built, draw, (5.0, 4.6))
    return _assemble_with_3d(built, draw)


def _assemble_with_3d(built: dict[str, Any], draw: Callable[[Any], str]) -> Any:
    """:func:`~course_utils.widgets.base.assemble` with a second, 3-D panel."""
    from .base import assemble as plain

    holder: dict[str, Any] = {}

    def draw_both(ax: Any) -> str:
        fig = ax.figure
        fig.clf()
        left = fig.add_subplot(1, 2, 1)
        right = fig.add_subplot(1, 2, 2, projection="3d")
        holder["axes"] = (left, right)
        return draw((left, right))

    return plain(built, draw_both, (9.4, 4.4))
