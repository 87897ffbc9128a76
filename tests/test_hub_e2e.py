"""A class on a real JupyterHub, end to end: lessons by link, an exercise through nbgrader's exchange.

The course's ``hub/jupyterhub_config.py`` starts on localhost (with the overlay of
``hub_support.py``: a dummy login and one Unix account, each user with a home folder of their
own under a temporary folder) for one instructor, ``ada``, and two students, ``bob`` and ``cy``.
Students act through HTTP as their browser would: they log in, open the lesson link (nbgitpuller's
page, its event stream, then ``course-sync``), and use their server's Assignments endpoints
(fetch, validate, submit, fetch feedback) and contents API. The instructor runs the ``course``
command in her clone of the course with her server's environment, and her formgrader is asked
what it sees. bob answers two questions right; cy answers one with a plausible wrong answer that
passes the visible tests. Each one's feedback page, fetched in their own server, shows their own
score and nothing of the other's.

The test runs with one Unix account for everyone (the hub's own SimpleLocalProcessSpawner, no
system users: the exchange's owner check is off, as on Kubernetes). Run as root with
``COURSE_HUB_E2E_ACCOUNTS=1``, it also runs the one-machine hub as configured: a temporary Unix
account per user (removed afterwards), LocalProcessSpawner, each server as its user, the owner
check on, and the instructor's commands run as her account.
"""
from __future__ import annotations

import contextlib
import html
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import unquote

import nbformat
import pytest

import mutation
from hub_support import REPO, Accounts, Hub, missing_packages, start_hub
from nbtools import nbgrader_meta

pytestmark = [pytest.mark.slow, pytest.mark.hub]

EX = "ex01_projection_shapes"
COURSE_ID = "feature-geometry"
ROLES = {"ada": "instructor", "bob": "student", "cy": "student"}
ACCOUNT_PREFIX = "fgtest"  # the temporary Unix accounts: fgtestada, fgtestbob, fgtestcy
MARKER_RE = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION[ \t]*\n", re.M)


@pytest.fixture(params=["one-account", "system-accounts"])
def hub(request, tmp_path):
    missing = missing_packages()
    if missing:
        pytest.skip(f"the hub extra is not installed ({', '.join(missing)} missing): "
                    "make setup EXTRAS=test,hub (CI installs it)")
    if shutil.which("git") is None:
        pytest.skip("git is not installed: nbgitpuller's lesson links need it")
    accounts = request.param == "system-accounts"
    prefix = os.environ.get("COURSE_HUB_E2E_ENV", "")
    if accounts and not (prefix and os.geteuid() == 0 and shutil.which("useradd") and shutil.which("runuser")):
        pytest.skip("the hub with real Unix accounts runs only as root with COURSE_HUB_E2E_ENV set to a hub "
                    "environment every account can run (make hub-env HUB_ENV=...); it adds temporary "
                    "accounts fgtest* and removes them")
    root = tmp_path
    if accounts:  # every account must reach its home and the exchange: not under root's private temp folder
        root = Path(tempfile.mkdtemp(prefix="fg-hub-", dir="/tmp"))
        os.chmod(root, 0o755)
    roster = {(ACCOUNT_PREFIX + name if accounts else name): role for name, role in ROLES.items()}
    exchange = root / "exchange"
    exchange.mkdir()
    os.chmod(exchange, 0o1777)
    with contextlib.ExitStack() as stack:
        if accounts:
            stack.enter_context(Accounts(list(roster), root / "home"))
            # the one-machine install step `git config --system --add safe.directory ...`, for these servers only
            (root / "gitconfig").write_text(f"[include]\n\tpath = /etc/gitconfig\n[safe]\n\tdirectory = "
                                            f"{root / 'srv' / 'lessons.git'}\n")
            os.chmod(root / "gitconfig", 0o644)
        running = start_hub(root, roster, exchange, accounts=accounts, prefix=prefix if accounts else sys.prefix,
                            server_env={"GIT_CONFIG_SYSTEM": str(root / "gitconfig")} if accounts else None)
        running.names = {name: (ACCOUNT_PREFIX + name if accounts else name) for name in ROLES}
        try:
            yield running
        finally:
            leftovers = running.stop()
            stack.close()  # the accounts go before their homes
            shutil.rmtree(root, ignore_errors=True)  # homes, exchange, the hub's database: nothing stays
            assert not leftovers, f"processes still running after the hub stopped: {leftovers}"


