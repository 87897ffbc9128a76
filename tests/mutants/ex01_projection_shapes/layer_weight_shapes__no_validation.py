# Mutant: no input checks, so 9 query heads with 4 KV heads (or a zero size) is accepted
def layer_weight_shapes(d_model, n_heads, d_head, d_mlp, n_kv_heads=None, gated=False):
    """Layer weight shapes without validating the configuration."""
    if n_kv_heads is None:
        n_kv_heads = n_heads
    shapes = {"W_Q": (d_model, n_heads * d_head), "W_K": (d_model, n_kv_heads * d_head),
              "W_V": (d_model, n_kv_heads * d_head), "W_O": (n_heads * d_head, d_model)}
    if gated:
        shapes["W_gate"] = (d_model, d_mlp)
    shapes["W_up"] = (d_model, d_mlp)
    shapes["W_down"] = (d_mlp, d_model)
    return shapes
