# Mutant: adds the bias as a column (one value per token row) instead of one value per output feature
import numpy as np


def project(X, W, b=None):
    """``X @ W + b`` with the bias broadcast along the wrong axis."""
    X = np.asarray(X)
    W = np.asarray(W)
    if W.ndim != 2 or X.ndim not in (1, 2) or X.shape[-1] != W.shape[0]:
        raise ValueError(f"cannot project X of shape {X.shape} with W of shape {W.shape}")
    Y = X @ W
    if b is not None:
        Y = Y + np.asarray(b).reshape(-1, 1)
    return Y
