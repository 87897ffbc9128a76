"""Every command the README shows works as written, from a copy of the repository.

The commands of the README's ``bash`` blocks (and inline ``.venv/bin/...`` commands) run in
order, in a copy of the tracked files that shares this checkout's virtual environment, with a
home folder holding the LMS download the worked example imports. Commands that start servers
or the whole test suite (``make lab``, ``make test``, ``make bench``, ``make site``) and the
conda recipe are left to their own tests, and so are the ``sh`` blocks of "Teaching on a JupyterHub",
which run as root on a hub machine or in an instructor's hub terminal (``test_hub_e2e.py`` runs their
``course`` steps on a real hub; ``test_hub_units.py`` checks that each parses).
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from nbtools import ROOT

pytestmark = pytest.mark.slow

PLACEHOLDER = re.compile(r"\bNN_|exNN|<[a-z_]+>")  # a pattern to fill in, not a command to copy
LONG_RUNNING = re.compile(r"^(make (lab|test|bench|site|teach)\b|conda |pip |python -m http\.server)")


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = []
    for block in re.findall(r"```bash\n(.*?)```", text, re.S):
        if "conda activate" in block:  # commands for an activated conda environment
            continue
        for line in block.splitlines():
            line = line.split("  #")[0].strip()
            if line and not line.startswith("#"):
                commands.append(line)
    commands += [c for c in re.findall(r"`(\.venv/bin/[^`]+ [^`]+)`", text) if c not in commands]
    return [c for c in commands if not PLACEHOLDER.search(c)]


def test_readme_shows_runnable_commands() -> None:
    commands = readme_commands()
    assert any(c.startswith("make collect") for c in commands) and any("course export" in c for c in commands)
    bare = [c for c in commands if re.match(r"^(course|nbgrader|jupyter|pytest) ", c)]
    assert not bare, f"commands that are not on PATH after setup (use .venv/bin/ or make): {bare}"


def _copy_repo(dest: Path) -> None:
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    for rel in filter(None, files.decode().split("\0")):
        src = ROOT / rel
        if src.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)
    venv = Path(sys.prefix)
    (dest / ".venv").symlink_to(venv)
    # Setup itself is `make test`'s job: mark it done for this copy (make compares these dates).
    os.utime(dest / "pyproject.toml", (0, 0))
    stamp = venv / ".installed-test"
    if not stamp.exists():
        stamp.touch()


def _lms_download(home: Path) -> None:
    import nbformat

    release = ROOT / "exercises" / "ex01_projection_shapes" / "ex01_projection_shapes.ipynb"
    (home / "Downloads").mkdir(parents=True)
    with zipfile.ZipFile(home / "Downloads" / "submissions.zip", "w") as zf:
        zf.write(release, "smithjane_12345_67890_ex01_projection_shapes.ipynb")
        zf.write(release, "doejohn_LATE_23456_67891_ex01_projection_shapes-1.ipynb")
        zf.writestr("README.txt", "Canvas export")
        nb = nbformat.read(release, as_version=4)
        zf.writestr("roerich_34567_67892_ex01_projection_shapes.ipynb", nbformat.writes(nb))


def test_every_readme_command_runs_as_written(tmp_path: Path) -> None:
    repo, home = tmp_path / "course", tmp_path / "home"
    repo.mkdir()
    _copy_repo(repo)
    _lms_download(home)
    # The README's manual step before plain `nbgrader autograde`: put a student's notebook in place.
    submitted = repo / "grading" / "submitted" / "alice" / "ex01_projection_shapes"
    submitted.mkdir(parents=True)
    shutil.copy(repo / "exercises" / "ex01_projection_shapes" / "ex01_projection_shapes.ipynb", submitted)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "PYTEST"))}
    env.update(HOME=str(home), PATH="/usr/local/bin:/usr/bin:/bin")
    ran = []
    for command in readme_commands():
        if LONG_RUNNING.match(command):
            continue
        done = subprocess.run(["bash", "-c", command], cwd=repo, env=env, capture_output=True, text=True,
                              timeout=900)
        assert done.returncode == 0, f"`{command}` failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
        ran.append(command)
    assert any(c.startswith("make grade") for c in ran), ran
    grading = repo / "grading"
    assert (grading / "grades-ex01_projection_shapes.csv").read_text().count("\n") == 5  # header, alice, 3 from the zip
    assert (grading / "report-ex01_projection_shapes.html").is_file()
    canvas = (grading / "canvas-ex01.csv").read_text().splitlines()
    assert canvas[0].endswith(",ex01_projection_shapes (4021)") and canvas[1].startswith("Points Possible")
    # Nothing the commands wrote could be committed by accident: every new file is one git ignores.
    tracked = set(subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True).stdout.split())
    new = [p.relative_to(repo).as_posix() for p in repo.rglob("*")
           if p.is_file() and ".venv" not in p.parts and p.relative_to(repo).as_posix() not in tracked]
    assert new and any(n.startswith("grading/") for n in new)
    kept = subprocess.run(["git", "check-ignore", "--no-index", "--stdin"], cwd=ROOT, input="\n".join(new),
                          capture_output=True, text=True).stdout.split()
    assert sorted(set(new) - set(kept)) == []
    assert len(list((repo / "grading" / "feedback").glob("*/ex01_projection_shapes/*.html"))) == 4
