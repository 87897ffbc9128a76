# Mutant: never checks the bias shape, so a bias of shape (1,) or (n, 1) silently broadcasts
import numpy as np


def project(X, W, b=None):
    """``X @ W (+ b)`` with an unchecked bias."""
    X = np.asarray(X)
    W = np.asarray(W)
    if W.ndim != 2 or X.ndim not in (1, 2) or X.shape[-1] != W.shape[0]:
        raise ValueError(f"cannot project X of shape {X.shape} with W of shape {W.shape}")
    Y = X @ W
    if b is not None:
        Y = Y + b
    return Y
