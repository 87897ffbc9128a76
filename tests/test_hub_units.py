"""The hub's pieces on their own (no hub running): lesson links, the exchange collect, the configurations.

The whole class on a real hub is ``test_hub_e2e.py``; these run without the hub extra.
"""
from __future__ import annotations

import json
import os
import pwd
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).parent / "grading"))

from course_utils.hub import lessons  # noqa: E402
from nbtools import ROOT  # noqa: E402


def _git(folder: Path, *args: str) -> str:
    return subprocess.run(["git", "-c", "user.name=T", "-c", "user.email=t@example.org", *args], cwd=folder,
                          check=True, capture_output=True, text=True).stdout.strip()


@pytest.fixture
def course_repo(tmp_path) -> Path:
    repo = tmp_path / "course"
    for rel, text in {"lessons/00_start_here.ipynb": "{}", "lessons/data/x.npz": "data", "REFERENCES.md": "refs",
                      "solutions/ex01/ex01.ipynb": "hidden tests", "exercises/ex01/ex01.ipynb": "release",
                      "nbgrader_config.py": "c = get_config()\n"}.items():
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_text(text)
    _git(repo, "init", "--quiet")
    _git(repo, "add", "-A")
    _git(repo, "commit", "--quiet", "-m", "course")
    return repo


def test_lessons_branch_holds_only_lessons_and_fast_forwards(course_repo, tmp_path):
    first, new = lessons.lessons_commit(course_repo)
    assert new
    files = _git(course_repo, "ls-tree", "-r", "--name-only", lessons.BRANCH).splitlines()
    assert files == ["REFERENCES.md", "lessons/00_start_here.ipynb", "lessons/data/x.npz"]
    assert lessons.lessons_commit(course_repo) == (first, False)  # nothing changed: no new commit
    (course_repo / "lessons" / "00_start_here.ipynb").write_text('{"cells": []}')
    (course_repo / "solutions" / "ex01" / "ex01.ipynb").write_text("changed hidden tests")
    _git(course_repo, "commit", "--quiet", "-am", "lesson 00")
    second, new = lessons.lessons_commit(course_repo)
    assert new and _git(course_repo, "rev-parse", f"{second}^") == first
    assert _git(course_repo, "status", "--porcelain") == ""  # the work tree and index are untouched
    # published to a folder: a bare repository others can read, whose HEAD is the lessons branch
    url = lessons.publish(course_repo, str(tmp_path / "srv" / "lessons.git"))
    assert url == (tmp_path / "srv" / "lessons.git").as_uri()
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "--quiet", url, str(clone)], check=True)
    assert sorted(p.name for p in clone.iterdir() if p.name != ".git") == ["REFERENCES.md", "lessons"]
    objects = [p for p in (tmp_path / "srv" / "lessons.git" / "objects").rglob("*") if p.is_file()]
    assert objects and all(p.stat().st_mode & 0o004 for p in objects)


def test_link_pulls_into_the_hidden_source_and_opens_the_lesson():
    link = lessons.pull_link("https://hub.example.edu/", "https://github.com/org/course", "hub-lessons")
    parts = urlsplit(link)
    assert parts.path == "/hub/user-redirect/git-pull"
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert query["repo"] == "https://github.com/org/course" and query["branch"] == "hub-lessons"
    assert query["targetpath"] == "feature-geometry/.course/source"
    after = urlsplit(query["urlpath"])
    assert after.path == "course-sync"
    assert parse_qs(after.query)["next"] == ["lab/tree/feature-geometry/lessons/00_start_here.ipynb"]


def test_hub_link_without_a_commit_says_why(tmp_path, capsys):
    (tmp_path / "lessons").mkdir()
    assert lessons.hub_link(tmp_path, "http://localhost:8000", None, None) == 2
    assert "not a git repository" in capsys.readouterr().err


@pytest.mark.parametrize("path, ok", [
    ("lab/tree/feature-geometry/lessons/00_start_here.ipynb", True),
    ("lab", True),
    ("https://evil.example/", False), ("//evil.example/x", False), ("/hub/admin", False),
    ("lab/../../hub", False), ("lab\\..\\x", False), ("", False), ("lab\n", False),
])
def test_course_sync_redirects_only_inside_the_server(path, ok):
    pytest.importorskip("jupyter_server")
    from course_utils.hub.lesson_sync import safe_next

    assert safe_next(path) is ok


# --- the exchange -----------------------------------------------------------------------------------

def _exchange_course(tmp_path: Path, check_owner: bool):
    from fixture_course import EXERCISE, make_course

    from course_utils.grading.commands.course import Course

    root = tmp_path / "course"
    root.mkdir()
    make_course(root)
    exchange = tmp_path / "exchange"
    course = Course.load(root)
    course.exchange, course.check_owner = exchange, check_owner
    inbound = exchange / course.course_id / "inbound"
    inbound.mkdir(parents=True)
    return course, inbound, EXERCISE


