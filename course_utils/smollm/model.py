"""SmolLM2-135M-Instruct as a plain numpy forward pass.

The model is a 30-block llama-style decoder: RMSNorm, rotary position
embeddings, grouped-query attention and a SwiGLU MLP in each block, and an
unembedding tied to the embedding (``logits = h @ W_E.T``).
"""
from __future__ import annotations

import dataclasses
import re

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from .cache import WeightCache
from .config import SmolLMConfig, config_from_gguf
from .gguf_fields import open_gguf, read_field
from .inputs import check_token_ids
from .kv_cache import KVCache
from .layers import apply_rope, causal_attention, rms_norm, rope_tables, swiglu_mlp
from .tokenizer import SmolTokenizer, tokenizer_from_gguf
from .weights import WeightStore

__all__ = ["SmolLM", "ForwardResult"]

_BULKY_FIELDS = ("tokenizer.ggml.tokens", "tokenizer.ggml.merges", "tokenizer.ggml.token_type")


@dataclass(frozen=True)
class ForwardResult:
    """Everything one forward pass recorded.

    Attributes
    ----------
    tokens : (seq,)
        The input ids.
    logits : (seq, vocab_size)
        Next-token logits at every position.
    residual : (n_layers + 1, seq, d_model) or None
        Residual stream after the embedding (index 0) and after each block
        (index ``i + 1``), before the final norm.
    attention : (n_layers, n_heads, seq, seq) or None
        Attention probabilities, ``attention[l, h, query, key]``.
    """

    tokens: np.ndarray
    logits: np.ndarray
    residual: np.ndarray | None = None
    attention: np.ndarray | None = None


def display_name(path: Path) -> str | None:
    """The model's published name from its file name (``SmolLM2-135M-Instruct.Q4_1.gguf``), if it has one."""
    match = re.match(r"^(.+?)\.(?:Q\d\w*|IQ\d\w*|F16|F32|BF16)\.gguf$", Path(path).name, re.I)
    return match.group(1) if match else None


class _Fields:
    """Metadata already read (from the file or the cache), in the shape ``read_field`` expects."""

    def __init__(self, fields: dict, headers: dict) -> None:
        self.fields = fields
        self.tensors = [type("Header", (), {"name": n, "shape": tuple(s)})() for n, s in headers.items()]


