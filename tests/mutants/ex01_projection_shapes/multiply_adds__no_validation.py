# Mutant: no input checks, so n_tokens=0, negative counts and malformed shapes give numbers instead of errors
def multiply_adds(n_tokens, shapes):
    """Per-projection cost without validation."""
    return {name: n_tokens * shape[0] * shape[-1] for name, shape in shapes.items()}
