"""Architecture settings of the real model, read from the GGUF metadata."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .gguf_fields import has_field, read_field

__all__ = ["SmolLMConfig", "config_from_gguf"]


@dataclass(frozen=True)
class SmolLMConfig:
    """Shape and numerical settings of a llama-architecture language model.

    Attributes
    ----------
    name : str
        Model name recorded in the file.
    architecture : str
        GGUF architecture string (``"llama"``).
    n_layers : int
        Number of transformer blocks.
    d_model : int
        Width of the residual stream.
    n_heads : int
        Number of query heads per layer.
    n_kv_heads : int
        Number of key/value heads (grouped-query attention shares each one
        between ``n_heads // n_kv_heads`` query heads).
    d_head : int
        Width of one attention head.
    d_mlp : int
        Hidden width of the SwiGLU MLP.
    vocab_size : int
        Number of tokens.
    context_length : int
        Longest sequence the model was trained on.
    rope_theta : float
        Base of the rotary position embedding frequencies.
    rope_dim : int
        Number of dimensions of each head that RoPE rotates.
    norm_eps : float
        Epsilon inside RMSNorm.
    bos_token_id, eos_token_id : int
        Beginning- and end-of-sequence token ids.
    tied_embeddings : bool
        True when the unembedding is the transpose of the embedding.
    """

    name: str
    architecture: str
    n_layers: int
    d_model: int
    n_heads: int
    n_kv_heads: int
    d_head: int
    d_mlp: int
    vocab_size: int
    context_length: int
    rope_theta: float
    rope_dim: int
    norm_eps: float
    bos_token_id: int
    eos_token_id: int
    tied_embeddings: bool

    @property
    def n_rep(self) -> int:
        """Query heads per key/value head."""
        return self.n_heads // self.n_kv_heads


def config_from_gguf(reader: Any, tensor_names: set[str]) -> SmolLMConfig:
    """Build the config from the metadata of an open GGUF file.

    Parameters
    ----------
    reader : gguf.GGUFReader
        An open reader.
    tensor_names : set of str
        Names of the tensors in the file (used to tell tied embeddings apart).

    Raises
    ------
    ValueError
        When the file is not a llama-architecture model or its shapes are
        inconsistent.
    """
    arch = read_field(reader, "general.architecture")
    if arch != "llama":
        raise ValueError(f"expected a llama-architecture GGUF file, found architecture {arch!r}")

    def get(key: str) -> Any:
        return read_field(reader, f"{arch}.{key}")

    d_model = int(get("embedding_length"))
    n_heads = int(get("attention.head_count"))
    n_kv_heads = int(get("attention.head_count_kv"))
    if d_model % n_heads or n_heads % n_kv_heads:
        raise ValueError(
            f"inconsistent head counts: d_model={d_model}, n_heads={n_heads}, n_kv_heads={n_kv_heads}"
        )
    d_head = d_model // n_heads
    if has_field(reader, f"{arch}.attention.key_length"):
        d_head = int(get("attention.key_length"))
    if has_field(reader, f"{arch}.vocab_size"):
        vocab_size = int(get("vocab_size"))
    else:
        vocab_size = len(read_field(reader, "tokenizer.ggml.tokens"))
    return SmolLMConfig(
        name=str(read_field(reader, "general.name")) if has_field(reader, "general.name") else arch,
        architecture=arch,
        n_layers=int(get("block_count")),
        d_model=d_model,
        n_heads=n_heads,
        n_kv_heads=n_kv_heads,
        d_head=d_head,
        d_mlp=int(get("feed_forward_length")),
        vocab_size=vocab_size,
        context_length=int(get("context_length")),
        rope_theta=float(get("rope.freq_base")),
        rope_dim=int(get("rope.dimension_count")) if has_field(reader, f"{arch}.rope.dimension_count") else d_head,
        norm_eps=float(get("attention.layer_norm_rms_epsilon")),
        bos_token_id=int(read_field(reader, "tokenizer.ggml.bos_token_id")),
        eos_token_id=int(read_field(reader, "tokenizer.ggml.eos_token_id")),
        tied_embeddings="output.weight" not in tensor_names,
    )