def _submit(inbound: Path, student: str, exercise: str, when: str, text: str, suffix: str = "+AbC-d_9") -> Path:
    folder = inbound / f"{student}+{exercise}+{when} UTC{suffix}"
    folder.mkdir()
    (folder / f"{exercise}.ipynb").write_text(text)
    (folder / "timestamp.txt").write_text(f"{when} UTC")
    (folder / "submission_secret.txt").write_text("s3cret-" + student)
    return folder


def test_collect_takes_each_students_newest_submission_and_never_follows_links(tmp_path, capsys):
    from course_utils.grading.commands.exchange import collect_from_exchange

    course, inbound, ex = _exchange_course(tmp_path, check_owner=False)
    _submit(inbound, "bob", ex, "2026-03-01 10:00:00.000001", '{"old": 1}')
    newest = _submit(inbound, "bob", ex, "2026-03-01 12:00:00.000001", '{"new": 1}', suffix="")
    (newest / "notes").mkdir()
    secret = tmp_path / "gradebook-secret.txt"
    secret.write_text("instructor only")
    os.symlink(secret, newest / "data.txt")
    other = _submit(inbound, "cy", ex, "2026-03-01 11:00:00.000001", '{"cy": 1}')
    os.symlink(other, inbound / f"dan+{ex}+2026-03-01 11:30:00 UTC+xyz")  # a linked folder: not read
    _submit(inbound, "bob", "another-exercise", "2026-03-02 10:00:00.000001", "{}")
    assert collect_from_exchange(course, ex) == 0
    out = capsys.readouterr().out
    got = course.submitted / "bob" / ex
    assert (got / f"{ex}.ipynb").read_text() == '{"new": 1}'
    assert (got / "timestamp.txt").read_text() == "2026-03-01 12:00:00.000001 UTC"
    assert (got / "submission_secret.txt").read_text() == "s3cret-bob"
    assert not (got / "data.txt").exists() and "data.txt in the submission is a symbolic link" in out
    assert "notes in the submission is a folder" in out
    assert sorted(p.name for p in course.submitted.iterdir()) == ["bob", "cy"]
    lms = json.loads((got / "lms.json").read_text())
    assert lms["lms"] == "exchange" and "exchange" in lms["time_source"]
    assert "submission_secret" not in out  # not reported as an extra file
    # a newer submission replaces the collected one only with --force, as for an LMS download
    _submit(inbound, "bob", ex, "2026-03-01 13:00:00.000001", '{"newer": 1}')
    collect_from_exchange(course, ex)
    assert "already collected" in capsys.readouterr().out
    assert (got / f"{ex}.ipynb").read_text() == '{"new": 1}'
    collect_from_exchange(course, ex, force=True)
    assert (got / f"{ex}.ipynb").read_text() == '{"newer": 1}'


def test_collect_checks_the_owner_of_each_submission(tmp_path, capsys):
    from course_utils.grading.commands.exchange import collect_from_exchange

    course, inbound, ex = _exchange_course(tmp_path, check_owner=True)
    me = pwd.getpwuid(os.getuid()).pw_name
    _submit(inbound, me, ex, "2026-03-01 10:00:00.000001", '{"mine": 1}')
    _submit(inbound, "bob", ex, "2026-03-01 10:00:00.000001", '{"forged": 1}')  # written by this account, not bob's
    collect_from_exchange(course, ex)
    out = capsys.readouterr().out
    assert f"belongs to Unix account {me}, not bob (not collected" in out
    assert not (course.submitted / "bob").exists()
    if me.isascii() and me.replace("_", "").replace("-", "").isalnum():
        assert (course.submitted / me / ex / f"{ex}.ipynb").read_text() == '{"mine": 1}'


# --- the configurations ------------------------------------------------------------------------------

def _load_hub_config(tmp_path: Path, roster: str):
    from traitlets.config.loader import PyFileConfigLoader

    (tmp_path / "roster.txt").write_text(roster)
    env = {"COURSE_HUB_ROSTER": str(tmp_path / "roster.txt"), "COURSE_HUB_STATE": str(tmp_path / "state"),
           "COURSE_EXCHANGE_ROOT": str(tmp_path / "exchange")}
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        return PyFileConfigLoader("jupyterhub_config.py", path=str(ROOT / "hub")).load_config()
    finally:
        for key, value in old.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def test_hub_config_reads_the_roster(tmp_path):
    cfg = _load_hub_config(tmp_path, "# the class\ninstructor ada\nstudent bob  # late joiner\n\nstudent cy\n")
    assert cfg.Authenticator.allowed_users == {"ada", "bob", "cy"}
    assert cfg.JupyterHub.load_groups == {"instructors": {"users": ["ada"]}, "students": {"users": ["bob", "cy"]}}
    assert cfg.Spawner.environment["COURSE_EXCHANGE_ROOT"] == str(tmp_path / "exchange")
    assert cfg.Spawner.environment["COURSE_ID"] == "feature-geometry"
    assert cfg.JupyterHub.cookie_secret_file.startswith(str(tmp_path / "state"))


