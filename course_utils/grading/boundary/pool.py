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
import secrets
import shutil
import tempfile
import time

from .capture import Capture, add_outputs
from .channels import VIOLATION, Side, WorkerError, Zygote
from .crossing import defined_names
from .limits import Limits, RunResult
from .sandbox import SandboxSpec, judge_command, judge_env, worker_command, worker_env

__all__ = ["STUDENT", "LOCKED", "TEST", "Limits", "RunResult", "Worker", "WorkerError"]  # Limits, RunResult: limits.py

STUDENT, LOCKED, TEST = "student", "locked", "test"
JUDGE_MEMORY = 4 << 30  # address space of a judge child (it runs only the instructor's cells)


class Worker:
    """One warm sandboxed student zygote plus one trusted judge zygote."""

    def __init__(self, spec: SandboxSpec, warm: list[str], startup_timeout: float = 120.0) -> None:
        self.scratch = tempfile.mkdtemp(prefix="course-judge-")
        # without bubblewrap, the student's process confines itself (Landlock) to reading these
        self.readable = [str(p) for p in spec.readonly] + ["/proc", "/dev", "/sys"]
        self.student = Zygote(lambda fd: worker_command(spec, fd), worker_env(), warm, startup_timeout)
        try:
            self.judge = Zygote(lambda fd: judge_command(fd), judge_env(), warm, startup_timeout, cwd=self.scratch)
        except WorkerError:
            self.student.close()
            raise

    def alive(self) -> bool:
        return self.student.alive() and self.judge.alive()

    def close(self) -> None:
        """Stop both zygotes and the sandbox."""
        self.student.close()
        self.judge.close()
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
        spec = {"op": "start", "notebook": notebook, "max_output": limits.max_output, "readable": self.readable,
                "unchanged_arguments": bool(limits.unchanged_arguments),
                "limits": {"memory": limits.memory, "fsize": limits.fsize, "procs": limits.procs,
                           "cpu": int((limits.budget or limits.timeout * (len(cells) + 2)) + 10)}}
        student = judge = None
        try:
            student = Side(self.student, spec)
            run = _Run(student, None, limits, result)
            trusted = [c[1] for c in cells if not isinstance(c, str) and c[0] != STUDENT]
            if trusted:
                reserved = sorted(set().union(*(defined_names(source) for source in trusted)))
                judge = run.judge = Side(self.judge, {**spec, "reserved": reserved,
                                                      "limits": {"memory": max(JUDGE_MEMORY, 2 * limits.memory)}})
            if files:
                payload = {k: base64.b64encode(v).decode() for k, v in files.items()}
                run.ask_student({"op": "files", "files": payload}, -1)
            for index, cell in enumerate(cells):
                if result.fatal is not None:
                    break
                if run.budget_left() <= 0:
                    result.budget_stop = index
                    break
                kind, source = (STUDENT, cell) if isinstance(cell, str) else cell
                started = time.monotonic()
                run.cell(index, kind, source)
                result.seconds.append(time.monotonic() - started)
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

    def __init__(self, student: Side, judge: Side | None, limits: Limits, result: RunResult) -> None:
        self.student, self.judge, self.limits, self.result = student, judge, limits, result
        self.count = 0
        self.started = time.monotonic()
        self.kept = 0  # bytes of output kept for this notebook so far

    def budget_left(self) -> float:
        """Seconds left of the notebook's budget (infinite without one)."""
        if self.limits.budget is None:
            return float("inf")
        return self.limits.budget - (time.monotonic() - self.started)

    def limit(self, index: int) -> float:
        """This cell's time limit: its own, or what is left of the notebook's budget if that is less."""
        return max(0.05, min(self.limits.cell_limit(index), self.budget_left()))

    def _stop(self, index: int, why: str, violation: bool = False, grader: bool = False) -> None:
        if self.result.fatal is None:
            self.result.fatal, self.result.fatal_cell = why, index
        self.result.violation |= violation
        self.result.worker_failed |= grader

    def _student_gone(self, index: int, problem: str) -> None:
        if problem == VIOLATION:
            self._stop(index, f"the notebook's kernel {VIOLATION} while running cell {index + 1}", violation=True)
        elif problem == "did not stop":
            self._stop(index, f"cell {index + 1} exceeded its {self.limit(index):.3g} s time limit and did "
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
        deadline = deadline or time.monotonic() + self.limit(index)
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
            room = max(self.limits.max_notebook_output - self.kept, 0)
            reply = self.ask_student({"op": "cell", "source": source, "count": self.count, "room": room}, index)
            if reply is not None and kind == STUDENT:
                capture = Capture(self.limits.max_output)
                add_outputs(capture, reply.get("outputs"))
                outputs = capture.finish()
        if kind in (LOCKED, TEST) and self.result.fatal is None:
            if self.judge is None:
                raise WorkerError("no judge for a test cell")
            done = self._judge_cell(index, source)
            outputs = None if done is None else list(done.get("outputs", []))
            failed = done is not None and (done.get("success") is not True or index in self.result.timeouts)
            if failed and not any(o.get("output_type") == "error" for o in outputs):
                why = ("the cell ran past the time limit" if index in self.result.timeouts
                       else "the cell did not finish")
                outputs.append({"output_type": "error", "ename": "TimeoutError" if index in self.result.timeouts
                                else "RuntimeError", "evalue": why, "traceback": []})
        if outputs is None:
            return
        outputs = self._within_notebook_budget(outputs)
        for out in outputs:
            if out.get("output_type") == "execute_result":
                out["execution_count"] = self.count
        self.result.cells.append({"outputs": outputs, "execution_count": self.count})

    def _within_notebook_budget(self, outputs: list[dict]) -> list[dict]:
        """``outputs`` if the notebook's output budget has room for them; else only their errors and a note."""
        import json

        size = len(json.dumps(outputs))
        if self.kept + size <= self.limits.max_notebook_output:
            self.kept += size
            return outputs
        self.result.output_dropped = True
        kept = [o for o in outputs if o.get("output_type") == "error"]
        kept.append({"output_type": "stream", "name": "stdout", "text": "\n[... output dropped: the notebook's "
                     f"outputs passed {self.limits.max_notebook_output >> 20} MB]\n"})
        self.kept += len(json.dumps(kept))
        return kept

    def _judge_cell(self, index: int, source: str) -> dict | None:
        """Run a trusted cell in the judge, relaying its requests to the student; the ``done`` frame."""
        deadline = time.monotonic() + self.limit(index)
        try:
            self.judge.write({"op": "cell", "source": source, "count": self.count}, deadline)
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
                why = (f"cell {index + 1} exceeded its {self.limit(index):.3g} s time limit in the grader"
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
                self.judge.write(reply, time.monotonic() + self.limit(index))
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
