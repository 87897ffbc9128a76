# Mutant: no range check on j, so j=-1 quietly reads the last column and j=d_out raises IndexError
import numpy as np


def contributions(h, W, j):
    """Per-input terms of output ``j`` without checking ``j``."""
    h = np.asarray(h)
    W = np.asarray(W)
    if h.ndim != 1 or W.ndim != 2 or h.shape[0] != W.shape[0]:
        raise ValueError(f"h of shape {h.shape} does not fit W of shape {W.shape}")
    return h * W[:, j]
