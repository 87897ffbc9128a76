"""Wall-clock measurements for lessons and benchmarks: a best-of-N timer and lesson 01's prefill/decode race.

The minimum over repeats is the least noisy estimate of how long code takes when
nothing else gets in its way (the same choice :mod:`timeit` recommends).
"""
from __future__ import annotations

import time
from typing import Any, Callable, Sequence

import numpy as np

__all__ = ["best_of", "decode_steps", "prefill_decode_rates"]


def best_of(fn: Callable[[], Any], repeat: int = 5, number: int = 1, warmup: int = 1) -> float:
    """Seconds per call of ``fn()``, best of ``repeat`` rounds of ``number`` calls each.

    Parameters
    ----------
    fn : callable
        Called with no arguments; its result is ignored.
    repeat : int
        Number of timed rounds; the fastest round is kept.
    number : int
        Calls per round; the round time is divided by this.
    warmup : int
        Untimed calls made first (caches, lazy allocation, thread pools).

    Returns
    -------
    float
        Seconds per call (best round / ``number``).

    Raises
    ------
    TypeError
        If ``fn`` is not callable.
    ValueError
        If ``repeat`` or ``number`` is below 1, or ``warmup`` is negative.
    """
    if not callable(fn):
        raise TypeError(f"best_of needs a function to call, got {type(fn).__name__}; "
                        "wrap the code in a lambda: best_of(lambda: X @ W)")
    if repeat < 1 or number < 1:
        raise ValueError(f"repeat and number must be at least 1, got repeat={repeat}, number={number}")
    if warmup < 0:
        raise ValueError(f"warmup must be 0 or more, got {warmup}")
    for _ in range(warmup):
        fn()
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        best = min(best, time.perf_counter() - start)
    return best / number


def decode_steps(rows: np.ndarray, weights: Sequence[np.ndarray]) -> None:
    """Push ``rows`` through ``weights`` the way decoding does: one token after another, one GEMV per matrix.

    ``rows`` is ``(steps, d_in)``; each weight is ``(d_in, d_out)``. The results are discarded.
    """
    for row in rows:
        for weight in weights:
            row @ weight


def prefill_decode_rates(weights: Sequence[np.ndarray], X_all: np.ndarray, counts: Sequence[int], steps: int = 4,
                         max_rounds: int = 5, budget_s: float = 2.0) -> tuple[np.ndarray, np.ndarray]:
    """Best GFLOP/s of prefill (one GEMM per matrix for ``n`` rows) and of decode (one GEMV per matrix per row).

    Parameters
    ----------
    weights : sequence of (d_in, d_out) arrays
        The matrices every token goes through.
    X_all : (n_max, d_in) array
        Token rows; prefill for ``n`` uses the first ``n``.
    counts : sequence of int
        The token counts ``n`` to measure.
    steps, max_rounds, budget_s
        Decode is timed ``steps`` tokens at a time; counts take turns for at most ``max_rounds``
        rounds, and no new round starts after ``budget_s`` seconds (one round always runs).

    Returns
    -------
    (prefill, decode) : two (len(counts),) arrays of GFLOP/s
        A decode step costs the same whatever ``n`` is, so ``decode`` repeats its best rate.

    Notes
    -----
    The counts take turns, round after round, so a burst of background load spoils one round of
    every count instead of every round of one count.
    """
    flops_per_token = sum(2 * w.shape[0] * w.shape[1] for w in weights)
    t_prefill = {n: np.inf for n in counts}
    t_step = np.inf
    start = time.perf_counter()
    for round_number in range(max_rounds):
        if round_number >= 1 and time.perf_counter() - start > budget_s:
            break
        for n in counts:
            t = best_of(lambda: [X_all[:n] @ w for w in weights], repeat=1, warmup=0)  # noqa: B023
            t_prefill[n] = min(t_prefill[n], t)
            t = best_of(lambda: decode_steps(X_all[:steps], weights), repeat=1, warmup=0) / steps
            t_step = min(t_step, t)
    prefill = np.array([n * flops_per_token / t_prefill[n] / 1e9 for n in counts])
    decoding = np.full(len(counts), flops_per_token / t_step / 1e9)
    return prefill, decoding
