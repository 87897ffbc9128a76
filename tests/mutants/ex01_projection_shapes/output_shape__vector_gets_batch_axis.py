# Mutant: a single vector (d_in,) is treated as a batch of one and gives (1, d_out) instead of (d_out,)
def output_shape(x_shape, w_shape):
    """Shape of ``X @ W``; treats a single vector as a batch of one."""
    x_shape = tuple(x_shape)
    w_shape = tuple(w_shape)
    if len(x_shape) not in (1, 2) or len(w_shape) != 2 or x_shape[-1] != w_shape[0]:
        raise ValueError(f"cannot project {x_shape} with {w_shape}")
    n = x_shape[0] if len(x_shape) == 2 else 1
    return (n, w_shape[1])
