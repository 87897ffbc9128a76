"""Named, dequantized weights in the course's ``x @ W`` convention.

GGUF lists tensor dimensions innermost first, so a linear layer mapping
``d_in -> d_out`` is stored with shape ``[d_in, d_out]`` and dequantizes to an
array of shape ``(d_out, d_in)`` (the PyTorch ``nn.Linear`` layout). The course
multiplies row vectors from the left, ``x @ W`` with ``W : (d_in, d_out)``,
so every projection is transposed once here.

llama.cpp's converter also reorders the rows of the query and key projections
so that RoPE rotates adjacent pairs of dimensions. This module undoes that
reordering, so ``W_Q`` and ``W_K`` are in the Hugging Face layout, where RoPE
rotates dimension ``j`` together with dimension ``j + d_head / 2``
(see :func:`course_utils.smollm.layers.apply_rope`).
"""
from __future__ import annotations

import difflib
import re
from typing import Any

import numpy as np

from .config import SmolLMConfig

__all__ = ["WeightStore", "Tensor", "unpermute_rows", "GLOBAL_NAMES", "LAYER_NAMES"]

# course name -> (gguf name, kind); kind is "rows" (kept as stored), "linear"
# (transposed), "q"/"k" (un-permuted, then transposed) or "vector".
GLOBAL_NAMES: dict[str, tuple[str, str]] = {
    "W_E": ("token_embd.weight", "rows"),
    "ln_final.w": ("output_norm.weight", "vector"),
}
LAYER_NAMES: dict[str, tuple[str, str]] = {
    "ln1.w": ("attn_norm.weight", "vector"),
    "attn.W_Q": ("attn_q.weight", "q"),
    "attn.W_K": ("attn_k.weight", "k"),
    "attn.W_V": ("attn_v.weight", "linear"),
    "attn.W_O": ("attn_output.weight", "linear"),
    "ln2.w": ("ffn_norm.weight", "vector"),
    "mlp.W_gate": ("ffn_gate.weight", "linear"),
    "mlp.W_up": ("ffn_up.weight", "linear"),
    "mlp.W_down": ("ffn_down.weight", "linear"),
}
_LAYER_RE = re.compile(r"^blocks\.(\d+)\.(.+)$")


class Tensor:
    """One tensor of an open GGUF file: its header, and its values on demand."""

    def __init__(self, file: Any, info: Any) -> None:
        self.file, self.info = file, info
        self.name, self.shape, self.tensor_type = info.name, info.shape, info.tensor_type

    def values(self) -> np.ndarray:
        from .gguf_file import dequantize

        return dequantize(self.file.raw(self.info), self.tensor_type, self.shape)


def _dequantize(tensor: Tensor) -> np.ndarray:
    """Dequantize one GGUF tensor to float32 in its stored (outermost-first) shape."""
    return np.asarray(tensor.values(), dtype=np.float32)


def unpermute_rows(w: np.ndarray, n_heads: int) -> np.ndarray:
    """Undo llama.cpp's RoPE row interleaving of a query or key projection.

    Parameters
    ----------
    w : (n_heads * d_head, d_in)
        Projection in the stored ``(d_out, d_in)`` layout, with each head's
        rows ordered as adjacent pairs ``(0, 1), (2, 3), ...``.
    n_heads : int
        Heads the rows belong to (key/value heads for ``W_K``).

    Returns
    -------
    (n_heads * d_head, d_in)
        Rows reordered so that each head holds its even-indexed pair members
        first and odd ones second (the Hugging Face "rotate half" layout).
    """
    d_out, d_in = w.shape
    if d_out % (2 * n_heads):
        raise ValueError(f"cannot split {d_out} rows into {n_heads} heads of even width")
    half = d_out // n_heads // 2
    return w.reshape(n_heads, half, 2, d_in).swapaxes(1, 2).reshape(d_out, d_in)


