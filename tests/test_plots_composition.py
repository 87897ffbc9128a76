"""Lesson 06's figures draw what they are given: a projection to a line, point clouds, polarizers, a score map."""
from __future__ import annotations

from collections.abc import Iterator

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from course_utils import plots  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures() -> Iterator[None]:
    yield
    plt.close("all")


def test_projection_to_line_draws_the_feet_on_the_line() -> None:
    points = np.array([[1.0, 2.0], [3.0, -1.0]])
    w = np.array([2.0, -1.0])
    ax = plots.plot_projection_to_line(points, w, points @ w)
    feet = ax.collections[1].get_offsets()
    unit = w / np.linalg.norm(w)
    assert np.allclose(feet, np.outer(points @ unit, unit)), "each foot is the point's projection on the line"
    assert np.allclose(feet[0], 0), "(1, 2) is on the null direction: it lands on the origin"
    assert len(ax.figure.axes) == 2, "a colour bar explains the colours"
    with pytest.raises(ValueError, match="length zero"):
        plots.plot_projection_to_line(points, [0.0, 0.0], np.zeros(2))
    with pytest.raises(ValueError, match="values"):
        plots.plot_projection_to_line(points, w, np.zeros(3))


def test_point_clouds_show_both_sets() -> None:
    before, after = np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([[2.0, 4.0], [-1.0, -2.0]])
    ax = plots.plot_point_clouds(before, after)
    assert np.allclose(ax.collections[0].get_offsets(), before) and np.allclose(ax.collections[1].get_offsets(), after)
    with pytest.raises(ValueError, match="both have shape"):
        plots.plot_point_clouds(before, after[:1])


def test_polarizers_write_each_stages_intensity() -> None:
    fields = np.array([[1.0, 0.0], [0.5, 0.5], [0.0, 0.5]])
    ax = plots.plot_polarizers([45, 90], fields)
    texts = [t.get_text() for t in ax.texts]
    assert "light in\nI = 1.000" in texts and "45°\nI = 0.500" in texts and "90°\nI = 0.250" in texts
    assert ax.get_title() == "2 polarizer(s): 25.0% of the light gets through"
    with pytest.raises(ValueError, match=r"\(n \+ 1, 2\)"):
        plots.plot_polarizers([45], fields)


def test_heatmap_blanks_nan_and_labels_ticks() -> None:
    M = np.array([[np.nan, 0.1], [0.2, 0.3]])
    ax = plots.plot_heatmap(M, title="T", xlabel="X", ylabel="Y", colorbar_label="score",
                            row_ticks=([0, 1], ["a", "b"]), col_ticks=([0, 1], ["c", "d"]))
    data = ax.images[0].get_array()
    assert data.mask[0, 0] and not data.mask[1, 1]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["a", "b"]
    with pytest.raises(ValueError, match="2-D"):
        plots.plot_heatmap(np.ones(3), title="T", xlabel="X", ylabel="Y", colorbar_label="C")


def test_heatmap_diverging_is_centred_on_zero() -> None:
    ax = plots.plot_heatmap(np.array([[-0.5, 2.0], [1.0, 0.0]]), title="T", xlabel="X", ylabel="Y",
                            colorbar_label="C", diverging=True)
    image = ax.images[0]
    assert image.get_clim() == (-2.0, 2.0) and image.get_cmap().name == plots.style.DIVERGING
    plain = plots.plot_heatmap(np.eye(2), title="T", xlabel="X", ylabel="Y", colorbar_label="C")
    assert plain.images[0].get_cmap().name == "magma"
