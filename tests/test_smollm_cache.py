"""The expanded model on disk: built by the first load, reused by the next, never stale, optional."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from course_utils.smollm import cache

pytestmark = pytest.mark.slow

PROBE = """
import hashlib, json
from course_utils import smollm
m = smollm.load_model()
logits = m.forward(m.tokenizer.encode("The capital of France is"))
print(json.dumps({"cached": m._file is None, "name": m.config.name,
                  "logits": hashlib.sha256(logits.tobytes()).hexdigest(),
                  "vocab": m.tokenizer.vocab_entry(12095), "ids": m.tokenizer.encode("Hello, world 123")}))
"""


def _probe(env_cache: str) -> dict:
    env = dict(os.environ, FEATURE_GEOMETRY_CACHE=env_cache)
    done = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_first_load_builds_the_cache_and_the_next_uses_it(tmp_path: Path) -> None:
    folder = tmp_path / "cache"
    first = _probe(str(folder))
    assert not first["cached"]
    (built,) = [p for p in (folder / "smollm").iterdir() if p.is_dir() and not p.name.startswith(".")]
    assert (built / "meta.json").is_file() and len(list((built / "weights").glob("*.npy"))) == 2 + 9 * 30
    second = _probe(str(folder))
    assert second["cached"]  # no GGUF parsing, nothing dequantized
    assert second == {**first, "cached": True}  # identical logits, tokenizer and name
    off = _probe("off")
    assert not off["cached"] and off["logits"] == first["logits"]


def test_a_cache_that_cannot_be_written_is_skipped(tmp_path: Path) -> None:
    blocked = tmp_path / "blocked"
    blocked.write_text("a file, not a folder")
    result = _probe(str(blocked / "inside"))
    assert not result["cached"] and result["name"] == "SmolLM2-135M-Instruct"


def test_the_cache_key_follows_the_file(tmp_path: Path) -> None:
    model = tmp_path / "m.gguf"
    model.write_bytes(b"GGUF" + bytes(100))
    key = cache._file_key(model)
    assert cache._file_key(model) == key
    os.utime(model, ns=(1, 1))
    assert cache._file_key(model) != key  # a replaced file (new date) gets a new folder
    model.write_bytes(b"GGUF" + bytes(101))
    assert cache._file_key(model) != key


def test_where_the_cache_lives(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.delenv("FEATURE_GEOMETRY_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache.cache_root() == tmp_path / "feature-geometry"
    monkeypatch.setenv("FEATURE_GEOMETRY_CACHE", "off")
    assert cache.cache_root() is None
