"""Explorers of lessons 02 to 06 call the lesson's own maths and redraw when a control moves."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from course_utils import widgets  # noqa: E402

PNG_MAGIC = b"\x89PNG"


def _directions(degrees):
    t = np.radians(degrees)
    return np.vstack([np.cos(t), np.sin(t)])


def test_directions_explorer_runs_the_lessons_experiment_on_every_move() -> None:
    before = plt.get_fignums()
    calls = []

    def run(angles, values):
        calls.append((tuple(angles), tuple(values)))
        W = _directions(angles)
        h = W @ values
        return W, h, W.T @ h, W.T @ W

    box = widgets.directions_explorer(run, angles=[20, 111], values=[0.8, 0.5], labels=["bass", "volume"],
                                      describe=lambda a, v: f"<{a[1] - a[0]:.0f} apart>")
    assert calls == [((20.0, 111.0), (0.8, 0.5))]
    assert box.image.value[:4] == PNG_MAGIC and "&lt;91 apart&gt;" in box.caption.value
    titles = [ax.get_title() for ax in box.figure.axes]
    assert titles[:3] == ["Directions, encoded h, readings", "Stored and read back", "WᵀW (dot products)"]
    gram = box.figure.axes[2].images[0].get_array()
    assert gram[0, 1] == pytest.approx(np.cos(np.radians(91)))
    first = box.image.value
    box.controls["angle 1"].value = 110
    assert calls[-1] == ((20.0, 110.0), (0.8, 0.5))
    assert box.figure.axes[2].images[0].get_array()[0, 1] == pytest.approx(0.0, abs=1e-12)
    box.controls["value 0"].value = -0.5
    assert calls[-1] == ((20.0, 110.0), (-0.5, 0.5))
    assert box.image.value != first and "90 apart" in box.caption.value
    assert plt.get_fignums() == before, "an explorer leaked a pyplot figure"


@pytest.mark.parametrize("kwargs,match", [
    ({"angles": [20, 111], "values": [0.8]}, "one angle and one value"),
    ({"angles": [20, 400], "values": [0.8, 0.5]}, "0..359"),
    ({"angles": [20, 111], "values": [0.8, 1.5]}, r"\[-1, 1\]"),
    ({"angles": [20, 111], "values": [0.8, 0.5], "labels": ["a"]}, "labels"),
])
def test_directions_explorer_bad_start(kwargs, match) -> None:
    with pytest.raises(ValueError, match=match):
        widgets.directions_explorer(lambda a, v: None, **kwargs)


def test_equalizer_explorer_passes_slider_values_by_name() -> None:
    W3 = _directions([10, 130, 250])
    seen = []

    def recover(bass, volume, k):
        seen.append((bass, volume, k))
        values = np.array([bass, volume, 0.4])
        return values, W3.T @ (W3 @ values)

    box = widgets.equalizer_explorer(recover, {"bass": (0.0, 1.0, 0.05, 0.8), "volume": (0.0, 1.0, 0.05, 0.5),
                                               "k": (1, 3, 1, 2)}, labels=["b", "v", "t"],
                                     describe=lambda **s: f"k={s['k']}")
    assert type(box.controls["k"].value) is int and type(box.controls["bass"].value) is float
    assert seen[-1] == (0.8, 0.5, 2) and "k=2" in box.caption.value
    bars = [round(p.get_height(), 6) for p in box.figure.axes[0].patches]
    assert bars[:3] == [0.8, 0.5, 0.4] and bars[3:6] == pytest.approx([0.35, -0.1, -0.25], abs=1e-6)
    box.controls["k"].value = 3
    assert seen[-1] == (0.8, 0.5, 3) and "k=3" in box.caption.value


@pytest.mark.parametrize("sliders,match", [
    ({}, "at least one control"),
    ({"a": []}, "non-empty list"),
    ({"a": (0, 1, 1)}, "needs"),
    ({"a": (0.0, 1.0, 0.1, 2.0)}, "outside its range"),
])
def test_equalizer_explorer_bad_sliders(sliders, match) -> None:
    with pytest.raises(ValueError, match=match):
        widgets.equalizer_explorer(lambda **s: (np.ones(2), np.ones(2)), sliders)


def test_explorer_pictures_keep_their_size() -> None:
    """The picture is shown at the figure's own width, never stretched to the cell."""
    box = widgets.equalizer_explorer(lambda a: (np.ones(3) * a, np.ones(3)), {"a": (0.0, 1.0, 0.1, 0.5)})
    width_in = box.figure.get_size_inches()[0]
    assert box.image.layout.width == f"{round(width_in * widgets.base.DPI)}px"
    assert box.image.layout.max_width == "100%"
    assert box.layout.align_items == "flex-start"


def test_sparsity_explorer_only_redraws_what_the_lesson_trained() -> None:
    before = plt.get_fignums()
    k, n = 3, 5
    rng = np.random.default_rng(0)
    W = rng.normal(size=(k, 2, n))
    norms, sharing = np.linalg.norm(W, axis=1), rng.uniform(size=(k, n))
    box = widgets.sparsity_explorer([0.0, 0.5, 0.9], {"ReLU": (W, norms, sharing), "linear": (W * 0, norms * 0, sharing)},
                                    describe=lambda level: f"level {level}")
    slider = box.controls["level"]
    assert slider.value == 2 and slider.label == "0.90" and "level 2" in box.caption.value
    first = box.image.value
    bars = box.figure.axes[1].patches
    assert [round(b.get_width(), 6) for b in bars] == [round(v, 6) for v in norms[2]]
    slider.value = 0
    assert box.image.value != first and "level 0" in box.caption.value
    assert [round(b.get_width(), 6) for b in box.figure.axes[1].patches] == [round(v, 6) for v in norms[0]]
    assert plt.get_fignums() == before
    with pytest.raises(ValueError, match="k = 3 levels"):
        widgets.sparsity_explorer([0.0, 0.5, 0.9], {"x": (W[:2], norms[:2], sharing[:2])})
    with pytest.raises(ValueError, match="level index"):
        widgets.sparsity_explorer([0.0, 0.5, 0.9], {"x": (W, norms, sharing)}, start=3)


