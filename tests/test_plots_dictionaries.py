"""Figures and explorers of lesson 07, *Sparse dictionaries*."""
from __future__ import annotations

from collections.abc import Iterator

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from course_utils import plots, widgets  # noqa: E402

FRONTIER = {"L1": (np.array([30.0, 5.0, 1.0]), np.array([0.01, 0.2, 0.9]), np.array([0, 95, 20])),
            "TopK": (np.array([2.0, 4.0]), np.array([0.3, 0.15]), np.array([90, 96]))}


@pytest.fixture(autouse=True)
def _close_figures() -> Iterator[None]:
    yield
    plt.close("all")


def test_frontier_places_each_dictionary_and_colours_it_by_recovery() -> None:
    ax = plots.plot_frontier(FRONTIER, n_true=100, highlight=("L1", 1))
    points = [c for c in ax.collections if c.get_label() in FRONTIER]
    assert [c.get_label() for c in points] == ["L1", "TopK"]
    assert np.allclose(points[0].get_offsets(), np.column_stack(FRONTIER["L1"][:2]))
    assert np.allclose(points[0].get_array(), [0, 95, 20]) and points[0].get_clim() == (0, 100)
    ring = ax.collections[-1]
    assert np.allclose(ring.get_offsets(), [[5.0, 0.2]])
    assert ax.get_xscale() == ax.get_yscale() == "log"
    with pytest.raises(ValueError, match="one value per dictionary"):
        plots.plot_frontier({"bad": (np.ones(2), np.ones(3), np.ones(2))}, n_true=10)


def test_best_cosines_sorted_with_the_count_above_the_threshold() -> None:
    ax = plots.plot_best_cosines([0.5, 0.95, 0.99, 0.2], threshold=0.9)
    heights = [bar.get_height() for bar in ax.patches]
    assert heights == sorted(heights, reverse=True) == [0.99, 0.95, 0.5, 0.2]
    assert any(t.get_text().startswith("2 of 4 above 0.9 ") for t in ax.texts)
    with pytest.raises(ValueError, match="non-empty"):
        plots.plot_best_cosines([])


def test_latent_contexts_box_the_token_between_its_neighbours() -> None:
    ax = plots.plot_latent_contexts([("the ", "dog", " ran", 3.5), ("a ", "cat", ".", 1.25)], title="latent 7")
    texts = [t.get_text() for t in ax.texts]
    assert texts[:4] == ["  3.5", "the ", "dog", " ran"] and "cat" in texts
    boxed = [t for t in ax.texts if t.get_text() in ("dog", "cat")]
    assert all(t.get_bbox_patch() is not None for t in boxed)
    assert ax.get_title(loc="left") == "latent 7"
    noted = plots.plot_latent_contexts([("the ", "dog", " ran", 3.5, "pos 12")], title="latent 7")
    assert noted.texts[0].get_text() == "  3.5  pos 12"


def test_frontier_explorer_rings_the_chosen_dictionary() -> None:
    best = {"a": np.array([0.95, 0.3]), "b": np.array([0.99, 0.97])}

    def compute(dictionary: str) -> dict:
        return {"series": FRONTIER, "n_true": 2, "highlight": ("TopK", 0 if dictionary == "a" else 1),
                "best": best[dictionary]}

    box = widgets.frontier_explorer(compute, ["a", "b"], describe=lambda dictionary: f"<{dictionary}>")
    first = box.image.value
    assert "&lt;a&gt;" in box.caption.value
    box.controls["dictionary"].value = "b"
    assert box.image.value != first and "&lt;b&gt;" in box.caption.value
    assert np.allclose(box.figure.axes[0].collections[-1].get_offsets(), [[4.0, 0.15]])
    with pytest.raises(ValueError, match="start must index"):
        widgets.frontier_explorer(compute, ["a", "b"], start=2)


def test_latent_browser_follows_the_typed_latent() -> None:
    seen = []

    def compute(latent: int) -> dict:
        seen.append(latent)
        return {"contexts": [("x ", f"t{latent}", " y", 1.0)], "tokens": ["a", "b"], "logits": [2.0, 1.0]}

    box = widgets.latent_browser(compute, n_latents=10, start=3)
    box.controls["latent"].value = 7
    assert seen == [3, 7]
    assert "t7" in [t.get_text() for t in box.figure.axes[0].texts]
    with pytest.raises(ValueError, match="latent number"):
        widgets.latent_browser(compute, n_latents=10, start=10)
