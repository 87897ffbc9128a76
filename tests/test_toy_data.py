"""Sparse feature sampler and fixed datasets of the toy models."""
import numpy as np
import pytest

from course_utils import toy
from course_utils.toy.data import SparseFeatures


def test_marginal_statistics_per_instance():
    p = np.array([1.0, 0.3, 0.05])
    x = toy.sample_sparse_features(p, 3, 8, 50_000, dtype=np.float64, seed=0)
    assert x.shape == (3, 50_000, 8)
    present = x > 0
    count = present.size / 3
    for k in range(3):
        freq = present[k].mean()
        sigma = np.sqrt(p[k] * (1 - p[k]) / count) + 1e-12
        assert abs(freq - p[k]) < 5 * sigma + 1e-9, (k, freq)
        vals = x[k][present[k]]
        # given presence the value is U[0, 1): mean 1/2, variance 1/12, all below 1
        assert abs(vals.mean() - 0.5) < 5 * np.sqrt(1 / 12 / vals.size)
        assert abs(vals.var() - 1 / 12) < 0.01
        assert vals.max() < 1.0
        # quartiles of a uniform distribution
        np.testing.assert_allclose(np.quantile(vals, [0.25, 0.5, 0.75]), [0.25, 0.5, 0.75], atol=0.02)
    assert x.min() >= 0.0


def test_features_are_independent():
    x = toy.sample_sparse_features(0.3, 1, 2, 200_000, seed=1)[0]
    present = (x > 0).astype(float)
    corr = np.corrcoef(present[:, 0], present[:, 1])[0, 1]
    assert abs(corr) < 0.015
    both = np.mean(present[:, 0] * present[:, 1])
    assert abs(both - 0.09) < 0.005


def test_per_feature_probability():
    p = np.array([[0.9, 0.1, 0.5, 0.02]])
    x = toy.sample_sparse_features(p, 1, 4, 100_000, seed=2)
    np.testing.assert_allclose((x[0] > 0).mean(axis=0), p[0], atol=0.01)


def test_dtype_and_determinism():
    a = toy.sample_sparse_features(0.2, 2, 5, 64, dtype=np.float32, seed=7)
    b = toy.sample_sparse_features(0.2, 2, 5, 64, dtype=np.float32, seed=7)
    c = toy.sample_sparse_features(0.2, 2, 5, 64, dtype=np.float32, seed=8)
    assert a.dtype == np.float32
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    assert toy.sample_sparse_features(0.2, 2, 5, 64, dtype=np.float64, seed=7).dtype == np.float64


def test_fill_feature_major_matches_layout():
    sampler = SparseFeatures([1.0, 0.1], 2, 3)
    out = np.empty((2, 3, 40_000), dtype=np.float32)
    sampler.fill_feature_major(np.random.default_rng(0), out)
    np.testing.assert_allclose((out > 0).mean(axis=(1, 2)), [1.0, 0.1], atol=0.01)
    with pytest.raises(ValueError, match="C-contiguous array of shape"):
        sampler.fill_feature_major(np.random.default_rng(0), np.empty((2, 40, 3), np.float32))


@pytest.mark.parametrize("p", [0.0, -0.1, 1.5, np.nan])
def test_probability_outside_unit_interval_is_rejected(p):
    with pytest.raises(ValueError, match="feature_probability"):
        SparseFeatures(p, 2, 3)


def test_probability_shape_is_checked():
    with pytest.raises(ValueError, match=r"\(n_instances,\)"):
        SparseFeatures(np.ones(4) * 0.5, 2, 3)
    with pytest.raises(ValueError, match="must be a positive integer"):
        SparseFeatures(0.5, 2, 3).sample(np.random.default_rng(0), 0)


def test_one_hot_dataset_and_random_one_hot():
    X = toy.one_hot_dataset(4, dtype=np.float64)
    np.testing.assert_array_equal(X, np.eye(4))
    R = toy.random_one_hot(2, 5, 1000, seed=0)
    assert R.shape == (2, 1000, 5) and R.dtype == np.float32
    np.testing.assert_array_equal(R.sum(axis=-1), 1.0)
    assert set(np.unique(R)) == {0.0, 1.0}
    assert np.all(R.mean(axis=1) > 0.15)  # every feature appears
    with pytest.raises(ValueError, match="positive integer"):
        toy.one_hot_dataset(0)
