"""Host side of the grading workers: a pool of warm sandboxed zygotes.

Each :class:`Worker` owns one sandboxed zygote (see ``worker.py``). Running a
student means: create two fresh pipes, hand them to the zygote with ``start``,
feed the cells one at a time (a cell's source reaches the sandbox only when that
cell runs), enforce the per-cell time limit (interrupt, then kill), and finally
ask the zygote to kill everything the student started and wipe the scratch
space. A worker that stops answering is killed and replaced.
"""
from __future__ import annotations

import base64
import json
import os
import selectors
import socket
import struct
import subprocess
import time
from dataclasses import dataclass, field

from .kernel import write_frame
from .sandbox import SandboxSpec, worker_command, worker_env
from .worker import MAX_CONTROL

MAX_FRAME = 64 << 20


@dataclass
class Limits:
    """Per-student limits. ``timeout`` is per cell in seconds; ``memory`` in bytes."""

    timeout: float = 60.0
    memory: int = 2 << 30
    procs: int = 64
    fsize: int = 64 << 20
    max_output: int = 20000
    grace: float = 3.0


@dataclass
class RunResult:
    """Outputs of one student's run.

    ``cells`` holds one entry per executed cell: ``{"outputs": [...], "execution_count": n}``;
    cells after a fatal problem are absent. ``fatal`` says why the run stopped early
    (``None`` when every cell ran); ``timeouts`` lists indices of cells that were
    interrupted for exceeding the time limit.
    """

    cells: list[dict] = field(default_factory=list)
    fatal: str | None = None
    timeouts: list[int] = field(default_factory=list)
    worker_failed: bool = False
    fatal_cell: int | None = None


class WorkerError(RuntimeError):
    """The sandboxed worker itself failed (not the student's code)."""


