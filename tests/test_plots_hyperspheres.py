"""Lesson 05's figures draw what they are given: token vectors, bars over tokens, histograms, a lens path."""
from __future__ import annotations

from collections.abc import Iterator

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_rgb  # noqa: E402

from course_utils import plots  # noqa: E402
from course_utils.plots.style import HIGHLIGHT  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures() -> Iterator[None]:
    yield
    plt.close("all")


def test_token_vectors_mark_each_rules_winner() -> None:
    E = np.array([[2.0, 0.3, 0.9], [0.4, 0.4, 0.4]])
    ax = plots.plot_token_vectors(E, ["cat", "dog", "bird"], np.array([0.6, 0.7]),
                                  winners={"Euclidean nearest": 2, "cosine nearest": 1, "largest dot product": 0})
    arrows = [t for t in ax.texts if getattr(t, "arrow_patch", None) is not None]
    assert len(arrows) == 4, "three tokens and h"
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["Euclidean nearest: bird", "cosine nearest: dog", "largest dot product: cat"]
    marks = {line.get_label(): (float(line.get_xdata()[0]), float(line.get_ydata()[0])) for line in ax.lines
             if line.get_label().startswith(("Euclidean", "cosine", "largest"))}
    assert marks["largest dot product: cat"] == (2.0, 0.4)
    # a rule's marker never borrows a token's colour (which would point at the wrong token)
    token_colours = {to_rgb(t.arrow_patch.get_edgecolor()) for t in arrows}
    for line in ax.lines:
        if line.get_label().startswith(("Euclidean", "cosine", "largest")):
            assert to_rgb(line.get_markeredgecolor()) not in token_colours - {to_rgb("black")}
    assert len({line.get_marker() for line in ax.lines if line.get_label().startswith(("Euclidean", "cosine",
                                                                                        "largest"))}) == 3
    with pytest.raises(ValueError, match="labels"):
        plots.plot_token_vectors(E, ["cat"], None)
    with pytest.raises(ValueError, match=r"shape \(2,\)"):
        plots.plot_token_vectors(E, ["a", "b", "c"], np.ones(3))


def test_token_bars_highlight_and_write_values() -> None:
    ax = plots.plot_token_bars([" Mary", " John"], [0.92, 0.01], highlight=0, title="T", ylabel="p", ylim=(0, 1))
    assert [round(b.get_height(), 6) for b in ax.patches] == [0.92, 0.01]
    assert to_rgb(ax.patches[0].get_facecolor()) == pytest.approx(to_rgb(HIGHLIGHT))
    assert [t.get_text() for t in ax.get_xticklabels()] == ["' Mary'", "' John'"], "repr shows the leading space"
    assert {"0.92", "0.01"} <= {t.get_text() for t in ax.texts}
    assert ax.get_ylim() == (0, 1)


def test_histogram_counts_and_marks() -> None:
    values = np.array([1.0, 1.2, 2.0, 2.1, 2.2, 5.0])
    ax = plots.plot_histogram(values, bins=4, marks={"min": 1.0, "max": 5.0}, title="T", xlabel="X")
    assert sum(b.get_height() for b in ax.patches) == len(values)
    assert {"min 1.00", "max 5.00"} <= {t.get_text() for t in ax.texts}
    with pytest.raises(ValueError, match="empty"):
        plots.plot_histogram([], title="T", xlabel="X")


def test_lens_path_stops_at_the_chosen_layer() -> None:
    coords = np.array([[0.0, 2.0], [0.5, 1.0], [2.0, 0.2]])
    ax = plots.plot_lens_path(coords, axis_labels=("' Mary'", "' John'"), upto=1)
    dots = ax.collections[0].get_offsets()
    assert np.allclose(dots, coords[:2]), "points up to the chosen layer"
    assert ax.get_xlabel() == "along ' Mary'"
    with pytest.raises(ValueError, match="upto"):
        plots.plot_lens_path(coords, axis_labels=("a", "b"), upto=3)


def test_a_very_long_h_is_drawn_shorter_and_keeps_the_tokens_readable() -> None:
    E = np.array([[1.0, 0.0, -1.0], [0.0, 1.0, 0.0]])
    ax = plots.plot_token_vectors(E, ["a", "b", "c"], np.array([0.0, 50.0]))
    assert ax.get_xlim()[1] <= 2.0 * 1.3 + 1e-9                  # the view stays near the tokens
    note = [t.get_text() for t in ax.texts if t.get_text().startswith("h")]
    assert note == ["h (length 50.0, drawn shorter)"]
    short = plots.plot_token_vectors(E, ["a", "b", "c"], np.array([0.5, 0.5]))
    assert [t.get_text() for t in short.texts if t.get_text().startswith("h")] == ["h"]
