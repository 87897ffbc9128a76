# Mutant: returns the sizes |h[i] * W[i, j]|, losing the signs, so the terms no longer sum to the output
import numpy as np


def contributions(h, W, j):
    """Magnitudes of the per-input terms of output ``j``."""
    h = np.asarray(h)
    W = np.asarray(W)
    if h.ndim != 1 or W.ndim != 2 or h.shape[0] != W.shape[0]:
        raise ValueError(f"h of shape {h.shape} does not fit W of shape {W.shape}")
    if not 0 <= j < W.shape[1]:
        raise ValueError(f"j must satisfy 0 <= j < {W.shape[1]}, got {j}")
    return np.abs(h * W[:, j])
