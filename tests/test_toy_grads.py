"""Analytic gradients of the toy models against central finite differences (float64)."""
import itertools

import numpy as np
import pytest

from course_utils import toy
from course_utils.toy.grads import LossGrad

VARIANTS = list(itertools.product(["relu", "linear"], [True, False], [True, False], ["linear", "relu"]))


def _reference_loss(W, W_dec, b, activation, x, importance, hidden="linear"):
    """Per-instance loss written out instance by instance, example by example."""
    n_inst, _, n = W.shape
    losses = np.zeros(n_inst)
    for k in range(n_inst):
        total = 0.0
        for row in x[k]:
            hid = W[k] @ row
            if hidden == "relu":
                hid = np.maximum(hid, 0.0)
            pre = W_dec[k].T @ hid
            if b is not None:
                pre = pre + b[k]
            out = np.maximum(pre, 0.0) if activation == "relu" else pre
            total += np.sum(importance[k] * (row - out) ** 2)
        losses[k] = total / (x.shape[1] * n)
    return losses


def _model(activation, tied, bias, seed=0, hidden="linear"):
    model = toy.init_model(6, 3, n_instances=3, activation=activation, tied=tied, bias=bias,
                           dtype=np.float64, seed=seed, hidden_activation=hidden)
    if bias:  # a non-zero bias so that its gradient path is exercised
        model.b[...] = np.random.default_rng(seed + 1).normal(0, 0.3, model.b.shape)
    return model


def _batch(seed=5):
    rng = np.random.default_rng(seed)
    return toy.sample_sparse_features([1.0, 0.5, 0.2], 3, 6, 16, dtype=np.float64, seed=rng)


@pytest.mark.parametrize("activation,tied,bias,hidden", VARIANTS)
def test_gradients_match_finite_differences(activation, tied, bias, hidden):
    model = _model(activation, tied, bias, hidden=hidden)
    x = _batch()
    importance = np.array([[1.0, 0.9, 0.8, 0.7, 0.6, 0.5]] * 2 + [[2.0, 1.0, 1.0, 0.5, 0.5, 0.1]])
    _, grads = toy.loss_and_grads(model, x, importance)
    analytic = np.concatenate([g.ravel() for g in grads])
    numeric = np.zeros_like(model.params)
    h = 1e-6
    for j in range(model.params.size):
        old = model.params[j]
        model.params[j] = old + h
        up = toy.loss(model, x, importance).sum()
        model.params[j] = old - h
        down = toy.loss(model, x, importance).sum()
        model.params[j] = old
        numeric[j] = (up - down) / (2 * h)
    assert np.abs(analytic).max() > 1e-3, "gradient is suspiciously zero"
    np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-8)


@pytest.mark.parametrize("activation,tied,bias,hidden", VARIANTS)
def test_loss_matches_reference_implementation(activation, tied, bias, hidden):
    model = _model(activation, tied, bias, seed=3, hidden=hidden)
    x = _batch(seed=9)
    importance = np.linspace(1.0, 0.1, 6)
    expected = _reference_loss(model.W, model.W_dec, model.b, activation, x,
                               np.broadcast_to(importance, (3, 6)), hidden=hidden)
    value, _ = toy.loss_and_grads(model, x, importance)
    np.testing.assert_allclose(value, expected, rtol=1e-12)
    np.testing.assert_allclose(toy.loss(model, x, importance), expected, rtol=1e-12)


def test_instances_are_independent():
    """Changing one instance's weights changes only that instance's loss and gradient."""
    model = _model("relu", True, True)
    x = _batch()
    loss0, grads0 = toy.loss_and_grads(model, x)
    model.W[1] += 0.1
    loss1, grads1 = toy.loss_and_grads(model, x)
    assert loss1[1] != loss0[1]
    np.testing.assert_array_equal(loss1[[0, 2]], loss0[[0, 2]])
    np.testing.assert_array_equal(grads1[0][[0, 2]], grads0[0][[0, 2]])


def test_float32_gradients_close_to_float64():
    model64 = _model("relu", True, True)
    model32 = toy.ToyModel(model64.W, b=model64.b, dtype=np.float32)
    x = _batch()
    l64, g64 = toy.loss_and_grads(model64, x)
    l32, g32 = toy.loss_and_grads(model32, x)
    assert g32[0].dtype == np.float32 and l32.dtype == np.float64
    np.testing.assert_allclose(l32, l64, rtol=1e-5)
    np.testing.assert_allclose(g32[0], g64[0], rtol=1e-4, atol=1e-6)


def test_lossgrad_reuses_its_buffers_and_skips_loss():
    model = _model("relu", True, True)
    lg = LossGrad(model, 16, importance=1.0)
    lg.set_batch(_batch())
    first = lg(need_loss=True)
    grad_copy = lg.grad.copy()
    assert lg(need_loss=False) is None
    np.testing.assert_array_equal(lg.grad, grad_copy)
    assert first.shape == (3,)


def test_lossgrad_rejects_wrong_batch():
    model = _model("relu", True, True)
    lg = LossGrad(model, 16)
    with pytest.raises(ValueError, match="batch_size=16"):
        lg.set_batch(np.zeros((3, 8, 6)))
    with pytest.raises(ValueError, match="batch_size must be a positive integer"):
        LossGrad(model, 0)


def test_hidden_relu_clips_negative_neurons_and_is_kept_by_copy():
    model = toy.init_model(4, 3, n_instances=2, hidden_activation="relu", seed=0, dtype=np.float64)
    x = toy.sample_sparse_features(0.5, 2, 4, 32, dtype=np.float64, seed=1)
    h = model.hidden(x)
    assert h.min() == 0.0 and np.allclose(h, np.maximum(np.matmul(x, model.W.transpose(0, 2, 1)), 0))
    assert model.copy().hidden_activation == "relu" and "hidden_activation='relu'" in repr(model)
    with pytest.raises(ValueError, match="hidden_activation"):
        toy.init_model(4, 3, hidden_activation="tanh")