class Worker:
    """One warm sandboxed zygote."""

    def __init__(self, spec: SandboxSpec, warm: list[str], startup_timeout: float = 120.0) -> None:
        parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.ctrl = parent
        cmd = worker_command(spec, child.fileno())
        debug = os.environ.get("COURSE_GRADING_DEBUG")
        self.proc = subprocess.Popen(cmd, pass_fds=[child.fileno()], env=worker_env(),
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=None if debug else subprocess.DEVNULL,
                                     start_new_session=True)
        child.close()
        self._send(op="init", warm=warm)
        ready = self._event(startup_timeout)
        if not ready or ready.get("event") != "ready":
            self.close()
            raise WorkerError(f"grading worker did not start (exit code {self.proc.poll()}); "
                              "set COURSE_GRADING_DEBUG=1 to see its error output")

    # ------------------------------------------------------------------ control channel
    def _send(self, fds: list[int] | None = None, **msg: object) -> None:
        data = json.dumps(msg).encode("utf-8")
        try:
            if fds:
                socket.send_fds(self.ctrl, [data], fds)
            else:
                self.ctrl.send(data)
        except OSError as exc:
            raise WorkerError(f"grading worker is gone: {exc}") from exc

    def _event(self, timeout: float) -> dict | None:
        self.ctrl.settimeout(timeout)
        try:
            data = self.ctrl.recv(MAX_CONTROL)
        except (socket.timeout, OSError):
            return None
        finally:
            self.ctrl.settimeout(None)
        return json.loads(data.decode("utf-8")) if data else None

    def alive(self) -> bool:
        return self.proc.poll() is None

    def close(self) -> None:
        """Stop the zygote and its sandbox."""
        try:
            self._send(op="quit")
        except WorkerError:
            pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.ctrl.close()

    # ------------------------------------------------------------------ one student
    def run(self, cells: list[str], limits: Limits, files: dict[str, bytes] | None = None,
            notebook: str = "notebook.ipynb") -> RunResult:
        """Execute ``cells`` (code sources, in order) for one student in a fresh child."""
        cells_r, cells_w = os.pipe()
        res_r, res_w = os.pipe()
        result = RunResult()
        spec = {"op": "start", "notebook": notebook, "max_output": limits.max_output,
                "limits": {"memory": limits.memory, "fsize": limits.fsize, "procs": limits.procs,
                           "cpu": int(limits.timeout * (len(cells) + 2) + 10)}}
        try:
            self._send(fds=[cells_r, res_w], **spec)
        finally:
            os.close(cells_r)
            os.close(res_w)
        sel = selectors.DefaultSelector()
        try:
            started = self._event(30)
            if not started or started.get("event") != "started":
                raise WorkerError("grading worker did not start a child")
            os.set_blocking(res_r, False)
            sel.register(res_r, selectors.EVENT_READ, "res")
            sel.register(self.ctrl, selectors.EVENT_READ, "ctrl")
            reader = _FrameReader(res_r)
            if files:
                payload = {k: base64.b64encode(v).decode() for k, v in files.items()}
                self._feed(cells_w, {"op": "files", "files": payload}, result)
                if result.fatal is None:
                    self._wait(sel, reader, limits, result, index=-1)
            for index, source in enumerate(cells):
                if result.fatal is not None:
                    break
                self._feed(cells_w, {"op": "cell", "source": source}, result)
                if result.fatal is None:
                    reply = self._wait(sel, reader, limits, result, index)
                    if reply is not None:
                        result.cells.append(reply)
            self._feed(cells_w, {"op": "stop"}, RunResult())
        finally:
            sel.close()
            os.close(cells_w)
            os.close(res_r)
            self._finish(result)
        return result

    def _feed(self, fd: int, msg: dict, result: RunResult) -> None:
        try:
            write_frame(fd, msg)
        except OSError:
            result.fatal = result.fatal or "the kernel died (its input closed)"

    def _wait(self, sel, reader: "_FrameReader", limits: Limits, result: RunResult,
              index: int) -> dict | None:
        deadline = time.monotonic() + limits.timeout
        interrupted = False
        result.fatal_cell = index
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                if not interrupted:
                    interrupted = True
                    result.timeouts.append(index)
                    self._send(op="interrupt")
                    deadline = time.monotonic() + limits.grace
                    continue
                result.fatal = (f"cell {index + 1} exceeded the {limits.timeout:g} s time limit "
                                "and did not stop when interrupted; the kernel was killed")
                return None
            for key, _ in sel.select(timeout=min(left, 1.0)):
                if key.data == "res":
                    status = reader.pump()
                    if status == "frame":
                        return reader.pop()
                    if status in ("eof", "too-big"):
                        event = self._event(0.5) if status == "eof" else None
                        result.fatal = _event_fatal(event, index) or (
                            f"the kernel died while running cell {index + 1}" if status == "eof"
                            else "the kernel sent an oversized reply")
                        return None
                else:
                    event = self._event(5)
                    if event is None:
                        result.fatal, result.worker_failed = "the sandbox stopped unexpectedly", True
                        return None
                    # On an exit, let any reply already written reach us first.
                    if event.get("event") == "exit" and reader.pump() == "frame":
                        return reader.pop()
                    fatal = _event_fatal(event, index)
                    if fatal:
                        result.fatal = fatal
                        return None
            if not self.alive():
                result.fatal, result.worker_failed = "the sandbox stopped unexpectedly", True
                return None

    def _finish(self, result: RunResult) -> None:
        if not self.alive():
            result.worker_failed = True
            return
        try:
            self._send(op="end")
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                event = self._event(max(0.1, deadline - time.monotonic()))
                if event is None:
                    break
                if event.get("event") == "clean":
                    return
        except WorkerError:
            pass
        result.worker_failed = True


def _event_fatal(event: dict | None, index: int) -> str | None:
    """Why the run stopped, for a zygote event that ends it (``exit``, ``limit``); else None."""
    kind = (event or {}).get("event")
    if kind == "exit":
        return f"the kernel died while running cell {index + 1} (exit code {event.get('code')})"
    if kind == "limit":
        return f"the submission started {event.get('reason')} (fork bomb?); the run was stopped"
    return None


class _FrameReader:
    """Incremental reader of length-prefixed JSON frames on a non-blocking fd."""

    def __init__(self, fd: int) -> None:
        self.fd, self.buf, self.frames = fd, bytearray(), []

    def pump(self) -> str:
        while True:
            try:
                chunk = os.read(self.fd, 1 << 20)
            except BlockingIOError:
                break
            if not chunk:
                return "frame" if self._split() else "eof"
            self.buf += chunk
            if len(self.buf) > MAX_FRAME + 4:
                return "too-big"
        return "frame" if self._split() else "wait"

    def _split(self) -> bool:
        while len(self.buf) >= 4:
            size = struct.unpack(">I", self.buf[:4])[0]
            if len(self.buf) < 4 + size:
                break
            self.frames.append(json.loads(bytes(self.buf[4:4 + size]).decode("utf-8")))
            del self.buf[:4 + size]
        return bool(self.frames)

    def pop(self) -> dict:
        return self.frames.pop(0)
