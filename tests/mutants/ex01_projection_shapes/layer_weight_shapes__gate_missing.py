# Mutant: ignores gated=True, so a SwiGLU layer has no W_gate
def layer_weight_shapes(d_model, n_heads, d_head, d_mlp, n_kv_heads=None, gated=False):
    """Layer weight shapes that never include the gate projection."""
    if n_kv_heads is None:
        n_kv_heads = n_heads
    for value in (d_model, n_heads, d_head, d_mlp, n_kv_heads):
        if not isinstance(value, int) or value <= 0:
            raise ValueError(f"sizes must be positive integers, got {value!r}")
    if n_heads % n_kv_heads:
        raise ValueError(f"n_kv_heads={n_kv_heads} must divide n_heads={n_heads}")
    return {"W_Q": (d_model, n_heads * d_head), "W_K": (d_model, n_kv_heads * d_head),
            "W_V": (d_model, n_kv_heads * d_head), "W_O": (n_heads * d_head, d_model),
            "W_up": (d_model, d_mlp), "W_down": (d_mlp, d_model)}
