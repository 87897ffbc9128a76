"""Keys and values kept between decoding steps, so each new token costs one position, not the whole prefix."""
from __future__ import annotations

import numpy as np

__all__ = ["KVCache"]


class KVCache:
    """Rotated keys and values of the positions processed so far, per layer.

    Parameters
    ----------
    n_layers : int
        Number of transformer blocks.

    """

    def __init__(self, n_layers: int) -> None:
        self.keys: list[np.ndarray | None] = [None] * n_layers
        self.values: list[np.ndarray | None] = [None] * n_layers

    @property
    def length(self) -> int:
        """Positions stored in every layer (the next token's position).

        Read from the last layer, which a forward pass extends last.
        """
        last = self.keys[-1]
        return 0 if last is None else int(last.shape[1])

    def extend(self, layer: int, k: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Append new keys and values for one layer and return all of them.

        Parameters
        ----------
        layer : int
            Block index.
        k, v : (n_kv_heads, seq_new, d_head)
            Keys (already rotated) and values of the new positions.

        Returns
        -------
        k, v : (n_kv_heads, length + seq_new, d_head)
            Every stored position followed by the new ones.
        """
        old_k, old_v = self.keys[layer], self.values[layer]
        if old_k is not None and old_v is not None:
            k = np.concatenate([old_k, k], axis=1)
            v = np.concatenate([old_v, v], axis=1)
        self.keys[layer], self.values[layer] = k, v
        return k, v