def test_zones_explorer_draws_what_the_lesson_computes() -> None:
    before = plt.get_fignums()
    calls = []

    def compute(features, bias):
        calls.append((features, bias))
        t = np.radians(360 / features * np.arange(features))
        W = np.vstack([np.cos(t), np.sin(t)])
        xs = np.linspace(-1.5, 1.5, 31)
        H = np.stack(np.meshgrid(xs, xs), axis=-1)
        return {"W": W, "xs": xs, "ys": xs, "active": H @ W + bias > 0,
                "plane": H @ W[:, :3] + bias, "plane_active": H @ W[:, :3] + bias > 0}

    box = widgets.zones_explorer(compute, {"features": (3, 8, 1, 6), "bias": (-1.0, 0.5, 0.1, -0.5)},
                                 describe=lambda features, bias: f"{features} at {bias:+.1f}", with_plane=True)
    assert calls == [(6, -0.5)] and "6 at -0.5" in box.caption.value
    assert [ax.name for ax in box.figure.axes] == ["rectilinear", "3d"]
    first = box.image.value
    box.controls["features"].value = 4
    assert calls[-1] == (4, -0.5) and box.image.value != first
    assert len([t for t in box.figure.axes[0].texts if t.get_text().isdigit()]) == 4, "one label per feature"
    flat = widgets.zones_explorer(compute, {"features": (3, 8, 1, 5), "bias": (-1.0, 0.5, 0.1, 0.0)})
    assert [ax.name for ax in flat.figure.axes] == ["rectilinear"]
    assert plt.get_fignums() == before


def test_softmax_explorer_shows_the_lessons_probabilities() -> None:
    E = np.eye(2)

    def compute(direction, length, temperature):
        h = length * np.array([np.cos(np.radians(direction)), np.sin(np.radians(direction))])
        z = (h @ E) / temperature
        p = np.exp(z - z.max())
        return {"E": E, "labels": ["x", "y"], "h": h, "probs": p / p.sum()}

    box = widgets.softmax_explorer(compute, {"direction": (0, 359, 1, 0), "length": (0.0, 5.0, 0.1, 2.0),
                                             "temperature": (0.1, 3.0, 0.1, 1.0)})
    heights = [b.get_height() for b in box.figure.axes[1].patches]
    assert heights == pytest.approx([1 / (1 + np.exp(-2)), 1 / (1 + np.exp(2))])
    box.controls["length"].value = 0.0
    assert [b.get_height() for b in box.figure.axes[1].patches] == pytest.approx([0.5, 0.5])


def test_lens_explorer_follows_the_layer_slider() -> None:
    coords = np.array([[0.0, 1.0], [0.5, 0.5], [1.0, 0.0]])
    probs = np.array([[0.1, 0.8], [0.4, 0.4], [0.9, 0.05]])
    box = widgets.lens_explorer(coords, probs, [" Mary", " John"], axis_labels=("M", "J"),
                                describe=lambda layer: f"layer {layer}")
    assert box.controls["layer"].value == 2 and "layer 2" in box.caption.value
    assert [round(b.get_height(), 6) for b in box.figure.axes[1].patches] == [0.9, 0.05]
    box.controls["layer"].value = 0
    assert [round(b.get_height(), 6) for b in box.figure.axes[1].patches] == [0.1, 0.8]
    assert len(box.figure.axes[0].collections[0].get_offsets()) == 1
    with pytest.raises(ValueError, match="probabilities"):
        widgets.lens_explorer(coords, probs[:2], [" Mary", " John"], axis_labels=("M", "J"))


def test_bottleneck_and_polarizer_explorers_draw_the_lessons_results() -> None:
    points = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])

    def bottleneck(a, b):
        w = np.array([a, b])
        y = points @ w
        return {"points": points, "w_down": w, "y": y, "out": np.outer(y, [1.0, 1.0])}

    box = widgets.bottleneck_explorer(bottleneck, {"a": (-2.0, 2.0, 0.5, 1.0), "b": (-2.0, 2.0, 0.5, 0.0)},
                                      describe=lambda a, b: f"w = ({a}, {b})")
    assert np.allclose(box.figure.axes[1].collections[1].get_offsets(), np.outer([1.0, 0.0, 1.0], [1.0, 1.0]))
    box.controls["b"].value = 1.0
    assert np.allclose(box.figure.axes[1].collections[1].get_offsets(), np.outer([1.0, 1.0, 2.0], [1.0, 1.0]))
    assert "w = (1.0, 1.0)" in box.caption.value

    def stack(angle, middle):
        angles = [angle, 90] if middle == "out" else [angle, 45, 90]
        fields = [np.array([1.0, 0.0])]
        for a in angles:
            v = np.array([np.cos(np.radians(a)), np.sin(np.radians(a))])
            fields.append(v * (v @ fields[-1]))
        return {"angles": angles, "fields": np.array(fields)}

    box = widgets.polarizer_explorer(stack, {"angle": (0, 90, 1, 0), "middle": ["in", "out"]})
    assert box.figure.axes[0].get_title().endswith("25.0% of the light gets through")
    box.controls["middle"].value = "out"
    assert box.figure.axes[0].get_title() == "2 polarizer(s): 0.0% of the light gets through"
