# Mutant: floor division truncates the ratio (decode comes out as 0)
def arithmetic_intensity(n_tokens, d_in, d_out, bytes_per_element=2):
    """FLOPs per byte, truncated to a whole number."""
    for value in (n_tokens, d_in, d_out, bytes_per_element):
        if value <= 0:
            raise ValueError(f"arguments must be positive, got {value!r}")
    moved = bytes_per_element * (n_tokens * d_in + d_in * d_out + n_tokens * d_out)
    return float(2 * n_tokens * d_in * d_out // moved)
