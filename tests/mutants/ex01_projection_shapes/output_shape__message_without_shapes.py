# Mutant: raises ValueError for a mismatch, but the message does not say which shapes disagree
def output_shape(x_shape, w_shape):
    """Shape of ``X @ W``; vague error message."""
    if len(x_shape) not in (1, 2) or len(w_shape) != 2 or x_shape[-1] != w_shape[0]:
        raise ValueError("the inner dimensions do not match")
    return tuple(x_shape[:-1]) + (w_shape[1],)
