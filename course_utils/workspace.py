"""A learner's own copy of the course: work that survives course updates.

``make lab`` opens JupyterLab on ``workspace/`` (git-ignored), never on the tracked
notebooks. :func:`sync` makes that copy on the first run and tops it up on every later
one, from ``lessons/``, ``exercises/``, ``solutions/`` and ``REFERENCES.md``:

* a file the course added since the last run is copied in;
* a file the course changed is updated only when the learner's copy still has the
  content the course gave them (outputs of cells they ran do not count as a change);
  otherwise their copy is kept and the course's new version is saved next to it as
  ``COURSE UPDATE NAME.EXT`` (a name that differs at its start, so the two never look
  alike in a narrow file browser), and :mod:`course_utils.course_updates` keeps telling the
  learner about it until they delete that copy;
* nothing the learner wrote is ever overwritten or deleted, and a file they deleted
  stays deleted unless the course changes it;
* every notebook it writes carries the local kernel's ``language_info`` (committed
  notebooks stay kernel-neutral), so opening one and closing it again leaves it unmodified:
  without it the kernel fills that metadata in and JupyterLab asks to save.

What was copied is recorded in ``workspace/.course/manifest.json`` (a content hash per
file). Run ``python -m course_utils.workspace`` to sync without starting JupyterLab.
"""
from __future__ import annotations

import hashlib
import json
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

from . import course_updates

__all__ = ["COURSE_ITEMS", "Report", "content_hash", "course_files", "kernel_language_info", "stamp_notebook",
           "sync", "main"]

COURSE_ITEMS = ("lessons", "exercises", "solutions", "REFERENCES.md")
MANIFEST = Path(".course") / "manifest.json"
SKIP_PARTS = {".ipynb_checkpoints", "__pycache__", ".DS_Store"}


@dataclass
class Report:
    """What one sync did, by path relative to the workspace."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    kept: list[tuple[str, str]] = field(default_factory=list)  # (learner's file, course update saved as)

    def lines(self) -> list[str]:
        out = [f"new in the course: {p}" for p in self.added]
        out += [f"updated from the course: {p}" for p in self.updated]
        out += [f"your copy of {p} is kept; the course's new version is {q}" for p, q in self.kept]
        return out


def content_hash(path: Path) -> str:
    """A hash of what a file says: for a notebook, its cells' types and sources (not outputs or counts)."""
    data = path.read_bytes()
    if path.suffix == ".ipynb":
        try:
            cells = json.loads(data.decode("utf-8")).get("cells", [])
            data = json.dumps([[c.get("cell_type"), "".join(c.get("source", "")) if isinstance(c.get("source"), list)
                                else c.get("source", "")] for c in cells]).encode("utf-8")
        except (ValueError, AttributeError, TypeError):
            pass
    return hashlib.sha256(data).hexdigest()


def course_files(root: Path) -> list[str]:
    """Paths (relative to ``root``) of every course file a learner gets a copy of."""
    found = []
    for item in COURSE_ITEMS:
        path = root / item
        if path.is_file():
            found.append(item)
        elif path.is_dir():
            for file in sorted(path.rglob("*")):
                rel = file.relative_to(root)
                if file.is_file() and not SKIP_PARTS.intersection(rel.parts):
                    found.append(rel.as_posix())
    return found


def kernel_language_info() -> dict:
    """The ``language_info`` this Python's kernel (ipykernel 6 and 7) reports, which JupyterLab writes on opening.

    Written out rather than read from ipykernel: importing its kernel module changes how
    ``tqdm.auto`` draws progress bars in the same process (a test checks the two agree).
    """
    return {"name": "python", "version": sys.version.split()[0], "mimetype": "text/x-python",
            "codemirror_mode": {"name": "ipython", "version": sys.version_info[0]},
            "pygments_lexer": f"ipython{sys.version_info[0]}", "nbconvert_exporter": "python",
            "file_extension": ".py"}


def stamp_notebook(path: Path, language_info: dict) -> bool:
    """Give the notebook at ``path`` this ``language_info``; True if the file was rewritten.

    Written the way Jupyter writes notebooks (sorted keys, one-space indent), so saving it
    unchanged from JupyterLab gives the same bytes. A file that is not a notebook, or that
    Jupyter did not write in that form, is left alone.
    """
    text = path.read_text(encoding="utf-8")
    try:
        nb = json.loads(text)
        metadata = nb["metadata"]
    except (ValueError, KeyError, TypeError):
        return False
    if not isinstance(metadata, dict) or metadata.get("language_info") == language_info:
        return False
    if _dumps(nb) != text:
        return False
    metadata["language_info"] = language_info
    path.write_text(_dumps(nb), encoding="utf-8")
    return True


def _dumps(nb: dict) -> str:
    return json.dumps(nb, sort_keys=True, indent=1, ensure_ascii=False) + "\n"


def sync(root: Path, dest: Path) -> Report:
    """Make or top up the learner's copy ``dest`` of the course at ``root``; returns what changed."""
    report = Report()
    info = kernel_language_info()
    manifest_path = dest / MANIFEST
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        manifest = {}
    for rel in course_files(root):
        source, target = root / rel, dest / rel
        course = content_hash(source)
        known = manifest.get(rel)
        if course == known:
            if target.suffix == ".ipynb" and target.exists() and content_hash(target) == known:
                stamp_notebook(target, info)  # still the course's: follow the kernel (a new Python)
            continue
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            _copy(source, target, info)
            (report.added if known is None else report.updated).append(rel)
        elif content_hash(target) in (known, course):
            _copy(source, target, info)
            if known is not None:
                report.updated.append(rel)
        else:
            update = course_updates.update_name(rel)
            _copy(source, dest / update, info)
            report.kept.append((rel, update))
        manifest[rel] = course
    manifest_path.parent.mkdir(parents=True, exist_ok=True)
    manifest_path.write_text(json.dumps(manifest, indent=1, sort_keys=True), encoding="utf-8")
    course_updates.refresh_note(dest)
    return report


def _copy(source: Path, target: Path, info: dict) -> None:
    shutil.copy2(source, target)
    if target.suffix == ".ipynb":
        stamp_notebook(target, info)


def main(argv: list[str] | None = None) -> int:
    """``python -m course_utils.workspace [ROOT [DEST]]``: sync and say what changed."""
    args = sys.argv[1:] if argv is None else argv
    root = Path(args[0]) if args else Path.cwd()
    dest = Path(args[1]) if len(args) > 1 else root / "workspace"
    if not (root / "lessons").is_dir():
        print(f"{root} is not the course folder (no lessons/ in it)", file=sys.stderr)
        return 2
    first = not (dest / MANIFEST).exists()
    report = sync(root, dest)
    if first:
        print(f"Your copy of the course is in {dest}: JupyterLab opens it, and course updates "
              "(git pull) never overwrite your work there.")
    else:
        for line in report.lines():
            print(line)
    waiting = course_updates.pending(dest)
    if waiting:
        print(course_updates.banner(waiting))
    return 0


if __name__ == "__main__":
    sys.exit(main())