class SmolLM:
    """A real small language model, read from a GGUF file, run in numpy.

    Use :func:`course_utils.smollm.load_model` rather than building one directly:
    it finds the file and keeps one instance per process.

    Attributes
    ----------
    config : SmolLMConfig
        Sizes and settings read from the file's metadata.
    tokenizer : SmolTokenizer
        ``encode(str) -> list[int]`` and ``decode(list[int]) -> str``.
    path : Path
        The GGUF file.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._file = None
        stored = WeightCache.for_model(self.path)
        if stored is not None and stored.complete():
            try:  # a cache from an earlier load: no GGUF parsing, no dequantizing
                self._from_cache(stored)
                return
            except (OSError, ValueError, KeyError):
                pass
        file = self._reader
        fields, headers = file.fields, {t.name: tuple(t.shape) for t in file.tensors}
        self._fields = fields
        self._set_up(config_from_gguf(file, set(headers)), tokenizer_from_gguf(file), file, None)
        if stored is not None and stored.build(self._weights, self.tokenizer, fields, headers):
            self._weights = WeightStore(None, self.config, stored)
        self._fields = {k: v for k, v in fields.items() if k not in _BULKY_FIELDS}

    def _from_cache(self, stored: WeightCache) -> None:
        meta = stored.meta()
        fields = meta["fields"]
        self._fields = fields
        holder = _Fields(fields, meta["headers"])
        tokenizer = SmolTokenizer.from_json(stored.tokenizer_json(), meta["tokenizer"])
        self._set_up(config_from_gguf(holder, set(meta["headers"])), tokenizer, None, stored)

    def _set_up(self, config: SmolLMConfig, tokenizer: SmolTokenizer, file: Any, stored: Any) -> None:
        readable = display_name(self.path)
        if readable:  # "SmolLM2-135M-Instruct" rather than the file's "Smollm2 135M 8k Lc100K Mix1 Ep2"
            config = dataclasses.replace(config, name=readable)
        self.config: SmolLMConfig = config
        if not config.tied_embeddings:
            raise ValueError("this loader expects tied embeddings (no 'output.weight' tensor in the file)")
        if config.rope_dim != config.d_head:
            raise ValueError(f"partial RoPE is not supported (rope_dim={config.rope_dim}, d_head={config.d_head})")
        self.tokenizer: SmolTokenizer = tokenizer
        self._weights = WeightStore(file, config, stored)
        self._blocks: list[tuple[np.ndarray, ...]] | None = None

    @property
    def _reader(self) -> Any:
        """The open GGUF file (parsed on first use: a cached model never needs it)."""
        if self._file is None:
            self._file = open_gguf(self.path)
        return self._file

    def __repr__(self) -> str:
        c = self.config
        return (
            f"SmolLM({c.name!r}: {c.n_layers} layers, d_model={c.d_model}, "
            f"{c.n_heads} heads / {c.n_kv_heads} kv heads of {c.d_head}, d_mlp={c.d_mlp}, vocab={c.vocab_size})"
        )

    def metadata(self, key: str) -> Any:
        """A value from the file's metadata, e.g. ``model.metadata("llama.rope.freq_base")``.

        The vocabulary lists (``tokenizer.ggml.tokens`` / ``merges`` / ``token_type``) are dropped after
        the tokenizer is built; use ``model.tokenizer`` for those.
        """
        return read_field(_Fields(self._fields, {}), key)

    def metadata_keys(self) -> list[str]:
        """Metadata keys available through :meth:`metadata`."""
        return list(self._fields)

    # ------------------------------------------------------------------ weights
    def weight_names(self) -> list[str]:
        """Every weight name: ``"W_E"``, ``"ln_final.w"``, then ``"blocks.{i}.…"`` per layer."""
        return self._weights.names()

    def weight(self, name: str) -> np.ndarray:
        """One weight as a read-only float32 array in the ``x @ W`` convention.

        Parameters
        ----------
        name : str
            ``"W_E"`` (vocab_size, d_model); ``"ln_final.w"`` (d_model,); per layer ``i``:
            ``f"blocks.{i}.attn.W_Q"`` (d_model, n_heads*d_head),
            ``W_K`` / ``W_V`` (d_model, n_kv_heads*d_head),
            ``W_O`` (n_heads*d_head, d_model),
            ``f"blocks.{i}.mlp.W_gate"`` / ``W_up`` (d_model, d_mlp), ``W_down`` (d_mlp, d_model),
            ``f"blocks.{i}.ln1.w"`` / ``ln2.w`` (d_model,).

        Notes
        -----
        Dequantized from the file on first use and cached.
        """
        return self._weights.get(name)

    def weight_shapes(self, layer: int | None = 0) -> dict[str, tuple[int, ...]]:
        """Shapes of the weights, read from the file's tensor headers (nothing is dequantized).

        Parameters
        ----------
        layer : int or None
            Which block to list (besides ``W_E`` and ``ln_final.w``); ``None`` lists all.

        Returns
        -------
        dict
            Weight name -> shape, in :meth:`weight_names` order.
        """
        if layer is not None:
            if isinstance(layer, bool) or not isinstance(layer, (int, np.integer)):
                raise TypeError(f"layer must be an int or None, got {type(layer).__name__}")
            if not 0 <= layer < self.config.n_layers:
                raise ValueError(f"layer must be in 0..{self.config.n_layers - 1}, got {layer}")
        prefix = f"blocks.{layer}."
        names = [n for n in self.weight_names() if layer is None or not n.startswith("blocks.") or n.startswith(prefix)]
        return {n: self._weights.shape(n) for n in names}

    def _block_weights(self) -> list[tuple[np.ndarray, ...]]:
        if self._blocks is None:
            order = (
                "ln1.w", "attn.W_Q", "attn.W_K", "attn.W_V", "attn.W_O", "ln2.w", "mlp.W_gate", "mlp.W_up", "mlp.W_down"
            )
            self._blocks = [
                tuple(self.weight(f"blocks.{i}.{s}") for s in order) for i in range(self.config.n_layers)
            ]
        return self._blocks

    # ------------------------------------------------------------------ forward
    def _as_ids(self, tokens: Any) -> np.ndarray:
        if isinstance(tokens, str):
            tokens = self.tokenizer.encode(tokens)
        return check_token_ids(tokens, self.config.vocab_size, self.config.context_length)

    def _run(
        self,
        ids: np.ndarray,
        cache: KVCache | None = None,
        keep_residual: bool = False,
        keep_attention: bool = False,
        last_only: bool = False,
        edit: Callable[[int, np.ndarray], np.ndarray] | None = None,
    ) -> tuple[np.ndarray, list[np.ndarray], list[np.ndarray]]:
        cfg = self.config
        start = cache.length if cache is not None else 0
        seq = ids.size
        x = self.weight("W_E")[ids].astype(np.float32)
        cos, sin = rope_tables(np.arange(start, start + seq), cfg.d_head, cfg.rope_theta)
        residual = [x] if keep_residual else []
        patterns: list[np.ndarray] = []
        for layer, (ln1, w_q, w_k, w_v, w_o, ln2, w_gate, w_up, w_down) in enumerate(self._block_weights()):
            h = rms_norm(x, ln1, cfg.norm_eps)
            q = (h @ w_q).reshape(seq, cfg.n_heads, cfg.d_head).transpose(1, 0, 2)
            k = (h @ w_k).reshape(seq, cfg.n_kv_heads, cfg.d_head).transpose(1, 0, 2)
            v = (h @ w_v).reshape(seq, cfg.n_kv_heads, cfg.d_head).transpose(1, 0, 2)
            q, k = apply_rope(q, cos, sin), apply_rope(k, cos, sin)
            if cache is not None:
                k, v = cache.extend(layer, k, v)
            z, pattern = causal_attention(q, k, v, q_offset=start)
            x = x + z.transpose(1, 0, 2).reshape(seq, cfg.n_heads * cfg.d_head) @ w_o
            x = x + swiglu_mlp(rms_norm(x, ln2, cfg.norm_eps), w_gate, w_up, w_down)
            if edit is not None:
                x = np.asarray(edit(layer, x), dtype=np.float32)
                if x.shape != (seq, cfg.d_model):
                    raise ValueError(f"edit must return the residual stream's shape {(seq, cfg.d_model)}; got {x.shape}")
            if keep_residual:
                residual.append(x)
            if keep_attention:
                patterns.append(pattern)
        final = rms_norm(x[-1:] if last_only else x, self.weight("ln_final.w"), cfg.norm_eps)
        return final @ self.weight("W_E").T, residual, patterns

    def forward(
        self, tokens: str | Sequence[int] | np.ndarray, return_residual: bool = False, return_attention: bool = False,
        edit: Callable[[int, np.ndarray], np.ndarray] | None = None,
    ) -> np.ndarray | ForwardResult:
        """Run the model on one sequence.

        Parameters
        ----------
        tokens : str, sequence of int, or (seq,) int array
            Token ids (a string is encoded first, without BOS).
        return_residual : bool
            Also return the residual stream, ``(n_layers + 1, seq, d_model)``.
        return_attention : bool
            Also return attention patterns, ``(n_layers, n_heads, seq, seq)``
            (memory grows as ``seq**2``: 1 GB at about 1,000 tokens).
        edit : callable (layer, residual) -> residual, optional
            Called after every block with the block's index and the residual stream ``(seq, d_model)``;
            what it returns replaces the stream for the rest of the pass (an intervention, e.g. splicing in
            a reconstruction). The recorded residual stream is the edited one.

        Returns
        -------
        logits : (seq, vocab_size)
            When neither flag is set.
        ForwardResult
            When either flag is set (fields not asked for are ``None``).
        """
        ids = self._as_ids(tokens)
        logits, residual, patterns = self._run(ids, keep_residual=return_residual, keep_attention=return_attention,
                                               edit=edit)
        if not (return_residual or return_attention):
            return logits
        return ForwardResult(
            tokens=ids,
            logits=logits,
            residual=np.stack(residual) if return_residual else None,
            attention=np.stack(patterns) if return_attention else None,
        )

    __call__ = forward

    def generate_ids(self, tokens: Sequence[int] | np.ndarray, n_tokens: int, stop_at_eos: bool = True) -> list[int]:
        """Greedy continuation of a token sequence (keys and values are cached).

        Parameters
        ----------
        tokens : sequence of int
            Prompt ids.
        n_tokens : int
            Most tokens to add.
        stop_at_eos : bool
            Stop early after the end-of-sequence token.

        Returns
        -------
        list of int
            The new ids only (at most ``n_tokens``).
        """
        if isinstance(n_tokens, bool) or not isinstance(n_tokens, (int, np.integer)) or n_tokens < 0:
            raise ValueError(f"n_tokens must be a non-negative int, got {n_tokens!r}")
        ids = self._as_ids(tokens)
        if ids.size + n_tokens > self.config.context_length:
            raise ValueError(
                f"prompt ({ids.size}) + n_tokens ({n_tokens}) exceed the context length {self.config.context_length}"
            )
        cache = KVCache(self.config.n_layers)
        out: list[int] = []
        step = ids
        for _ in range(n_tokens):
            logits, _, _ = self._run(step, cache=cache, last_only=True)
            nxt = int(np.argmax(logits[-1]))
            out.append(nxt)
            if stop_at_eos and nxt == self.config.eos_token_id:
                break
            step = np.array([nxt], dtype=np.int64)
        return out

    def generate(self, prompt: str, n_tokens: int = 20, stop_at_eos: bool = True) -> str:
        """Greedy continuation of a text prompt.

        Parameters
        ----------
        prompt : str
            Text to continue (encoded without BOS).
        n_tokens : int
            Most tokens to add.
        stop_at_eos : bool
            Stop early after the end-of-sequence token.

        Returns
        -------
        str
            The continuation only (``prompt + result`` is the full text).
        """
        if not isinstance(prompt, str):
            raise TypeError(f"generate expects a str prompt, got {type(prompt).__name__}; use generate_ids for ids")
        new = self.generate_ids(self.tokenizer.encode(prompt), n_tokens, stop_at_eos=stop_at_eos)
        return self.tokenizer.decode(new)
