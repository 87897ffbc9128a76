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
"""
from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import unquote

import nbformat
import pytest

import mutation
from hub_support import REPO, Hub, missing_packages, start_hub
from nbtools import nbgrader_meta

pytestmark = [pytest.mark.slow, pytest.mark.hub]

EX = "ex01_projection_shapes"
COURSE_ID = "feature-geometry"
ROSTER = {"ada": "instructor", "bob": "student", "cy": "student"}
MARKER_RE = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION[ \t]*\n", re.M)


@pytest.fixture
def hub(tmp_path):
    missing = missing_packages()
    if missing:
        pytest.skip(f"the hub extra is not installed ({', '.join(missing)} missing): "
                    "make setup EXTRAS=test,hub (CI installs it)")
    if shutil.which("git") is None:
        pytest.skip("git is not installed: nbgitpuller's lesson links need it")
    exchange = tmp_path / "exchange"
    exchange.mkdir()
    os.chmod(exchange, 0o1777)
    running = start_hub(tmp_path, ROSTER, exchange)
    try:
        yield running
    finally:
        leftovers = running.stop()
        shutil.rmtree(tmp_path, ignore_errors=True)  # homes, exchange, the hub's database: nothing stays
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


def _instructor_course(home: Path) -> Path:
    """ada's clone of the course: the lessons, ex01's source and release, the nbgrader configuration."""
    course = home / "feature-geometry"
    course.mkdir(parents=True)
    for item in ("lessons", f"solutions/{EX}", f"exercises/{EX}"):
        shutil.copytree(REPO / item, course / item, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    for item in ("nbgrader_config.py", "REFERENCES.md"):
        shutil.copy2(REPO / item, course / item)
    (course / ".gitignore").write_text("/grading/\n")
    _git(course, "init", "--quiet")
    _git(course, "add", "-A")
    _git(course, "commit", "--quiet", "-m", "the course")
    return course


def _git(folder: Path, *args: str) -> str:
    return subprocess.run(["git", "-c", "user.name=Ada", "-c", "user.email=ada@example.org", *args], cwd=folder,
                          check=True, capture_output=True, text=True).stdout


def _course(course: Path, env: dict[str, str], *args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "course_utils.grading", *args], cwd=course, env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"course {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


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


def test_a_class_on_a_jupyterhub(hub, tmp_path):
    started = time.monotonic()
    import requests

    from course_utils.grading.boundary.sandbox import bwrap_usable

    # --- servers: roles --------------------------------------------------------------------------
    ada_home = hub.homes / "ada"
    course = _instructor_course(ada_home)
    tokens = {name: hub.start_server(name) for name in ROSTER}
    students = {name: Student(hub, name, tokens[name]) for name in ("bob", "cy")}
    for name, role in ROSTER.items():
        auth = {"Authorization": f"token {tokens[name]}"}
        formgrader = requests.get(f"{hub.url}/user/{name}/formgrader", headers=auth, timeout=60)
        assert (formgrader.status_code == 200) == (role == "instructor"), (name, formgrader.status_code)
        lab = requests.get(f"{hub.url}/user/{name}/lab", headers=auth, timeout=60).text
        (page_config,) = re.findall(r'<script id="jupyter-config-data" type="application/json">(.*?)</script>', lab, re.S)
        disabled = json.loads(page_config).get("disabledExtensions", [])
        assert ("@jupyter/nbgrader:formgrader" in disabled) == (role == "student"), (name, disabled)
        assert "@jupyter/nbgrader:assignment-list" not in disabled, (name, disabled)

    import course_utils.hub

    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "PYTEST"))}
    env.update(HOME=str(ada_home), USER="ada", COURSE_EXCHANGE_ROOT=str(hub.root / "exchange"),
               COURSE_EXCHANGE_CHECK_OWNER="0", COURSE_ROOT=str(course),
               JUPYTER_CONFIG_PATH=str(Path(course_utils.hub.__file__).parent / "jupyter_instructor"))

    # --- lessons by link ---------------------------------------------------------------------------
    lessons_repo = hub.root / "srv" / "lessons.git"
    out = _course(course, env, "hub-link", "--hub", hub.url, "--publish", str(lessons_repo))
    (link,) = [line for line in out.splitlines() if line.startswith(hub.url)]
    expected = sorted(p.name for p in (REPO / "lessons").glob("*.ipynb"))
    for student in students.values():
        assert student.open_link(link) == expected
        home = hub.homes / student.name
        assert not (home / "feature-geometry" / "solutions").exists() and not (home / "feature-geometry" / "exercises").exists()
    # bob edits lesson 02; the course then changes lessons 02 and 03; both open the link again
    l02, l03 = "feature-geometry/lessons/02_feature_directions.ipynb", "feature-geometry/lessons/03_superposition.ipynb"
    bob, cy = students["bob"], students["cy"]
    bob.save(l02, _edit_markdown(bob.notebook(l02), -1, "My own note on interference."))
    for rel in ("lessons/02_feature_directions.ipynb", "lessons/03_superposition.ipynb"):
        nb = nbformat.read(course / rel, as_version=4)
        nbformat.write(_edit_markdown(nb, 0, "Course update: a new paragraph."), course / rel)
    _git(course, "commit", "--quiet", "-am", "lessons 02 and 03 updated")
    out = _course(course, env, "hub-link", "--hub", hub.url, "--publish", str(lessons_repo))
    assert "new commit" in out, out
    assert "02_feature_directions (course update).ipynb" in bob.open_link(link)
    assert "My own note" in bob.notebook(l02).cells[-1].source or any(
        "My own note" in c.source for c in bob.notebook(l02).cells)
    assert not any("Course update" in c.source for c in bob.notebook(l02).cells)
    assert any("Course update" in c.source for c in bob.notebook(l03).cells)
    assert cy.open_link(link) == expected
    assert any("Course update" in c.source for c in cy.notebook(l02).cells)

    # --- release, fetch, work, validate, submit ----------------------------------------------------
    out = _course(course, env, "release", EX, "--exchange")
    assert "released ex01_projection_shapes to the exchange" in out, out
    solution = nbformat.read(course / "solutions" / EX / f"{EX}.ipynb", as_version=4)
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
    out = _course(course, env, "collect", EX, "--exchange")
    assert "collected 2 submission(s)" in out, out
    for name in students:
        assert (course / "grading" / "submitted" / name / EX / "submission_secret.txt").is_file()
    sandbox = [] if bwrap_usable() else ["--sandbox", "none"]  # no bubblewrap here: say so, explicitly
    out = _course(course, env, "grade", EX, "--jobs", "2", "--no-progress", *sandbox)
    assert "2 graded" in out, out
    out = _course(course, env, "feedback", EX, "--exchange")
    assert "released feedback of ex01_projection_shapes to the exchange for 2 student(s)" in out, out
    seen = requests.get(f"{hub.url}/user/ada/formgrader/api/submissions/{EX}", timeout=60,
                        headers={"Authorization": f"token {tokens['ada']}"}).json()
    scores = {s["student"]: s["score"] for s in seen}
    assert scores == {"bob": 4.0, "cy": 0.0}, seen

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
        assert re.search(rf"\b{other}\b", text) is None, f"{name}'s page names {other}"
        assert "BEGIN HIDDEN TESTS" not in text
    print(f"the class took {time.monotonic() - started:.0f} s")
