"""Read metadata values from a GGUF file through the pure-Python ``gguf`` reader.

GGUF stores each metadata value as raw parts; these helpers turn them into
plain Python values (int, float, bool, str, or lists of those) without relying
on reader conveniences that only recent ``gguf`` releases have.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["open_gguf", "read_field", "has_field"]


def open_gguf(path: str | Path) -> Any:
    """Open a GGUF file read-only (memory-mapped).

    Parameters
    ----------
    path : str or Path
        The ``.gguf`` file.

    Returns
    -------
    gguf.GGUFReader
        The reader; tensor data stays on disk until it is touched.
    """
    import gguf  # imported here: `import course_utils` must stay light

    return gguf.GGUFReader(str(path), "r")


def has_field(reader: Any, key: str) -> bool:
    """Whether the metadata holds ``key``."""
    return key in reader.fields


def _scalar(field: Any, index: int, value_type: Any) -> Any:
    import gguf

    part = field.parts[index]
    if value_type == gguf.GGUFValueType.STRING:
        return bytes(part).decode("utf-8")
    value = part.tolist()[0]
    if value_type == gguf.GGUFValueType.BOOL:
        return bool(value)
    return value


def read_field(reader: Any, key: str) -> Any:
    """Return the metadata value stored under ``key``.

    Parameters
    ----------
    reader : gguf.GGUFReader
        An open reader.
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
    import gguf

    if key not in reader.fields:
        prefix = key.split(".")[0]
        near = sorted(k for k in reader.fields if k.startswith(prefix))
        raise KeyError(f"GGUF metadata has no key {key!r}; keys starting with {prefix!r}: {near}")
    field = reader.fields[key]
    if field.types[0] == gguf.GGUFValueType.ARRAY:
        item_type = field.types[-1]
        return [_scalar(field, i, item_type) for i in field.data]
    return _scalar(field, field.data[0], field.types[0])
