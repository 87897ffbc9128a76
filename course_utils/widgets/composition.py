"""Explorers for lesson 06, *Composition and subspaces*: a 2-D -> 1-D -> 2-D bottleneck, and polarizers.

The lesson computes where the points go and what the light does; the explorers draw it.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from .base import assemble, build_controls, caption_of, values_of

__all__ = ["bottleneck_explorer", "polarizer_explorer"]


def bottleneck_explorer(compute: Callable[..., Mapping[str, Any]],
                        controls: Mapping[str, tuple[float, float, float, float] | Sequence[str]], *,
                        describe: Callable[..., str] | None = None) -> Any:
    """A point cloud pushed through a bottleneck: the down-projection (left), the points it lands on (right).

    Wraps :func:`course_utils.plots.plot_projection_to_line` and :func:`~course_utils.plots.plot_point_clouds`.

    Parameters
    ----------
    compute : callable (**control values) -> mapping
        Keys: ``"points"`` (k, 2) the input cloud, ``"w_down"`` (2,) the down-projection, ``"y"`` (k,) the
        numbers in the bottleneck, ``"out"`` (k, 2) where the up-projection writes them.
    controls : mapping name -> (low, high, step, start) or list of str
        See :func:`course_utils.widgets.base.build_controls`.
    describe : callable (**control values) -> str, optional

    Returns
    -------
    ipywidgets.VBox
    """
    built = build_controls(controls)

    def draw(axes: Any) -> str:
        from course_utils.plots import plot_point_clouds, plot_projection_to_line

        out = compute(**values_of(built))
        plot_projection_to_line(out["points"], out["w_down"], out["y"], title="Down: 2-D -> 1 number", ax=axes[0])
        plot_point_clouds(out["points"], out["out"], title="Up again: every point lands on a line", ax=axes[1])
        return caption_of(describe, built)

    return assemble(built, draw, (9.4, 4.3), ncols=2, width_ratios=[1.15, 1.0])


def polarizer_explorer(compute: Callable[..., Mapping[str, Any]],
                       controls: Mapping[str, tuple[float, float, float, float] | Sequence[str]], *,
                       describe: Callable[..., str] | None = None) -> Any:
    """Light through polarizers whose angles the controls set.

    Wraps :func:`course_utils.plots.plot_polarizers`.

    Parameters
    ----------
    compute : callable (**control values) -> mapping
        Keys: ``"angles"`` (n,) the polarizers' axes in degrees, ``"fields"`` (n + 1, 2) the light's field
        before the first polarizer and after each one.
    controls : mapping name -> (low, high, step, start) or list of str
    describe : callable (**control values) -> str, optional

    Returns
    -------
    ipywidgets.VBox
    """
    built = build_controls(controls)

    def draw(ax: Any) -> str:
        from course_utils.plots import plot_polarizers

        out = compute(**values_of(built))
        plot_polarizers(list(out["angles"]), np.asarray(out["fields"]), ax=ax)
        return caption_of(describe, built)

    return assemble(built, draw, (8.6, 2.8))
