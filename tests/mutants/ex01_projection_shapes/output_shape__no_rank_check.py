# Mutant: checks only the inner sizes, so a 3-D input or a 1-D weight is accepted instead of rejected
def output_shape(x_shape, w_shape):
    """Shape of ``X @ W``; never checks the number of axes."""
    if x_shape[-1] != w_shape[0]:
        raise ValueError(f"cannot project an input of shape {x_shape} with a weight of shape {w_shape}")
    return tuple(x_shape[:-1]) + tuple(w_shape[1:])
