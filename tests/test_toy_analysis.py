"""Feature norms, superposition and feature dimensionality on hand-built geometries."""
import numpy as np
import pytest

from course_utils import toy


def _polygon(n_points, radius=1.0, offset=0.0):
    t = offset + 2 * np.pi * np.arange(n_points) / n_points
    return radius * np.stack([np.cos(t), np.sin(t)])  # (2, n_points)


def test_orthogonal_features():
    W = np.eye(3)
    np.testing.assert_allclose(toy.feature_norms(W), [[1, 1, 1]])
    np.testing.assert_allclose(toy.superposition(W), [[0, 0, 0]], atol=1e-15)
    np.testing.assert_allclose(toy.feature_dimensionality(W), [[1, 1, 1]])


def test_pentagon_has_dimensionality_two_fifths():
    W = _polygon(5, radius=1.3, offset=0.4)
    D = toy.feature_dimensionality(W)
    np.testing.assert_allclose(D, 0.4, rtol=1e-12)
    # each feature overlaps its two neighbours at 72 degrees and two at 144 degrees
    expected = 1.3**2 * 2 * (np.cos(np.radians(72)) ** 2 + np.cos(np.radians(144)) ** 2)
    np.testing.assert_allclose(toy.superposition(W), expected, rtol=1e-12)
    np.testing.assert_allclose(np.diff(toy.feature_angles(W)[0]), 72.0)


def test_antipodal_pair_and_dropped_feature():
    W = np.array([[[1.0, -1.0, 0.0, 0.0], [0.0, 0.0, 2.0, 0.0]]])
    np.testing.assert_allclose(toy.feature_dimensionality(W), [[0.5, 0.5, 1.0, 0.0]])
    np.testing.assert_allclose(toy.superposition(W), [[1.0, 1.0, 0.0, 0.0]])
    np.testing.assert_allclose(toy.fraction_represented(W), [0.75])
    np.testing.assert_allclose(toy.fraction_represented(W, threshold=1.5), [0.25])
    np.testing.assert_allclose(toy.dimensions_per_feature(W), [2 / 6])


def test_batched_instances():
    W = np.stack([np.eye(2, 4), _polygon(4)])
    D = toy.feature_dimensionality(W)
    assert D.shape == (2, 4)
    np.testing.assert_allclose(D[0], [1, 1, 0, 0])
    np.testing.assert_allclose(D[1], 0.5, rtol=1e-12)


def test_errors():
    with pytest.raises(ValueError, match="n_hidden, n_features"):
        toy.feature_norms(np.zeros(3))
    with pytest.raises(ValueError, match="n_hidden = 2"):
        toy.feature_angles(np.zeros((1, 3, 4)))
    with pytest.raises(ValueError, match="threshold"):
        toy.fraction_represented(np.eye(2), threshold=-1)
