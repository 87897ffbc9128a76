"""Explorers for lesson 05, *Embedding hyperspheres*: logits and probabilities of a small vocabulary; a logit lens.

The lesson computes logits, probabilities and the lens's coordinates; the explorers draw them.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from .base import assemble, build_controls, caption_of, int_slider, values_of

__all__ = ["softmax_explorer", "lens_explorer"]


def softmax_explorer(compute: Callable[..., Mapping[str, Any]],
                     controls: Mapping[str, tuple[float, float, float, float] | Sequence[str]], *,
                     describe: Callable[..., str] | None = None) -> Any:
    """Token vectors and a hidden state (left); the probabilities the lesson computes for them (right).

    Wraps :func:`course_utils.plots.plot_token_vectors` and :func:`~course_utils.plots.plot_token_bars`.

    Parameters
    ----------
    compute : callable (**control values) -> mapping
        Keys: ``"E"`` (2, V) token vectors, ``"labels"`` (V str), ``"h"`` (2,) hidden state,
        ``"probs"`` (V,) probabilities.
    controls : mapping name -> (low, high, step, start) or list of str
        See :func:`course_utils.widgets.base.build_controls`.
    describe : callable (**control values) -> str, optional
        Text shown under the picture.

    Returns
    -------
    ipywidgets.VBox
    """
    built = build_controls(controls)

    def draw(axes: Any) -> str:
        from course_utils.plots import plot_token_bars, plot_token_vectors

        out = compute(**values_of(built))
        probs = np.asarray(out["probs"], dtype=float)
        plot_token_vectors(out["E"], out["labels"], out["h"], title="Tokens and h", ax=axes[0])
        plot_token_bars(out["labels"], probs, highlight=int(np.argmax(probs)), title="softmax(logits / T)",
                        ylabel="probability", ylim=(0, 1.1), ax=axes[1])
        return caption_of(describe, built)

    return assemble(built, draw, (9.0, 4.0), ncols=2, width_ratios=[1.0, 1.1])


def lens_explorer(coords: np.ndarray, probabilities: np.ndarray, candidates: Sequence[str], *,
                  axis_labels: tuple[str, str], describe: Callable[[int], str] | None = None) -> Any:
    """A layer slider over a logit-lens path (left) and the candidates' probabilities at that layer (right).

    Wraps :func:`course_utils.plots.plot_lens_path` and :func:`~course_utils.plots.plot_token_bars`.

    Parameters
    ----------
    coords : (L, 2)
        The hidden state's coordinates along two token directions after each layer.
    probabilities : (L, k)
        Each candidate's probability at each layer.
    candidates : sequence of k str
    axis_labels : (str, str)
    describe : callable layer -> str, optional

    Returns
    -------
    ipywidgets.VBox
        With ``controls`` key ``"layer"``.
    """
    coords = np.asarray(coords, dtype=float)
    probabilities = np.asarray(probabilities, dtype=float)
    if coords.ndim != 2 or coords.shape[1] != 2 or probabilities.shape != (len(coords), len(candidates)):
        raise ValueError(f"need coords (L, 2) and probabilities (L, {len(candidates)}); got {coords.shape} "
                         f"and {probabilities.shape}")
    layers = len(coords)
    controls = {"layer": int_slider("layer", layers - 1, 0, layers - 1, width="420px")}

    def draw(axes: Any) -> str:
        from course_utils.plots import plot_lens_path, plot_token_bars

        layer = controls["layer"].value
        plot_lens_path(coords, axis_labels=axis_labels, upto=layer, title=f"After layer {layer}", ax=axes[0])
        plot_token_bars(candidates, probabilities[layer], highlight=int(np.argmax(probabilities[layer])),
                        title="Probability through the final norm", ylabel="probability", ylim=(0, 1.1), ax=axes[1])
        return describe(layer) if describe is not None else ""

    return assemble(controls, draw, (9.0, 4.0), ncols=2, width_ratios=[1.0, 1.0])
