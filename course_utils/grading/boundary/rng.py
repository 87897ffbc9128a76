"""Random generators across the trust boundary: the judge never adopts a state it did not create.

NumPy does not check a state it is given: a ``RandomState`` whose position lies outside its
key array makes later draws read other memory (or crash), and a ``PCG64`` with increment 0
draws zeros forever. So:

* :func:`check_state` refuses, at decoding, any generator state whose fields are out of range
  (algorithm, key size, position, increment parity, cached values);
* :func:`advance_like` is how the judge learns what a student's function did to a generator the
  test passed in: it computes how many draws lead from the state it sent to the state that came
  back (an LCG distance for PCG64, stepping for MT19937), refuses anything unreachable or
  implausibly far, and advances *its own* generator by that many draws. Cached half-draws are
  recomputed from its own stream, and a legacy cached Gaussian is dropped, never taken.

NumPy only; the sandbox imports this module too (through ``plain.py``).
"""
from __future__ import annotations

import math

__all__ = ["GeneratorError", "check_state", "advance_like", "generator_states", "MAX_DRAWS"]

MAX_DRAWS = 1 << 32        # more draws than any exercise makes in one call
MT_N = 624
PCG_MULT = 0x2360ED051FC65DA44385DF649FCCF645
DXSM_MULT = 0xDA942042E4DD58B5
MASK128 = (1 << 128) - 1


class GeneratorError(ValueError):
    """A random generator state that the judge will not take."""


def _int(value: object, low: int, high: int, what: str) -> int:
    if type(value) is not int or not low <= value < high:
        raise GeneratorError(f"{what} out of range")
    return value


def check_state(state: object) -> dict:
    """``state`` when it is a complete, in-range state of a supported bit generator; else GeneratorError."""
    np = _numpy()
    if type(state) is not dict:
        raise GeneratorError("not a generator state")
    name = state.get("bit_generator")
    if name == "MT19937":
        inner = state.get("state")
        if type(inner) is not dict:
            raise GeneratorError("MT19937 state missing")
        key = inner.get("key")
        if not isinstance(key, np.ndarray) or key.shape != (MT_N,) or key.dtype.kind not in "ui":
            raise GeneratorError("MT19937 key must hold 624 integers")
        if key.min(initial=0) < 0 or key.max(initial=0) >= 1 << 32 or not key.any():
            raise GeneratorError("MT19937 key out of range")
        _int(inner.get("pos"), 0, MT_N + 1, "MT19937 position")
        if "has_gauss" in state:
            _int(state["has_gauss"], 0, 2, "cached Gaussian flag")
            if type(state.get("gauss")) is not float or not math.isfinite(state["gauss"]):
                raise GeneratorError("cached Gaussian out of range")
        return state
    if name in ("PCG64", "PCG64DXSM"):
        inner = state.get("state")
        if type(inner) is not dict:
            raise GeneratorError(f"{name} state missing")
        _int(inner.get("state"), 0, 1 << 128, f"{name} state")
        if _int(inner.get("inc"), 0, 1 << 128, f"{name} increment") % 2 != 1:
            raise GeneratorError(f"{name} increment must be odd")
        _int(state.get("has_uint32"), 0, 2, "buffered flag")
        _int(state.get("uinteger"), 0, 1 << 32, "buffered value")
        return state
    raise GeneratorError(f"random generators of kind {str(name)[:40]!r} cannot be graded")


def generator_states(passed: dict) -> dict:
    """The state of every random generator among ``passed`` values, as the judge is about to send it."""
    import sys

    np = sys.modules.get("numpy")
    if np is None:
        return {}
    out = {}
    for key, value in passed.items():
        if isinstance(value, np.random.Generator):
            out[key] = value.bit_generator.state
        elif isinstance(value, np.random.RandomState):
            out[key] = value.get_state(legacy=False)
    return out


def _numpy():
    import numpy
    return numpy


def _lcg_distance(cur: int, target: int, mult: int, inc: int) -> int:
    """Draws that lead an LCG (mod 2**128) from ``cur`` to ``target`` (always defined for odd ``inc``)."""
    bit, distance = 1, 0
    while cur != target:
        if (cur & bit) != (target & bit):
            cur = (cur * mult + inc) & MASK128
            distance |= bit
        inc = ((mult + 1) * inc) & MASK128
        mult = (mult * mult) & MASK128
        bit <<= 1
        if bit > MASK128:
            raise GeneratorError("unreachable generator state")
    return distance


def _mt_steps(sent: dict, back: dict) -> int:
    """Raw draws from MT19937 state ``sent`` to ``back``, found by stepping a copy; GeneratorError if none."""
    np = _numpy()
    gen = np.random.MT19937()
    gen.state = sent
    target_key, target_pos = back["state"]["key"], back["state"]["pos"]
    drawn = 0
    while drawn <= MAX_DRAWS >> 16:
        state = gen.state["state"]
        if np.array_equal(state["key"], target_key) and target_pos >= state["pos"]:
            return drawn + target_pos - state["pos"]
        step = MT_N - state["pos"] + 1  # use up this key and regenerate
        gen.random_raw(step)
        drawn += step
    raise GeneratorError("the generator came back in a state its draws cannot reach")


def advance_like(original, sent: dict, back: dict) -> None:
    """Advance the judge's ``original`` generator (which was in state ``sent``) by the draws that lead to ``back``.

    Raises GeneratorError when ``back`` is not a state that draws from ``sent`` reach.
    """
    np = _numpy()
    check_state(back)
    bit = original.bit_generator if isinstance(original, np.random.Generator) else original._bit_generator
    name = sent.get("bit_generator")
    if back.get("bit_generator") != name:
        raise GeneratorError("the generator came back as another kind of generator")
    if name in ("PCG64", "PCG64DXSM"):
        if back["state"]["inc"] != sent["state"]["inc"]:
            raise GeneratorError("the generator came back with another stream (increment)")
        mult = PCG_MULT if name == "PCG64" else DXSM_MULT
        steps = _lcg_distance(sent["state"]["state"], back["state"]["state"], mult, sent["state"]["inc"])
        if steps > MAX_DRAWS:
            raise GeneratorError("the generator came back further along than any function draws")
        fresh = type(bit)()
        fresh.state = sent
        if back["has_uint32"] and steps:
            fresh.advance(steps - 1)
            high = int(fresh.random_raw()) >> 32
            state = fresh.state
            state["has_uint32"], state["uinteger"] = 1, high
        else:
            fresh.advance(steps)
            state = fresh.state
            if steps:
                state["has_uint32"], state["uinteger"] = 0, 0
            elif back["has_uint32"] > sent["has_uint32"]:
                raise GeneratorError("the generator came back with a buffered draw it never made")
            else:  # no new draw: at most the buffered half was used
                state["has_uint32"] = back["has_uint32"]
                state["uinteger"] = sent["uinteger"] if back["has_uint32"] else 0
        bit.state = state
        return
    if name == "MT19937":
        steps = _mt_steps({k: v for k, v in sent.items() if k in ("bit_generator", "state")},
                          {"bit_generator": name, "state": back["state"]})
        fresh = np.random.MT19937()
        fresh.state = {k: v for k, v in sent.items() if k in ("bit_generator", "state")}
        fresh.random_raw(steps)
        if isinstance(original, np.random.RandomState):
            own = fresh.state
            original.set_state({**own, "has_gauss": 0, "gauss": 0.0})
        else:
            bit.state = fresh.state
        return
    raise GeneratorError(f"random generators of kind {str(name)[:40]!r} cannot be graded")
