"""A fast reader for GGUF files: metadata as plain Python values, tensors as memory-mapped bytes.

The ``gguf`` package's reader builds a NumPy view for every part of every metadata value,
which takes seconds for a 49,152-token vocabulary. This reader parses the header once with
``struct`` and reads string arrays in a single pass; tensor data stays on disk
(``numpy.memmap``) until a weight is dequantized (see :func:`dequantize`, vectorised over
whole tensors for the block formats the course's model uses, with the same arithmetic as
ggml; other formats go through the ``gguf`` package).

Format (GGUF v2/v3, little-endian): magic ``GGUF``, version, tensor count, metadata count;
metadata as (key, type, value); tensor infos as (name, dims innermost first, type, offset);
tensor data from the next multiple of ``general.alignment`` (32 by default).
"""
from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["GGUFFile", "TensorInfo", "dequantize", "F32", "F16", "Q4_0", "Q4_1", "Q8_0"]

F32, F16, Q4_0, Q4_1, Q8_0 = 0, 1, 2, 3, 8
# ggml type -> (values per block, bytes per block) for the types read here without ``gguf``
BLOCKS = {F32: (1, 4), F16: (1, 2), Q4_0: (32, 18), Q4_1: (32, 20), Q8_0: (32, 34)}
_SCALARS = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?", 10: "<Q", 11: "<q", 12: "<d"}
_NUMPY = {0: "<u1", 1: "<i1", 2: "<u2", 3: "<i2", 4: "<u4", 5: "<i4", 6: "<f4", 7: "<u1", 10: "<u8", 11: "<i8",
          12: "<f8"}
STRING, ARRAY = 8, 9


@dataclass
class TensorInfo:
    """One tensor's header: ``shape`` is as stored (innermost dimension first, as ``gguf`` reports it)."""

    name: str
    shape: tuple[int, ...]
    tensor_type: int
    offset: int          # from the start of the file
    n_bytes: int


class GGUFFile:
    """An open GGUF file: ``fields`` (metadata key -> value) and ``tensors`` (in file order)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._map = np.memmap(self.path, dtype=np.uint8, mode="r")
        buf = memoryview(self._map)
        if bytes(buf[:4]) != b"GGUF":
            raise ValueError(f"{self.path} is not a GGUF file (it does not start with 'GGUF')")
        self.version, n_tensors, n_fields = struct.unpack_from("<IQQ", buf, 4)
        if self.version not in (2, 3):
            raise ValueError(f"{self.path}: GGUF version {self.version} is not supported (2 or 3)")
        self._buf, self._pos = buf, 24
        # the header's own numbers, under the names the ``gguf`` package gives them
        self.fields: dict[str, Any] = {"GGUF.version": self.version, "GGUF.tensor_count": n_tensors,
                                       "GGUF.kv_count": n_fields}
        for _ in range(n_fields):
            key = self._string()
            (kind,) = self._unpack("<I")
            self.fields[key] = self._value(kind)
        infos = []
        for _ in range(n_tensors):
            name = self._string()
            (n_dims,) = self._unpack("<I")
            dims = self._unpack(f"<{n_dims}Q")
            kind, offset = self._unpack("<IQ")
            infos.append((name, tuple(int(d) for d in dims), kind, offset))
        alignment = int(self.fields.get("general.alignment", 32))
        start = -(-self._pos // alignment) * alignment
        self.tensors = [TensorInfo(name, dims, kind, start + offset, _n_bytes(dims, kind))
                        for name, dims, kind, offset in infos]
        del self._buf

    def _unpack(self, fmt: str) -> tuple:
        values = struct.unpack_from(fmt, self._buf, self._pos)
        self._pos += struct.calcsize(fmt)
        return values

    def _string(self) -> str:
        (n,) = self._unpack("<Q")
        text = bytes(self._buf[self._pos:self._pos + n]).decode("utf-8", errors="replace")
        self._pos += n
        return text

    def _value(self, kind: int) -> Any:
        if kind == STRING:
            return self._string()
        if kind == ARRAY:
            item, count = self._unpack("<IQ")
            if item == STRING:
                return self._strings(count)
            if item in _NUMPY:
                values = np.frombuffer(self._buf, dtype=_NUMPY[item], count=count, offset=self._pos)
                self._pos += values.nbytes
                return [bool(v) for v in values] if item == 7 else values.tolist()
            return [self._value(item) for _ in range(count)]
        if kind in _SCALARS:
            (value,) = self._unpack(_SCALARS[kind])
            return value
        raise ValueError(f"{self.path}: unknown GGUF value type {kind} at byte {self._pos}")

    def _strings(self, count: int) -> list[str]:
        data, pos, out = self._buf, self._pos, []
        unpack = struct.Struct("<Q").unpack_from
        raw = data.obj if hasattr(data, "obj") else data
        for _ in range(count):
            (n,) = unpack(data, pos)
            out.append(bytes(raw[pos + 8:pos + 8 + n]).decode("utf-8", errors="replace"))
            pos += 8 + n
        self._pos = pos
        return out

    def raw(self, tensor: TensorInfo) -> np.ndarray:
        """The tensor's bytes on disk (a read-only view, nothing copied)."""
        return self._map[tensor.offset:tensor.offset + tensor.n_bytes]


