"""The trusted side of a grading run: the judge runs the instructor's cells and never the student's.

A judge child is forked (outside the sandbox) for each student by a zygote started with
``worker.py ... judge``. It runs the notebook's test cells and read-only cells in its own
IPython shell. Every name such a cell takes from the student's notebook is fetched
through the host, which relays to the student's sandboxed child (``kernel.py``):

* a function becomes a *proxy*: calling it sends the arguments across as
  :mod:`plain <course_utils.grading.plain>` data and returns the student's result (or
  raises an exception rebuilt from the student's exception's class names and message);
* a plain value (number, string, array, ...) is copied into the judge;
* anything else makes the cell fail with a message that says which name and why.

So verdicts, partial credit and every output shown in the graded notebook are produced
here; the student's code can only influence the values its functions return.

Host <-> judge frames: host sends ``{"op": "cell", "source"}`` and ``{"op": "stop"}``;
while running a cell the judge sends ``{"op": "describe" | "call", "nonce", ...}`` and
waits for the student's reply (relayed unchanged, or an error written by the host);
it ends each cell with ``{"op": "done", "outputs", "success"}``.
"""
from __future__ import annotations

import os
import secrets
import signal
import sys
import warnings

if __package__:
    from .capture import Capture, Runner, add_outputs
    from .crossing import adopt, free_names, rebuild_exception
    from .frames import read_frame, send_reply
    from .plain import NotPlain, decode, encode
    from .rng import GeneratorError, advance_like, generator_states
else:  # imported by worker.py, run as a script
    from capture import Capture, Runner, add_outputs
    from crossing import adopt, free_names, rebuild_exception
    from frames import read_frame, send_reply
    from plain import NotPlain, decode, encode
    from rng import GeneratorError, advance_like, generator_states

__all__ = ["Judge", "ProtocolError", "free_names", "rebuild_exception", "run_judge"]


# how the judge's own frames are named in tracebacks (IPython may shorten the folder to "~")
_JUDGE_FILE = os.path.join(os.path.basename(os.path.dirname(os.path.abspath(__file__))), "judge.py")


class ProtocolError(RuntimeError):
    """The reply relayed from the student's side was not a well-formed answer to the request."""


