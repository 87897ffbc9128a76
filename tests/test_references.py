"""Every *Source:* or reference link in a lesson points at an entry of REFERENCES.md, and every source has its details."""
from __future__ import annotations

import re

import nbformat
import pytest

import nbtools

REFERENCES = (nbtools.ROOT / "REFERENCES.md").read_text(encoding="utf-8")


def _anchor(heading: str) -> str:
    """The anchor GitHub and MyST give a heading: lower case, punctuation dropped, spaces as hyphens."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


ANCHORS = {_anchor(h) for h in re.findall(r"^#{2,3} (.+)$", REFERENCES, flags=re.M)}


@pytest.mark.parametrize("path", nbtools.lessons(), ids=nbtools.rel)
def test_reference_links_resolve(path) -> None:
    nb = nbformat.read(path, as_version=4)
    links = {m for c in nb.cells if c.cell_type == "markdown" for m in re.findall(r"REFERENCES\.md#([\w\-]+)", c.source)}
    missing = sorted(links - ANCHORS)
    assert not missing, f"links to REFERENCES.md entries that do not exist: {missing}"


def test_every_source_says_what_it_is_and_where_it_is_used() -> None:
    entries = re.split(r"^### ", REFERENCES, flags=re.M)
    sources = {e.split("\n", 1)[0]: e for e in entries if e.startswith("Source ")}
    assert sorted(sources) == [f"Source {n:03d}" for n in range(5)], "the five sources, in the order of their numbers"
    for name, text in sources.items():
        assert re.search(r"\*\*[^*]+\.\*\*", text), f"{name}: no title"
        assert re.search(r"20\d\d|no date|date is given", text), f"{name}: says nothing about its date"
        assert re.search(r"\*\*lessons? \d", text), f"{name}: does not say which lesson uses it"
