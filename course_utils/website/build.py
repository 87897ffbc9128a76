"""Build the course's static site: every lesson executed and rendered to HTML, plus an index.

The site is for reading a lesson without installing anything (or for an
instructor to post): each page shows the lesson with the outputs it produces on
a fresh kernel, explorers drawn as snapshots (see :mod:`.snapshot`), links
between lessons pointing at the other pages, and a way back to the index.
Solutions and exercise notebooks are never put on the site.
"""
from __future__ import annotations

import html
import os
import re
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from course_utils.grading.feedback import ANSI

from .snapshot import snapshot_widgets

LINK_RE = re.compile(r"\[([^\]]+)\]\(([^)\s]+?\.ipynb)(#[^)\s]*)?\)")
HEADING_RE = re.compile(r"^(#{1,6})\s+(.*\S)\s*$", re.M)
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"

__all__ = ["Page", "SiteError", "build_site", "lesson_notebooks", "rewrite_links", "overview_of"]


class SiteError(RuntimeError):
    """A lesson could not be turned into a page (says which lesson and why)."""


@dataclass
class Page:
    """One built lesson page."""

    html_name: str
    title: str
    overview_html: str
    widgets: int


def lesson_notebooks(root: Path) -> list[Path]:
    """``lessons/NN_slug.ipynb`` under ``root``, in course order."""
    return sorted(p for p in (root / "lessons").glob("*.ipynb") if re.match(r"^\d\d_", p.name))


def rewrite_links(nb: Any, pages: set[str]) -> None:
    """Point links to lessons on the site at their ``.html`` page; unlink other notebooks.

    ``pages`` holds the notebook file names that get a page. A link to any other
    notebook (an exercise, a solution) would be broken on the site, so it
    becomes its text followed by the path to open in the repository.
    """
    def replace(match: re.Match) -> str:
        text, target, anchor = match.group(1), match.group(2), match.group(3) or ""
        name = target.rsplit("/", 1)[-1]
        if "/" not in target.replace("./", "") and name in pages:
            return f"[{text}]({name[:-len('.ipynb')]}.html{anchor})"
        return f"{text} (`{target}` in the course repository)"

    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = LINK_RE.sub(replace, cell.source)


def _title_of(nb: Any, fallback: str) -> str:
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            match = re.search(r"^#\s+(.*\S)\s*$", cell.source, re.M)
            if match:
                return match.group(1)
    return fallback


def overview_of(nb: Any) -> str:
    """The Markdown under a lesson's ``## Overview`` heading, up to the next heading ('' if none)."""
    text = "\n\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    headings = list(HEADING_RE.finditer(text))
    for index, match in enumerate(headings):
        if match.group(2).strip().lower() == "overview":
            end = headings[index + 1].start() if index + 1 < len(headings) else len(text)
            return text[match.end():end].strip()
    return ""


def _navigation(nbformat: Any, prev: tuple[str, str] | None, nxt: tuple[str, str] | None) -> tuple[Any, Any]:
    top = nbformat.v4.new_markdown_cell("[← Feature Geometry: all lessons](index.html)")
    parts = []
    if prev:
        parts.append(f"[← {prev[1]}]({prev[0]})")
    parts.append("[All lessons](index.html)")
    if nxt:
        parts.append(f"[{nxt[1]} →]({nxt[0]})")
    bottom = nbformat.v4.new_markdown_cell("---\n\n" + " · ".join(parts))
    return top, bottom


def _execute(path: Path, timeout: float) -> Any:
    """Run one lesson on a fresh kernel (the inline backend puts its figures into the outputs)."""
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
        raise SiteError(f"{path.name} failed while running: {lines[-1] if lines else exc}. "
                        "Open it in JupyterLab, run it top to bottom, fix the failing cell and build again.") from None
    return nb


def _build_page(path: Path, out: Path, pages: set[str], neighbours: tuple, timeout: float) -> Page:
    import nbformat
    from nbconvert import HTMLExporter

    nb = _execute(path, timeout)
    title = _title_of(nb, path.stem)
    overview = overview_of(nb)
    widgets = snapshot_widgets(nb)
    rewrite_links(nb, pages)
    top, bottom = _navigation(nbformat, *neighbours)
    nb.cells = [top, *nb.cells, bottom]
    exporter = HTMLExporter(template_name="lab")
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": title}})
    html_name = f"{path.stem}.html"
    (out / html_name).write_text(body, encoding="utf-8")
    from nbconvert.filters.markdown import markdown2html

    return Page(html_name, title, markdown2html(overview) if overview else "", widgets)


def _index_html(pages: list[Page]) -> str:
    items = []
    for page in pages:
        items.append(f'<li><h2><a href="{page.html_name}">{html.escape(page.title)}</a></h2>'
                     f"{page.overview_html}</li>")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Feature Geometry: lessons</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 52em; margin: 2em auto; padding: 0 1em;
       line-height: 1.5; color: #1b1b1b; }}
ol {{ padding-left: 1.2em; }} li h2 {{ font-size: 1.2em; margin-bottom: 0.2em; }}
code {{ background: #f2f2f2; padding: 0 0.2em; }}
</style></head>
<body>
<h1>Feature Geometry</h1>
<p>How neural networks, transformers above all, store information as directions. Each lesson
below is shown with the output it produces when run; the explorers appear as snapshots.</p>
<p>To run the lessons, move the sliders and do the graded exercise sets, clone the course
repository and run <code>make lab</code>.</p>
<ol>
{chr(10).join(items)}
</ol>
</body></html>
"""


def build_site(root: Path, out: Path, *, jobs: int = 1, timeout: float = 600,
               log: Any = print) -> tuple[list[Page], list[str]]:
    """Execute every lesson under ``root`` and write the pages and ``index.html`` into ``out``.

    Parameters
    ----------
    root : Path
        The course folder (holds ``lessons/``).
    out : Path
        Output folder, created if needed; existing pages in it are replaced.
    jobs : int
        Lessons executed at once (each in its own process and kernel).
    timeout : float
        Seconds allowed per cell.
    log : callable
        Receives one progress line per lesson.

    Returns
    -------
    (pages, problems)
        The pages built, in course order, and one message per lesson that failed.
    """
    if jobs < 1:
        raise ValueError(f"jobs must be at least 1, got {jobs}")
    lessons = lesson_notebooks(root)
    if not lessons:
        raise SiteError(f"no lessons found in {root / 'lessons'}")
    out.mkdir(parents=True, exist_ok=True)
    names = {p.name for p in lessons}
    stems = [(f"{p.stem}.html", p.stem.split("_", 1)[0] + " " + p.stem.split("_", 1)[1].replace("_", " "))
             for p in lessons]
    neighbours = [(stems[i - 1] if i > 0 else None, stems[i + 1] if i + 1 < len(stems) else None)
                  for i in range(len(lessons))]
    pages: list[Page] = []
    problems: list[str] = []
    with ProcessPoolExecutor(max_workers=min(jobs, len(lessons))) as pool:
        futures = [pool.submit(_build_page, p, out, names, nb_, timeout) for p, nb_ in zip(lessons, neighbours)]
        for path, future in zip(lessons, futures):
            try:
                page = future.result()
            except SiteError as exc:
                problems.append(str(exc))
                log(f"FAILED {exc}")
                continue
            pages.append(page)
            log(f"built {page.html_name} ({page.widgets} explorer snapshot(s))")
    (out / "index.html").write_text(_index_html(pages), encoding="utf-8")
    return pages, problems
