"""A throw-away JupyterLab server and the page actions a learner performs in it.

Used by ``tests/test_browser.py``. The server always runs on a *copy* of the
course (autosave would otherwise write outputs into committed notebooks), on a
free localhost port, with a known token and its own settings, workspaces and
runtime folders, so two test runs never share any state.
"""
from __future__ import annotations

import json
import os
import re
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
from typing import Any, Callable

# Debian's Chromium; as root it needs --no-sandbox. The rest keep an offline
# machine quiet (no update checks, no sync, no QUIC probes, no GPU process).
CHROMIUM_ARGS = [
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
if hasattr(os, "geteuid") and os.geteuid() == 0:
    CHROMIUM_ARGS.append("--no-sandbox")

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

OUTPUT_IMAGE = ".jp-OutputArea-output img"
STDERR_OUTPUT = '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'


def find_chromium() -> str | None:
    """Path of a system Chromium, or None when none is installed."""
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return "/usr/bin/chromium" if os.access("/usr/bin/chromium", os.X_OK) else None


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


def start_lab(root: Path, work: Path, timeout: float = 90.0) -> LabServer:
    """Start ``jupyter lab`` on ``root`` (its own process group); return once it answers.

    ``work`` receives the server log and the private settings, workspaces and
    runtime folders. Raises RuntimeError (with the log) if the server never answers.
    """
    settings = work / "lab-settings"
    for name, values in LAB_SETTINGS.items():
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


# ---------------------------------------------------------------------------
# Page actions (Playwright sync API; ``page`` is a playwright Page)
# ---------------------------------------------------------------------------

def wait_for(condition: Callable[[], Any], timeout: float, what: str, interval: float = 0.25) -> Any:
    """Poll ``condition`` until it returns something truthy; raise AssertionError naming ``what``."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


# One notebook is open at a time (each URL resets the workspace), so this is it.
PANEL = ".jp-NotebookPanel"
IDLE_KERNEL = PANEL + " .jp-Notebook-ExecutionIndicator[data-status='idle']"


def open_notebook(page: Any, server: LabServer, path: str, timeout_ms: int = 60_000) -> None:
    """Open ``path`` alone in JupyterLab, make it the active document and wait for an idle kernel."""
    page.goto(server.lab_url(path))
    first_cell = page.locator(f"{PANEL} .jp-Cell").first
    first_cell.wait_for(state="visible", timeout=timeout_ms)
    panels = page.locator(PANEL).count()
    if panels != 1:
        raise AssertionError(f"expected only {path} to be open, found {panels} notebook panels")
    title = page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab.lm-mod-current .lm-TabBar-tabLabel")
    expected = path.rsplit("/", 1)[-1]
    if title.inner_text().strip() != expected:
        raise AssertionError(f"the current tab is {title.inner_text()!r}, expected {expected!r}")
    # Clicking the prompt area activates the notebook so menu commands target it (the collapser
    # beside it would hide the cell's input, a change the notebook would then ask to save).
    first_cell.locator(".jp-InputPrompt").first.click()
    wait_kernel_idle(page, server, path, timeout_ms / 1000)


def wait_kernel_idle(page: Any, server: LabServer, path: str, timeout: float = 60.0) -> None:
    """Wait until ``path`` has a kernel that is idle both on the server and in the page.

    The page's indicator also reads "idle" before any kernel exists, so the
    server's session list is the proof that the kernel was started.
    """

    def idle() -> bool:
        sessions = server.api("sessions")
        on_server = any(
            s.get("path") == path and (s.get("kernel") or {}).get("execution_state") == "idle" for s in sessions
        )
        return on_server and page.locator(IDLE_KERNEL).count() == 1

    wait_for(idle, timeout, f"an idle kernel for {path}")


PROMPTS_JS = """() => Array.from(document.querySelectorAll(
    '.jp-NotebookPanel .jp-CodeCell .jp-InputArea-prompt'
)).map(el => el.textContent.trim())"""


def run_all_cells(page: Any, timeout: float = 120.0) -> list[str]:
    """Run the notebook through Run menu → Run All Cells; wait until every code cell ran.

    Returns the final input prompts (``"[1]:"``, ...). Raises AssertionError when
    a cell is still running (``[*]``) or unexecuted (``[ ]``) at the deadline.
    """
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
    item = page.locator(".lm-Menu-item:not(.lm-mod-disabled)").filter(
        has=page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$"))
    )
    item.click()

    def finished() -> list[str] | None:
        prompts = page.evaluate(PROMPTS_JS)
        done = bool(prompts) and all(re.fullmatch(r"\[\d+\]:", p) for p in prompts)
        return prompts if done and page.locator(IDLE_KERNEL).count() == 1 else None

    try:
        return wait_for(finished, timeout, "every code cell to finish running")
    except AssertionError as exc:  # name the cells that did not finish
        raise AssertionError(f"{exc}; input prompts: {page.evaluate(PROMPTS_JS)}") from None


def error_outputs(page: Any) -> list[str]:
    """Texts of the stderr outputs (tracebacks, warnings) shown in the notebook."""
    return page.locator(f"{PANEL} {STDERR_OUTPUT}").all_inner_texts()


def output_images(scope: Any) -> list[dict]:
    """Every output image under ``scope`` (a Locator) as ``{"src": str, "ok": bool}``; ok = decoded and drawn."""
    return scope.locator(OUTPUT_IMAGE).evaluate_all(
        "els => els.map(img => ({src: img.getAttribute('src') || '', ok: img.complete && img.naturalWidth > 0}))"
    )


def press_validate(page: Any, timeout_ms: int = 120_000) -> tuple[str, str]:
    """Press nbgrader's Validate toolbar button; return (message classes, message text), then close the dialog."""
    button = page.locator(f"{PANEL} .jp-Toolbar .validate-button")
    button.wait_for(state="visible", timeout=30_000)
    button.click()
    dialog = page.locator(".jp-Dialog").filter(has=page.locator("#validation-message"))
    dialog.wait_for(state="visible", timeout=timeout_ms)
    message = dialog.locator("#validation-message")
    result = (message.get_attribute("class") or "", message.inner_text())
    dialog.locator(".jp-Dialog-button.jp-mod-accept").click()
    dialog.wait_for(state="detached", timeout=10_000)
    return result
