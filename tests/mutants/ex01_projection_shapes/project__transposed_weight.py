# Mutant: treats W as stored (d_out, d_in) and multiplies by its transpose
import numpy as np


def project(X, W, b=None):
    """``X @ W.T (+ b)``: the weight is read transposed."""
    X = np.asarray(X)
    W = np.asarray(W)
    if W.ndim != 2 or X.ndim not in (1, 2) or X.shape[-1] != W.shape[1]:
        raise ValueError(f"cannot project X of shape {X.shape} with W of shape {W.shape}")
    Y = X @ W.T
    if b is not None:
        if np.shape(b) != (W.shape[0],):
            raise ValueError(f"bias of shape {np.shape(b)} does not fit W of shape {W.shape}")
        Y = Y + b
    return Y
