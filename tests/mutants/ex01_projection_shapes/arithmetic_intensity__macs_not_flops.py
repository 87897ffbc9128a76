# Mutant: counts multiply-adds instead of FLOPs (missing the factor 2)
def arithmetic_intensity(n_tokens, d_in, d_out, bytes_per_element=2):
    """Multiply-adds per byte instead of FLOPs per byte."""
    for value in (n_tokens, d_in, d_out, bytes_per_element):
        if value <= 0:
            raise ValueError(f"arguments must be positive, got {value!r}")
    moved = bytes_per_element * (n_tokens * d_in + d_in * d_out + n_tokens * d_out)
    return float(n_tokens * d_in * d_out / moved)
