"""The expanded model kept on disk, so the second ``load_model()`` is ready in a fraction of a second.

The first load of a model file dequantizes every weight once and writes it as a ``.npy``
file (float32, in the course's ``x @ W`` layout), with the tokenizer (``tokenizers`` JSON) and
the metadata; later loads memory-map those files instead of parsing the GGUF file and
dequantizing again. Logits are identical either way: the files hold exactly the arrays the
dequantizer produced.

Where: ``$FEATURE_GEOMETRY_CACHE`` if set, else ``$XDG_CACHE_HOME/feature-geometry`` (by default
``~/.cache/feature-geometry``), one folder per model file under ``smollm/``; about 560 MB for
SmolLM2-135M. A folder is used only if it was made from the same file (its size, modification
time and first megabyte) by the same cache format; anything else is rebuilt. Clear it with
``make clean`` or by deleting the folder; ``FEATURE_GEOMETRY_CACHE=off`` turns it off. When the
folder cannot be written (a read-only home, a small disk), the model simply loads without it.
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["FORMAT", "cache_root", "WeightCache"]

FORMAT = 1  # bump when the files' layout or meaning changes


def cache_root() -> Path | None:
    """The cache folder, or ``None`` when caching is off."""
    value = os.environ.get("FEATURE_GEOMETRY_CACHE", "")
    if value.lower() in ("off", "0", "no", "false"):
        return None
    if value:
        return Path(value)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "feature-geometry"


def _file_key(path: Path) -> str:
    st = path.stat()
    h = hashlib.sha256(f"{FORMAT}:{st.st_size}:{st.st_mtime_ns}:".encode())
    with open(path, "rb") as fh:
        h.update(fh.read(1 << 20))
    return h.hexdigest()[:24]


class WeightCache:
    """The cache folder of one model file: ``meta.json``, ``tokenizer.json`` and ``weights/NAME.npy``."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    @classmethod
    def for_model(cls, path: Path) -> "WeightCache | None":
        root = cache_root()
        if root is None:
            return None
        try:
            return cls(root / "smollm" / f"{path.stem}-{_file_key(path)}")
        except OSError:
            return None

    def complete(self) -> bool:
        return (self.folder / "meta.json").is_file()

    def meta(self) -> dict:
        return json.loads((self.folder / "meta.json").read_text(encoding="utf-8"))

    def shapes(self) -> dict[str, tuple[int, ...]]:
        return {k: tuple(v) for k, v in self.meta()["headers"].items()}

    def tokenizer_json(self) -> str:
        return (self.folder / "tokenizer.json").read_text(encoding="utf-8")

    def load(self, name: str) -> np.ndarray:
        """One weight, memory-mapped read-only."""
        return np.load(self.folder / "weights" / f"{name}.npy", mmap_mode="r").view(np.ndarray)

    def build(self, weights: Any, tokenizer: Any, fields: dict, headers: dict[str, tuple[int, ...]]) -> bool:
        """Write every weight, the tokenizer and the metadata; True when the cache is ready.

        Written into a temporary folder and renamed into place, under a lock, so that two
        processes loading the model at once build it once and never see half a cache.
        """
        try:
            self.folder.parent.mkdir(parents=True, exist_ok=True)
            with open(self.folder.parent / f".{self.folder.name}.lock", "w") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)
                if self.complete():
                    return True
                tmp = Path(tempfile.mkdtemp(prefix=".building-", dir=self.folder.parent))
                try:
                    (tmp / "weights").mkdir()
                    for name in weights.names():
                        np.save(tmp / "weights" / f"{name}.npy", weights.get(name), allow_pickle=False)
                    (tmp / "tokenizer.json").write_text(tokenizer.to_json(), encoding="utf-8")
                    small = {k: v for k, v in fields.items() if not (isinstance(v, list) and len(v) > 1000)}
                    meta = {"format": FORMAT, "fields": small, "tokenizer": tokenizer.settings(),
                            "headers": {k: list(v) for k, v in headers.items()}}
                    (tmp / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
                    shutil.rmtree(self.folder, ignore_errors=True)
                    os.replace(tmp, self.folder)
                finally:
                    shutil.rmtree(tmp, ignore_errors=True)
            return True
        except OSError:  # no room, read-only: the model works without the cache
            return False
