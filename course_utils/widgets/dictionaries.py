"""Explorers for lesson 07, *Sparse dictionaries*: a penalty slider over trained toy dictionaries; a latent browser.

The lesson measures the dictionaries and looks up a latent's examples; the explorers draw what it returns.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from .base import assemble

__all__ = ["frontier_explorer", "latent_browser"]


def frontier_explorer(compute: Callable[[str], Mapping[str, Any]], names: Sequence[str], *, start: int = 0,
                      describe: Callable[[str], str] | None = None) -> Any:
    """The sparsity–reconstruction frontier with one dictionary ringed (left) and its recovery of each true feature (right).

    Wraps :func:`course_utils.plots.plot_frontier` and :func:`~course_utils.plots.plot_best_cosines`.

    Parameters
    ----------
    compute : callable (dictionary name) -> mapping
        Keys: ``"series"`` and ``"n_true"`` (as for ``plot_frontier``), ``"highlight"`` (name, index),
        ``"best"`` (n_true,) best cosines of the ringed dictionary.
    names : sequence of str
        The dictionaries, in slider order.
    start : int
        Index of the dictionary shown first.
    describe : callable (dictionary name) -> str, optional

    Returns
    -------
    ipywidgets.VBox
        With ``controls`` key ``"dictionary"`` (a selection slider whose value is the name).
    """
    import ipywidgets as widgets

    if not names or not 0 <= start < len(names):
        raise ValueError(f"start must index one of the {len(names)} dictionaries; got {start}")
    controls = {"dictionary": widgets.SelectionSlider(options=list(names), value=names[start], description="dictionary",
                                                      continuous_update=False, style={"description_width": "initial"},
                                                      layout=widgets.Layout(width="520px"))}

    def draw(axes: Any) -> str:
        from course_utils.plots import plot_best_cosines, plot_frontier

        name = controls["dictionary"].value
        out = compute(name)
        plot_frontier(out["series"], n_true=out["n_true"], highlight=out["highlight"], ax=axes[0])
        plot_best_cosines(out["best"], title="Each true feature's best latent", ax=axes[1])
        return describe(name) if describe is not None else ""

    return assemble(controls, draw, (11.0, 4.2), ncols=2, width_ratios=[1.25, 1.0])


def latent_browser(compute: Callable[..., Mapping[str, Any]], n_latents: int, *, start: int = 0,
                   describe: Callable[..., str] | None = None) -> Any:
    """A latent number (typed or stepped) -> its strongest contexts (left) and the tokens its decoder direction favours (right).

    Wraps :func:`course_utils.plots.plot_latent_contexts` and :func:`~course_utils.plots.plot_token_bars`.

    Parameters
    ----------
    compute : callable (latent: int) -> mapping
        Keys: ``"contexts"`` (as for ``plot_latent_contexts``), ``"tokens"`` (k str) and ``"logits"`` (k,).
    n_latents : int
        Latents are numbered 0 .. n_latents - 1.
    start : int
        The latent shown first.
    describe : callable (latent: int) -> str, optional

    Returns
    -------
    ipywidgets.VBox
        With ``controls`` key ``"latent"``.
    """
    import ipywidgets as widgets

    if not 0 <= start < n_latents:
        raise ValueError(f"start must be a latent number in 0..{n_latents - 1}; got {start}")
    controls = {"latent": widgets.BoundedIntText(value=start, min=0, max=n_latents - 1, step=1, description="latent",
                                                 continuous_update=False,
                                                 layout=widgets.Layout(width="170px"))}

    def draw(axes: Any) -> str:
        from course_utils.plots import plot_latent_contexts, plot_token_bars

        latent = int(controls["latent"].value)
        out = compute(latent)
        plot_latent_contexts(out["contexts"], title=f"latent {latent}: strongest activations", ax=axes[0])
        plot_token_bars(out["tokens"], np.asarray(out["logits"], dtype=float),
                        title="tokens its decoder direction raises", ylabel="logit", ax=axes[1])
        return describe(latent) if describe is not None else ""

    return assemble(controls, draw, (11.5, 4.4), ncols=2, width_ratios=[1.9, 1.0])
