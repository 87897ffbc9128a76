"""Tests for course_utils.timing.best_of (uses a fake clock, so no timed assertions)."""
from __future__ import annotations

import pytest

from course_utils import timing


class FakeClock:
    """perf_counter stand-in; each call to the timed function advances it by the next step."""

    def __init__(self, steps: list[float]) -> None:
        self.now = 0.0
        self.steps = list(steps)
        self.calls = 0

    def perf_counter(self) -> float:
        return self.now

    def work(self) -> None:
        self.calls += 1
        self.now += self.steps.pop(0)


def test_keeps_fastest_round_and_divides_by_number(monkeypatch: pytest.MonkeyPatch) -> None:
    # warmup (1 call, 100 s: must be ignored), then 3 rounds of 2 calls each.
    clock = FakeClock([100.0, 3.0, 3.0, 1.0, 1.0, 2.0, 4.0])
    monkeypatch.setattr(timing.time, "perf_counter", clock.perf_counter)
    assert timing.best_of(clock.work, repeat=3, number=2, warmup=1) == pytest.approx(1.0)
    assert clock.calls == 7


def test_no_warmup(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = FakeClock([5.0, 7.0])
    monkeypatch.setattr(timing.time, "perf_counter", clock.perf_counter)
    assert timing.best_of(clock.work, repeat=2, warmup=0) == pytest.approx(5.0)


def test_real_clock_is_positive() -> None:
    assert timing.best_of(lambda: sum(range(1000)), repeat=2) > 0


@pytest.mark.parametrize("kwargs", [{"repeat": 0}, {"number": 0}, {"warmup": -1}])
def test_bad_counts(kwargs: dict[str, int]) -> None:
    with pytest.raises(ValueError, match="must be"):
        timing.best_of(lambda: None, **kwargs)


def test_not_callable() -> None:
    with pytest.raises(TypeError, match="lambda"):
        timing.best_of(42)  # type: ignore[arg-type]


def test_prefill_decode_rates_turn_times_into_gflops(monkeypatch):
    import numpy as np

    calls = []

    def fake_best_of(fn, repeat=5, number=1, warmup=1):
        fn()
        calls.append(1)
        return 1e-3  # every timed round takes a millisecond

    monkeypatch.setattr(timing, "best_of", fake_best_of)
    weights = [np.ones((4, 3)), np.ones((4, 5))]
    X = np.ones((8, 4))
    prefill, decode = timing.prefill_decode_rates(weights, X, [1, 8], steps=2, max_rounds=2, budget_s=100)
    flops = 2 * 4 * 3 + 2 * 4 * 5
    assert np.allclose(prefill, [1 * flops / 1e-3 / 1e9, 8 * flops / 1e-3 / 1e9])
    assert np.allclose(decode, flops / (1e-3 / 2) / 1e9) and decode.shape == (2,)
    assert len(calls) == 2 * 2 * 2  # rounds x counts x (prefill, decode)


def test_decode_steps_multiplies_row_by_row(monkeypatch):
    import numpy as np

    seen = []

    class Spy(np.ndarray):
        def __rmatmul__(self, other):
            seen.append(other.shape)
            return np.asarray(other) @ np.asarray(self)

    W = np.ones((3, 2)).view(Spy)
    timing.decode_steps(np.ones((4, 3)), [W])
    assert seen == [(3,)] * 4
