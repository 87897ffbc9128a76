# Mutant: multiplies h in place and returns it, overwriting the caller's token vector
import numpy as np


def contributions(h, W, j):
    """Per-input terms of output ``j``, computed in place in ``h``."""
    W = np.asarray(W)
    if h.ndim != 1 or W.ndim != 2 or h.shape[0] != W.shape[0]:
        raise ValueError(f"h of shape {h.shape} does not fit W of shape {W.shape}")
    if not 0 <= j < W.shape[1]:
        raise ValueError(f"j must satisfy 0 <= j < {W.shape[1]}, got {j}")
    h *= W[:, j]
    return h
