# Mutant: turns a single vector into a batch of one by reshaping the caller's array in place
import numpy as np


def project(X, W, b=None):
    """``X @ W (+ b)``; a 1-D ``X`` is reshaped in place and stays 2-D afterwards."""
    W = np.asarray(W)
    single = X.ndim == 1
    if single:
        X.shape = (1, X.shape[0])
    if W.ndim != 2 or X.ndim != 2 or X.shape[-1] != W.shape[0]:
        raise ValueError(f"cannot project X of shape {X.shape} with W of shape {W.shape}")
    Y = X @ W
    if b is not None:
        if np.shape(b) != (W.shape[1],):
            raise ValueError(f"bias of shape {np.shape(b)} does not fit W of shape {W.shape}")
        Y = Y + b
    return Y[0] if single else Y