class WeightStore:
    """Lazily dequantized, cached, read-only weights of one GGUF model.

    Parameters
    ----------
    reader : GGUFFile or None
        The open model file (``None`` when every weight comes from ``stored``).
    config : SmolLMConfig
        The model's settings (layer and head counts).
    stored : WeightCache, optional
        Expanded weights kept on disk from an earlier run (see :mod:`.cache`).
    """

    def __init__(self, reader: Any, config: SmolLMConfig, stored: Any = None) -> None:
        self._config = config
        self._reader = reader
        self._stored = stored  # a complete WeightCache: weights come from its files, memory-mapped
        headers = stored.shapes() if stored is not None else {t.name: tuple(t.shape) for t in reader.tensors}
        self._headers: dict[str, tuple[int, ...]] = headers
        self._tensors = {t.name: Tensor(reader, t) for t in reader.tensors} if reader is not None else {}
        self._cache: dict[str, np.ndarray] = {}
        self._names = list(GLOBAL_NAMES)
        for i in range(config.n_layers):
            self._names += [f"blocks.{i}.{suffix}" for suffix in LAYER_NAMES]
        missing = [src for src in (self._source(n)[0] for n in self._names) if src not in self._headers]
        if missing:
            raise ValueError(f"the GGUF file lacks tensors the model needs: {missing[:5]}")

    def names(self) -> list[str]:
        """All weight names, global ones first, then layer by layer."""
        return list(self._names)

    def _source(self, name: str) -> tuple[str, str]:
        if name in GLOBAL_NAMES:
            return GLOBAL_NAMES[name]
        match = _LAYER_RE.match(name)
        if match and match.group(2) in LAYER_NAMES and int(match.group(1)) < self._config.n_layers:
            gguf_name, kind = LAYER_NAMES[match.group(2)]
            return f"blk.{int(match.group(1))}.{gguf_name}", kind
        near = difflib.get_close_matches(name, self._names, n=3)
        hint = f" Did you mean {', '.join(repr(n) for n in near)}?" if near else ""
        raise KeyError(
            f"no weight named {name!r}.{hint} Names look like 'W_E', 'ln_final.w' or "
            f"'blocks.<layer>.attn.W_Q' with layer in 0..{self._config.n_layers - 1}; "
            "model.weight_names() lists them all."
        )

    def shape(self, name: str) -> tuple[int, ...]:
        """Shape of ``weight(name)``, read from the tensor header (no dequantizing)."""
        gguf_name, kind = self._source(name)
        stored = tuple(int(d) for d in self._headers[gguf_name])
        # header dims are innermost first: (d_in, d_out) for projections, (d_model, vocab) for W_E
        return tuple(reversed(stored)) if kind == "rows" else stored

    def get(self, name: str) -> np.ndarray:
        """Return the float32 weight ``name`` (dequantized on first use, then cached).

        The array is read-only; call ``.copy()`` before changing it.
        """
        if name in self._cache:
            return self._cache[name]
        if self._stored is not None:
            self._source(name)  # a clear KeyError for a name that is not a weight
            out = self._stored.load(name)
            self._cache[name] = out
            return out
        gguf_name, kind = self._source(name)
        raw = _dequantize(self._tensors[gguf_name])
        if kind == "q":
            raw = unpermute_rows(raw, self._config.n_heads).T
        elif kind == "k":
            raw = unpermute_rows(raw, self._config.n_kv_heads).T
        elif kind == "linear":
            raw = raw.T
        elif kind == "vector":
            raw = raw.reshape(-1)
        out = np.ascontiguousarray(raw, dtype=np.float32)
        expected = self.shape(name)
        if out.shape != expected:
            raise ValueError(f"weight {name!r} dequantized to {out.shape}, header says {expected}")
        out.setflags(write=False)
        self._cache[name] = out
        return out

    def cached_names(self) -> list[str]:
        """Names of the weights dequantized so far."""
        return list(self._cache)
