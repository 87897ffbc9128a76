"""One student's feedback page as a single self-contained HTML file.

The page has the course's look (the website's stylesheet, inlined), a summary of the
score, one row per question (titled by the exercise's own headings) with what went
wrong, then the notebook as graded. Math is rendered to MathML, which browsers draw
without any script or network; nothing the student wrote is ever inserted as HTML
(their Markdown is rendered with raw HTML switched off, their outputs as text and
pictures only), so a page is safe to open.
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Question", "render_markdown", "safe_mathml", "page_html", "cells_html", "error_page_body", "ADVICE"]

CSS = (Path(__file__).resolve().parents[2] / "website" / "static" / "course.css")
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")

PAGE_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; color: #1b1f23; line-height: 1.5;
       max-width: 60rem; margin: 0 auto; padding: 1.5rem 1.2rem 4rem; }
h1 { font-size: 1.6rem; margin: 0 0 0.2rem; } h2 { font-size: 1.25rem; margin-top: 2rem; }
.fg-meta { color: var(--fg-muted, #5b6770); margin: 0 0 1rem; }
.fg-total { display: inline-block; font-size: 1.4rem; font-weight: 600; padding: 0.4rem 0.9rem;
            border-radius: 6px; background: #eef6f8; border: 1px solid #c9e2e9; }
.fg-status-flagged .fg-total { background: #fff7e6; border-color: #f0d9a8; }
.fg-status-error .fg-total { background: #fdecea; border-color: #f1b9b3; }
table.fg-questions { border-collapse: collapse; width: 100%; margin: 0.8rem 0; font-size: 0.95rem; }
.fg-questions th, .fg-questions td { text-align: left; padding: 0.45rem 0.6rem; border-bottom: 1px solid #e1e5e8;
                                    vertical-align: top; }
.fg-questions th { background: #f5f7f8; font-weight: 600; }
.fg-questions td.fg-num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
.fg-ok { color: #1a7f37; font-weight: 600; } .fg-bad { color: #b42318; font-weight: 600; }
.fg-wait { color: #8a6100; font-weight: 600; }
.fg-why { color: #3d4650; font-size: 0.9rem; margin-top: 0.2rem; }
.fg-why code, .fg-why .fg-msg { white-space: pre-wrap; overflow-wrap: anywhere; }
.fg-why-row td { border-top: none; padding-top: 0; }
.fg-comment { background: #eef6f8; border-left: 4px solid #1f6f8b; padding: 0.4rem 0.8rem; margin: 0.4rem 0;
              border-radius: 4px; } .fg-comment p { margin: 0.2rem 0; }
.fg-advice { background: #fdecea; border-left: 4px solid #b42318; padding: 0.8rem 1rem; border-radius: 4px; }
.fg-cell { margin: 0.8rem 0; }
.fg-cell pre { background: #f6f8fa; border: 1px solid #e1e5e8; border-radius: 4px; padding: 0.5rem 0.7rem;
               overflow-x: auto; font-size: 0.85rem; margin: 0; }
.fg-cell .fg-out pre { background: #fff; border-style: dashed; }
.fg-cell .fg-err pre, .fg-cell .fg-out pre { white-space: pre-wrap; overflow-wrap: anywhere; }
.fg-cell .fg-err pre { background: #fff5f5; border-color: #f1b9b3; }
.fg-scroll { overflow-x: auto; }
.fg-questions td:first-child { overflow-wrap: anywhere; }
.fg-questions td span { white-space: nowrap; }
.fg-cell .fg-tag { font-size: 0.75rem; color: #5b6770; margin: 0 0 0.15rem; }
.fg-cell img { max-width: 100%; height: auto; }
math[display="block"] { margin: 0.6rem 0; }
"""

ADVICE = [
    (re.compile(r"not a valid notebook|invalid JSON|nested too deeply|larger than"),
     "Your file is not a notebook the grader can read: it may have been cut short or edited outside "
     "Jupyter. Open your notebook in JupyterLab, save it (File → Save Notebook), download it again "
     "(File → Download) and submit that file."),
    (re.compile(r"no .*\.ipynb in the submission|symbolic link"),
     "Your submission did not contain the notebook file itself. Submit the .ipynb file you worked in "
     "(not a zip, PDF or link), with the name the exercise gave it."),
    (re.compile(r"time limit|did not stop|kernel died|processes|stopped reading|grading protocol"),
     "Your notebook stopped the grader: a cell ran too long, crashed Python or misused the grader's "
     "channel. In JupyterLab choose Kernel → Restart Kernel and Run All Cells, fix the cell that never "
     "finishes or crashes, and submit again."),
]
GENERIC_ADVICE = "Ask your instructor: the reasons above say what went wrong."


