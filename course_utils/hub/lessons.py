"""Lessons by link: a lessons-only branch, published where students' servers can clone it, and the link.

A student's server must never receive ``solutions/`` (hidden tests) or ``exercises/`` (they come
through nbgrader's exchange), so the link pulls a branch that holds only ``lessons/`` and
``REFERENCES.md``. :func:`lessons_commit` writes that branch from the committed ``HEAD`` with
git's plumbing (the work tree and index are not touched); each new commit has the previous one
as parent, so a student's clone always fast-forwards.

The link is nbgitpuller's: it clones or updates the branch in ``feature-geometry/.course/source``
(a hidden folder nothing else writes, so nbgitpuller's own merge never meets a student's edit)
and then sends the browser to ``course-sync`` (``lesson_sync.py``), which makes or tops up the
student's own copy in ``feature-geometry/`` with the same rules as ``make lab``'s
``workspace/`` (``course_utils.workspace.sync``) and opens the lesson.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlencode

__all__ = ["HUB_ITEMS", "BRANCH", "WORKSPACE", "SOURCE", "FIRST_LESSON", "lessons_commit", "publish",
           "pull_link", "hub_link"]

HUB_ITEMS = ("lessons", "REFERENCES.md")
BRANCH = "hub-lessons"
WORKSPACE = "feature-geometry"                  # the student's own copy, in their home folder
SOURCE = f"{WORKSPACE}/.course/source"          # nbgitpuller's clone of the lessons branch
FIRST_LESSON = "lessons/00_start_here.ipynb"
ZERO = "0" * 40
_IDENTITY = {"GIT_AUTHOR_NAME": "course hub-link", "GIT_AUTHOR_EMAIL": "course-hub-link@localhost",
             "GIT_COMMITTER_NAME": "course hub-link", "GIT_COMMITTER_EMAIL": "course-hub-link@localhost"}


class LinkError(RuntimeError):
    """Something the instructor has to fix before a link can be published."""


def _git(repo: Path | str, *args: str, stdin: str | None = None, env: dict | None = None) -> str:
    done = subprocess.run(["git", "-C", str(repo), *args], input=stdin, capture_output=True, text=True,
                          env={**os.environ, **(env or {})})
    if done.returncode != 0:
        raise LinkError(f"git {' '.join(args)} failed: {done.stderr.strip() or done.stdout.strip()}")
    return done.stdout.strip()


def lessons_commit(repo: Path, branch: str = BRANCH) -> tuple[str, bool]:
    """Point ``branch`` at a commit of ``HEAD``'s lessons; returns (commit, whether it is new)."""
    try:
        head = _git(repo, "rev-parse", "--verify", "HEAD^{commit}")
    except LinkError:
        raise LinkError(f"{repo} is not a git repository with a commit: the link publishes committed lessons") from None
    entries = _git(repo, "ls-tree", "HEAD", "--", *HUB_ITEMS)
    names = {line.split("\t", 1)[1] for line in entries.splitlines()}
    if "lessons" not in names:
        raise LinkError(f"HEAD of {repo} has no lessons/ folder")
    tree = _git(repo, "mktree", stdin=entries + "\n")
    try:
        old = _git(repo, "rev-parse", "--verify", "--quiet", f"refs/heads/{branch}^{{commit}}")
    except LinkError:
        old = ""
    if old and _git(repo, "rev-parse", f"{old}^{{tree}}") == tree:
        return old, False
    env = {} if _has_identity(repo) else _IDENTITY
    parent = ["-p", old] if old else []
    new = _git(repo, "commit-tree", tree, *parent, "-m", f"Lessons of {head[:12]} for the hub's link", env=env)
    _git(repo, "update-ref", f"refs/heads/{branch}", new, old or ZERO)
    return new, True


def _has_identity(repo: Path) -> bool:
    try:
        return bool(_git(repo, "config", "user.name")) and bool(_git(repo, "config", "user.email"))
    except LinkError:
        return False


def publish(repo: Path, target: str, branch: str = BRANCH) -> str:
    """Push ``branch`` to ``target`` (a remote, a URL, or a folder made a world-readable bare repository).

    Returns the address students' servers clone from when ``target`` is a folder (``file://...``),
    else ``target`` itself.
    """
    if target.startswith(("/", "./", "../", "~")) or Path(target).is_dir():
        folder = Path(target).expanduser().resolve()
        if not folder.exists() or (folder.is_dir() and not any(folder.iterdir())):
            folder.parent.mkdir(parents=True, exist_ok=True)
            _git(folder.parent, "init", "--quiet", "--bare", "--shared=0644", str(folder))
        _git(repo, "push", "--quiet", str(folder), f"refs/heads/{branch}:refs/heads/{branch}")
        _git(folder, "symbolic-ref", "HEAD", f"refs/heads/{branch}")
        return folder.as_uri()
    _git(repo, "push", "--quiet", target, f"refs/heads/{branch}:refs/heads/{branch}")
    return target


def pull_link(hub: str, repo_url: str, branch: str = BRANCH, lesson: str = FIRST_LESSON) -> str:
    """The nbgitpuller link that brings the lessons into a student's server and opens ``lesson``."""
    after = "course-sync?" + urlencode({"next": f"lab/tree/{WORKSPACE}/{lesson}"})
    query = urlencode({"repo": repo_url, "branch": branch, "targetpath": SOURCE, "urlpath": after})
    return f"{hub.rstrip('/')}/hub/user-redirect/git-pull?{query}"


def hub_link(root: Path, hub: str, target: str | None, repo_url: str | None, branch: str = BRANCH,
             lesson: str = FIRST_LESSON) -> int:
    """``course hub-link``: update the lessons branch, publish it, print the link. Returns the exit code."""
    try:
        commit, new = lessons_commit(root, branch)
        print(f"{branch}: {'new commit' if new else 'unchanged at'} {commit[:12]} "
              f"({' and '.join(HUB_ITEMS)} as committed in HEAD)")
        if target:
            published = publish(root, target, branch)
            print(f"published {branch} to {target}")
            repo_url = repo_url or published
    except LinkError as exc:
        print(f"course hub-link: {exc}", file=sys.stderr)
        return 2
    if not repo_url:
        print(f"push the branch where students' servers can clone it (git push origin {branch}), then run "
              "again with --repo URL for the link (or use --publish)")
        return 0
    print("link (students open it; it brings new and updated lessons and never overwrites their edits):")
    print(pull_link(hub, repo_url, branch, lesson))
    return 0
