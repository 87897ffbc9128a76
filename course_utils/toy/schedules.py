"""Learning-rate schedules: functions ``(step, total_steps) -> multiplier``.

``step`` runs from 0 to ``total_steps - 1``; the learning rate at a step is the
base rate times the multiplier.
"""
from __future__ import annotations

import math
from typing import Callable, Union

__all__ = ["Schedule", "constant", "linear_warmup", "linear_decay", "cosine", "get_schedule"]

Schedule = Callable[[int, int], float]


def constant() -> Schedule:
    """Multiplier 1 throughout."""

    def schedule(step: int, total_steps: int) -> float:
        return 1.0

    return schedule


def _check_warmup(warmup_steps: int) -> int:
    if not isinstance(warmup_steps, int) or warmup_steps < 0:
        raise ValueError(f"warmup_steps must be a non-negative integer; got {warmup_steps!r}")
    return warmup_steps


def linear_warmup(warmup_steps: int) -> Schedule:
    """Rise linearly from ``1/warmup_steps`` to 1 over ``warmup_steps`` steps, then stay at 1."""
    warmup_steps = _check_warmup(warmup_steps)

    def schedule(step: int, total_steps: int) -> float:
        if step < warmup_steps:
            return (step + 1) / warmup_steps
        return 1.0

    return schedule


def linear_decay() -> Schedule:
    """Fall linearly from 1 at step 0 towards 0 at ``total_steps``."""

    def schedule(step: int, total_steps: int) -> float:
        return 1.0 - step / total_steps

    return schedule


def cosine(warmup_steps: int = 0, final: float = 0.0) -> Schedule:
    """Optional linear warm-up, then half a cosine from 1 down to ``final`` at the last step."""
    warmup_steps = _check_warmup(warmup_steps)
    if not 0.0 <= final <= 1.0:
        raise ValueError(f"final must lie in [0, 1]; got {final!r}")

    def schedule(step: int, total_steps: int) -> float:
        if step < warmup_steps:
            return (step + 1) / warmup_steps
        span = max(total_steps - 1 - warmup_steps, 1)
        frac = min((step - warmup_steps) / span, 1.0)
        return final + (1.0 - final) * 0.5 * (1.0 + math.cos(math.pi * frac))

    return schedule


_NAMED = {"constant": constant, "linear_decay": linear_decay, "cosine": cosine}


def get_schedule(spec: Union[str, Schedule, None]) -> Schedule:
    """A schedule from a name (``"constant"``, ``"linear_decay"``, ``"cosine"``) or a callable."""
    if spec is None:
        return constant()
    if callable(spec):
        return spec
    if isinstance(spec, str) and spec in _NAMED:
        return _NAMED[spec]()
    raise ValueError(
        f"schedule must be a callable (step, total_steps) -> float or one of {sorted(_NAMED)}; "
        f"got {spec!r}. For warm-up use schedules.linear_warmup(n) or schedules.cosine(n)."
    )