@dataclass
class Question:
    """One graded cell as the page shows it."""

    title: str
    score: float | None
    points: float
    kind: str                         # "test", "manual" or "task"
    why: list[str] = field(default_factory=list)


def _markdown():
    from latex2mathml.converter import convert
    from markdown_it import MarkdownIt
    from mdit_py_plugins.dollarmath import dollarmath_plugin

    def math(content: str, options: dict) -> str:
        try:
            content = html.unescape(content)  # a graded notebook's answer may carry `x &lt; y` (see inert_markdown)
            return safe_mathml(convert(content, display="block" if options.get("display_mode") else "inline"))
        except Exception:  # math the converter does not know, or could not make safe, stays readable as text
            return f"<code>{html.escape(content)}</code>"

    return MarkdownIt("commonmark", {"html": False}).enable("table").use(dollarmath_plugin, renderer=math)


_MD = None

# MathML a page may contain: presentation elements and their layout attributes only. The converter
# copies some of its input through (``\text{<tag>}``, ``\href``), so its output is rebuilt from these.
MATHML_TAGS = frozenset(
    "math mrow mi mn mo ms mtext mspace mfrac msqrt mroot mstyle merror mpadded mphantom mfenced menclose "
    "msub msup msubsup munder mover munderover mmultiscripts mprescripts none mtable mtr mtd semantics".split())
MATHML_ATTRIBUTES = frozenset(
    "xmlns display mathvariant stretchy fence separator lspace rspace columnalign rowalign rowspacing "
    "columnspacing accent accentunder movablelimits minsize maxsize width height depth linethickness symmetric "
    "largeop form displaystyle scriptlevel columnlines rowlines frame notation open close separators voffset "
    "align".split())


def safe_mathml(markup: str) -> str:
    """``markup`` rebuilt with only MathML elements and layout attributes; ValueError if anything else is in it."""
    import xml.etree.ElementTree as ET

    ns = "{http://www.w3.org/1998/Math/MathML}"
    root = ET.fromstring(markup)
    for node in root.iter():
        tag = node.tag.removeprefix(ns)
        if tag not in MATHML_TAGS:
            raise ValueError(f"not MathML: <{tag}>")
        for name in [a for a in node.attrib if a not in MATHML_ATTRIBUTES]:
            del node.attrib[name]
    ET.register_namespace("", ns[1:-1])
    return ET.tostring(root, encoding="unicode")


def render_markdown(text: str) -> str:
    """Markdown (with ``$…$`` and ``$$…$$`` math as MathML) as HTML; raw HTML in the text stays text."""
    global _MD
    if _MD is None:
        _MD = _markdown()
    return _MD.render(text)


def _status_word(q: Question) -> str:
    if q.score is None:
        return '<span class="fg-wait">waiting for a grader</span>'
    if q.score >= q.points > 0:
        return '<span class="fg-ok">passed</span>' if q.kind == "test" else '<span class="fg-ok">full marks</span>'
    if q.kind == "test":
        return '<span class="fg-bad">not passed</span>'
    return '<span class="fg-bad">no points</span>' if q.score == 0 else '<span class="fg-wait">part marks</span>'


def questions_table(questions: list[Question]) -> str:
    """One row per question; what went wrong (and the grader's comment) below it across the whole table width,
    so a failing line of code keeps room to wrap on a phone."""
    rows = []
    for q in questions:
        score = "–" if q.score is None else f"{q.score:g}"
        rows.append(f"<tr><td>{html.escape(q.title)}</td><td>{_status_word(q)}</td>"
                    f'<td class="fg-num">{score} / {q.points:g}</td></tr>')
        if q.why:
            why = "".join(f'<div class="fg-why">{w}</div>' for w in q.why)
            rows.append(f'<tr class="fg-why-row"><td colspan="3">{why}</td></tr>')
    return ('<div class="fg-scroll"><table class="fg-questions"><thead><tr><th>question</th><th>result</th>'
            '<th class="fg-num">points</th></tr></thead><tbody>' + "".join(rows) + "</tbody></table></div>")


