"""Plain data across the trust boundary: values the grader accepts from (and sends to) student code.

A test cell runs in the trusted judge; whenever it calls one of the student's
functions, the arguments travel to the sandbox and the result travels back in
this format: JSON, with a few tagged objects. Only these values cross:

* ``None``, ``bool``, ``int``, ``float`` (NaN and infinities included), ``complex``, ``str``, ``bytes``;
* ``list``, ``tuple`` and ``dict`` of plain values (any plain keys, order kept);
* NumPy arrays and scalars of boolean, integer, unsigned, float or complex dtype
  (raw bytes, never pickle);
* NumPy random generators (``Generator`` on PCG64, PCG64DXSM or MT19937, and the legacy
  ``RandomState``), by their state, so a test can hand a seeded generator to a student's
  function; a state is checked field by field before NumPy sees it (``rng.py``).

Anything else (a student's own class, an object whose ``__eq__`` always says yes,
a function) is refused with :class:`NotPlain`. Decoding checks the structure it
is given and never executes anything, so a forged message can only fail to decode.

Standard library and NumPy only: the sandbox imports this module too.
"""
from __future__ import annotations

import base64
import math
import re
from typing import Any

if __package__:
    from .rng import GeneratorError, check_state
else:  # imported by the sandbox's worker script
    from rng import GeneratorError, check_state

__all__ = ["NotPlain", "encode", "decode", "describe_type"]

MAX_DEPTH = 32
MAX_NODES = 1_000_000
MAX_BYTES = 256 << 20
_DTYPE_KINDS = "biufc"
_DTYPE_RE = re.compile(r"^[<>|=]?[biufc]\d{1,2}$")


class NotPlain(TypeError):
    """A value that cannot cross the trust boundary (the message says which and why)."""


def describe_type(value: object) -> str:
    """A short, safe description of a value's type for messages (never calls the value's own methods)."""
    cls = type(value)
    module = getattr(cls, "__module__", "") or ""
    name = getattr(cls, "__qualname__", None) or getattr(cls, "__name__", "object")
    name = str(name)[:80]
    return name if module in ("builtins", "__main__", "") else f"{str(module)[:60]}.{name}"


class _Budget:
    def __init__(self) -> None:
        self.nodes = 0
        self.bytes = 0

    def node(self) -> None:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise NotPlain(f"the value has more than {MAX_NODES:,} parts")

    def add(self, n: int) -> None:
        self.bytes += n
        if self.bytes > MAX_BYTES:
            raise NotPlain(f"the value is larger than {MAX_BYTES >> 20} MB")


def encode(value: Any) -> Any:
    """``value`` as JSON-ready plain data; raises :class:`NotPlain` for anything else."""
    return _encode(value, 0, _Budget())


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _encode(value: Any, depth: int, budget: _Budget) -> Any:
    budget.node()
    if depth > MAX_DEPTH:
        raise NotPlain(f"the value is nested more than {MAX_DEPTH} levels deep")
    cls = type(value)
    if value is None or cls is bool or cls is str:
        if cls is str:
            budget.add(len(value))
        return value
    if cls is int:
        return value if abs(value) < 2**63 else {"__t__": "bigint", "v": str(value)}
    if cls is float:
        return value if math.isfinite(value) else {"__t__": "float", "v": repr(value)}
    if cls is complex:
        return {"__t__": "complex", "re": _encode(value.real, depth + 1, budget),
                "im": _encode(value.imag, depth + 1, budget)}
    if cls is bytes:
        budget.add(len(value))
        return {"__t__": "bytes", "v": _b64(value)}
    if cls is list:
        return [_encode(v, depth + 1, budget) for v in value]
    if cls is tuple:
        return {"__t__": "tuple", "v": [_encode(v, depth + 1, budget) for v in value]}
    if cls is dict:
        return {"__t__": "dict", "v": [[_encode(k, depth + 1, budget), _encode(v, depth + 1, budget)]
                                       for k, v in value.items()]}
    np = _numpy()
    if np is not None:
        if isinstance(value, np.ndarray):
            array = np.asarray(value)
            if array.dtype.kind not in _DTYPE_KINDS or array.dtype.fields is not None:
                raise NotPlain(f"a NumPy array of dtype {array.dtype} (only numbers and booleans can be graded)")
            budget.add(array.nbytes)
            return {"__t__": "ndarray", "dtype": array.dtype.str, "shape": list(array.shape),
                    "v": _b64(np.ascontiguousarray(array).tobytes())}
        if isinstance(value, np.generic):
            dtype = np.dtype(type(value))
            if dtype.kind not in _DTYPE_KINDS:
                raise NotPlain(f"a NumPy scalar of dtype {dtype}")
            return {"__t__": "npscalar", "dtype": dtype.str, "v": _b64(np.asarray(value, dtype=dtype).tobytes())}
        if isinstance(value, np.random.Generator):
            return {"__t__": "generator", "state": _encode(value.bit_generator.state, depth + 1, budget)}
        if isinstance(value, np.random.RandomState):
            return {"__t__": "randomstate", "state": _encode(value.get_state(legacy=False), depth + 1, budget)}
    raise NotPlain(f"a value of type {describe_type(value)}")


