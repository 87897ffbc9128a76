"""Lesson 02's figures draw what they are given: directions, projections, dot products, knobs."""
from __future__ import annotations

from collections.abc import Iterator

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_rgb  # noqa: E402

from course_utils import plots  # noqa: E402
from course_utils.plots.style import HIGHLIGHT, ORIGINAL, RECOVERED  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures() -> Iterator[None]:
    yield
    plt.close("all")


def _markers(ax) -> list[tuple[float, float]]:
    """(x, y) of every single-point line drawn with a marker."""
    return [(float(line.get_xdata()[0]), float(line.get_ydata()[0])) for line in ax.lines
            if line.get_marker() not in (None, "None", "") and len(line.get_xdata()) == 1]


def test_directions_draws_arrows_points_and_the_feet_of_perpendiculars() -> None:
    W = np.array([[1.0, 0.0], [0.0, 2.0]])          # the second direction has length 2
    ax = plots.plot_directions(W, {"h": [0.8, 0.5]}, labels=["bass", "volume"], readings={"h": [0.8, 1.0]})
    arrows = [t for t in ax.texts if getattr(t, "arrow_patch", None) is not None]
    assert len(arrows) == 2
    texts = {t.get_text() for t in ax.texts}
    assert {"bass", "volume", "h", "0.80", "1.00"} <= texts
    points = _markers(ax)
    assert (0.8, 0.5) in points
    # feet of the perpendiculars from h onto each direction's line (independent of the length)
    assert any(np.allclose(p, (0.8, 0.0)) for p in points) and any(np.allclose(p, (0.0, 0.5)) for p in points)
    assert ax.get_aspect() == 1.0


def test_directions_later_points_are_updates_of_the_first() -> None:
    ax = plots.plot_directions(np.eye(2), {"h": [0.5, 0.5], "h + d": [0.2, 0.5]}, project=False)
    arrows = [t for t in ax.texts if getattr(t, "arrow_patch", None) is not None]
    assert len(arrows) == 3  # two directions and one update step
    assert len(_markers(ax)) == 2  # no feet drawn when project=False


@pytest.mark.parametrize("args,kwargs,match", [
    ((np.ones((3, 2)),), {}, r"\(2, n\)"),
    ((np.array([[1.0, 0.0], [0.0, 0.0]]),), {}, "zero length"),
    ((np.eye(2), [1.0, 2.0, 3.0]), {}, r"shape \(2,\)"),
    ((np.eye(2), {"h": [1.0, 0.0]}), {"readings": {"x": [1, 2]}}, "not drawn"),
    ((np.eye(2),), {"labels": ["only one"]}, "one label per feature"),
])
def test_directions_bad_input(args, kwargs, match) -> None:
    with pytest.raises(ValueError, match=match):
        plots.plot_directions(*args, **kwargs)


def test_gram_shows_the_matrix_and_its_entries() -> None:
    G = np.array([[1.0, -0.5], [-0.5, 1.0]])
    ax = plots.plot_gram(G, labels=["a", "b"])
    assert np.array_equal(ax.images[0].get_array(), G)
    assert sorted(t.get_text() for t in ax.texts) == ["-0.500", "-0.500", "1.000", "1.000"]
    assert len(ax.figure.axes) == 2, "a colour bar explains the colours"
    big = plots.plot_gram(np.eye(20))
    assert not big.texts, "no numbers written in a 20 x 20 picture"
    with pytest.raises(ValueError, match="square"):
        plots.plot_gram(np.ones((2, 3)))


def test_equalizer_bars_follow_the_values_and_flag_flipped_signs() -> None:
    ax = plots.plot_equalizer([0.8, 0.5, 0.4], [0.35, -0.1, -0.25], labels=["bass", "volume", "treble"])
    bars = ax.patches
    heights = [round(b.get_height(), 6) for b in bars]
    assert heights[:3] == [0.8, 0.5, 0.4]            # stored, grey
    assert heights[3:6] == [0.35, -0.1, -0.25]       # read back, green
    assert heights[6:] == [-0.1, -0.25]              # the flipped ones again, in the highlight colour
    assert to_rgb(bars[0].get_facecolor()) == pytest.approx(to_rgb(ORIGINAL))
    assert to_rgb(bars[3].get_facecolor()) == pytest.approx(to_rgb(RECOVERED))
    assert to_rgb(bars[6].get_facecolor()) == pytest.approx(to_rgb(HIGHLIGHT))
    assert [t.get_text() for t in ax.get_xticklabels()] == ["bass", "volume", "treble"]
    wide = plots.plot_equalizer(np.ones(40), np.ones(40))
    assert len(wide.get_xticks()) == 8, "beyond 15 knobs every 5th is labelled"
    with pytest.raises(ValueError, match="same length"):
        plots.plot_equalizer([1.0, 2.0], [1.0])


def test_error_by_angle_draws_both_curves_and_marks_orthogonal() -> None:
    angles = np.arange(0, 181, 10)
    measured = np.abs(np.cos(np.radians(angles)))
    ax = plots.plot_error_by_angle(angles, measured, predicted=measured, predicted_label="|cos θ|")
    assert np.array_equal(ax.lines[0].get_ydata(), measured)
    assert ax.lines[1].get_linestyle() == "--"
    assert any(np.all(np.asarray(line.get_xdata()) == 90) for line in ax.lines[2:]), "90° is marked"
    assert "|cos θ|" in [t.get_text() for t in ax.get_legend().get_texts()]
    with pytest.raises(ValueError, match="same length"):
        plots.plot_error_by_angle([0, 90], [1.0])


def test_direction_names_stay_apart_when_directions_are_close() -> None:
    t = np.radians([20, 24, 150])
    ax = plots.plot_directions(np.vstack([np.cos(t), np.sin(t)]), labels=["bass", "volume", "treble"])
    where = {text.get_text(): np.array(text.get_position()) for text in ax.texts}
    gap = np.arctan2(*where["volume"][::-1]) - np.arctan2(*where["bass"][::-1])
    assert gap >= 0.22 - 1e-9                        # pushed apart from 4° to at least 0.22 rad
    assert np.allclose(np.degrees(np.arctan2(*where["treble"][::-1])), 150)   # a lone name stays at its arrow


def test_point_label_avoids_the_lines_drawn_from_the_point() -> None:
    W = np.array([[1.0, 0.0], [0.0, 1.0]])
    ax = plots.plot_directions(W, {"h": np.array([0.6, 0.6]), "h + W·δ": np.array([0.3, 0.6])})
    label = next(a for a in ax.texts if a.get_text() == "h + W·δ")
    dx, dy = label.xyann
    # lines from (0.3, 0.6) go right (to h), left (to the y-axis foot) and down (to the x-axis foot)
    angle = np.degrees(np.arctan2(dy, dx)) % 360
    assert min(abs(angle - a) for a in (0, 180, 270, 360)) >= 44