def _output_html(out: dict) -> str:
    kind = out.get("output_type")
    if kind == "stream":
        return f'<div class="fg-out"><pre>{html.escape(ANSI.sub("", str(out.get("text", ""))))}</pre></div>'
    if kind == "error":
        lines = [ANSI.sub("", str(t)) for t in out.get("traceback", [])] or \
            [f"{out.get('ename')}: {out.get('evalue')}"]
        return f'<div class="fg-err"><pre>{html.escape(chr(10).join(lines))}</pre></div>'
    data = out.get("data") if isinstance(out.get("data"), dict) else {}
    png = data.get("image/png")
    if isinstance(png, str) and re.fullmatch(r"[A-Za-z0-9+/=\s]+", png):
        return f'<div class="fg-out"><img alt="figure" src="data:image/png;base64,{png.strip()}"></div>'
    text = data.get("text/plain")
    if isinstance(text, list):
        text = "".join(map(str, text))
    return f'<div class="fg-out"><pre>{html.escape(str(text))}</pre></div>' if text else ""


def cells_html(cells: list[dict], labels: dict[int, str], after: dict[int, str] | None = None) -> str:
    """The graded notebook: Markdown rendered, code and outputs as text and pictures.

    ``labels`` maps a cell index to a short tag shown above it ("your answer", "test", ...);
    ``after`` to HTML shown below it (the grader's comment).
    """
    after = after or {}
    parts = []
    for index, cell in enumerate(cells):
        source = "".join(cell["source"]) if isinstance(cell.get("source"), list) else str(cell.get("source", ""))
        tag = f'<div class="fg-tag">{html.escape(labels[index])}</div>' if index in labels else ""
        if cell.get("cell_type") == "markdown":
            parts.append(f'<div class="fg-cell fg-md">{tag}{render_markdown(source)}</div>')
        elif cell.get("cell_type") == "code":
            outputs = "".join(_output_html(o) for o in cell.get("outputs", []) if isinstance(o, dict))
            parts.append(f'<div class="fg-cell">{tag}<pre><code>{html.escape(source)}</code></pre>{outputs}</div>')
        if index in after:
            parts.append(after[index])
    return "\n".join(parts)


def error_page_body(reasons: list[str]) -> str:
    """What went wrong with a submission that could not be graded, and what to do about it."""
    advice = next((text for pattern, text in ADVICE if any(pattern.search(r) for r in reasons)), GENERIC_ADVICE)
    why = "".join(f"<li>{html.escape(r)}</li>" for r in reasons) or "<li>(no reason recorded)</li>"
    return (f"<h2>Your submission could not be graded</h2><ul>{why}</ul>"
            f'<p class="fg-advice"><strong>What to do:</strong> {html.escape(advice)}</p>')


# Characters that reorder the text around them (U+202E turns "txt.exe" around): shown as their names instead.
BIDI_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def visible_controls(text: str) -> str:
    """``text`` with every bidirectional control character written out as ``[U+202E]``."""
    return BIDI_CONTROLS.sub(lambda m: f"[U+{ord(m.group()):04X}]", text)


def page_html(title: str, meta: str, status: str, total: str, body: str) -> str:
    """A complete, self-contained page (styles inlined; no scripts; nothing fetched; no bidi controls)."""
    css = CSS.read_text(encoding="utf-8") if CSS.is_file() else ""
    return visible_controls(f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            # no script, frame, form or fetch can run, whatever a student managed to put in the page
            f'<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; img-src data:; '
            f'style-src \'unsafe-inline\'; form-action \'none\'; base-uri \'none\'">'
            f"<title>{html.escape(title)}</title><style>{css}{PAGE_CSS}</style></head>"
            f'<body class="fg-status-{html.escape(status)}"><h1>{html.escape(title)}</h1>'
            f'<p class="fg-meta">{meta}</p><div class="fg-total">{html.escape(total)}</div>{body}</body></html>\n')
