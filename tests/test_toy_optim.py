"""Adam, AdamW and the learning-rate schedules."""
import math

import numpy as np
import pytest

from course_utils.toy import schedules
from course_utils.toy.optim import Adam, AdamW, make_optimizer


def test_first_adam_step_is_lr_times_sign():
    p = np.array([1.0, -2.0, 3.0])
    opt = Adam(p, lr=0.1, eps=1e-12)
    opt.step(np.array([0.5, -4.0, 1e-3]))
    np.testing.assert_allclose(p, [0.9, -1.9, 2.9])


def test_adamw_decays_weights_before_the_step():
    p = np.array([1.0, -2.0])
    opt = AdamW(p, lr=0.1, weight_decay=0.5, eps=1e-12)
    opt.step(np.array([1.0, 1.0]))
    np.testing.assert_allclose(p, [1.0 * 0.95 - 0.1, -2.0 * 0.95 - 0.1])


def test_second_step_by_hand():
    p = np.array([0.0])
    opt = Adam(p, lr=1.0, betas=(0.5, 0.5), eps=0.0 + 1e-300)
    opt.step(np.array([1.0]))      # m=0.5, v=0.5 -> mhat=1, vhat=1 -> step 1
    opt.step(np.array([3.0]))      # m=1.75, v=4.75 ; mhat=1.75/0.75, vhat=4.75/0.75
    expected = -1.0 - (1.75 / 0.75) / math.sqrt(4.75 / 0.75)
    np.testing.assert_allclose(p, [expected])


def test_adam_minimises_a_quadratic():
    target = np.array([3.0, -1.0, 0.5])
    p = np.zeros(3)
    opt = Adam(p, lr=0.05)
    for _ in range(2000):
        opt.step(2 * (p - target))
    np.testing.assert_allclose(p, target, atol=1e-3)


def test_matches_torch_when_available():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    start = rng.normal(size=6)
    grads = rng.normal(size=(20, 6))
    for ours_cls, theirs_cls, wd in [(Adam, torch.optim.Adam, 0.0), (AdamW, torch.optim.AdamW, 0.1)]:
        p = start.copy()
        ours = ours_cls(p, lr=0.01, weight_decay=wd)
        tp = torch.nn.Parameter(torch.tensor(start))
        theirs = theirs_cls([tp], lr=0.01, weight_decay=wd)
        for g in grads:
            ours.step(g)
            tp.grad = torch.tensor(g)
            theirs.step()
        np.testing.assert_allclose(p, tp.detach().numpy(), rtol=1e-10, atol=1e-12)


def test_optimizer_errors():
    with pytest.raises(ValueError, match="1-D numpy array"):
        Adam(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="lr must be positive"):
        Adam(np.zeros(2), lr=0)
    with pytest.raises(ValueError, match="betas"):
        Adam(np.zeros(2), betas=(0.9, 1.0))
    with pytest.raises(ValueError, match="shape of params"):
        Adam(np.zeros(2)).step(np.zeros(3))
    with pytest.raises(ValueError, match="optimizer must be one of"):
        make_optimizer("sgd", np.zeros(2))
    assert make_optimizer("AdamW", np.zeros(2)).weight_decay == 0.01


def test_schedules_values():
    assert schedules.constant()(500, 1000) == 1.0
    warm = schedules.linear_warmup(10)
    assert [warm(s, 100) for s in (0, 4, 9, 50)] == [0.1, 0.5, 1.0, 1.0]
    assert schedules.linear_decay()(250, 1000) == 0.75
    cos = schedules.cosine()
    assert cos(0, 101) == 1.0
    assert cos(50, 101) == pytest.approx(0.5)
    assert cos(100, 101) == pytest.approx(0.0, abs=1e-12)
    cos_w = schedules.cosine(warmup_steps=10, final=0.1)
    assert cos_w(4, 111) == pytest.approx(0.5)
    assert cos_w(10, 111) == pytest.approx(1.0)
    assert cos_w(110, 111) == pytest.approx(0.1)
    assert schedules.get_schedule("cosine")(50, 101) == pytest.approx(0.5)


def test_schedule_errors():
    with pytest.raises(ValueError, match="warmup_steps"):
        schedules.linear_warmup(-1)
    with pytest.raises(ValueError, match="final must lie"):
        schedules.cosine(final=2.0)
    with pytest.raises(ValueError, match="linear_warmup"):
        schedules.get_schedule("warmup")
