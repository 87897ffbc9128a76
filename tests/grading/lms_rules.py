"""The LMS importers' own rules, restated from their source, to check the files the course writes.

* Canvas ``Assignment#infer_comment_context_from_filename`` (Re-upload submissions): split the
  file's base name on ``_``; the first two all-digit parts are the user id and the id of a file
  of that user's submission; a name starting with ``._`` or whose last part starts with ``link``
  is ignored.
* Moodle ``assignfeedback_file_zip_importer::is_valid_filename_for_import``: 4.1+ walks the path
  parts, splitting each on ``_`` into at most five, and takes the first part with a numeric second
  field and a known plugin (``assignsubmission_file``, ``assignfeedback_file``); 3.x splits the
  whole stored path (``/import/`` + the zip path) on ``_`` into at most five and needs all five.
  Both ignore files whose name starts with ``.`` or ``~``.
* Moodle ``assignfeedback_offline_grade_importer``: columns by name; ``Identifier``, ``Grade`` and
  ``Last modified (grade)`` must exist; a blank grade is skipped.
"""
from __future__ import annotations

import re
import zipfile

PLUGINS = {("assignsubmission", "file"), ("assignfeedback", "file"), ("assignsubmission", "onlinetext")}


def canvas_target(name: str) -> tuple[str, str] | None:
    base = name.rsplit("/", 1)[-1]
    parts = base.split("_")
    ids = [p for p in parts if re.fullmatch(r"\d+", p)][:2]
    if len(ids) < 2 or parts[-1].startswith("link") or base.startswith("._"):
        return None
    return ids[0], ids[1]


def moodle41_target(path: str) -> str | None:
    filename = path.rsplit("/", 1)[-1]
    if filename.startswith((".", "~")):
        return None
    for part in path.split("/"):
        info = part.split("_", 4)
        if len(info) < 4 or not info[1].isdigit() or (info[2], info[3]) not in PLUGINS:
            continue
        return str(int(info[1]))
    return None


def moodle3_target(path: str) -> str | None:
    filename = path.rsplit("/", 1)[-1]
    if filename.startswith((".", "~")):
        return None
    info = ("/import/" + path).split("_", 4)
    if len(info) < 5 or not info[1].isdigit() or (info[2], info[3]) not in PLUGINS:
        return None
    return str(int(info[1]))


def without_utf8_flag(path) -> None:
    """Rewrite a zip so that its UTF-8 names carry no UTF-8 flag (as LMS downloads are often written)."""
    data = bytearray(open(path, "rb").read())
    for sig, at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        start = 0
        while (i := data.find(sig, start)) >= 0:
            flags = int.from_bytes(data[i + at:i + at + 2], "little") & ~0x800
            data[i + at:i + at + 2] = flags.to_bytes(2, "little")
            start = i + 4
    open(path, "wb").write(bytes(data))
    with zipfile.ZipFile(path) as zf:
        assert not any(i.flag_bits & 0x800 for i in zf.infolist())