def test_hub_config_refuses_a_bad_roster_line(tmp_path):
    with pytest.raises(SystemExit, match="line 2: expected 'instructor NAME' or 'student NAME'"):
        _load_hub_config(tmp_path, "student bob\nteacher ada\n")
    with pytest.raises(SystemExit, match="both as instructor and as student"):
        _load_hub_config(tmp_path, "student bob\ninstructor bob\n")


def test_course_id_is_the_same_everywhere():
    from traitlets.config.loader import PyFileConfigLoader

    course = PyFileConfigLoader("nbgrader_config.py", path=str(ROOT)).load_config()
    hub_config = (ROOT / "hub" / "jupyterhub_config.py").read_text()
    student = (ROOT / "course_utils" / "hub" / "jupyter_student" / "nbgrader_config.py").read_text()
    values = yaml.safe_load((ROOT / "hub" / "z2jh-values.yaml").read_text())
    env = values["singleuser"]["extraEnv"]
    course_id = course.CourseDirectory.course_id
    assert f'"COURSE_ID", "{course_id}"' in hub_config and f'"COURSE_ID", "{course_id}"' in student
    assert env["COURSE_ID"] == course_id


def test_kubernetes_values_mount_the_exchange_where_the_servers_look():
    values = yaml.safe_load((ROOT / "hub" / "z2jh-values.yaml").read_text())
    single = values["singleuser"]
    mounts = {m["name"]: m["mountPath"] for m in single["storage"]["extraVolumeMounts"]}
    volumes = {v["name"]: v for v in single["storage"]["extraVolumes"]}
    assert mounts["nbgrader-exchange"] == single["extraEnv"]["COURSE_EXCHANGE_ROOT"]
    assert volumes["nbgrader-exchange"]["persistentVolumeClaim"]["claimName"]
    assert single["extraEnv"]["COURSE_EXCHANGE_CHECK_OWNER"] == "0"  # one Unix account (jovyan) for everyone
    for name, code in values["hub"]["extraConfig"].items():
        compile(code, f"hub.extraConfig.{name}", "exec")


def test_role_configurations_hide_the_instructor_panels_from_students():
    base = ROOT / "course_utils" / "hub"
    student = json.loads((base / "jupyter_student" / "jupyter_server_config.json").read_text())
    instructor = json.loads((base / "jupyter_instructor" / "jupyter_server_config.json").read_text())
    extensions = student["ServerApp"]["jpserver_extensions"]
    assert extensions["nbgrader.server_extensions.formgrader"] is False
    assert extensions["nbgrader.server_extensions.assignment_list"] is True
    assert instructor["ServerApp"]["jpserver_extensions"]["nbgrader.server_extensions.formgrader"] is True
    lab = json.loads((base / "jupyter_student" / "labconfig" / "page_config.json").read_text())
    assert lab["disabledExtensions"]["@jupyter/nbgrader:formgrader"] is True
    assert "@jupyter/nbgrader:assignment-list" not in lab["disabledExtensions"]


def test_the_hub_environment_is_not_an_editable_install():
    """Students' servers read the hub environment: it must hold a copy of course_utils, not point at solutions/."""
    makefile = (ROOT / "Makefile").read_text()
    recipe = makefile.split("\nhub-env:", 1)[1].split("\n\n", 1)[0]
    assert "pip install --quiet '.[hub]'" in recipe and " -e " not in recipe


def test_role_configurations_ship_with_the_package():
    """The hub environment is a non-editable install: every role file must be package data."""
    import fnmatch

    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib

    globs = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["course_utils.hub"]
    base = ROOT / "course_utils" / "hub"
    files = [p.relative_to(base).as_posix() for p in base.glob("jupyter_*/**/*") if p.is_file()
             and "__pycache__" not in p.parts]
    assert len(files) >= 5
    assert [f for f in files if not any(fnmatch.fnmatch(f, g) for g in globs)] == []


def test_readme_hub_commands_are_commands_the_course_knows():
    """Every `course ...` line of the README's hub section parses as the course command would read it."""
    import re
    import shlex

    from course_utils.grading.commands.cli import build_parser

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Teaching on a JupyterHub", 1)[1].split("\n## ", 1)[0]
    lines = [line.split("  #")[0].strip() for block in re.findall(r"```sh\n(.*?)```", section, re.S)
             for line in block.splitlines()]
    commands = [line for line in lines if line.startswith("course ")]
    assert {c.split()[1] for c in commands} >= {"hub-link", "release", "collect", "grade", "feedback"}
    for command in commands:
        build_parser().parse_args(shlex.split(command)[1:])  # exits on an unknown option
