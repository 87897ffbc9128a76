"""Checking what a learner passes to the model, with errors that say how to fix it."""
from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["check_token_ids"]


def check_token_ids(tokens: Any, vocab_size: int, context_length: int) -> np.ndarray:
    """Validate one sequence of token ids.

    Parameters
    ----------
    tokens : sequence of int or (seq,) int array
        Token ids of a single sequence.
    vocab_size : int
        Ids must lie in ``0..vocab_size-1``.
    context_length : int
        Longest allowed sequence.

    Returns
    -------
    (seq,) int64 array

    Raises
    ------
    TypeError
        For non-integer ids.
    ValueError
        For an empty, batched (2-D), out-of-range or too long sequence.
    """
    arr = np.asarray(tokens)
    if arr.ndim != 1:
        raise ValueError(f"tokens must be a 1-D sequence of ids (one sequence, no batch), got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError("tokens is empty: give at least one token id (or a non-empty string)")
    if not np.issubdtype(arr.dtype, np.integer):
        raise TypeError(f"tokens must be integer ids, got dtype {arr.dtype}; use model.tokenizer.encode(text)")
    if arr.min() < 0 or arr.max() >= vocab_size:
        raise ValueError(f"token ids must lie in 0..{vocab_size - 1}; got {arr.min()}..{arr.max()}")
    if arr.size > context_length:
        raise ValueError(f"{arr.size} tokens exceed the context length {context_length}")
    return arr.astype(np.int64)