def _numpy():
    try:
        import numpy
    except ImportError:  # pragma: no cover - numpy is a course dependency
        return None
    return numpy


class _Bad(ValueError):
    pass


def decode(obj: Any) -> Any:
    """Plain data from :func:`encode`'s format; raises ``ValueError`` on anything malformed."""
    try:
        return _decode(obj, 0, _Budget())
    except NotPlain as exc:
        raise ValueError(str(exc)) from None
    except (_Bad, KeyError, TypeError, OverflowError, ArithmeticError) as exc:
        raise ValueError(f"malformed plain data ({type(exc).__name__}: {str(exc)[:200]})") from None


def _decode(obj: Any, depth: int, budget: _Budget) -> Any:
    budget.node()
    if depth > MAX_DEPTH:
        raise _Bad("nested too deeply")
    cls = type(obj)
    if obj is None or cls in (bool, int, float, str):
        return obj
    if cls is list:
        return [_decode(v, depth + 1, budget) for v in obj]
    if cls is not dict:
        raise _Bad(f"unexpected {cls.__name__}")
    tag = obj.get("__t__")
    if tag == "tuple":
        return tuple(_decode(v, depth + 1, budget) for v in _list(obj["v"]))
    if tag == "dict":
        out = {}
        for pair in _list(obj["v"]):
            pair = _list(pair)
            if len(pair) != 2:
                raise _Bad("dict entry is not a pair")
            key = _decode(pair[0], depth + 1, budget)
            try:
                hash(key)
            except TypeError:
                raise _Bad("unhashable dict key") from None
            out[key] = _decode(pair[1], depth + 1, budget)
        return out
    if tag == "bigint":
        text = _str(obj["v"])
        if not re.fullmatch(r"-?\d{1,400}", text):
            raise _Bad("bad integer")
        return int(text)
    if tag == "float":
        text = _str(obj["v"])
        if text not in ("nan", "inf", "-inf"):
            raise _Bad("bad float")
        return float(text)
    if tag == "complex":
        real, imag = _decode(obj["re"], depth + 1, budget), _decode(obj["im"], depth + 1, budget)
        if type(real) is not float or type(imag) is not float:
            raise _Bad("bad complex")
        return complex(real, imag)
    if tag == "bytes":
        data = base64.b64decode(_str(obj["v"]), validate=True)
        budget.add(len(data))
        return data
    np = _numpy()
    if np is None:  # pragma: no cover
        raise _Bad(f"cannot decode {tag!r} without NumPy")
    if tag == "ndarray":
        dtype = _dtype(np, obj["dtype"])
        shape = tuple(int(s) for s in _list(obj["shape"]))
        if any(s < 0 for s in shape) or len(shape) > 32:
            raise _Bad("bad shape")
        data = base64.b64decode(_str(obj["v"]), validate=True)
        budget.add(len(data))
        if len(data) != dtype.itemsize * math.prod(shape):
            raise _Bad("array data does not match its shape")
        return np.frombuffer(data, dtype=dtype).reshape(shape).copy()
    if tag == "npscalar":
        dtype = _dtype(np, obj["dtype"])
        data = base64.b64decode(_str(obj["v"]), validate=True)
        if len(data) != dtype.itemsize:
            raise _Bad("bad scalar")
        return np.frombuffer(data, dtype=dtype)[0]
    if tag == "generator":
        state = _checked(_decode(obj["state"], depth + 1, budget))
        bit_generator = getattr(np.random, state["bit_generator"])()
        bit_generator.state = state
        return np.random.Generator(bit_generator)
    if tag == "randomstate":
        state = _checked(_decode(obj["state"], depth + 1, budget))
        if state.get("bit_generator") != "MT19937":
            raise _Bad("bad RandomState")
        legacy = np.random.RandomState()
        legacy.set_state(state)
        return legacy
    raise _Bad(f"unknown tag {tag!r}")


def _checked(state: Any) -> dict:
    """A generator state NumPy may be given: complete and in range (see ``rng.check_state``)."""
    try:
        return check_state(state)
    except GeneratorError as exc:
        raise _Bad(str(exc)) from None


def _list(value: Any) -> list:
    if type(value) is not list:
        raise _Bad("expected a list")
    return value


def _str(value: Any) -> str:
    if type(value) is not str:
        raise _Bad("expected a string")
    return value


def _dtype(np: Any, text: Any) -> Any:
    if type(text) is not str or not _DTYPE_RE.match(text):
        raise _Bad("bad dtype")
    dtype = np.dtype(text)
    if dtype.kind not in _DTYPE_KINDS:
        raise _Bad("bad dtype")
    return dtype
