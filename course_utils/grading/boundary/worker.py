"""Grading workers: a pre-imported *zygote* that forks one child per student.

This file runs as a script (``python worker.py CONTROL_FD MODE ROLE``) and imports
only the standard library, IPython and NumPy, so it starts fast. A ``student``
zygote runs inside the sandbox and never sees the course folder; its children run
the student's cells (``kernel.py``). A ``judge`` zygote runs outside it; its children
run the instructor's test cells and call the student's functions through the host
(``judge.py``). The host talks to it over a ``SOCK_SEQPACKET`` control
socket (small JSON messages). For each student the host sends two fresh pipes
with the ``start`` message; the zygote forks a child that inherits them and
closes its own copies, so cell sources (including hidden tests) and outputs
only ever pass between the host and that student's child. The zygote never
runs student code and never holds a cell's source, so every child starts
from the same pristine, pre-imported state.

Messages host -> zygote: ``init`` (modules to pre-import), ``start`` (+ two
fds), ``interrupt``, ``end`` (kill the child and anything it spawned, wipe the
scratch space), ``quit``. Events zygote -> host: ``ready``, ``started``,
``exit`` (child ended on its own), ``limit`` (process limit hit), ``clean``.

The student's side (the shell and output capture) lives in ``kernel.py``.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import stat
import sys
import time

if __package__:
    from .capture import make_shell
    from .judge import run_judge
    from .kernel import run_child
else:  # run as a script (inside the sandbox for students)
    from capture import make_shell
    from judge import run_judge
    from kernel import run_child

MAX_CONTROL = 65536
MODE_PIDNS = "pidns"
ROLE_STUDENT, ROLE_JUDGE = "student", "judge"


def send(ctrl: socket.socket, **msg: object) -> None:
    ctrl.send(json.dumps(msg).encode("utf-8"))


# ----------------------------------------------------------------------------- zygote side
def _count_processes() -> int:
    return sum(1 for name in os.listdir("/proc") if name.isdigit())


def _remove(path: str) -> None:
    """Remove one file, link or folder tree, staying on the folder's own file system.

    A folder a student made read-only (``chmod 555``) is theirs, so it is opened again first.
    """
    try:
        st = os.lstat(path)
    except OSError:
        return
    try:
        if stat.S_ISDIR(st.st_mode):
            os.chmod(path, 0o700)
            _wipe(path, st.st_dev)
            os.rmdir(path)
        else:
            os.unlink(path)
    except OSError:
        pass


def _wipe(path: str, device: int | None = None) -> None:
    """Empty ``path`` without leaving its file system: folders mounted inside it (the course package
    when the course lives under /tmp) are never entered."""
    try:
        device = os.lstat(path).st_dev if device is None else device
        names = os.listdir(path)
    except OSError:
        return
    for name in names:
        full = os.path.join(path, name)
        try:
            if os.lstat(full).st_dev == device:  # another device: a mount point
                _remove(full)
        except OSError:
            pass


def _listing(root: str) -> dict[str, str | None]:
    """Every path under ``root`` (not following links), with its link target for symbolic links."""
    found: dict[str, str | None] = {}
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            path = os.path.join(folder, name)
            found[path] = os.readlink(path) if os.path.islink(path) else None
    return found


def _wipe_new(root: str, keep: dict[str, str | None]) -> None:
    """Put ``root`` back as listed in ``keep``: remove what appeared, restore changed links."""
    now = _listing(root)
    gone: list[str] = []
    for path in sorted(set(now) - set(keep), key=len):
        if not any(path.startswith(g + os.sep) for g in gone):
            _remove(path)
            gone.append(path)
    for path, target in keep.items():
        if target is not None and now.get(path) != target:
            try:
                if os.path.lexists(path):
                    os.unlink(path)
                os.symlink(target, path)
            except OSError:
                pass


def _warm_tracebacks(shell) -> None:
    """Format one traceback as a cell's error would be, so that each child does not import
    IPython's traceback machinery (``stack_data``, ``executing``) anew on its first error."""
    def fail() -> None:
        raise ValueError("warm-up")

    try:
        fail()
    except ValueError:
        try:
            shell.InteractiveTB.structured_traceback(*sys.exc_info(), tb_offset=0)
        except Exception:
            pass


