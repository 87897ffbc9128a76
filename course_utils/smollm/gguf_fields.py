"""Metadata of a GGUF file as plain Python values (see :mod:`.gguf_file`, the reader behind them)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["open_gguf", "read_field", "has_field"]


def open_gguf(path: str | Path) -> Any:
    """Open a GGUF file read-only: metadata parsed, tensor data memory-mapped (not read).

    Parameters
    ----------
    path : str or Path
        The ``.gguf`` file.

    Returns
    -------
    GGUFFile
        ``.fields`` (key -> value) and ``.tensors`` (headers, in file order).
    """
    from .gguf_file import GGUFFile

    return GGUFFile(path)


def has_field(reader: Any, key: str) -> bool:
    """Whether the metadata holds ``key``."""
    return key in reader.fields


def read_field(reader: Any, key: str) -> Any:
    """Return the metadata value stored under ``key``.

    Parameters
    ----------
    reader : GGUFFile, or any object with a ``fields`` dict
        An open file.
    key : str
        Metadata key, e.g. ``"llama.block_count"``.

    Returns
    -------
    int, float, bool, str or list
        Arrays come back as Python lists.

    Raises
    ------
    KeyError
        When the key is absent; the message lists keys with the same prefix.
    """
    if key not in reader.fields:
        prefix = key.split(".")[0]
        near = sorted(k for k in reader.fields if k.startswith(prefix))
        raise KeyError(f"GGUF metadata has no key {key!r}; keys starting with {prefix!r}: {near}")
    value = reader.fields[key]
    return list(value) if isinstance(value, list) else value
