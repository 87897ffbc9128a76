"""A small best-of-N wall-clock timer for live measurements in lessons and benchmarks.

The minimum over repeats is the least noisy estimate of how long code takes when
nothing else gets in its way (the same choice :mod:`timeit` recommends).
"""
from __future__ import annotations

import time
from typing import Any, Callable

__all__ = ["best_of"]


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
