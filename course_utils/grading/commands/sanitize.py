"""Turn a submitted notebook into the notebook that is actually run, and say what was changed.

Only the student's answers and their own extra cells survive: every nbgrader
cell gets its cell type, points and (for tests and locked cells) its source back
from the trusted template; tags and any metadata nbgrader does not own are
dropped; outputs are cleared; duplicated grade ids are repaired (the first copy
is graded, later copies run as ordinary cells); deleted test cells are put back
after the cell that precedes them in the source notebook.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from .template import NotebookTemplate, TemplateCell


class SubmissionError(ValueError):
    """The submission cannot be graded at all (not a notebook)."""


@dataclass
class RunCell:
    """A cell of the notebook that runs: ``grade_id`` is set for nbgrader cells."""

    cell_type: str
    source: str
    grade_id: str | None = None
    kind: str | None = None
    outputs: list = field(default_factory=list)
    execution_count: int | None = None


@dataclass
class Sanitized:
    cells: list[RunCell]
    notes: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)


def _text(source) -> str:
    if isinstance(source, list):
        return "".join(part for part in source if isinstance(part, str))
    return source if isinstance(source, str) else ""


def parse_notebook(data: bytes) -> tuple[list[dict], list[str]]:
    """Return the cells of a submitted notebook (nbformat 3 or 4) and notes about its format.

    Raises
    ------
    SubmissionError
        When the bytes are not a JSON notebook (including JSON nested too deeply to read).
    """
    try:
        nb = json.loads(data.decode("utf-8"))
    except RecursionError:
        raise SubmissionError("not a valid notebook file (JSON nested too deeply)") from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise SubmissionError(f"not a valid notebook file (invalid JSON: {str(exc)[:200]})") from None
    if not isinstance(nb, dict):
        raise SubmissionError("not a valid notebook file (top level is not a JSON object)")
    try:
        return _cells(nb)
    except SubmissionError:
        raise
    except (AttributeError, TypeError, ValueError, KeyError) as exc:
        raise SubmissionError(f"not a valid notebook file ({type(exc).__name__}: {str(exc)[:200]})") from None


def _cells(nb: dict) -> tuple[list[dict], list[str]]:
    notes = []
    major = nb.get("nbformat")
    if major == 4 and isinstance(nb.get("cells"), list):
        cells = nb["cells"]
    elif major == 3 and isinstance(nb.get("worksheets"), list):
        notes.append("notebook was in the old nbformat 3 and was converted")
        cells = []
        for ws in nb["worksheets"]:
            for c in ws.get("cells", []):
                c = dict(c)
                if c.get("cell_type") == "code":
                    c["source"] = c.get("input", "")
                if c.get("cell_type") == "heading":
                    c["cell_type"] = "markdown"
                    c["source"] = "#" * int(c.get("level", 1)) + " " + _text(c.get("source"))
                cells.append(c)
    else:
        raise SubmissionError(f"not a valid notebook file (unsupported nbformat {repr(major)[:20]})")
    if not all(isinstance(c, dict) for c in cells):
        raise SubmissionError("not a valid notebook file (a cell is not a JSON object)")
    for index, cell in enumerate(cells, start=1):
        source = cell.get("source")
        if not isinstance(source, str) and not (isinstance(source, list) and
                                                all(isinstance(p, str) for p in source)):
            notes.append(f"cell {index}: parts of its source were not text and were left out")
    meta = nb.get("metadata") if isinstance(nb.get("metadata"), dict) else {}
    kernel = meta.get("kernelspec")
    if isinstance(kernel, dict) and kernel.get("name") not in (None, "python3"):
        notes.append(f"kernelspec {str(kernel.get('name'))[:50]!r} ignored; graded with Python 3")
    return cells, notes


def sanitize(cells: list[dict], template: NotebookTemplate) -> Sanitized:
    """Rebuild the notebook to run from submitted ``cells`` and the trusted ``template``."""
    known = template.by_id()
    order = [c.grade_id for c in template.cells]
    out = Sanitized([])
    placed: dict[str, int] = {}
    for index, cell in enumerate(cells, start=1):
        meta = cell.get("metadata") if isinstance(cell.get("metadata"), dict) else {}
        nbg = meta.get("nbgrader") if isinstance(meta.get("nbgrader"), dict) else {}
        gid = nbg.get("grade_id")
        ctype = cell.get("cell_type") if cell.get("cell_type") in ("code", "markdown", "raw") else "raw"
        source = _text(cell.get("source"))
        tags = meta.get("tags") if isinstance(meta.get("tags"), list) else []
        if tags:
            text = f"cell {index}: tags {sorted(map(str, tags))} removed"
            nbkind = known.get(gid) if isinstance(gid, str) else None
            (out.flags if nbkind is not None and nbkind.kind in ("test", "locked") else out.notes).append(text)
        if gid is None or not isinstance(gid, str):
            out.cells.append(RunCell(ctype, source))
            continue
        if gid not in known:
            out.flags.append(f"cell {index}: unknown grade id {gid!r}; run as an ordinary cell")
            out.cells.append(RunCell(ctype, source))
            continue
        if gid in placed:
            out.flags.append(f"duplicated grade id {gid!r} (cell {index}): the first copy is graded, "
                             "this copy runs as an ordinary cell")
            out.cells.append(RunCell(ctype, source))
            continue
        tpl = known[gid]
        placed[gid] = len(out.cells)
        out.cells.append(_trusted(tpl, ctype, source, nbg, index, out))
    _restore_missing(out, known, order, placed)
    return out


def _trusted(tpl: TemplateCell, ctype: str, source: str, nbg: dict, index: int,
             out: Sanitized) -> RunCell:
    if ctype != tpl.cell_type:
        out.flags.append(f"cell {tpl.grade_id!r} was changed from {tpl.cell_type} to {ctype}; "
                         f"restored as {tpl.cell_type}")
    try:
        points = float(nbg.get("points", tpl.points)) if tpl.graded else tpl.points
    except (TypeError, ValueError):
        points = None
    if tpl.graded and points != tpl.points:
        out.flags.append(f"points of {tpl.grade_id!r} were changed to {nbg.get('points')!r}; "
                         f"graded out of {tpl.points:g}")
    if tpl.kind in ("test", "locked"):
        if source.strip() != tpl.student_source.strip():
            out.flags.append(f"{'test' if tpl.kind == 'test' else 'read-only'} cell {tpl.grade_id!r} "
                             "was edited; the original was restored")
        source = tpl.source
    return RunCell(tpl.cell_type, source, tpl.grade_id, tpl.kind)


def _restore_missing(out: Sanitized, known: dict[str, TemplateCell], order: list[str],
                     placed: dict[str, int]) -> None:
    for pos, gid in enumerate(order):
        if gid in placed:
            continue
        tpl = known[gid]
        if tpl.kind in ("test", "locked"):
            out.flags.append(f"{'test' if tpl.kind == 'test' else 'read-only'} cell {gid!r} was "
                             "deleted; the original was restored")
        else:
            out.flags.append(f"answer cell {gid!r} is missing (deleted or its metadata removed); "
                             "it is graded as unanswered")
        before = [placed[g] for g in order[:pos] if g in placed]
        at = (max(before) + 1) if before else 0
        source = tpl.source
        out.cells.insert(at, RunCell(tpl.cell_type, source, gid, tpl.kind))
        for g, i in placed.items():
            if i >= at:
                placed[g] = i + 1
        placed[gid] = at


_TAG = re.compile(r"<\s*/?\s*[A-Za-z]")
_SCRIPT_URL = re.compile(r"(java|vb)script:|data:[a-z-]+/", re.I)
_PICTURE_URL = re.compile(r"\]\(data:image/(?:png|jpeg|jpg|gif|webp);base64,[A-Za-z0-9+/=]+\)")


def inert_markdown(source: str) -> str:
    """A student's Markdown made harmless for the formgrader and nbconvert, which render it as HTML.

    HTML tags go through nbconvert's SanitizeHTML (unknown tags and event attributes escaped). Text that
    names a script or data URL anywhere (a Markdown link or image could carry it, even spelled with
    entities or spaces) is shown as a code block instead; a Markdown image of a PNG, JPEG, GIF or WebP
    picture (``![](data:image/png;base64,...)``, as JupyterLab pastes one) is not a script and stays an
    image. Text with neither is returned unchanged.
    """
    import html as html_lib

    squeezed = re.sub(r"[\x00-\x20]+", "", html_lib.unescape(html_lib.unescape(source)))
    squeezed = _PICTURE_URL.sub("", squeezed)  # a pasted PNG, JPEG, GIF or WebP picture cannot run anything
    if _SCRIPT_URL.search(squeezed):
        return "\n".join("    " + line for line in source.splitlines())
    if not _TAG.search(source):
        return source
    from nbconvert.preprocessors.sanitize import SanitizeHTML

    return SanitizeHTML().sanitize_html_tags(source)
