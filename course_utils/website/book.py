"""Build the course website with Sphinx, MyST-NB and the Sphinx Book Theme (the Jupyter Book stack).

:func:`build_site` executes every lesson once (see :mod:`.executed`; a cache makes the
test run and the site share one execution), draws each explorer as a snapshot of its
starting state (:mod:`.snapshot`), writes a Sphinx project into a scratch folder (landing
page with the course map, one page per lesson, the exercise sets with their notebooks to
download, the references) and runs Sphinx on it. The result works offline: MathJax is
served from the site itself, search is Sphinx's own, and nothing is fetched from a CDN.
Solutions are never put on the site.
"""
from __future__ import annotations

import re
import shutil
import tempfile
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from .executed import LessonError, cache_folder, execute_lesson
from .pages import conf_py, exercises_md, index_md, title_of
from .snapshot import snapshot_widgets

__all__ = ["Page", "SiteError", "build_site", "lesson_notebooks", "prepare_lesson"]

STATIC = Path(__file__).with_name("static")


class SiteError(RuntimeError):
    """The site could not be built (the message says why and what to do)."""


@dataclass
class Page:
    """One lesson page: its notebook name, title and number of explorer snapshots."""

    name: str
    title: str
    overview: str
    widgets: int


def lesson_notebooks(root: Path) -> list[Path]:
    """``lessons/NN_slug.ipynb`` under ``root``, in course order."""
    return sorted(p for p in (root / "lessons").glob("*.ipynb") if re.match(r"^\d\d_", p.name))


def exercise_notebooks(root: Path) -> list[Path]:
    """The released exercise notebooks (``exercises/exNN_slug/exNN_slug.ipynb``), in course order."""
    return sorted(p for p in (root / "exercises").glob("ex*/*.ipynb") if p.stem == p.parent.name)


def prepare_lesson(path: Path, timeout: float, cache: Path | None) -> tuple[Any, Page]:
    """The executed lesson, with its explorers as snapshots, and what the landing page says about it."""
    from .pages import overview_of

    nb = execute_lesson(path, timeout=timeout, cache=cache)
    widgets = snapshot_widgets(nb)
    for cell in nb.cells:  # a clean page: no execution counts from the run
        if cell.cell_type == "code":
            cell.execution_count = None
            for out in cell.get("outputs", []):
                if "execution_count" in out:
                    out["execution_count"] = None
    return nb, Page(path.name, title_of(nb, path.stem), overview_of(nb), widgets)


def _write_project(src: Path, root: Path, lessons: list[tuple[Any, Page]]) -> None:
    import nbformat

    (src / "lessons").mkdir(parents=True)
    shutil.copytree(STATIC, src / "_static")
    for nb, page in lessons:
        nbformat.write(nb, src / "lessons" / page.name)
    exercises = exercise_notebooks(root)
    references = (root / "REFERENCES.md").is_file()
    if references:
        shutil.copy(root / "REFERENCES.md", src / "REFERENCES.md")
    (src / "conf.py").write_text(conf_py(), encoding="utf-8")
    (src / "index.md").write_text(index_md([p for _, p in lessons], exercises, references), encoding="utf-8")
    (src / "exercises.md").write_text(exercises_md(exercises), encoding="utf-8")


def _sphinx(src: Path, out: Path, log: Callable[[str], Any]) -> None:
    import io
    from contextlib import redirect_stderr, redirect_stdout

    from sphinx.cmd.build import build_main

    messages = io.StringIO()
    with redirect_stdout(messages), redirect_stderr(messages):
        code = build_main(["-b", "html", "-q", "-E", "-j", "1", str(src), str(out)])
    warnings = [line for line in messages.getvalue().splitlines() if "WARNING" in line or "ERROR" in line]
    for line in warnings:
        log(line)
    if code:
        raise SiteError(f"Sphinx could not build the site (exit code {code}): "
                        + ("; ".join(warnings[-3:]) or messages.getvalue()[-500:]))


def build_site(root: Path, out: Path, *, jobs: int = 1, timeout: float = 600,
               log: Callable[[str], Any] = print) -> tuple[list[Page], list[str]]:
    """Execute every lesson under ``root`` and write the course website into ``out``.

    Parameters
    ----------
    root : Path
        The course folder (holds ``lessons/``, ``exercises/`` and ``REFERENCES.md``).
    out : Path
        Output folder; replaced as a whole. Open ``out/index.html``.
    jobs : int
        Lessons executed at once (each in its own process and kernel).
    timeout : float
        Seconds allowed per cell.
    log : callable
        Receives one progress line per lesson and Sphinx's warnings.

    Returns
    -------
    (pages, problems)
        The lesson pages built, in course order, and one message per lesson that failed
        (those lessons are left out of the site).
    """
    if jobs < 1:
        raise ValueError(f"jobs must be at least 1, got {jobs}")
    paths = lesson_notebooks(root)
    if not paths:
        raise SiteError(f"no lessons found in {root / 'lessons'}")
    cache = cache_folder(root)
    built: list[tuple[Any, Page]] = []
    problems: list[str] = []
    with ProcessPoolExecutor(max_workers=min(jobs, len(paths))) as pool:
        futures = [pool.submit(prepare_lesson, p, timeout, cache) for p in paths]
        for path, future in zip(paths, futures):
            try:
                nb, page = future.result()
            except LessonError as exc:
                problems.append(str(exc))
                log(f"FAILED {exc}")
                continue
            built.append((nb, page))
            log(f"ran {path.name} ({page.widgets} explorer snapshot(s))")
    with tempfile.TemporaryDirectory(prefix="course-site-") as tmp:
        src = Path(tmp) / "src"
        _write_project(src, root, built)
        staging = Path(tmp) / "html"
        _sphinx(src, staging, log)
        if out.exists():
            shutil.rmtree(out)
        shutil.copytree(staging, out, ignore=shutil.ignore_patterns(".doctrees", ".buildinfo"))
    return [p for _, p in built], problems
