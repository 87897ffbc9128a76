"""A real JupyterHub on localhost for tests: the course's hub/jupyterhub_config.py with a test overlay.

The overlay keeps everything under one temporary folder and, by default, needs no system users:
the DummyAuthenticator, and JupyterHub's SimpleLocalProcessSpawner, which runs every user's server
as the account running the test with its own home folder (``home/NAME``). Being one Unix account,
the servers cannot tell each other's files apart, so the exchange's owner check is off (as on
Kubernetes). With ``accounts=True`` (root only, opt-in: :class:`Accounts` makes temporary Unix
accounts and removes them) the hub keeps the configuration's own LocalProcessSpawner, each server
runs as its user, and the owner check is on, as on a real one-machine hub. The hub, its proxy (the
Python configurable-http-proxy) and every server and kernel they start are stopped by
:meth:`Hub.stop`, which also checks that none is left.
"""
from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from browser_support import free_port

REPO = Path(__file__).resolve().parents[1]
HUB_PACKAGES = ("jupyterhub", "configurable_http_proxy", "nbgitpuller", "requests")

OVERLAY = '''
import os
load_subconfig({config!r})
c.JupyterHub.authenticator_class = "dummy"
{spawner}c.JupyterHub.ip = "127.0.0.1"
c.JupyterHub.port = {port}
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = {hub_port}
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{api_port}"
c.JupyterHub.cleanup_servers = True
c.JupyterHub.services = [{{"name": "e2e", "api_token": {token!r}}}]
c.JupyterHub.load_roles = [{{"name": "e2e", "services": ["e2e"],
                             "scopes": ["admin:users", "admin:servers", "tokens", "admin:groups", "access:servers"]}}]
c.Spawner.environment = {{**c.Spawner.environment, **{extra_env!r},
                          "PYTHONPATH": {pythonpath!r}, "MPLBACKEND": "Agg", "OMP_NUM_THREADS": "1",
                          "OPENBLAS_NUM_THREADS": "1"}}
c.Spawner.args = {args!r}
c.Spawner.start_timeout = 180
c.Spawner.http_timeout = 120
'''


ONE_ACCOUNT = '''c.JupyterHub.spawner_class = "jupyterhub.spawner.SimpleLocalProcessSpawner"
c.SimpleLocalProcessSpawner.home_dir_template = {homes!r} + "/{{username}}"
'''


class Accounts:
    """Temporary Unix accounts with homes in ``homes`` (root only); removed, homes included, on exit."""

    def __init__(self, names: list[str], homes: Path):
        self.names, self.homes, self.made = names, homes, []

    def __enter__(self) -> "Accounts":
        import pwd

        taken = [n for n in self.names if _exists(n, pwd)]
        if taken:
            raise RuntimeError(f"accounts {taken} exist already: not touching them")
        self.homes.mkdir(parents=True, exist_ok=True)
        for name in self.names:
            subprocess.run(["useradd", "--create-home", "--home-dir", str(self.homes / name), "--shell", "/bin/bash",
                            "--user-group", name], check=True, capture_output=True)
            self.made.append(name)
        return self

    def __exit__(self, *exc: object) -> None:
        import pwd

        for name in self.made:
            subprocess.run(["pkill", "-KILL", "-u", name], capture_output=True)
            subprocess.run(["userdel", "--remove", name], capture_output=True)
        left = [n for n in self.made if _exists(n, pwd)]
        assert not left, f"could not remove the accounts {left}"


def _exists(name: str, pwd: Any) -> bool:
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


def missing_packages() -> list[str]:
    import importlib.util

    return [name for name in HUB_PACKAGES if importlib.util.find_spec(name) is None]


