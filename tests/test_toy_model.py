"""ToyModel construction, forward pass, shapes, dtypes and error messages."""
import numpy as np
import pytest

from course_utils import toy


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("tied,bias", [(True, True), (False, True), (True, False), (False, False)])
def test_shapes_and_dtype(dtype, tied, bias):
    model = toy.init_model(7, 3, n_instances=4, tied=tied, bias=bias, dtype=dtype, seed=0)
    assert (model.n_instances, model.n_hidden, model.n_features) == (4, 3, 7)
    assert model.W.shape == (4, 3, 7) and model.W.dtype == dtype
    assert model.W_dec.shape == (4, 3, 7)
    assert (model.b is None) != bias
    if bias:
        assert model.b.shape == (4, 7) and np.all(model.b == 0)
    assert np.shares_memory(model.W_dec, model.W) == tied
    out = model.forward(np.ones((5, 7)))
    assert out.shape == (4, 5, 7) and out.dtype == dtype
    assert model.hidden(np.ones((4, 5, 7))).shape == (4, 5, 3)
    n_params = 4 * 3 * 7 * (1 if tied else 2) + (4 * 7 if bias else 0)
    assert model.params.size == n_params


def test_xavier_initialisation_scale():
    model = toy.init_model(300, 100, n_instances=3, dtype=np.float64, seed=1)
    assert abs(model.W.std() - np.sqrt(2 / 400)) < 0.002
    assert not np.allclose(model.W[0], model.W[1])


def test_forward_by_hand():
    # two features at right angles in a 1-D hidden space ... and one antipodal pair
    W = np.array([[[1.0, -1.0, 0.5]]])
    model = toy.ToyModel(W, b=np.array([[0.0, 0.0, -0.1]]), dtype=np.float64)
    out = model.forward(np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]))
    # x = e1: h = 1, W^T h = (1, -1, 0.5), + b = (1, -1, 0.4) -> ReLU (1, 0, 0.4)
    # x = e3: h = 0.5, W^T h = (0.5, -0.5, 0.25), + b -> ReLU (0.5, 0, 0.15)
    np.testing.assert_allclose(out[0], [[1.0, 0.0, 0.4], [0.5, 0.0, 0.15]])
    linear = toy.ToyModel(W, activation="linear", dtype=np.float64)
    np.testing.assert_allclose(linear.forward([[1.0, 0.0, 0.0]])[0], [[1.0, -1.0, 0.5]])


def test_untied_decoder_is_used():
    W = np.array([[[1.0, 0.0]]])
    W_dec = np.array([[[2.0, 3.0]]])
    model = toy.ToyModel(W, W_dec=W_dec, activation="linear", dtype=np.float64)
    np.testing.assert_allclose(model.forward([[1.0, 5.0]])[0], [[2.0, 3.0]])


def test_parameters_are_views_of_one_buffer():
    model = toy.init_model(4, 2, n_instances=2, tied=False, seed=0)
    model.params[:] = 0
    assert np.all(model.W == 0) and np.all(model.W_dec == 0) and np.all(model.b == 0)
    with pytest.raises(AttributeError):
        model.W = np.zeros((2, 2, 4))
    copy = model.copy()
    copy.W[...] = 1
    assert np.all(model.W == 0)
    assert "n_features=4" in repr(model)


def test_same_seed_same_model():
    a = toy.init_model(5, 2, 3, seed=11)
    b = toy.init_model(5, 2, 3, seed=11)
    c = toy.init_model(5, 2, 3, seed=12)
    np.testing.assert_array_equal(a.params, b.params)
    assert not np.array_equal(a.params, c.params)


@pytest.mark.parametrize(
    "kwargs,match",
    [
        (dict(W=np.zeros((2, 5))), r"W must have shape \(n_instances, n_hidden, n_features\)"),
        (dict(W=np.zeros((1, 2, 5)), W_dec=np.zeros((1, 5, 2))), "W_dec must have the same shape"),
        (dict(W=np.zeros((1, 2, 5)), b=np.zeros(5)), r"b must have shape"),
        (dict(W=np.zeros((1, 2, 5)), activation="gelu"), "activation must be one of"),
        (dict(W=np.zeros((1, 2, 5)), dtype=np.float16), "float32 or float64"),
        (dict(W=np.full((1, 2, 5), np.nan)), "finite"),
        (dict(W=np.zeros((1, 0, 5))), "at least 1"),
    ],
)
def test_bad_construction(kwargs, match):
    with pytest.raises(ValueError, match=match):
        toy.ToyModel(**kwargs)


def test_bad_init_and_input():
    with pytest.raises(ValueError, match="n_hidden must be a positive integer"):
        toy.init_model(5, 0)
    with pytest.raises(ValueError, match="n_features must be a positive integer"):
        toy.init_model(2.5, 2)
    with pytest.raises(TypeError, match="seed must be"):
        toy.init_model(5, 2, seed="abc")
    model = toy.init_model(5, 2, n_instances=3, seed=0)
    with pytest.raises(ValueError, match=r"n_features=5; got \(4, 4\)"):
        model.forward(np.zeros((4, 4)))
    with pytest.raises(ValueError, match="n_instances=3"):
        model.forward(np.zeros((2, 4, 5)))
