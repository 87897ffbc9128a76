"""Lesson 03's figures draw what they are given: cosine histograms, grouped bars, a toy model's features."""
from __future__ import annotations

from collections.abc import Iterator

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402

from course_utils import plots  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures() -> Iterator[None]:
    yield
    plt.close("all")


def test_cosine_histograms_are_densities_one_per_label() -> None:
    rng = np.random.default_rng(0)
    samples = {"narrow": rng.normal(0, 0.05, 5000).clip(-1, 1), "wide": rng.uniform(-1, 1, 5000)}
    ax = plots.plot_cosine_histograms(samples, bins=40)
    steps = ax.patches
    assert len(steps) == 2
    for patch in steps:  # each step curve integrates to 1 over [-1, 1]
        data = patch.get_data()
        values, edges = data.values, data.edges
        assert np.sum(values * np.diff(edges)) == pytest.approx(1.0)
    assert ax.get_yscale() == "log"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["narrow", "wide"]
    with pytest.raises(ValueError, match=r"\[-1, 1\]"):
        plots.plot_cosine_histograms({"bad": [0.5, 2.0]})
    with pytest.raises(ValueError, match="empty"):
        plots.plot_cosine_histograms({})


def test_grouped_bars_place_each_series_in_its_group() -> None:
    ax = plots.plot_grouped_bars(["3 in 2", "6 in 3"], {"random": [0.9, 0.8], "bound": [0.5, 0.45]},
                                 title="T", xlabel="X", ylabel="Y")
    heights = [round(b.get_height(), 6) for b in ax.patches]
    assert heights == [0.9, 0.8, 0.5, 0.45]
    centres = [b.get_x() + b.get_width() / 2 for b in ax.patches]
    assert centres[0] < 0 < centres[2] < 1 and centres[1] < 1 < centres[3], "series side by side in each group"
    with pytest.raises(ValueError, match="one value per category"):
        plots.plot_grouped_bars(["a"], {"x": [1, 2]}, title="T", xlabel="X", ylabel="Y")


def test_features_2d_draws_one_spoke_per_column_darkest_most_important() -> None:
    W = np.array([[1.0, 0.0, -0.5], [0.0, 1.0, 0.0]])
    ax = plots.plot_features_2d(W, importance=[1.0, 0.5, 0.1])
    spokes = [line for line in ax.lines if len(line.get_xdata()) == 2 and line.get_xdata()[0] == 0]
    ends = sorted((float(line.get_xdata()[1]), float(line.get_ydata()[1])) for line in spokes)
    assert ends == [(-0.5, 0.0), (0.0, 1.0), (1.0, 0.0)]
    brightness = {(float(line.get_xdata()[1]), float(line.get_ydata()[1])): to_rgba(line.get_color())[0]
                  for line in spokes}
    assert brightness[(1.0, 0.0)] < brightness[(0.0, 1.0)] < brightness[(-0.5, 0.0)]
    with pytest.raises(ValueError, match="one value per column"):
        plots.plot_features_2d(W, importance=[1.0, 0.5])
    with pytest.raises(ValueError, match=r"\(2, n\)"):
        plots.plot_features_2d(np.ones((3, 2)))


def test_feature_bars_lengths_and_colours() -> None:
    ax = plots.plot_feature_bars([1.0, 0.4, 0.0], [0.0, 1.0, 3.0], labels=["a", "b", "c"], colorbar=True)
    widths = [b.get_width() for b in ax.patches]
    assert widths == [1.0, 0.4, 0.0]
    colours = [to_rgba(b.get_facecolor()) for b in ax.patches]
    assert colours[0] != colours[1] and colours[1] == colours[2], "sharing above sharing_max is clipped"
    assert len(ax.figure.axes) == 2, "colorbar=True adds a colour bar"
    with pytest.raises(ValueError, match="same length"):
        plots.plot_feature_bars([1.0], [1.0, 2.0])


def test_panel_grid_makes_independent_axes() -> None:
    fig, axes = plots.panel_grid(2, 3, panel=(2.0, 1.5))
    assert axes.shape == (2, 3)
    assert tuple(fig.get_size_inches()) == pytest.approx((6.0, 3.0))
    plots.plot_features_2d(np.eye(2), ax=axes[1, 2])
    assert axes[1, 2].lines and not axes[0, 0].lines


def test_phase_diagram_colours_each_cell_by_its_phase_and_draws_boundaries() -> None:
    x, y = np.array([0.1, 1.0, 10.0]), np.array([1.0, 0.1])
    phase = np.array([[0, 1, 1], [2, 2, 1]])
    ax = plots.plot_phase_diagram(x, y, phase, ["none", "dedicated", "superposed"],
                                  boundaries={"predicted": (np.array([0.1, 10.0]), np.array([0.5, 0.5]))},
                                  title="T", xlabel="r", ylabel="p")
    mesh = ax.collections[0]
    assert np.array_equal(np.asarray(mesh.get_array()).reshape(2, 3), phase)
    assert ax.get_xscale() == ax.get_yscale() == "log"
    x_lo, x_hi = ax.get_xlim()
    assert x_lo < 0.1 and x_hi > 10.0                                   # whole cells around the grid values
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["none", "dedicated", "superposed", "predicted"]
    with pytest.raises(ValueError, match="shape"):
        plots.plot_phase_diagram(x, y, phase.T, ["a", "b", "c"], title="T", xlabel="X", ylabel="Y")
    with pytest.raises(ValueError, match="index names"):
        plots.plot_phase_diagram(x, y, phase, ["a", "b"], title="T", xlabel="X", ylabel="Y")


def test_features_2d_colours_groups_and_numbers_the_spokes() -> None:
    from matplotlib.colors import to_rgb
    W = np.array([[1.0, 0.0, -1.0, 0.0], [0.0, 1.0, 0.0, -1.0]])
    ax = plots.plot_features_2d(W, groups=[0, 0, 1, 1])
    spokes = [line for line in ax.lines if len(line.get_xdata()) == 2]
    colours = [to_rgb(line.get_color()) for line in spokes]
    assert colours[0] == colours[1] != colours[2] == colours[3]
    assert sorted(t.get_text() for t in ax.texts) == ["0", "1", "2", "3"]
    with pytest.raises(ValueError, match="one group per column"):
        plots.plot_features_2d(W, groups=[0, 1])