class Judge:
    """Runs trusted cells; borrows the student's names through the host, one request at a time."""

    def __init__(self, runner: Runner, rd: int, wr: int, reserved: set[str] | None = None,
                 unchanged_arguments: bool = False) -> None:
        self.runner, self.rd, self.wr = runner, rd, wr
        self.unchanged_arguments = unchanged_arguments
        self.ns = runner.shell.user_ns
        self.borrowed: dict[str, object] = {}
        # Names the instructor's cells define (imports, helpers, check_*): never taken from the
        # student, even in a test cell the student moved above the cell that defines them.
        self.reserved = set(reserved or ())

    # ------------------------------------------------------------------ requests
    def request(self, op: str, **fields: object) -> dict:
        nonce = secrets.token_hex(12)
        send_reply(self.wr, {"op": op, "nonce": nonce, **fields})
        reply = read_frame(self.rd)
        if not isinstance(reply, dict) or reply.get("nonce") != nonce:
            raise ProtocolError("the notebook's kernel sent a reply that does not answer the grader's request")
        return reply

    def call(self, name: str, args: tuple, kwargs: dict) -> object:
        """Call the student's ``name`` across the boundary; mirror in-place changes to arrays and generators."""
        __tracebackhide__ = True  # tracebacks in the graded notebook end at the test's own line
        try:
            payload = {"args": encode(list(args)), "kwargs": encode(dict(kwargs))}
        except NotPlain as exc:
            raise TypeError(f"cannot pass {exc} to {name}() across the grading boundary") from None
        sent = generator_states(dict(enumerate(args)) | dict(kwargs))
        reply = self.request("call", name=name, **payload)
        self._outputs(reply.get("outputs"))
        passed = dict(enumerate(args)) | dict(kwargs)
        after = reply.get("after") if isinstance(reply.get("after"), dict) else {}
        for key, enc in after.items():
            original = passed.get(int(key) if key.isdigit() else key)
            if self.unchanged_arguments and self._changed(original, enc):
                which = f"argument {int(key) + 1}" if key.isdigit() else f"argument {key!r}"
                raise ValueError(f"{name}() changed its {which} in place; the exercise's functions must leave "
                                 "their inputs unchanged (work on a copy, for example x = np.array(x, dtype=float))")
            if key in sent or (isinstance(key, str) and key.isdigit() and int(key) in sent):
                _take_draws(name, original, sent[int(key) if key.isdigit() else key], enc)
                continue
            self._copy_back(original, enc)
        if reply.get("ok") is not True:
            raise rebuild_exception(reply.get("error"), name, timed_out=reply.get("timed_out") is True)
        try:
            value = decode(reply.get("value"))
        except ValueError as exc:
            raise TypeError(f"the value returned by {name}() could not be read: {exc}") from None
        return self._alias(value, reply.get("alias"), passed)

    @staticmethod
    def _changed(original: object, enc: object) -> bool:
        """True when an array, list or dict the test passed came back different (random generators may change)."""
        np = sys.modules.get("numpy")
        if not (type(original) in (list, dict) or (np is not None and isinstance(original, np.ndarray))):
            return False
        try:
            return encode(original) != enc
        except NotPlain:
            return False

    def _copy_back(self, original: object, enc: object) -> None:
        try:
            new = decode(enc)
        except ValueError:
            return
        if type(original) is list and type(new) is list:
            original[:] = new
            return
        if type(original) is dict and type(new) is dict:
            original.clear()
            original.update(new)
            return
        np = sys.modules.get("numpy")
        if np is None:
            return
        if isinstance(original, np.ndarray) and isinstance(new, np.ndarray):
            if original.shape == new.shape and original.flags.writeable and not np.array_equal(
                    original, new, equal_nan=original.dtype.kind in "fc"):
                try:
                    np.copyto(original, new, casting="unsafe")
                except (TypeError, ValueError):
                    pass

    def _alias(self, value: object, alias: object, passed: dict) -> object:
        """Return the judge's own argument (or a view of it) where the student returned theirs: the value
        itself, or items of a returned tuple or list."""
        if not isinstance(alias, dict):
            return value
        items = alias.get("items")
        if isinstance(items, dict) and type(value) in (tuple, list):
            out = list(value)
            for key, one in items.items():
                if isinstance(key, str) and key.isdigit() and int(key) < len(out):
                    out[int(key)] = adopt(out[int(key)], one, passed)
            return type(value)(out)
        return adopt(value, alias, passed)

    def _outputs(self, outputs: object) -> None:
        """What a student's function printed or displayed during a call, within the cell's budget."""
        add_outputs(self.runner.capture, outputs, results_as_display=True)

    # ------------------------------------------------------------------ cells
    def _borrow(self, source: str) -> list[str]:
        """Fetch the student's names this cell needs; returns problems that stop the cell."""
        for name, value in self.borrowed.items():
            if self.ns.get(name) is value:
                del self.ns[name]
        self.borrowed = {}
        wanted = sorted(n for n in free_names(source) if n not in self.ns and n not in self.reserved)
        if not wanted:
            return []
        reply = self.request("describe", names=wanted)
        found = reply.get("names") if isinstance(reply.get("names"), dict) else {}
        problems = []
        for name in wanted:
            info = found.get(name) if isinstance(found.get(name), dict) else {"kind": "missing"}
            kind = info.get("kind")
            if kind == "module":
                value = sys.modules.get(info.get("name")) if isinstance(info.get("name"), str) else None
                if value is None:
                    problems.append(f"{name!r} is the module {str(info.get('name'))[:100]!r}, which the grader "
                                    "does not load: tests can use modules that a read-only cell imports")
                    continue
            elif kind == "callable":
                value = _proxy(self, name)
            elif kind == "value":
                try:
                    value = decode(info.get("value"))
                except ValueError as exc:
                    problems.append(f"{name!r} could not be read ({exc})")
                    continue
            elif kind == "unplain":
                problems.append(f"{name!r} is {str(info.get('type'))[:200]}, which cannot be graded: tests can "
                                "use numbers, strings, booleans, None, lists, tuples, dicts, NumPy arrays "
                                "and functions")
                continue
            else:
                continue  # missing: the cell raises NameError like any notebook would
            self.ns[name] = value
            self.borrowed[name] = value
        return problems

    def run_cell(self, source: str, count: object = None) -> dict:
        capture = self.runner.capture = Capture(self.runner.max_chars)
        problems = self._borrow(source)
        if problems:
            capture.error("TypeError", "; ".join(problems), [])
            return {"outputs": capture.finish(), "success": False}
        self.runner.number(count)
        result = self.runner.shell.run_cell(source, store_history=True)
        self.runner.flush_figures()
        failure = result.error_in_exec or result.error_before_exec
        if failure is not None and not any(o["output_type"] == "error" for o in capture.outputs):
            # e.g. an interrupt that arrived while IPython was formatting another error
            capture.error(type(failure).__name__, "the test cell stopped before it finished", [])
        outputs = capture.finish()
        for out in outputs:  # the judge's own frames say nothing about the student's code
            if out.get("output_type") == "error":
                out["traceback"] = [t for t in out["traceback"] if _JUDGE_FILE not in t and "skipping hidden" not in t]
        return {"outputs": outputs, "success": bool(result.success)}


