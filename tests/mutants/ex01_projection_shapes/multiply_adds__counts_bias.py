# Mutant: off by one in d_in, counting the bias as an extra input column
def multiply_adds(n_tokens, shapes):
    """Per-projection cost with (d_in + 1) inputs."""
    if not isinstance(n_tokens, int) or isinstance(n_tokens, bool) or n_tokens <= 0:
        raise ValueError(f"n_tokens must be a positive integer, got {n_tokens!r}")
    costs = {}
    for name, shape in shapes.items():
        if not (isinstance(shape, tuple) and len(shape) == 2 and all(isinstance(s, int) and s > 0 for s in shape)):
            raise ValueError(f"bad shape for {name!r}: {shape!r}")
        costs[name] = n_tokens * (shape[0] + 1) * shape[1]
    return costs
