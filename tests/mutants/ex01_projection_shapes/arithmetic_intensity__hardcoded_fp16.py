# Mutant: always assumes 2 bytes per number and ignores bytes_per_element
def arithmetic_intensity(n_tokens, d_in, d_out, bytes_per_element=2):
    """FLOPs per byte, always for 16-bit numbers."""
    for value in (n_tokens, d_in, d_out, bytes_per_element):
        if value <= 0:
            raise ValueError(f"arguments must be positive, got {value!r}")
    moved = 2 * (n_tokens * d_in + d_in * d_out + n_tokens * d_out)
    return float(2 * n_tokens * d_in * d_out / moved)
