# Mutant: counts only the weight bytes and forgets reading X and writing Y
def arithmetic_intensity(n_tokens, d_in, d_out, bytes_per_element=2):
    """FLOPs per byte of weights only."""
    for value in (n_tokens, d_in, d_out, bytes_per_element):
        if value <= 0:
            raise ValueError(f"arguments must be positive, got {value!r}")
    return float(2 * n_tokens * d_in * d_out / (bytes_per_element * d_in * d_out))