def _n_bytes(dims: tuple[int, ...], kind: int) -> int:
    count = int(np.prod(dims)) if dims else 1
    if kind in BLOCKS:
        per_block, size = BLOCKS[kind]
        return count // per_block * size
    from gguf.constants import GGML_QUANT_SIZES, GGMLQuantizationType

    per_block, size = GGML_QUANT_SIZES[GGMLQuantizationType(kind)]
    return count // per_block * size


def dequantize(raw: np.ndarray, kind: int, dims: tuple[int, ...]) -> np.ndarray:
    """float32 values of a tensor, shaped ``reversed(dims)`` (outermost first), from its raw bytes.

    Same arithmetic as ggml and the ``gguf`` package (so results are identical): Q8_0 is
    ``q * d``; Q4_0 is ``(q - 8) * d``; Q4_1 is ``d * q + m``, with the 16 low nibbles of a
    block first, then the 16 high ones.
    """
    shape = tuple(reversed(dims))
    if kind == F32:
        return raw.view("<f4").reshape(shape)
    if kind == F16:
        return raw.view("<f2").astype(np.float32).reshape(shape)
    if kind in (Q4_0, Q4_1, Q8_0):
        per_block, size = BLOCKS[kind]
        blocks = np.asarray(raw).reshape(-1, size)
        d = blocks[:, :2].copy().view("<f2").astype(np.float32)
        if kind == Q8_0:
            q = blocks[:, 2:].view(np.int8).astype(np.float32)
            return (q * d).reshape(shape)
        first = 4 if kind == Q4_1 else 2
        qs = blocks[:, first:]
        q = np.concatenate([qs & np.uint8(0x0F), qs >> np.uint8(4)], axis=1).astype(np.float32)
        if kind == Q4_0:
            return ((q - np.float32(8)) * d).reshape(shape)
        m = blocks[:, 2:4].copy().view("<f2").astype(np.float32)
        return ((d * q) + m).reshape(shape)
    from gguf.constants import GGMLQuantizationType
    from gguf.quants import dequantize as slow

    per_block, size = _block_of(kind)
    rows = np.asarray(raw).reshape(-1, dims[0] // per_block * size)
    return np.asarray(slow(rows, GGMLQuantizationType(kind)), dtype=np.float32).reshape(shape)


def _block_of(kind: int) -> tuple[int, int]:
    from gguf.constants import GGML_QUANT_SIZES, GGMLQuantizationType

    return GGML_QUANT_SIZES[GGMLQuantizationType(kind)]
