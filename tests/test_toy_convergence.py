"""What trained toy models learn (Elhage et al. 2022; source 003 for one-hot data).

Short runs with lr 1e-2 reach the same geometry as the colab's 10,000 steps at
lr 1e-3; every instance of each batch must show it.
"""
import numpy as np

from course_utils import toy

IMPORTANCE = 0.9 ** np.arange(5)


def _train_5_2(p, activation="relu", n_instances=6, steps=2000):
    model = toy.init_model(5, 2, n_instances, activation=activation, dtype=np.float64, seed=1)
    toy.train(model, p, importance=IMPORTANCE, steps=steps, lr=1e-2, batch_size=1024,
              progress=False, seed=2)
    return model


def test_dense_data_learns_two_most_important_features_orthogonally():
    W = _train_5_2(1.0).W
    norms = toy.feature_norms(W)
    np.testing.assert_allclose(norms[:, :2], 1.0, atol=0.05)
    assert np.all(norms[:, 2:] < 0.1)
    cos = np.einsum("km,km->k", W[:, :, 0], W[:, :, 1]) / (norms[:, 0] * norms[:, 1])
    assert np.all(np.abs(cos) < 0.05)
    np.testing.assert_allclose(toy.fraction_represented(W), 0.4)


def test_sparse_data_learns_a_pentagon():
    W = _train_5_2(0.03).W
    assert np.all(toy.feature_norms(W) > 0.9)
    np.testing.assert_allclose(toy.feature_dimensionality(W), 0.4, atol=0.03)
    angles = np.sort(toy.feature_angles(W), axis=1)
    gaps = np.diff(np.concatenate([angles, angles[:, :1] + 360.0], axis=1), axis=1)
    np.testing.assert_allclose(gaps, 72.0, atol=5.0)


def test_linear_model_never_superposes():
    W = _train_5_2(np.array([1.0, 0.3, 0.1, 0.05, 0.02, 0.01]), activation="linear").W
    norms = toy.feature_norms(W)
    represented = norms > 0.5
    # at most m = 2 features, always the two most important, at right angles
    np.testing.assert_array_equal(represented, np.tile([True, True, False, False, False], (6, 1)))
    assert np.all(toy.superposition(W)[:, :2] < 0.01)


def _one_hot_no_bias(n):
    model = toy.init_model(n, 2, 8, bias=False, dtype=np.float64, seed=3)
    return toy.train(model, dataset=toy.one_hot_dataset(n), steps=3000, lr=1e-2,
                     optimizer="adam", progress=False)


def test_four_one_hot_features_fit_in_two_dimensions_without_bias():
    r = _one_hot_no_bias(4)
    assert np.all(r.final_loss < 1e-6)
    # the 2m limit is met with two antipodal pairs: every D_i = 1/2
    np.testing.assert_allclose(toy.feature_dimensionality(r.model.W), 0.5, atol=1e-3)


def test_five_one_hot_features_do_not_fit_without_bias():
    r = _one_hot_no_bias(5)
    # best pentagon: output s on the diagonal and s*cos(72°) on both neighbours,
    # loss (1 - s)^2 + 2 (s c)^2 minimised at s = 1 / (1 + 2 c^2), averaged over 5 features
    c2 = np.cos(np.radians(72)) ** 2
    s = 1 / (1 + 2 * c2)
    pentagon = ((1 - s) ** 2 + 2 * c2 * s**2) / 5
    assert pentagon > 0.03
    np.testing.assert_allclose(r.final_loss, pentagon, rtol=1e-3)
