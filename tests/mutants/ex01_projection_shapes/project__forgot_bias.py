# Mutant: accepts b but never adds it
import numpy as np


def project(X, W, b=None):
    """``X @ W``; the bias is ignored."""
    X = np.asarray(X)
    W = np.asarray(W)
    if W.ndim != 2 or X.ndim not in (1, 2) or X.shape[-1] != W.shape[0]:
        raise ValueError(f"cannot project X of shape {X.shape} with W of shape {W.shape}")
    return X @ W
