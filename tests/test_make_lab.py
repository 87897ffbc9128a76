"""`make lab` as the README gives it: a headless server on the learner's own copy of the course.

Setup itself is exercised by `make test` (which runs it first); here `-o setup` keeps
make from reinstalling, and VENV points at the environment running the tests.
"""
from __future__ import annotations

import json
import os
import re
import urllib.request
from pathlib import Path

import pytest

import browser_support as bs
from course_utils import workspace as workspace_module
from nbtools import ROOT

pytestmark = pytest.mark.slow


def test_make_lab_serves_the_course_headless(tmp_path: Path) -> None:
    workspace = tmp_path / "workspace"
    server = bs.start_make_lab(workspace, tmp_path)
    port, token = server.url.rsplit(":", 1)[1], server.token
    try:
        # The server's root is the learner's copy: course material only, lessons and exercises reachable.
        root = {c["name"] for c in server.api("contents")["content"]}
        assert root == {"lessons", "exercises", "solutions", "REFERENCES.md"}, root
        lessons = server.api("contents/lessons")
        assert {c["name"] for c in lessons["content"]} >= {p.name for p in (ROOT / "lessons").glob("*.ipynb")}
        exercises = server.api("contents/exercises")
        assert {c["name"] for c in exercises["content"]} >= {p.name for p in (ROOT / "exercises").iterdir()
                                                             if p.is_dir()}
        # The learner's copy is the course's, with the kernel's language_info (opening it changes nothing).
        copy = json.loads((workspace / "lessons" / "00_start_here.ipynb").read_text())
        assert copy["metadata"].pop("language_info") == workspace_module.kernel_language_info()
        course = json.loads((ROOT / "lessons" / "00_start_here.ipynb").read_text())
        course["metadata"].pop("language_info", None)
        assert copy == course
        # The URL make printed opens lesson 00.
        found = bs.wait_for(lambda: re.search(rf"http://127\.0\.0\.1:{port}/\S+", server.log()), 30,
                            "make lab to print its URL")
        assert found, server.log()[-3000:]
        printed = found.group(0)
        assert printed.startswith(f"http://127.0.0.1:{port}/lab/tree/lessons/00_start_here.ipynb?token="), printed
        # (the server masks a token it was given; a learner's own URL carries a real one)
        with urllib.request.urlopen(printed.split("?")[0] + f"?token={token}", timeout=10) as resp:
            assert resp.status == 200 and "/login" not in resp.url, resp.url
        with urllib.request.urlopen(f"{server.url}/lab?token={token}", timeout=5) as resp:
            page = resp.read().decode()
        config = json.loads(re.search(r'<script id="jupyter-config-data" type="application/json">(.*?)</script>',
                                      page, re.S).group(1))
        # nbgrader's Validate button is there; its instructor panels are not (a learner has no exchange).
        assert "@jupyter/nbgrader" in {e["name"] for e in config["federated_extensions"]}
        disabled = set(config.get("disabledExtensions", []))
        assert "@jupyter/nbgrader:validate-assignment" not in disabled
        assert {"@jupyter/nbgrader:assignment-list", "@jupyter/nbgrader:create-assignment",
                "@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:course-list"} <= disabled
        assert "nbgrader.server_extensions.assignment_list" not in server.log()
        # --allow-root exactly when run as root.
        command = next(line for line in server.log().splitlines() if " lab " in line and "jupyter" in line)
        assert ("--allow-root" in command) == (os.geteuid() == 0)
    finally:
        server.stop()