class Student:
    """A student's browser session on the hub (cookies) and an API token for their server."""

    def __init__(self, hub: Hub, name: str, token: str):
        import requests

        self.hub, self.name, self.token = hub, name, token
        self.server = f"{hub.url}/user/{name}"
        self.session = requests.Session()
        self.session.get(f"{hub.url}/hub/login")
        xsrf = self.session.cookies.get("_xsrf", path="/hub/")
        done = self.session.post(f"{hub.url}/hub/login", data={"username": name, "password": "any", "_xsrf": xsrf},
                                 allow_redirects=False)
        assert done.status_code == 302, f"{name} could not log in: {done.status_code} {done.text[:300]}"

    def call(self, method: str, path: str, **kwargs):
        resp = self.session.request(method, f"{self.server}/{path}", timeout=120,
                                    headers={"Authorization": f"token {self.token}"}, **kwargs)
        assert resp.status_code < 400, f"{self.name}: {method} {path}: {resp.status_code} {resp.text[:800]}"
        return resp

    def open_link(self, link: str) -> list[str]:
        """What the browser does with the lesson link; returns the lesson folder's notebooks afterwards."""
        page = self.session.get(link, timeout=60)  # hub login -> user-redirect -> the server's OAuth -> git-pull
        assert page.status_code == 200 and page.url.startswith(f"{self.server}/git-pull"), (page.url, page.text[:500])
        data = {k: unquote(html.unescape(v)) for k, v in re.findall(r'data-([a-z-]+)="([^"]*)"', page.text)}
        params = {"repo": data["repo"], "targetpath": data["targetpath"], "_xsrf": data["xsrf"]}
        if "branch" in data:
            params["branch"] = data["branch"]
        stream = self.session.get(f"{self.server}/git-pull/api", params=params, stream=True, timeout=120,
                                  headers={"Referer": page.url})
        events = [json.loads(line[len("data: "):]) for line in stream.iter_lines(decode_unicode=True)
                  if line and line.startswith("data: ")]
        assert events and events[-1].get("phase") == "finished", f"{self.name}: nbgitpuller said {events[-3:]}"
        # nbgitpuller's page then sends the browser to the server's base URL + urlpath: /course-sync?next=...
        opened = self.session.get(f"{self.server}/{data['path']}", timeout=60)
        assert opened.status_code == 200 and "/lab/tree/feature-geometry/lessons/" in opened.url, opened.url
        listing = self.call("GET", "api/contents/feature-geometry/lessons").json()
        return sorted(item["name"] for item in listing["content"] if item["name"].endswith(".ipynb"))

    def notebook(self, path: str) -> nbformat.NotebookNode:
        return nbformat.from_dict(self.call("GET", f"api/contents/{path}", params={"content": 1}).json()["content"])

    def save(self, path: str, nb) -> None:
        self.call("PUT", f"api/contents/{path}", json={"type": "notebook", "format": "json", "content": nb})

    def assignments(self, action: str | None = None) -> list[dict]:
        """The Assignments tab: list, or fetch / submit / fetch_feedback then list."""
        args = {"course_id": COURSE_ID, "assignment_id": EX}
        if action is None:
            reply = self.call("GET", "assignments", params={"course_id": COURSE_ID}).json()
        else:
            reply = self.call("POST", f"assignments/{action}", data=args).json()
        assert reply.get("success"), f"{self.name}: {action or 'list'}: {reply}"
        return [a for a in reply["value"] if a["assignment_id"] == EX]


