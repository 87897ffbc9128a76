"""The pieces of a llama-style transformer block, in float32 numpy.

Every function takes row vectors (one row per token) and weights in the
``x @ W`` convention, ``W : (d_in, d_out)``.
"""
from __future__ import annotations

import numpy as np

__all__ = ["rms_norm", "rope_tables", "apply_rope", "causal_attention", "silu", "swiglu_mlp", "softmax"]


def rms_norm(x: np.ndarray, w: np.ndarray, eps: float) -> np.ndarray:
    """Root-mean-square normalisation with a learned per-dimension gain.

    Parameters
    ----------
    x : (..., d_model)
        Residual-stream vectors.
    w : (d_model,)
        Gain.
    eps : float
        Added to the mean square before the square root.

    Returns
    -------
    (..., d_model)
        ``x / sqrt(mean(x**2) + eps) * w``.
    """
    inv = 1.0 / np.sqrt(np.mean(np.square(x), axis=-1, keepdims=True) + np.float32(eps))
    return (x * inv.astype(np.float32)) * w


def rope_tables(positions: np.ndarray, d_head: int, theta: float) -> tuple[np.ndarray, np.ndarray]:
    """Cosines and sines of the rotary position embedding.

    Dimension ``j`` and dimension ``j + d_head/2`` of a head form one rotating
    pair, turned by the angle ``position * theta**(-2j/d_head)``.

    Parameters
    ----------
    positions : (seq,)
        Token positions (0 for the first token).
    d_head : int
        Head width (even).
    theta : float
        Frequency base.

    Returns
    -------
    cos, sin : (seq, d_head)
        Each half repeats the same ``d_head/2`` angles.
    """
    if d_head % 2:
        raise ValueError(f"RoPE needs an even head width, got {d_head}")
    inv_freq = 1.0 / (theta ** (np.arange(0, d_head, 2, dtype=np.float32) / d_head))
    angles = np.asarray(positions, dtype=np.float32)[:, None] * inv_freq.astype(np.float32)[None, :]
    angles = np.concatenate([angles, angles], axis=-1)
    return np.cos(angles).astype(np.float32), np.sin(angles).astype(np.float32)


def apply_rope(x: np.ndarray, cos: np.ndarray, sin: np.ndarray) -> np.ndarray:
    """Rotate query or key vectors by their position's angles.

    Parameters
    ----------
    x : (n_heads, seq, d_head)
        Queries or keys, heads in the "rotate half" layout.
    cos, sin : (seq, d_head)
        From :func:`rope_tables`.

    Returns
    -------
    (n_heads, seq, d_head)
        ``x * cos + rotate_half(x) * sin`` with
        ``rotate_half([a, b]) = [-b, a]`` over the two halves.
    """
    half = x.shape[-1] // 2
    rotated = np.concatenate([-x[..., half:], x[..., :half]], axis=-1)
    return x * cos + rotated * sin


def softmax(z: np.ndarray, axis: int = -1) -> np.ndarray:
    """Numerically stable softmax along ``axis`` (masked entries may be ``-inf``)."""
    z = z - np.max(z, axis=axis, keepdims=True)
    e = np.exp(z)
    return e / np.sum(e, axis=axis, keepdims=True)


def causal_attention(
    q: np.ndarray, k: np.ndarray, v: np.ndarray, q_offset: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Grouped-query attention with a causal mask, all heads at once.

    Parameters
    ----------
    q : (n_heads, seq_q, d_head)
        Queries (already rotated).
    k, v : (n_kv_heads, seq_k, d_head)
        Keys (already rotated) and values; query head ``h`` reads key/value
        head ``h // (n_heads // n_kv_heads)``.
    q_offset : int
        Position of the first query among the keys (``seq_k - seq_q`` when
        earlier keys come from a cache).

    Returns
    -------
    z : (n_heads, seq_q, d_head)
        Attention-weighted values per head.
    pattern : (n_heads, seq_q, seq_k)
        Attention probabilities; row ``i`` sums to 1 over keys ``0..q_offset+i``.
    """
    n_heads, seq_q, d_head = q.shape
    n_kv, seq_k, _ = k.shape
    rep = n_heads // n_kv
    qg = q.reshape(n_kv, rep, seq_q, d_head)
    scores = qg @ k[:, None].swapaxes(-1, -2) * np.float32(1.0 / np.sqrt(d_head))
    future = np.arange(seq_k)[None, :] > (np.arange(seq_q)[:, None] + q_offset)
    scores = np.where(future, np.float32(-np.inf), scores)
    pattern = softmax(scores, axis=-1)
    z = pattern @ v[:, None]
    return z.reshape(n_heads, seq_q, d_head), pattern.reshape(n_heads, seq_q, seq_k)


def silu(x: np.ndarray) -> np.ndarray:
    """``x * sigmoid(x)``, computed without overflow."""
    return x * (0.5 * (1.0 + np.tanh(0.5 * x)))


def swiglu_mlp(x: np.ndarray, w_gate: np.ndarray, w_up: np.ndarray, w_down: np.ndarray) -> np.ndarray:
    """The gated MLP: ``(silu(x @ W_gate) * (x @ W_up)) @ W_down``.

    Parameters
    ----------
    x : (seq, d_model)
        Normalised residual stream.
    w_gate, w_up : (d_model, d_mlp)
        Gate and up projections.
    w_down : (d_mlp, d_model)
        Down projection.

    Returns
    -------
    (seq, d_model)
        The MLP's write to the residual stream.
    """
    return (silu(x @ w_gate) * (x @ w_up)) @ w_down
