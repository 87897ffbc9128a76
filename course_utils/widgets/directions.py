"""Explorers for lesson 02, *Feature directions*; lesson 03 reuses the equalizer.

The maths stays in the lesson: each explorer takes a function the lesson wrote
(encode and decode, or a whole store-and-read-back experiment) and only draws
what it returns.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from .base import assemble, build_controls, caption_of, float_slider, int_slider, values_of

__all__ = ["directions_explorer", "equalizer_explorer"]

RoundTrip = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]


def directions_explorer(run: RoundTrip, *, angles: Sequence[float], values: Sequence[float],
                        labels: Sequence[str] | None = None,
                        describe: Callable[[np.ndarray, np.ndarray], str] | None = None) -> Any:
    """Sliders for each direction's angle and each stored value; shows the plane, the read-back and WᵀW.

    Wraps :func:`course_utils.plots.plot_directions`, :func:`~course_utils.plots.plot_equalizer`
    and :func:`~course_utils.plots.plot_gram`.

    Parameters
    ----------
    run : callable (angles_deg (n,), values (n,)) -> (W (2, n), h (2,), x_hat (n,), G (n, n))
        The lesson's experiment: directions at those angles, the values encoded into ``h``,
        read back as ``x_hat``, and the matrix of dot products ``G``.
    angles : n angles in degrees (0..359), values : n values in [-1, 1]
        Where the sliders start.
    labels : sequence of n str, optional
        Feature names; each feature gets an ``angle`` slider and a value slider.
    describe : callable (angles, values) -> str, optional
        Text shown under the picture.

    Returns
    -------
    ipywidgets.VBox
        With ``controls`` keys ``"angle 0"``, ..., ``"value 0"``, ... (by feature index).
    """
    n = len(angles)
    if n < 1 or len(values) != n:
        raise ValueError(f"need one angle and one value per feature; got {len(angles)} angles and "
                         f"{len(values)} values")
    names = list(labels) if labels is not None else [f"feature {i}" for i in range(n)]
    if len(names) != n:
        raise ValueError(f"got {len(names)} labels for {n} features")
    for a in angles:
        if not 0 <= a <= 359:
            raise ValueError(f"angles must lie in 0..359 degrees (the slider range); got {a}")
    for v in values:
        if not -1 <= v <= 1:
            raise ValueError(f"values must lie in [-1, 1] (the slider range); got {v}")
    controls: dict[str, Any] = {}
    for i, name in enumerate(names):  # one row per feature: its angle (a pixel per degree), then its value
        controls[f"angle {i}"] = int_slider(f"{name} angle°", int(round(angles[i])), 0, 359)
        controls[f"value {i}"] = float_slider(f"{name} value", float(values[i]), -1.0, 1.0, 0.05, width="250px")

    def draw(axes: Any) -> str:
        from course_utils.plots import plot_directions, plot_equalizer, plot_gram

        a = np.array([controls[f"angle {i}"].value for i in range(n)], dtype=float)
        x = np.array([controls[f"value {i}"].value for i in range(n)], dtype=float)
        W, h, x_hat, G = run(a, x)
        plot_directions(W, {"h": h}, labels=names, readings={"h": x_hat}, ax=axes[0],
                        title="Directions, encoded h, readings")
        plot_equalizer(x, x_hat, labels=names, ax=axes[1], title="Stored and read back")
        plot_gram(G, labels=names, ax=axes[2], title="WᵀW (dot products)")
        return describe(a, x) if describe is not None else ""

    return assemble(controls, draw, (10.2, 3.6), ncols=3, width_ratios=[1.0, 0.95, 1.05])


def equalizer_explorer(recover: Callable[..., tuple[np.ndarray, np.ndarray]],
                       controls: Mapping[str, tuple[float, float, float, float] | Sequence[str]], *,
                       labels: Sequence[str] | None = None, title: str = "Stored values and the values read back",
                       describe: Callable[..., str] | None = None) -> Any:
    """The equalizer under the lesson's own controls: stored knob values in grey, read back in green.

    Wraps :func:`course_utils.plots.plot_equalizer`.

    Parameters
    ----------
    recover : callable (**control values) -> (original (n,), recovered (n,))
        The lesson's experiment, called with one keyword argument per control.
    controls : mapping name -> (low, high, step, start) or list of str
        A tuple makes a slider (an integer slider when all four are integers); a list of
        strings makes a drop-down menu that starts at its first option.
    labels : sequence of n str, optional
        Knob names.
    title : str
    describe : callable (**control values) -> str, optional
        Text shown under the picture.

    Returns
    -------
    ipywidgets.VBox
        With one ``controls`` entry per name.
    """
    built = build_controls(controls)

    def draw(ax: Any) -> str:
        from course_utils.plots import plot_equalizer

        original, recovered = recover(**values_of(built))
        plot_equalizer(original, recovered, labels=labels, title=title, ax=ax)
        return caption_of(describe, built)

    n_knobs = np.size(recover(**values_of(built))[0])
    return assemble(built, draw, (min(max(6.0, 0.32 * n_knobs + 2.0), 10.2), 3.4))
