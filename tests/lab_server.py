"""A throw-away JupyterLab server on a copy of the course, as the browser tests need it.

The server always runs on a *copy* of the course (autosave would otherwise write outputs
into committed notebooks), on a free localhost port, with a known token and its own
settings, workspaces and runtime folders, so two test runs never share any state. With
``learner=True`` it runs with the learner's configuration, as ``make lab`` does.
"""
from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: The learner's Jupyter configuration (``make lab`` puts it on JUPYTER_CONFIG_PATH).
LEARNER_CONFIG = Path(__file__).resolve().parents[1] / "course_utils" / "jupyter_learner"

# The folders and files a learner's server needs (never solutions/).
COURSE_ITEMS = ("lessons", "exercises", "nbgrader_config.py")

# JupyterLab settings for the test server: no news/update fetches (the machine is
# offline and the prompt would cover the page), and every cell kept in the DOM.
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {
        "windowingMode": "none",
    },
}
# Settings that only keep the test able to see every cell: with the learner's configuration
# its own defaults (no news prompt, widget state saved) are what is tested.
KEEP_CELLS = "@jupyterlab/notebook-extension/tracker.jupyterlab-settings"


def free_port() -> int:
    """A localhost TCP port that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def copy_course(repo: Path, dest: Path) -> Path:
    """Copy the course items a server needs from ``repo`` into ``dest``; return ``dest``."""
    dest.mkdir(parents=True, exist_ok=True)
    for item in COURSE_ITEMS:
        src = repo / item
        if src.is_dir():
            shutil.copytree(src, dest / item, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
        elif src.is_file():
            shutil.copy2(src, dest / item)
        else:
            raise FileNotFoundError(f"{src} is missing; the browser test copies it into the server's folder")
    return dest


@dataclass
class LabServer:
    """A running ``jupyter lab`` process serving ``root`` at ``url``."""

    root: Path
    url: str
    token: str
    proc: subprocess.Popen
    log_path: Path
    _log_file: Any = field(repr=False, default=None)

    def api(self, path: str, method: str = "GET", timeout: float = 5.0) -> Any:
        """Call the server's REST API at ``/api/<path>``; return the decoded JSON (or None)."""
        req = urllib.request.Request(
            f"{self.url}/api/{path}",
            method=method,
            headers={"Authorization": f"token {self.token}"},
            data=b"" if method == "POST" else None,
        )
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            body = resp.read()
        return json.loads(body) if body else None

    def lab_url(self, path: str) -> str:
        """URL that opens ``path`` (relative to ``root``) alone in a reset JupyterLab workspace."""
        return f"{self.url}/lab/tree/{path}?reset&token={self.token}"

    def log(self) -> str:
        """The server's combined stdout/stderr so far."""
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self) -> None:
        """Shut the server and every kernel it started down, politely first, then by force."""
        try:
            import psutil

            descendants = psutil.Process(self.proc.pid).children(recursive=True)
        except Exception:  # psutil missing or the server already gone
            descendants = []
        if self.proc.poll() is None:
            try:
                self.api("shutdown", method="POST")
            except (OSError, urllib.error.URLError):
                pass
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                pass
        for sig in (signal.SIGTERM, signal.SIGKILL):
            if self.proc.poll() is not None:
                break
            try:
                os.killpg(self.proc.pid, sig)
            except ProcessLookupError:
                break
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                continue
        # Kernels run in sessions of their own, so the process group does not reach them.
        for child in descendants:
            try:
                child.kill()
            except Exception:
                pass
        if self._log_file is not None:
            self._log_file.close()


def start_lab(root: Path, work: Path, timeout: float = 90.0, learner: bool = False) -> LabServer:
    """Start ``jupyter lab`` on ``root`` (its own process group); return once it answers.

    ``work`` receives the server log and the private settings, workspaces and
    runtime folders; starting again with the same ``work`` is a learner's next day.
    ``learner`` adds the learner's configuration (:data:`LEARNER_CONFIG`), as ``make lab``
    does. Raises RuntimeError (with the log) if the server never answers.
    """
    settings = work / "lab-settings"
    for name, values in LAB_SETTINGS.items():
        if learner and name != KEEP_CELLS:
            continue
        target = settings / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(values))
    env = dict(os.environ)
    # A learner's kernel has no forced backend: figures must appear through the inline backend.
    env.pop("MPLBACKEND", None)
    env.update(
        JUPYTER_CONFIG_DIR=str(work / "config"),
        JUPYTER_RUNTIME_DIR=str(work / "runtime"),
        PYTHONUNBUFFERED="1",
    )
    if learner:
        env["JUPYTER_CONFIG_PATH"] = str(LEARNER_CONFIG)
    last_error = ""
    for attempt in range(3):
        port = free_port()
        token = secrets.token_hex(16)
        log_path = work / f"jupyter-lab-{attempt}.log"
        cmd = [
            sys.executable, "-m", "jupyter", "lab", "--no-browser",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={port}",
            "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={root}",
            "--ServerApp.open_browser=False",
            f"--LabApp.user_settings_dir={settings}",
            f"--LabApp.workspaces_dir={work / 'workspaces'}",
        ]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            cmd.append("--allow-root")
        log_file = open(log_path, "w")
        proc = subprocess.Popen(
            cmd, cwd=root, env=env, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True
        )
        server = LabServer(root, f"http://127.0.0.1:{port}", token, proc, log_path, log_file)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                server.api("status", timeout=2)
                return server
            except (OSError, urllib.error.URLError):
                time.sleep(0.2)
        last_error = server.log()
        server.stop()
        if "address already in use" not in last_error.lower():
            break
    raise RuntimeError(f"jupyter lab did not start within {timeout:.0f} s; its log:\n{last_error}")




def start_make_lab(workspace: Path, work: Path, timeout: float = 90.0) -> LabServer:
    """Run ``make lab`` as the README gives it, headless, on the learner's copy ``workspace``; return once it answers.

    ``-o setup`` keeps make from reinstalling and VENV points at the environment running the
    tests; ``work`` holds the log and private settings, workspaces, config and runtime folders.
    """
    repo = Path(__file__).resolve().parents[1]
    port, token = free_port(), secrets.token_hex(8)
    lab_args = (f"--no-browser --ServerApp.ip=127.0.0.1 --ServerApp.port={port} --ServerApp.port_retries=0 "
                f"--IdentityProvider.token={token} --LabApp.workspaces_dir={work / 'workspaces'} "
                f"--LabApp.user_settings_dir={work / 'user-settings'}")
    env = dict(os.environ, JUPYTER_RUNTIME_DIR=str(work / "runtime"), JUPYTER_CONFIG_DIR=str(work / "config"))
    env.pop("MPLBACKEND", None)
    venv = Path(sys.executable).parent.parent
    log = work / "make-lab.log"
    log_file = open(log, "w")
    proc = subprocess.Popen(["make", "-C", str(repo), "-o", "setup", "lab", f"VENV={venv}", f"LAB_ARGS={lab_args}",
                             f"WORKSPACE={workspace}"],
                            env=env, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True)
    server = LabServer(workspace, f"http://127.0.0.1:{port}", token, proc, log, log_file)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            server.stop()
            raise RuntimeError(f"make lab exited early:\n{server.log()}")
        try:
            server.api("status", timeout=2)
            return server
        except (OSError, urllib.error.URLError):
            time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"make lab did not answer within {timeout:.0f} s:\n{server.log()}")
