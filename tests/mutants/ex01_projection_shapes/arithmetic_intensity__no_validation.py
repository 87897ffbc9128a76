# Mutant: no input checks, so zero or negative sizes give a number (or ZeroDivisionError) instead of ValueError
def arithmetic_intensity(n_tokens, d_in, d_out, bytes_per_element=2):
    """FLOPs per byte without validation."""
    moved = bytes_per_element * (n_tokens * d_in + d_in * d_out + n_tokens * d_out)
    return float(2 * n_tokens * d_in * d_out / moved)
