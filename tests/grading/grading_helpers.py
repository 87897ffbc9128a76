"""Helpers shared by the grading tests: run the ``course`` command, hash a folder."""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
GRADE_ARGS = ["--timeout", "3", "--memory", "1G", "--jobs", "2", "--no-progress"]


def course_cmd(root: Path, *args: str, timeout: float = 900) -> subprocess.CompletedProcess:
    """Run ``python -m course_utils.grading ARGS`` inside ``root``, as an instructor would."""
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.run([sys.executable, "-m", "course_utils.grading", *args], cwd=root, env=env,
                          capture_output=True, text=True, timeout=timeout)


def tree_hashes(folder: Path) -> dict[str, str]:
    """SHA-256 of every file under ``folder``, keyed by relative path."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}
