"""Explorers for lesson 03, *Superposition*: a slider over a sparsity sweep trained once in the lesson.

The explorer never trains or measures anything: the lesson trains the models and
computes each feature's norm and sharing, and the slider only picks which level to draw.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from .base import assemble

__all__ = ["sparsity_explorer"]


def sparsity_explorer(sparsity: Sequence[float] | np.ndarray,
                      models: Mapping[str, tuple[np.ndarray, np.ndarray, np.ndarray]], *,
                      importance: Sequence[float] | np.ndarray | None = None,
                      describe: Callable[[int], str] | None = None, start: int | None = None) -> Any:
    """A slider over sparsity levels; for each model, its feature directions and feature norms at that level.

    Wraps :func:`course_utils.plots.plot_features_2d` and :func:`~course_utils.plots.plot_feature_bars`.

    Parameters
    ----------
    sparsity : (k,)
        The sparsity ``S = 1 - p`` of each level, in slider order.
    models : mapping name -> (W (k, 2, n), norms (k, n), sharing (k, n))
        For each model (e.g. ``"ReLU"`` and ``"linear"``): its weights at every level, and per
        feature ``‖W_i‖`` and a measure of how much it shares its dimensions.
    importance : (n,), optional
        Feature importances (the darkest spoke is the most important feature).
    describe : callable level index -> str, optional
        Text shown under the picture.
    start : int, optional
        Index of the level shown first (default: the last, sparsest).

    Returns
    -------
    ipywidgets.VBox
        With ``controls`` key ``"level"`` (a selection slider whose value is the level index).
    """
    import ipywidgets as widgets

    sparsity = np.asarray(sparsity, dtype=float)
    k = sparsity.size
    if sparsity.ndim != 1 or k < 1:
        raise ValueError(f"sparsity must be a non-empty 1-D array of levels; got shape {sparsity.shape}")
    if not models:
        raise ValueError("models is empty: pass {name: (W, norms, sharing)}")
    for name, (W, norms, sharing) in models.items():
        W, norms, sharing = np.asarray(W), np.asarray(norms), np.asarray(sharing)
        if W.ndim != 3 or W.shape[:2] != (k, 2) or norms.shape != (k, W.shape[2]) or sharing.shape != norms.shape:
            raise ValueError(f"model {name!r}: need W (k, 2, n), norms and sharing (k, n) with k = {k} levels; "
                             f"got {W.shape}, {norms.shape}, {sharing.shape}")
    first = k - 1 if start is None else int(start)
    if not 0 <= first < k:
        raise ValueError(f"start must be a level index in 0..{k - 1}; got {start}")
    control = widgets.SelectionSlider(options=[(f"{s:.2f}", i) for i, s in enumerate(sparsity)], value=first,
                                      description="sparsity S", continuous_update=False,
                                      style={"description_width": "initial"},
                                      layout=widgets.Layout(width="420px"))
    controls = {"level": control}

    def draw(axes: Any) -> str:
        from course_utils.plots import plot_feature_bars, plot_features_2d

        level = controls["level"].value
        for m, (name, (W, norms, sharing)) in enumerate(models.items()):
            plot_features_2d(np.asarray(W)[level], importance=importance, ax=axes[2 * m],
                             title=f"{name}: W's columns")
            plot_feature_bars(np.asarray(norms)[level], np.asarray(sharing)[level], ax=axes[2 * m + 1],
                              title=f"{name}: ‖W_i‖")
        return describe(level) if describe is not None else ""

    n_models = len(models)
    return assemble(controls, draw, (min(10.2, 5.1 * n_models), 2.9), ncols=2 * n_models,
                    width_ratios=[1.0, 1.1] * n_models)
