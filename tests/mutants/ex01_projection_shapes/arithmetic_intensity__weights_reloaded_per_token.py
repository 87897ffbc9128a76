# Mutant: charges a fresh read of W for every token row, so prefill looks no better than decode
def arithmetic_intensity(n_tokens, d_in, d_out, bytes_per_element=2):
    """FLOPs per byte with the weights read once per token."""
    for value in (n_tokens, d_in, d_out, bytes_per_element):
        if value <= 0:
            raise ValueError(f"arguments must be positive, got {value!r}")
    moved = bytes_per_element * n_tokens * (d_in + d_in * d_out + d_out)
    return float(2 * n_tokens * d_in * d_out / moved)