@dataclass
class Hub:
    """A running hub: ``url`` through its proxy, an admin token, the folder it lives in."""

    root: Path
    url: str
    token: str
    proc: subprocess.Popen
    log_path: Path
    seen: set[int] = field(default_factory=set)
    prefix: str = sys.prefix                    # the hub's environment
    accounts: bool = False                      # users are Unix accounts
    names: dict[str, str] = field(default_factory=dict)  # role name in the test -> user name

    @property
    def homes(self) -> Path:
        return self.root / "home"

    def api(self, method: str, path: str, **kwargs: Any) -> Any:
        import requests

        resp = requests.request(method, f"{self.url}/hub/api/{path}", timeout=60,
                                headers={"Authorization": f"token {self.token}"}, **kwargs)
        assert resp.status_code < 400, f"{method} {path}: {resp.status_code} {resp.text[:500]}\n{self.log()}"
        return resp.json() if resp.content else None

    def start_server(self, user: str, timeout: float = 180) -> str:
        """Start ``user``'s server; return an API token of theirs for calls to it."""
        self.api("POST", f"users/{user}/server")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            model = self.api("GET", f"users/{user}")
            server = (model.get("servers") or {}).get("", {})
            if server.get("ready"):
                break
            time.sleep(0.5)
        else:
            raise AssertionError(f"{user}'s server did not start in {timeout} s\n{self.log()}")
        self.remember_processes()
        return self.api("POST", f"users/{user}/tokens", json={"note": "hub e2e test"})["token"]

    def remember_processes(self) -> None:
        """Note every process the hub started so far, for :meth:`stop` to check."""
        import psutil

        try:
            self.seen |= {p.pid for p in psutil.Process(self.proc.pid).children(recursive=True)}
        except psutil.NoSuchProcess:
            pass

    def log(self) -> str:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return text[-6000:]

    def stop(self) -> list[str]:
        """Stop the hub and with it every server; returns the processes that had to be killed."""
        import psutil

        self.remember_processes()
        if self.proc.poll() is None:  # the hub stops every server as it shuts down (cleanup_servers)
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        killed = []
        deadline = time.monotonic() + 15
        for pid in sorted(self.seen):
            try:
                proc = psutil.Process(pid)
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except psutil.NoSuchProcess:
                continue
            except psutil.TimeoutExpired:
                killed.append(" ".join(proc.cmdline()[:3]))
                proc.kill()
        return killed


def start_hub(root: Path, roster: dict[str, str], exchange: Path, timeout: float = 60,
              accounts: bool = False, server_env: dict[str, str] | None = None, prefix: str = sys.prefix) -> Hub:
    """Start the course's hub in ``root`` for ``roster`` ({name: role}); returns once its API answers.

    ``accounts``: the users are Unix accounts (see :class:`Accounts`); ``server_env`` is added to
    every server's environment; ``prefix`` is the hub's environment (``make hub-env``).
    """
    import requests

    homes, state = root / "home", root / "state"
    homes.mkdir(parents=True, exist_ok=True)
    state.mkdir()
    (root / "roster.txt").write_text("".join(f"{role} {name}\n" for name, role in roster.items()))
    port, hub_port, api_port = free_port(), free_port(), free_port()
    token = secrets.token_hex(16)
    args = ["--ServerApp.allow_root=True"] if os.geteuid() == 0 and not accounts else []
    config = root / "jupyterhub_test_config.py"
    extra_env = dict(server_env or {})
    if not accounts:
        extra_env["COURSE_EXCHANGE_CHECK_OWNER"] = "0"
    spawner = "" if accounts else ONE_ACCOUNT.format(homes=str(homes))
    config.write_text(OVERLAY.format(config=str(REPO / "hub" / "jupyterhub_config.py"), spawner=spawner,
                                     port=port, hub_port=hub_port, api_port=api_port, token=token, args=args,
                                     extra_env=extra_env, pythonpath=os.environ.get("PYTHONPATH", "")))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "PYTEST", "COURSE_"))}
    env.update(COURSE_HUB_ROSTER=str(root / "roster.txt"), COURSE_HUB_STATE=str(state),
               COURSE_EXCHANGE_ROOT=str(exchange), COURSE_HUB_ENV=prefix,
               PATH=os.path.join(prefix, "bin") + os.pathsep + env.get("PATH", "/usr/bin:/bin"))
    log_path = root / "hub.log"
    with open(log_path, "w") as log:
        proc = subprocess.Popen([os.path.join(prefix, "bin", "jupyterhub"), "-f", str(config)], cwd=state,
                                env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    hub = Hub(root, f"http://127.0.0.1:{port}", token, proc, log_path, prefix=prefix, accounts=accounts)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"the hub exited with {proc.returncode}\n{hub.log()}")
        try:
            if requests.get(f"{hub.url}/hub/api/", timeout=2).status_code == 200:
                hub.remember_processes()
                return hub
        except requests.RequestException:
            pass
        time.sleep(0.3)
    hub.stop()
    raise AssertionError(f"the hub did not answer in {timeout} s\n{hub.log()}")
