# Mutant: returns the shape as a list instead of a tuple
def output_shape(x_shape, w_shape):
    """Shape of ``X @ W`` as a list."""
    if len(x_shape) not in (1, 2) or len(w_shape) != 2 or x_shape[-1] != w_shape[0]:
        raise ValueError(f"cannot project an input of shape {x_shape} with a weight of shape {w_shape}")
    return [*x_shape[:-1], w_shape[1]]
