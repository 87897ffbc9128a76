"""Host side of the grading workers: a sandboxed student zygote and a trusted judge zygote per worker.

Each :class:`Worker` owns two warm zygotes (see ``worker.py``): one in the sandbox that
runs the student's cells, and one outside it that runs the instructor's test cells
(``judge.py``). For each student both fork a fresh child. The host feeds cells one at
a time, relays the judge's requests (the student's names, calls to the student's
functions) to the student's child and the replies back, and enforces the per-cell time
limit on every read and write: a side that overruns is interrupted, then killed. Replies
from the student must answer the request they were sent for (a random nonce); anything
else ends that student's run with a reason. A worker that stops answering is replaced.
"""
from __future__ import annotations

import base64
import json
import os
import secrets
import selectors
import socket
import struct
import subprocess
import tempfile
import time
from dataclasses import dataclass, field

from .capture import Capture, add_outputs
from .sandbox import SandboxSpec, judge_command, judge_env, worker_command, worker_env
from .worker import MAX_CONTROL

MAX_FRAME = 64 << 20
STUDENT, LOCKED, TEST = "student", "locked", "test"
VIOLATION = "broke the grading protocol"


@dataclass
class Limits:
    """Per-student limits. ``timeout`` is per cell in seconds; ``memory`` in bytes; ``max_output`` in characters per cell."""

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
    interrupted for exceeding the time limit; ``violation`` is set when the student's
    side sent something that was not an answer to the grader's request.
    """

    cells: list[dict] = field(default_factory=list)
    fatal: str | None = None
    timeouts: list[int] = field(default_factory=list)
    worker_failed: bool = False
    fatal_cell: int | None = None
    violation: bool = False


class WorkerError(RuntimeError):
    """A grading worker itself failed (not the student's code)."""


class _Zygote:
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


class _Side:
    """One running child (student or judge): its two pipes, frame reader and zygote."""

    def __init__(self, zygote: _Zygote, spec: dict) -> None:
        self.zygote = zygote
        to_r, self.to_w = os.pipe()
        self.from_r, from_w = os.pipe()
        try:
            zygote.send(fds=[to_r, from_w], **spec)
        finally:
            os.close(to_r)
            os.close(from_w)
        os.set_blocking(self.to_w, False)
        os.set_blocking(self.from_r, False)
        self.reader = _FrameReader(self.from_r)
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


class Worker:
    """One warm sandboxed student zygote plus one trusted judge zygote."""

    def __init__(self, spec: SandboxSpec, warm: list[str], startup_timeout: float = 120.0) -> None:
        self.scratch = tempfile.mkdtemp(prefix="course-judge-")
        self.student = _Zygote(lambda fd: worker_command(spec, fd), worker_env(), warm, startup_timeout)
        try:
            self.judge = _Zygote(lambda fd: judge_command(fd), judge_env(), warm, startup_timeout, cwd=self.scratch)
        except WorkerError:
            self.student.close()
            raise

    def alive(self) -> bool:
        return self.student.alive() and self.judge.alive()

    def close(self) -> None:
        """Stop both zygotes and the sandbox."""
        self.student.close()
        self.judge.close()
        import shutil
        shutil.rmtree(self.scratch, ignore_errors=True)

    # ------------------------------------------------------------------ one student
    def run(self, cells: list, limits: Limits, files: dict[str, bytes] | None = None,
            notebook: str = "notebook.ipynb") -> RunResult:
        """Run one student's notebook in fresh children.

        ``cells`` are code sources in order, each a plain string (the student's code) or a
        ``(kind, source)`` pair with kind ``"student"``, ``"locked"`` (run on both sides,
        outputs from the judge) or ``"test"`` (run by the judge only).
        """
        result = RunResult()
        spec = {"op": "start", "notebook": notebook, "max_output": limits.max_output,
                "limits": {"memory": limits.memory, "fsize": limits.fsize, "procs": limits.procs,
                           "cpu": int(limits.timeout * (len(cells) + 2) + 10)}}
        student = judge = None
        try:
            student = _Side(self.student, spec)
            run = _Run(student, None, limits, result)
            if any(not isinstance(c, str) and c[0] != STUDENT for c in cells):
                judge = run.judge = _Side(self.judge, {**spec, "limits": {}})
            if files:
                payload = {k: base64.b64encode(v).decode() for k, v in files.items()}
                run.ask_student({"op": "files", "files": payload}, -1)
            for index, cell in enumerate(cells):
                if result.fatal is not None:
                    break
                kind, source = (STUDENT, cell) if isinstance(cell, str) else cell
                run.cell(index, kind, source)
        finally:
            for side in (student, judge):
                if side is not None:
                    side.close()
            clean = [z.end() for z, side in ((self.student, student), (self.judge, judge)) if side is not None]
            if not all(clean) or not self.alive():
                result.worker_failed = True
        return result


class _Run:
    """The state of one student's run: the two sides, the execution counter, the result so far."""

    def __init__(self, student: _Side, judge: _Side | None, limits: Limits, result: RunResult) -> None:
        self.student, self.judge, self.limits, self.result = student, judge, limits, result
        self.count = 0

    def _stop(self, index: int, why: str, violation: bool = False, grader: bool = False) -> None:
        if self.result.fatal is None:
            self.result.fatal, self.result.fatal_cell = why, index
        self.result.violation |= violation
        self.result.worker_failed |= grader

    def _student_gone(self, index: int, problem: str) -> None:
        if problem == VIOLATION:
            self._stop(index, f"the notebook's kernel {VIOLATION} while running cell {index + 1}", violation=True)
        elif problem == "did not stop":
            self._stop(index, f"cell {index + 1} exceeded the {self.limits.timeout:g} s time limit and did "
                              "not stop when interrupted; the kernel was killed")
        elif problem == "stopped reading its input":
            self._stop(index, f"the notebook's kernel stopped reading the grader's requests in cell {index + 1} "
                              "and did not recover; it was killed", violation=True)
        else:
            self._stop(index, f"the kernel {problem} while running cell {index + 1}")
        self.student.dead = problem

    def _timed_out(self, index: int) -> None:
        if index not in self.result.timeouts:
            self.result.timeouts.append(index)

    def ask_student(self, msg: dict, index: int, deadline: float | None = None) -> dict | None:
        """Send a request to the student's child and wait for its answer; None when there is none."""
        if self.student.dead:
            return None
        msg = {**msg, "nonce": msg.get("nonce") or secrets.token_hex(12)}
        deadline = deadline or time.monotonic() + self.limits.timeout
        try:
            self.student.write(msg, deadline)
        except TimeoutError:
            self._student_gone(index, "stopped reading its input")
            return None
        except OSError:
            self._student_gone(index, "died")
            return None
        interrupted = False
        while True:
            status, frame = self.student.wait(deadline)
            if status == "frame":
                if not isinstance(frame, dict) or frame.get("nonce") != msg["nonce"]:
                    self._student_gone(index, VIOLATION)
                    return None
                return frame
            if status == "timeout" and not interrupted:
                interrupted = True
                self._timed_out(index)
                try:
                    self.student.zygote.send(op="interrupt")
                except WorkerError:
                    pass
                deadline = time.monotonic() + self.limits.grace
                continue
            self._student_gone(index, "did not stop" if status == "timeout" else str(frame))
            return None

    def cell(self, index: int, kind: str, source: str) -> None:
        self.count += 1
        outputs = None
        if kind in (STUDENT, LOCKED):
            reply = self.ask_student({"op": "cell", "source": source}, index)
            if reply is not None and kind == STUDENT:
                capture = Capture(self.limits.max_output)
                add_outputs(capture, reply.get("outputs"))
                outputs = capture.finish()
        if kind in (LOCKED, TEST) and self.result.fatal is None:
            if self.judge is None:
                raise WorkerError("no judge for a test cell")
            done = self._judge_cell(index, source)
            outputs = None if done is None else done.get("outputs", [])
        if outputs is None:
            return
        for out in outputs:
            if out.get("output_type") == "execute_result":
                out["execution_count"] = self.count
        self.result.cells.append({"outputs": outputs, "execution_count": self.count})

    def _judge_cell(self, index: int, source: str) -> dict | None:
        """Run a trusted cell in the judge, relaying its requests to the student; the ``done`` frame."""
        deadline = time.monotonic() + self.limits.timeout
        try:
            self.judge.write({"op": "cell", "source": source}, deadline)
        except (OSError, TimeoutError):
            self._stop(index, "the grader's test process stopped", grader=True)
            return None
        interrupted = False
        while True:
            status, frame = self.judge.wait(deadline)
            if status == "timeout" and not interrupted:
                interrupted = True
                self._timed_out(index)
                self.judge.zygote.send(op="interrupt")
                deadline = time.monotonic() + self.limits.grace
                continue
            if status != "frame" or not isinstance(frame, dict):
                why = (f"cell {index + 1} exceeded the {self.limits.timeout:g} s time limit in the grader"
                       if status == "timeout" else f"the grader's test process {frame}")
                self._stop(index, why, grader=status != "timeout")
                return None
            op = frame.get("op")
            if op == "done":
                return frame
            reply = self._relay(frame, index, deadline)
            if reply.get("timed_out"):
                deadline = time.monotonic() + self.limits.grace
            try:
                self.judge.write(reply, time.monotonic() + self.limits.timeout)
            except (OSError, TimeoutError):
                self._stop(index, "the grader's test process stopped", grader=True)
                return None

    def _relay(self, frame: dict, index: int, deadline: float) -> dict:
        """Forward one judge request to the student; the reply, or an error in its place."""
        nonce = frame.get("nonce")
        op = frame.get("op")
        if op not in ("describe", "call") or index in self.result.timeouts or self.student.dead:
            why = ("the notebook's kernel is not running" if self.student.dead
                   else "an earlier call in this cell ran out of time")
            return {"nonce": nonce, "ok": False, "names": {}, "timed_out": False,
                    "error": {"mro": ["RuntimeError", "Exception"], "message": why}}
        keys = ("op", "nonce", "names") if op == "describe" else ("op", "nonce", "name", "args", "kwargs")
        before = len(self.result.timeouts)
        reply = self.ask_student({k: frame.get(k) for k in keys}, index, deadline)
        if reply is None:
            message = ("the notebook's kernel stopped: " + str(self.result.fatal)) if self.result.fatal else \
                "no reply from the notebook's kernel"
            reply = {"nonce": nonce, "ok": False, "names": {},
                     "error": {"mro": ["RuntimeError", "Exception"], "message": message}}
        reply["timed_out"] = len(self.result.timeouts) > before
        return reply


class _FrameReader:
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
            try:
                self.frames.append(json.loads(bytes(self.buf[4:4 + size]).decode("utf-8")))
            except (ValueError, RecursionError):
                return VIOLATION
            del self.buf[:4 + size]
        return "frame" if self.frames else ""

    def pop(self) -> dict:
        return self.frames.pop(0)