class Zygote:
    """Owns the pre-imported shell, forks children and cleans up after each student."""

    def __init__(self, ctrl: socket.socket, mode: str, role: str = ROLE_STUDENT) -> None:
        self.ctrl, self.mode = ctrl, mode
        self.body = run_judge if role == ROLE_JUDGE else run_child
        self.pid: int | None = None
        self.workdir = ""
        self.max_procs = 64
        self.owner_ref: list = [None]
        self.shell = None
        self.dev: dict[str, str | None] = {}

    def init(self, msg: dict) -> None:
        started = time.perf_counter()
        ok = []
        for name in msg.get("warm", []):
            try:
                __import__(name)
                ok.append(name)
            except Exception:
                pass
        self.shell = make_shell(self.owner_ref)
        _warm_tracebacks(self.shell)
        if self.mode == MODE_PIDNS:
            self.dev = _listing("/dev")
        send(self.ctrl, event="ready", warm=ok, seconds=time.perf_counter() - started)

    def start(self, msg: dict, fds: list[int]) -> None:
        cells_r, results_w = fds
        self.max_procs = int(msg.get("limits", {}).get("procs", 64))
        msg["plain"] = self.mode != MODE_PIDNS
        if self.mode == MODE_PIDNS:
            self.workdir = "/tmp/work"
            os.makedirs(self.workdir, exist_ok=True)
        else:
            import tempfile
            self.workdir = tempfile.mkdtemp(prefix="course-grade-")
        pid = os.fork()
        if pid == 0:
            try:
                self.ctrl.close()
                self.body(self.shell, self.owner_ref, cells_r, results_w, msg, self.workdir)
            finally:
                os._exit(70)
        os.close(cells_r)
        os.close(results_w)
        self.pid = pid
        send(self.ctrl, event="started", pid=pid)

    def kill_all(self) -> None:
        if self.mode == MODE_PIDNS:
            me = os.getpid()
            for _ in range(200):
                try:
                    os.kill(-1, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.reap()
                others = [p for p in os.listdir("/proc") if p.isdigit() and int(p) not in (1, me)]
                if not others:
                    break
                time.sleep(0.005)
        elif self.pid is not None:
            try:
                os.killpg(self.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        if self.pid is not None:
            try:
                os.waitpid(self.pid, 0)
            except ChildProcessError:
                pass
        self.pid = None

    def reap(self) -> None:
        while True:
            try:
                pid, _ = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return

    def end(self) -> None:
        self.kill_all()
        if self.mode == MODE_PIDNS:
            _wipe("/tmp")
            _wipe_new("/dev", self.dev)  # /dev/shm and any file a student left in /dev
        else:
            shutil.rmtree(self.workdir, ignore_errors=True)
        send(self.ctrl, event="clean")

    def poll_child(self) -> None:
        if self.pid is None:
            return
        try:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
        except ChildProcessError:
            pid, status = self.pid, 0
        if pid:
            code = os.waitstatus_to_exitcode(status)
            self.pid = None
            send(self.ctrl, event="exit", code=code)
            return
        if self.mode == MODE_PIDNS and _count_processes() > self.max_procs + 2:
            self.kill_all()
            send(self.ctrl, event="limit", reason=f"more than {self.max_procs} processes")

    def serve(self) -> None:
        import select
        while True:
            timeout = 0.02 if self.pid is not None else None
            ready, _, _ = select.select([self.ctrl], [], [], timeout)
            if not ready:
                self.poll_child()
                continue
            data, fds, _, _ = socket.recv_fds(self.ctrl, MAX_CONTROL, 4)
            if not data:
                self.kill_all()
                return
            msg = json.loads(data.decode("utf-8"))
            op = msg.get("op")
            if op == "init":
                self.init(msg)
            elif op == "start":
                self.start(msg, fds)
            elif op == "interrupt" and self.pid is not None:
                try:
                    os.kill(self.pid, signal.SIGINT)
                except ProcessLookupError:
                    pass
            elif op == "end":
                self.end()
            elif op == "quit":
                self.kill_all()
                return
            self.poll_child()


def main(argv: list[str]) -> int:
    """Entry point: ``worker.py CONTROL_FD MODE [ROLE]`` (role ``student``, in the sandbox, or ``judge``)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.path and os.path.abspath(sys.path[0]) == os.path.dirname(os.path.abspath(__file__)):
        sys.path.pop(0)  # the worker's own folder is not importable by students
    try:  # no ptrace or /proc/<pid>/mem access to the zygote from its children
        import ctypes
        ctypes.CDLL(None).prctl(4, 0, 0, 0, 0)
    except Exception:
        pass
    ctrl = socket.socket(fileno=int(argv[1]))
    Zygote(ctrl, argv[2] if len(argv) > 2 else "plain", argv[3] if len(argv) > 3 else ROLE_STUDENT).serve()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
