# Mutant: returns the output value (h @ W)[j] instead of its per-input terms
import numpy as np


def contributions(h, W, j):
    """The output value instead of the contributions."""
    h = np.asarray(h)
    W = np.asarray(W)
    if h.ndim != 1 or W.ndim != 2 or h.shape[0] != W.shape[0]:
        raise ValueError(f"h of shape {h.shape} does not fit W of shape {W.shape}")
    if not 0 <= j < W.shape[1]:
        raise ValueError(f"j must satisfy 0 <= j < {W.shape[1]}, got {j}")
    return h @ W[:, j]
