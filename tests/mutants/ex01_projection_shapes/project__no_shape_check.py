# Mutant: relies on NumPy's own matmul error, which does not name the two shapes (and lets 3-D input through)
import numpy as np


def project(X, W, b=None):
    """``X @ W (+ b)`` without its own shape check."""
    Y = np.asarray(X) @ np.asarray(W)
    if b is not None:
        if np.shape(b) != (np.shape(W)[1],):
            raise ValueError(f"bias of shape {np.shape(b)} does not fit W of shape {np.shape(W)}")
        Y = Y + b
    return Y