def _take_draws(name: str, original: object, sent: dict, enc: object) -> None:
    """Advance the judge's own generator as far as the student's drew; a state no draws reach fails the test."""
    try:
        back = decode(enc.get("state")) if isinstance(enc, dict) else None
        advance_like(original, sent, back)
    except (ValueError, GeneratorError) as exc:
        raise ValueError(f"{name}() left the random generator it was given in a state the grader does not "
                         f"accept ({exc}); draw from the generator, never set its state") from None


def _proxy(judge: Judge, name: str):
    def proxy(*args, **kwargs):
        __tracebackhide__ = True
        return judge.call(name, args, kwargs)

    proxy.__name__ = proxy.__qualname__ = name
    proxy.__doc__ = f"The notebook's {name}(), called in the student's sandbox."
    return proxy


def _warning_without_source(message, category, filename, lineno, line=None) -> str:
    """A warning as ``Category: message``: the default would quote the test's own source line."""
    return f"{getattr(category, '__name__', 'Warning')}: {message}\n"


def run_judge(shell, owner_ref: list, rd: int, wr: int, spec: dict, workdir: str) -> None:
    """Body of a forked judge child: run the cells the host sends until told to stop."""
    os.setsid()
    signal.signal(signal.SIGINT, signal.default_int_handler)
    memory = (spec.get("limits") or {}).get("memory")
    if memory:  # a forged reply must not grow the judge without bound
        import resource
        resource.setrlimit(resource.RLIMIT_AS, (int(memory), resource.getrlimit(resource.RLIMIT_AS)[1]))
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    os.close(devnull)
    os.chdir(workdir)
    os.environ["MPLBACKEND"] = "Agg"
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].switch_backend("Agg")
    runner = Runner(shell, int(spec.get("max_output", 20000)))
    owner_ref[0] = runner
    runner.install()
    sys.stdin = open(os.devnull)
    shell.user_ns["__file__"] = os.path.join(workdir, spec.get("notebook", "notebook.ipynb"))
    warnings.formatwarning = _warning_without_source
    # a test's traceback as Python prints it: the failing line of each frame, not IPython's context
    # around it (which costs 5 to 30 ms per failure and would only quote hidden lines the feedback drops)
    shell.InteractiveTB.set_mode("Plain")
    reserved = spec.get("reserved")
    judge = Judge(runner, rd, wr, {n for n in reserved if isinstance(n, str)} if isinstance(reserved, list) else None,
                  unchanged_arguments=spec.get("unchanged_arguments") is True)
    while True:
        try:
            msg = read_frame(rd)
        except (ValueError, OSError):
            break
        except KeyboardInterrupt:  # an interrupt that arrived between cells
            continue
        if not isinstance(msg, dict) or msg.get("op") == "stop":
            break
        if msg.get("op") != "cell":  # a late reply to a request the interrupted cell gave up on
            continue
        try:
            reply = judge.run_cell(str(msg.get("source", "")), msg.get("count"))
        except ProtocolError as exc:
            reply = {"outputs": [{"output_type": "error", "ename": "ProtocolError", "evalue": str(exc),
                                  "traceback": []}], "success": False}
        except BaseException as exc:  # the judge's own failure: report it as the cell's error
            reply = {"outputs": [{"output_type": "error", "ename": type(exc).__name__,
                                  "evalue": str(exc)[:2000], "traceback": []}], "success": False}
        try:
            send_reply(wr, {"op": "done", **reply})
        except OSError:
            break
    os._exit(0)

