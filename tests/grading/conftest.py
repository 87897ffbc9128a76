"""Shared fixtures for the grading tests: a fixture course, released once per test session.

The simulated class is graded once and shared by every xdist worker: the first
worker to arrive builds it under a file lock, the others wait and reuse it.
"""
from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from class_cases import DUE, ENV_SECRET, SECRET_VALUE, build_class  # noqa: E402
from fixture_course import EXERCISE, make_course  # noqa: E402

from grading_helpers import GRADE_ARGS, REPO, course_cmd, tree_hashes  # noqa: E402


def _shared(tmp_path_factory, name: str, build) -> Path:
    base = tmp_path_factory.getbasetemp()
    base = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    root = base / name
    with open(base / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        done = base / f"{name}.done"
        if not done.exists():
            shutil.rmtree(root, ignore_errors=True)
            root.mkdir(parents=True)
            build(root)
            done.write_text("ok")
    return root


def _released(root: Path) -> None:
    make_course(root)
    done = course_cmd(root, "release", EXERCISE)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture(scope="session")
def released_course(tmp_path_factory) -> Path:
    """A fixture course with its exercise released and registered in the gradebook (read-only)."""
    return _shared(tmp_path_factory, "released-course", _released)


def _graded(root: Path, released: Path) -> None:
    shutil.copytree(released, root, dirs_exist_ok=True)  # its nbgrader_config.py points at its own folder
    code = ("import sys; sys.modules['rfc3987_syntax'] = None\n"
            "from nbgrader.api import Gradebook\n"
            f"with Gradebook('sqlite:///{root}/grading/gradebook.db') as gb:\n"
            f"    gb.update_or_create_assignment('{EXERCISE}', duedate='{DUE}')\n")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)
    build_class(root, long_id=True)
    before = tree_hashes(root / "grading" / "submitted")
    (root / "hashes_before.json").write_text(json.dumps(before))
    done = course_cmd(root, "grade", EXERCISE, *GRADE_ARGS, env={ENV_SECRET: SECRET_VALUE})
    (root / "grade_stdout.txt").write_text(done.stdout)
    (root / "grade_stderr.txt").write_text(done.stderr)
    (root / "grade_rc.txt").write_text(str(done.returncode))


@pytest.fixture(scope="session")
def graded_class(tmp_path_factory, released_course) -> Path:
    """The fixture course with the whole simulated class graded in one ``course grade`` call."""
    return _shared(tmp_path_factory, "graded-class", lambda root: _graded(root, released_course))
