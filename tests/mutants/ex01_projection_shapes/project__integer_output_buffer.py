# Mutant: fills an output buffer that takes X's dtype, so integer X with float W is truncated
import numpy as np


def project(X, W, b=None):
    """``X @ W (+ b)`` computed column by column into a buffer of X's dtype."""
    X = np.asarray(X)
    W = np.asarray(W)
    if W.ndim != 2 or X.ndim not in (1, 2) or X.shape[-1] != W.shape[0]:
        raise ValueError(f"cannot project X of shape {X.shape} with W of shape {W.shape}")
    if b is not None and np.shape(b) != (W.shape[1],):
        raise ValueError(f"bias of shape {np.shape(b)} does not fit W of shape {W.shape}")
    Y = np.zeros(X.shape[:-1] + (W.shape[1],), dtype=X.dtype)
    for j in range(W.shape[1]):
        Y[..., j] = X @ W[:, j] + (0 if b is None else b[j])
    return Y