class Instructor:
    """The instructor's clone of the course and her terminal: ``course`` and ``git`` as she runs them."""

    def __init__(self, hub: Hub, name: str):
        import course_utils.hub

        self.hub, self.name = hub, name
        self.home = hub.homes / name
        self.course = self.home / "feature-geometry"
        roles = Path(course_utils.hub.__file__).parent if not hub.accounts else Path(subprocess.run(
            [f"{hub.prefix}/bin/python", "-c", "import course_utils.hub as h, os; print(os.path.dirname(h.__file__))"],
            capture_output=True, text=True, check=True, cwd="/").stdout.strip())
        env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "PYTEST", "COURSE_HUB"))}
        env.update(HOME=str(self.home), USER=name, LOGNAME=name, COURSE_EXCHANGE_ROOT=str(hub.root / "exchange"),
                   COURSE_ROOT=str(self.course), JUPYTER_CONFIG_PATH=str(roles / "jupyter_instructor"))
        if not hub.accounts:
            env["COURSE_EXCHANGE_CHECK_OWNER"] = "0"  # one Unix account for everyone: owners say nothing
        self.env = env
        self._clone()

    def _run(self, args: list[str], cwd: Path, timeout: float = 600) -> subprocess.CompletedProcess:
        prefix = ["runuser", "-u", self.name, "--"] if self.hub.accounts else []
        return subprocess.run(prefix + args, cwd=cwd, env=self.env, capture_output=True, text=True, timeout=timeout)

    def git(self, *args: str) -> str:
        done = self._run(["git", "-c", "user.name=Ada", "-c", "user.email=ada@example.org", *args], self.course)
        assert done.returncode == 0, f"git {' '.join(args)}: {done.stderr}"
        return done.stdout

    def course_cmd(self, *args: str) -> str:
        python = f"{self.hub.prefix}/bin/python" if self.hub.accounts else sys.executable
        done = self._run([python, "-m", "course_utils.grading", *args], self.course)
        assert done.returncode == 0, f"course {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
        self.stderr = done.stderr
        return done.stdout

    def sandbox_args(self) -> list[str]:
        """``--sandbox none`` where bubblewrap does not work for her: said explicitly, never assumed."""
        code = "from course_utils.grading.boundary.sandbox import bwrap_usable as u; print(u())"
        python = f"{self.hub.prefix}/bin/python" if self.hub.accounts else sys.executable
        done = self._run([python, "-c", code], Path("/"))
        usable = done.stdout.strip() == "True" and os.environ.get("COURSE_GRADING_BWRAP") != "none"
        return [] if usable else ["--sandbox", "none"]

    def _clone(self) -> None:
        """Her clone: the lessons, ex01's source and release, the nbgrader configuration, in a git repository."""
        course = self.course
        course.mkdir(parents=True)
        for item in ("lessons", f"solutions/{EX}", f"exercises/{EX}"):
            shutil.copytree(REPO / item, course / item,
                            ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
        for item in ("nbgrader_config.py", "REFERENCES.md"):
            shutil.copy2(REPO / item, course / item)
        (course / ".gitignore").write_text("/grading/\n")
        if self.hub.accounts:
            subprocess.run(["chown", "-R", f"{self.name}:", str(course)], check=True)
            srv = self.hub.root / "srv" / "lessons.git"  # the install step: a folder for her to publish into
            srv.mkdir(parents=True)
            subprocess.run(["chown", f"{self.name}:", str(srv)], check=True)
        self.git("init", "--quiet")
        self.git("add", "-A")
        self.git("commit", "--quiet", "-m", "the course")


def _edit_markdown(nb, index: int, text: str):
    cells = [c for c in nb.cells if c.cell_type == "markdown"]
    cells[index].source += "\n\n" + text
    return nb


def _answer(release, solution, right: set[str], mutants: dict[str, str]):
    """The release with answer cells filled: ``right`` functions from the reference, ``mutants`` wrong."""
    by_id = {nbgrader_meta(c).get("grade_id"): c for c in solution.cells}
    for cell in release.cells:
        gid = nbgrader_meta(cell).get("grade_id")
        if cell.cell_type != "code" or not nbgrader_meta(cell).get("solution"):
            continue
        reference = by_id[gid].source
        if gid in right:
            cell.source = MARKER_RE.sub("", reference)
        elif gid in mutants:
            (mutant,) = [m for m in mutation.load(REPO / "tests" / "mutants" / f"{EX}.yml") if m.name == mutants[gid]]
            cell.source = MARKER_RE.sub("", mutation.apply(mutant, reference))
    return release


def test_a_class_on_a_jupyterhub(hub):
    started = time.monotonic()
    import requests

    names = hub.names  # ada, bob, cy (fgtestada, ... with Unix accounts)
    ada = Instructor(hub, names["ada"])

    # --- servers: roles --------------------------------------------------------------------------
    tokens = {name: hub.start_server(user) for name, user in names.items()}
    students = {name: Student(hub, names[name], tokens[name]) for name in ("bob", "cy")}
    bob, cy = students["bob"], students["cy"]
    for name, role in ROLES.items():
        auth = {"Authorization": f"token {tokens[name]}"}
        formgrader = requests.get(f"{hub.url}/user/{names[name]}/formgrader", headers=auth, timeout=60)
        assert (formgrader.status_code == 200) == (role == "instructor"), (name, formgrader.status_code)
        lab = requests.get(f"{hub.url}/user/{names[name]}/lab", headers=auth, timeout=60).text
        (page_config,) = re.findall(r'<script id="jupyter-config-data" type="application/json">(.*?)</script>', lab, re.S)
        disabled = json.loads(page_config).get("disabledExtensions", [])
        assert ("@jupyter/nbgrader:formgrader" in disabled) == (role == "student"), (name, disabled)
        assert "@jupyter/nbgrader:assignment-list" not in disabled, (name, disabled)

    # --- lessons by link ---------------------------------------------------------------------------
    lessons_repo = hub.root / "srv" / "lessons.git"
    out = ada.course_cmd("hub-link", "--hub", hub.url, "--publish", str(lessons_repo))
    (link,) = [line for line in out.splitlines() if line.startswith(hub.url)]
    expected = sorted(p.name for p in (REPO / "lessons").glob("*.ipynb"))
    for student in students.values():
        assert student.open_link(link) == expected
        mine = hub.homes / student.name / "feature-geometry"
        assert not (mine / "solutions").exists() and not (mine / "exercises").exists()
    # bob edits lesson 02; the course then changes lessons 02 and 03; both open the link again
    l02, l03 = "feature-geometry/lessons/02_feature_directions.ipynb", "feature-geometry/lessons/03_superposition.ipynb"
    bob.save(l02, _edit_markdown(bob.notebook(l02), -1, "My own note on interference."))
    for rel in ("lessons/02_feature_directions.ipynb", "lessons/03_superposition.ipynb"):
        nb = nbformat.read(ada.course / rel, as_version=4)
        nbformat.write(_edit_markdown(nb, 0, "Course update: a new paragraph."), ada.course / rel)
    ada.git("commit", "--quiet", "-am", "lessons 02 and 03 updated")
    out = ada.course_cmd("hub-link", "--hub", hub.url, "--publish", str(lessons_repo))
    assert "new commit" in out and link in out, out  # the link stays the same
    assert bob.open_link(link) == sorted(expected + ["COURSE UPDATE 02_feature_directions.ipynb"])

    def says(student: Student, path: str, text: str) -> bool:
        return any(text in c.source for c in student.notebook(path).cells)

    assert says(bob, l02, "My own note") and not says(bob, l02, "Course update")  # his edit, untouched
    assert says(bob, "feature-geometry/lessons/COURSE UPDATE 02_feature_directions.ipynb", "Course update")
    assert says(bob, l03, "Course update")  # a lesson he did not edit: updated
    assert cy.open_link(link) == expected and says(cy, l02, "Course update")

    # --- release, fetch, work, validate, submit ----------------------------------------------------
    out = ada.course_cmd("release", EX, "--exchange")
    assert "released ex01_projection_shapes to the exchange" in out, out
    solution = nbformat.read(ada.course / "solutions" / EX / f"{EX}.ipynb", as_version=4)
    answers = {"bob": ({"output_shape", "project"}, {}), "cy": (set(), {"project": "project__no_shape_check"})}
    path = f"{EX}/{EX}.ipynb"
    for name, student in students.items():
        (listed,) = student.assignments()
        assert listed["status"] == "released", listed
        (fetched,) = student.assignments("fetch")
        assert fetched["status"] == "fetched", fetched
        right, wrong = answers[name]
        student.save(path, _answer(student.notebook(path), solution, right, wrong))
    validated = bob.call("POST", "assignments/validate", data={"path": path}).json()
    assert validated["success"], validated
    for student in students.values():
        submitted = [a for a in student.assignments("submit") if a["status"] == "submitted"]
        assert submitted and submitted[0]["submissions"], submitted

    # --- collect, grade, feedback: the instructor ---------------------------------------------------
    out = ada.course_cmd("collect", EX, "--exchange")
    assert "collected 2 submission(s)" in out and "not collected" not in out, out
    for student in students.values():
        assert (ada.course / "grading" / "submitted" / student.name / EX / "submission_secret.txt").is_file()
    sandbox = ada.sandbox_args()
    out = ada.course_cmd("grade", EX, "--jobs", "2", "--no-progress", *sandbox)
    assert "2 graded" in out, out
    assert ("grading WITHOUT bubblewrap" in ada.stderr) == bool(sandbox), ada.stderr  # sandboxed unless said
    out = ada.course_cmd("feedback", EX, "--exchange")
    assert "released feedback of ex01_projection_shapes to the exchange for 2 student(s)" in out, out
    seen = requests.get(f"{hub.url}/user/{ada.name}/formgrader/api/submissions/{EX}", timeout=60,
                        headers={"Authorization": f"token {tokens['ada']}"}).json()
    assert {s["student"]: s["score"] for s in seen} == {bob.name: 4.0, cy.name: 0.0}, seen

    # --- each student fetches their own feedback ------------------------------------------------------
    pages = {}
    for name, student in students.items():
        listing = student.assignments("fetch_feedback")
        feedback = [s["local_feedback_path"] for a in listing if a["status"] == "submitted"
                    for s in a["submissions"] if s.get("local_feedback_path")]
        assert feedback, f"{name}: no feedback fetched: {listing}"
        page_path = f"{feedback[-1]}/{EX}.html"
        reply = student.call("GET", f"api/contents/{page_path}", params={"type": "file", "format": "text"}).json()
        pages[name] = reply["content"]
    assert "4 / 16" in pages["bob"] and "0 / 16" in pages["cy"], {k: re.findall(r"\d+ / 16", v) for k, v in pages.items()}
    for name, other in (("bob", "cy"), ("cy", "bob")):
        text = pages[name]
        assert re.search(rf"\b{names[other]}\b", text) is None, f"{name}'s page names {other}"
        assert "BEGIN HIDDEN TESTS" not in text
    print(f"the class took {time.monotonic() - started:.0f} s")
