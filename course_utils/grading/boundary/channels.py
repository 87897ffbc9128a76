"""Processes and pipes of a grading run: zygote control sockets, one child's pipes, frame reading with deadlines.

A *zygote* (``worker.py``) is a pre-imported process that forks one child per student;
the host talks to it over a ``SOCK_SEQPACKET`` control socket. A child's requests and
replies travel as length-prefixed JSON frames (``frames.py``) over two pipes; every
write and every wait here takes a deadline, so no student can block the host.
"""
from __future__ import annotations

import json
import os
import selectors
import socket
import struct
import subprocess
import time
from functools import cached_property

from .worker import MAX_CONTROL

__all__ = ["MAX_FRAME", "VIOLATION", "WorkerError", "Zygote", "Side", "FrameReader"]

MAX_FRAME = 32 << 20
MAX_CONTAINERS = 1_100_000  # lists and objects in one frame: plain data holds at most a million parts
VIOLATION = "broke the grading protocol"


class WorkerError(RuntimeError):
    """A grading worker itself failed (not the student's code)."""


class Zygote:
    """A zygote process and its control socket."""

    def __init__(self, command, env: dict, warm: list[str], startup_timeout: float, cwd: str | None = None) -> None:
        parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.ctrl = parent
        debug = os.environ.get("COURSE_GRADING_DEBUG")
        self.proc = subprocess.Popen(command(child.fileno()), pass_fds=[child.fileno()], env=env, cwd=cwd,
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=None if debug else subprocess.DEVNULL, start_new_session=True)
        child.close()
        self.send(op="init", warm=warm)
        ready = self.event(startup_timeout)
        if not ready or ready.get("event") != "ready":
            self.close()
            raise WorkerError(f"grading worker did not start (exit code {self.proc.poll()}); "
                              "set COURSE_GRADING_DEBUG=1 to see its error output")

    def send(self, fds: list[int] | None = None, **msg: object) -> None:
        data = json.dumps(msg).encode("utf-8")
        try:
            if fds:
                socket.send_fds(self.ctrl, [data], fds)
            else:
                self.ctrl.send(data)
        except OSError as exc:
            raise WorkerError(f"grading worker is gone: {exc}") from exc

    def event(self, timeout: float) -> dict | None:
        self.ctrl.settimeout(timeout)
        try:
            data = self.ctrl.recv(MAX_CONTROL)
        except (socket.timeout, OSError):
            return None
        finally:
            self.ctrl.settimeout(None)
        try:
            return json.loads(data.decode("utf-8")) if data else None
        except ValueError:
            return None

    def alive(self) -> bool:
        return self.proc.poll() is None

    @cached_property
    def pid_namespace(self) -> str | None:
        """The PID namespace of this zygote's sandbox (bubblewrap's child), or ``None`` when it has none
        of its own (no bubblewrap) or it cannot be read."""
        try:
            with open(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children") as fh:
                init = fh.read().split()
            ns = os.readlink(f"/proc/{init[0]}/ns/pid") if init else None
            return ns if ns and ns != os.readlink("/proc/self/ns/pid") else None
        except OSError:
            return None

    def processes(self) -> int | None:
        """How many processes live in this zygote's sandbox, counted from outside (``None``: no sandbox).

        The count is the host's, so a student who stops the sandbox's own supervisor cannot hide from it.
        """
        if self.pid_namespace is None:
            return None
        count = 0
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    count += os.readlink(f"/proc/{entry}/ns/pid") == self.pid_namespace
                except OSError:
                    pass
        return count

    def close(self) -> None:
        try:
            self.send(op="quit")
        except WorkerError:
            pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.ctrl.close()

    def end(self) -> bool:
        """Kill the current child and all it started, wipe its scratch space; True when done."""
        if not self.alive():
            return False
        try:
            self.send(op="end")
        except WorkerError:
            return False
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            event = self.event(max(0.1, deadline - time.monotonic()))
            if event is None:
                return False
            if event.get("event") == "clean":
                return True
        return False


class Side:
    """One running child (student or judge): its two pipes, frame reader and zygote."""

    def __init__(self, zygote: Zygote, spec: dict) -> None:
        self.zygote = zygote
        procs = (spec.get("limits") or {}).get("procs")
        # the sandbox's init, its zygote and the child are not the student's
        self.max_processes = int(procs) + 3 if isinstance(procs, int) else None
        to_r, self.to_w = os.pipe()
        self.from_r, from_w = os.pipe()
        try:
            zygote.send(fds=[to_r, from_w], **spec)
        finally:
            os.close(to_r)
            os.close(from_w)
        os.set_blocking(self.to_w, False)
        os.set_blocking(self.from_r, False)
        self.reader = FrameReader(self.from_r)
        self.sel = selectors.DefaultSelector()
        self.sel.register(self.from_r, selectors.EVENT_READ, "frame")
        self.sel.register(zygote.ctrl, selectors.EVENT_READ, "ctrl")
        self.dead: str | None = None
        started = zygote.event(30)
        if not started or started.get("event") != "started":
            self.close()
            raise WorkerError("grading worker did not start a child")

    def write(self, msg: dict, deadline: float) -> None:
        """Send one frame; raises ``TimeoutError`` if the child stops reading, ``OSError`` if it is gone."""
        data = json.dumps(msg).encode("utf-8")
        view = memoryview(struct.pack(">I", len(data)) + data)
        while view:
            try:
                view = view[os.write(self.to_w, view):]
                continue
            except BlockingIOError:
                pass
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("stopped reading its input")
            _, ready, _ = _select_write(self.to_w, min(left, 1.0))
            if not ready and not self.zygote.alive():
                raise OSError("worker gone")

    def wait(self, deadline: float) -> tuple[str, object]:
        """Next frame: ``("frame", obj)``, ``("timeout", None)`` or ``("dead", reason)``."""
        if self.reader.frames:
            return "frame", self.reader.pop()
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return "timeout", None
            for key, _ in self.sel.select(timeout=min(left, 1.0)):
                if key.data == "frame":
                    status = self.reader.pump()
                    if status == "frame":
                        return "frame", self.reader.pop()
                    if status == "eof":
                        event = self.zygote.event(0.5)
                        return "dead", _event_fatal(event) or "died"
                    if status != "wait":
                        return "dead", status
                else:
                    event = self.zygote.event(5)
                    if event is None:
                        return "dead", "the sandbox stopped unexpectedly"
                    if event.get("event") == "exit" and self.reader.pump() == "frame":
                        return "frame", self.reader.pop()
                    fatal = _event_fatal(event)
                    if fatal:
                        return "dead", fatal
            if not self.zygote.alive():
                return "dead", "the sandbox stopped unexpectedly"
            if self.max_processes is not None:
                count = self.zygote.processes()
                if count is not None and count > self.max_processes:
                    self.zygote.proc.kill()  # the whole sandbox goes with it; the pool starts a new one
                    return "dead", f"started more than {self.max_processes - 3} processes"

    def close(self) -> None:
        try:
            self.write({"op": "stop"}, time.monotonic() + 0.2)
        except (OSError, TimeoutError):
            pass
        self.sel.close()
        for fd in (self.to_w, self.from_r):
            try:
                os.close(fd)
            except OSError:
                pass


def _select_write(fd: int, timeout: float):
    import select
    return select.select([], [fd], [], timeout)


def _event_fatal(event: dict | None) -> str | None:
    """Why a child stopped, for a zygote event that ends it (``exit``, ``limit``); else None."""
    kind = (event or {}).get("event")
    if kind == "exit":
        return f"died (exit code {event.get('code')})"
    if kind == "limit":
        return f"started {event.get('reason')} (fork bomb?)"
    return None


class FrameReader:
    """Incremental reader of length-prefixed JSON frames on a non-blocking fd."""

    def __init__(self, fd: int) -> None:
        self.fd, self.buf, self.frames = fd, bytearray(), []

    def pump(self) -> str:
        """Read what is there: ``frame`` (one is ready), ``wait``, ``eof`` or a problem description."""
        while True:
            try:
                chunk = os.read(self.fd, 1 << 20)
            except BlockingIOError:
                break
            if not chunk:
                return self._split() or "eof"
            self.buf += chunk
            if len(self.buf) > MAX_FRAME + 4:
                return "sent a reply larger than the grader accepts"
        return self._split() or "wait"

    def _split(self) -> str:
        while len(self.buf) >= 4:
            size = struct.unpack(">I", self.buf[:4])[0]
            if size > MAX_FRAME:
                return "sent a reply larger than the grader accepts"
            if len(self.buf) < 4 + size:
                break
            body = bytes(self.buf[4:4 + size])
            if size > (1 << 20) and body.count(b"{") + body.count(b"[") > MAX_CONTAINERS:
                return VIOLATION  # checked before parsing: such a reply would cost gigabytes to read
            try:
                self.frames.append(json.loads(body.decode("utf-8")))
            except (ValueError, RecursionError):
                return VIOLATION
            del self.buf[:4 + size]
        return "frame" if self.frames else ""

    def pop(self) -> dict:
        return self.frames.pop(0)
