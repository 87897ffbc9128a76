"""Lesson 04's figures draw what they are given: snapped points, latent zones, the plane in the orthant."""
from __future__ import annotations

from collections.abc import Iterator

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_rgb  # noqa: E402

from course_utils import plots  # noqa: E402
from course_utils.plots.style import PALETTE  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures() -> Iterator[None]:
    yield
    plt.close("all")


def _hexagon():
    t = np.radians(60 * np.arange(6))
    return np.sqrt(2) * np.vstack([np.cos(t), np.sin(t)]), np.full(6, -1.0)


@pytest.mark.parametrize("d", [1, 2, 3])
def test_relu_snap_draws_both_clouds(d: int) -> None:
    before = np.random.default_rng(0).normal(size=(50, d))
    after = np.maximum(0, before)
    ax = plots.plot_relu_snap(before, after)
    assert (ax.name == "3d") == (d == 3)
    offsets = [c.get_offsets() for c in ax.collections]
    assert len(offsets) == 2
    if d == 2:
        assert np.allclose(offsets[0], before) and np.allclose(offsets[1], after)
    assert ax.get_title() == f"{d}-D: before and after ReLU"


def test_relu_snap_refuses_a_flat_axes_for_3d_points() -> None:
    _, ax = plt.subplots()
    with pytest.raises(ValueError, match="3-D Axes"):
        plots.plot_relu_snap(np.ones((3, 3)), np.ones((3, 3)), ax=ax)
    with pytest.raises(ValueError, match="d = 1, 2 or 3"):
        plots.plot_relu_snap(np.ones((3, 4)), np.ones((3, 4)))


def test_inside_features_is_the_polygon_through_the_features() -> None:
    W, _ = _hexagon()
    H = np.array([[0.0, 0.0], [1.3, 0.0], [1.5, 0.0], [0.0, 1.3], [0.0, 1.1]])
    assert plots.inside_features(W, H).tolist() == [True, True, False, False, True]
    # the order of the columns does not matter, only their angles
    assert plots.inside_features(W[:, [3, 0, 5, 1, 4, 2]], H).tolist() == [True, True, False, False, True]
    with pytest.raises(ValueError, match="n >= 3"):
        plots.inside_features(np.eye(2), H)


def test_latent_zones_colours_each_zone_and_clips_to_the_polygon() -> None:
    W, b = _hexagon()
    xs = ys = np.linspace(-2, 2, 81)
    H = np.stack(np.meshgrid(xs, ys), axis=-1)
    active = H @ W + b > 0
    ax = plots.plot_latent_zones(xs, ys, active, W, labels=list("abcdef"))
    image = ax.images[0].get_array()
    at = lambda x, y: image[np.argmin(np.abs(ys - y)), np.argmin(np.abs(xs - x))][:3]
    assert np.allclose(at(1.3, 0.0), to_rgb(PALETTE[0])), "only feature 0 is on near its tip: its own colour"
    assert np.allclose(at(0.0, 0.0), 1.0), "nothing on at the origin: white"
    assert np.allclose(at(1.9, 1.9), 0.93), "outside the hexagon: grey"
    unclipped = plots.plot_latent_zones(xs, ys, active, W, clip=False).images[0].get_array()
    assert not np.allclose(unclipped[-1, -1][:3], 0.93)
    assert {"a", "f"} <= {t.get_text() for t in ax.texts}
    with pytest.raises(ValueError, match="active must have shape"):
        plots.plot_latent_zones(xs, ys, active[:, :, :5], W)


def test_plane_in_orthant_draws_only_the_kept_points_in_the_features_colours() -> None:
    W, b = _hexagon()
    xs = np.linspace(-1.6, 1.6, 41)
    H = np.stack(np.meshgrid(xs, xs), axis=-1)
    plane = H @ W[:, [0, 2, 4]] + b[[0, 2, 4]]
    keep = plots.inside_features(W, H)
    ax = plots.plot_plane_in_orthant(plane, plane > 0, keep=keep, feature_ids=(0, 2, 4))
    assert ax.name == "3d"
    points = ax.collections[0]
    assert len(points.get_offsets()) == keep.sum()
    colours = {tuple(np.round(c[:3], 3)) for c in points.get_facecolor()}
    assert tuple(np.round(to_rgb(PALETTE[2]), 3)) in colours, "output 2 drawn in feature 2's colour"
    _, flat = plt.subplots()
    with pytest.raises(ValueError, match="3-D Axes"):
        plots.plot_plane_in_orthant(plane, plane > 0, ax=flat)
    with pytest.raises(ValueError, match="keep must have shape"):
        plots.plot_plane_in_orthant(plane, plane > 0, keep=keep[:3])


def test_feature_dimensionality_skips_unrepresented_features() -> None:
    ax = plots.plot_feature_dimensionality([1.0, 10.0], [[1.0, 0.0], [0.5, 0.4]], fractions=[(1, 2)])
    assert ax.get_xscale() == "log"
    dots = ax.collections[0].get_offsets()
    assert sorted(map(tuple, np.asarray(dots))) == [(1.0, 1.0), (10.0, 0.4), (10.0, 0.5)]
    assert [t.get_text() for t in ax.texts] == ["1/2"]
    with pytest.raises(ValueError, match="dimensionality"):
        plots.plot_feature_dimensionality([1.0], [[1.0], [0.5]])


def test_fraction_labels_never_overlap_even_for_close_fractions() -> None:
    fractions = [(1, 3), (3, 8), (2, 5), (1, 2)]
    ax = plots.plot_feature_dimensionality(np.array([1.0, 2.0]), np.full((2, 3), 0.4), fractions=fractions)
    ys = sorted(t.xy[1] for t in ax.texts)
    assert len(ys) == 4 and min(np.diff(ys)) >= 0.06 - 1e-12
    assert abs(np.mean(ys[:3]) - np.mean([1 / 3, 3 / 8, 2 / 5])) < 1e-9   # spread around where they belong


def test_spread_positions_keeps_order_and_moves_only_crowded_labels() -> None:
    from course_utils.plots.style import spread_positions
    out = spread_positions([0.5, 0.1, 0.3, 0.31], 0.05)
    assert out[1] == 0.1 and out[0] == 0.5                       # lone labels stay put
    assert out[3] - out[2] == pytest.approx(0.05) and (out[2] + out[3]) / 2 == pytest.approx(0.305)
    chain = spread_positions([0.0, 0.01, 0.02, 0.03], 0.1)
    assert np.all(np.diff(chain) >= 0.1 - 1e-12) and chain.mean() == pytest.approx(0.015)
