"""The training loop: determinism, records, progress bar, dtypes and errors."""
import numpy as np
import pytest

from course_utils import toy
from course_utils.toy.prefetch import BatchPrefetcher


def _run(seed=0, dtype=np.float32, **kwargs):
    model = toy.init_model(5, 2, n_instances=3, dtype=dtype, seed=seed)
    defaults = dict(feature_probability=[1.0, 0.3, 0.05], importance=0.9 ** np.arange(5),
                    steps=200, batch_size=128, lr=1e-2, progress=False, seed=seed)
    defaults.update(kwargs)
    return toy.train(model, **defaults)


def test_same_seed_same_result():
    a, b = _run(seed=3), _run(seed=3)
    np.testing.assert_array_equal(a.model.params, b.model.params)
    np.testing.assert_array_equal(a.loss_history, b.loss_history)
    c = _run(seed=4)
    assert not np.array_equal(a.model.params, c.model.params)


def test_loss_goes_down_and_history_is_recorded():
    r = _run(steps=300, log_every=50)
    np.testing.assert_array_equal(r.loss_steps, [0, 50, 100, 150, 200, 250, 299])
    assert r.loss_history.shape == (7, 3)
    assert np.all(r.loss_history[-1] < 0.5 * r.loss_history[0])
    np.testing.assert_array_equal(r.final_loss, r.loss_history[-1])
    assert r.seconds > 0


def test_snapshots():
    model = toy.init_model(5, 2, n_instances=3, seed=0)
    start = model.W.copy()
    r = toy.train(model, 0.5, steps=25, snapshot_every=10, progress=False, seed=0)
    np.testing.assert_array_equal(r.snapshot_steps, [0, 10, 20, 25])
    assert r.snapshots.shape == (4, 3, 2, 5)
    np.testing.assert_array_equal(r.snapshots[0], start)
    np.testing.assert_array_equal(r.snapshots[-1], model.W)
    assert not np.array_equal(r.snapshots[1], start)
    assert _run(steps=5).snapshots.shape == (0, 3, 2, 5)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_is_kept(dtype):
    r = _run(dtype=dtype, steps=20)
    assert r.model.params.dtype == dtype and r.snapshots.dtype == dtype
    assert r.loss_history.dtype == np.float64


def test_float32_and_float64_agree_on_the_same_data():
    data = toy.sample_sparse_features([1.0, 0.3, 0.05], 3, 5, 256, dtype=np.float64, seed=5)
    r32 = _run(dtype=np.float32, steps=100, feature_probability=None, dataset=data)
    r64 = _run(dtype=np.float64, steps=100, feature_probability=None, dataset=data)
    np.testing.assert_allclose(r32.model.W, r64.model.W, atol=1e-3)
    np.testing.assert_allclose(r32.final_loss, r64.final_loss, rtol=1e-3)


def test_fixed_dataset_training_and_schedule():
    model = toy.init_model(3, 2, n_instances=2, seed=0, dtype=np.float64)
    r = toy.train(model, dataset=toy.one_hot_dataset(3), steps=500, lr=0.05,
                  schedule=toy.schedules.cosine(warmup_steps=20), progress=False)
    assert np.all(r.final_loss < 1e-3)  # 3 features fit in 2 dimensions with a ReLU


def test_adam_without_weight_decay_differs_from_adamw():
    a = _run(optimizer="adam", steps=50)
    w = _run(optimizer="adamw", weight_decay=0.5, steps=50)
    assert not np.allclose(a.model.params, w.model.params)


def test_progress_bar_prints_loss(capsys):
    _run(steps=30, progress=True, desc="toy-run")
    out = capsys.readouterr()
    assert "toy-run" in out.out and "loss=" in out.out
    assert out.err == ""


def test_no_progress_bar_prints_nothing(capsys):
    _run(steps=30, progress=False)
    out = capsys.readouterr()
    assert out.out == "" and out.err == ""


@pytest.mark.parametrize(
    "kwargs,match",
    [
        (dict(feature_probability=None), "exactly one of feature_probability"),
        (dict(dataset=np.eye(5)), "exactly one of feature_probability"),
        (dict(steps=0), "steps must be a positive integer"),
        (dict(log_every=-1), "log_every must be a non-negative integer"),
        (dict(optimizer="sgd"), "optimizer must be one of"),
        (dict(schedule="step"), "schedule must be"),
        (dict(feature_probability=1.2), r"feature_probability must lie in \(0, 1\]"),
        (dict(importance=np.ones(4)), "importance must be"),
        (dict(importance=-1.0), "importance must be non-negative"),
        (dict(batch_size=0), "batch_size must be a positive integer"),
        (dict(blas_threads=0), "blas_threads must be a positive integer or None"),
    ],
)
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        _run(**kwargs)


def test_model_must_be_a_toy_model():
    with pytest.raises(TypeError, match="ToyModel"):
        toy.train(np.zeros((1, 2, 5)), 0.5, steps=1, progress=False)


def test_background_sampling_gives_identical_results():
    rng_a, rng_b = np.random.default_rng(21), np.random.default_rng(21)
    a = _run(steps=120, prefetch=True, seed=rng_a)
    b = _run(steps=120, prefetch=False, seed=rng_b)
    np.testing.assert_array_equal(a.model.params, b.model.params)
    # exactly `steps` batches were drawn either way: the generators end in the same state
    assert rng_a.random() == rng_b.random()


def test_prefetcher_hands_out_batches_in_order():
    sampler = toy.SparseFeatures([1.0, 0.5], 2, 3)
    fetcher = BatchPrefetcher(sampler, np.random.default_rng(0), 16, np.float32, total=7,
                                       chunk_bytes=3 * 2 * 3 * 16 * 4)
    assert fetcher.chunk == 3
    got = [fetcher.next().copy() for _ in range(7)]
    fetcher.close()
    rng = np.random.default_rng(0)
    for batch in got:
        expected = np.empty((2, 3, 16), np.float32)
        sampler.fill_feature_major(rng, expected)
        np.testing.assert_array_equal(batch, expected)


def test_training_works_without_threadpoolctl(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "threadpoolctl", None)  # makes the import fail
    a = _run(steps=50, seed=8)
    monkeypatch.undo()
    b = _run(steps=50, seed=8, prefetch=False, blas_threads=None)
    np.testing.assert_allclose(a.model.params, b.model.params, rtol=1e-5, atol=1e-6)
