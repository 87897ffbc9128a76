"""The student's side of a grading run: a forked child that runs the student's cells in the sandbox.

Imported by ``worker.py`` inside the sandbox; standard library, IPython and NumPy only.
The child applies the resource limits, hides the real stdout/stderr and then serves
the host's requests, one frame at a time (see ``frames.py``):

``{"op": "cell", "source"}``       run a cell of the student's notebook; reply with its outputs
``{"op": "files", "files"}``       write the submission's extra files into the working folder
``{"op": "describe", "names"}``    say what each name is in the student's namespace
``{"op": "call", "name", ...}``    call one of the student's functions for the trusted judge
``{"op": "stop"}``                 end

Test cells never reach this process: they run in the trusted judge, and every value
the judge takes from here is :mod:`plain <course_utils.grading.plain>` data.
"""
from __future__ import annotations

import base64
import os
import resource
import signal
import sys
import types

if __package__:
    from .capture import Capture, Runner
    from .confine import deny_syscalls, restrict_files
    from .frames import read_frame, send_reply
    from .plain import NotPlain, decode, encode
else:  # imported by worker.py, run as a script inside the sandbox
    from capture import Capture, Runner
    from confine import deny_syscalls, restrict_files
    from frames import read_frame, send_reply
    from plain import NotPlain, decode, encode

__all__ = ["run_child", "serve_call", "describe_names"]

MAX_NAME = 200


def _limit(which: int, value: int) -> None:
    try:
        soft, hard = resource.getrlimit(which)
        if hard != resource.RLIM_INFINITY:
            value = min(value, hard)
        resource.setrlimit(which, (value, hard))
    except (ValueError, OSError):
        pass


def describe_names(namespace: dict, names: list) -> dict:
    """For each requested name: ``module`` (its name), ``callable``, a plain ``value``, ``unplain`` or ``missing``."""
    out = {}
    for name in names[:1000]:
        if not isinstance(name, str) or len(name) > MAX_NAME:
            continue
        if name not in namespace:
            out[name] = {"kind": "missing"}
            continue
        value = namespace[name]
        if isinstance(value, types.ModuleType):
            out[name] = {"kind": "module", "name": str(getattr(value, "__name__", ""))[:MAX_NAME]}
            continue
        if callable(value):
            out[name] = {"kind": "callable"}
            continue
        try:
            out[name] = {"kind": "value", "value": encode(value)}
        except NotPlain as exc:
            out[name] = {"kind": "unplain", "type": str(exc)[:300]}
        except Exception as exc:  # a hostile value that breaks on inspection
            out[name] = {"kind": "unplain", "type": f"{type(exc).__name__} while reading it"}
    return out


def _error_info(exc: BaseException) -> dict:
    names = [getattr(c, "__name__", "?") for c in type(exc).__mro__][:20]
    try:
        message = str(exc)
    except Exception:
        message = "(the exception's message could not be read)"
    return {"mro": [str(n)[:100] for n in names], "message": message[:5000], "where": _where(exc)}


def _where(exc: BaseException) -> list[str]:
    """Where in the student's own cells the exception was raised (innermost last), for the test's traceback."""
    import re
    import traceback
    try:
        frames = traceback.extract_tb(exc.__traceback__)
    except Exception:
        return []
    lines = []
    for frame in frames:
        cell = re.match(r"<ipython-input-(\d+)-", str(frame.filename))
        if cell:
            lines.append(f"{frame.name}() in cell In [{cell.group(1)}], line {frame.lineno}: "
                         f"{(frame.line or '').strip()[:200]}")
    return lines[-6:]


def serve_call(runner: Runner, msg: dict) -> dict:
    """Call ``msg["name"]`` from the student's namespace with decoded arguments; the reply as plain data.

    The reply holds the result (``value``) or the exception (``error``), the arrays passed
    in as they are after the call (``after``, so changes made in place are seen), and what
    the call printed (``outputs``).
    """
    capture = runner.capture = Capture(runner.max_chars)
    reply: dict = {"nonce": msg.get("nonce")}
    try:
        args = decode(msg.get("args", []))
        kwargs = decode(msg.get("kwargs", {"__t__": "dict", "v": []}))
        if type(args) is not list or type(kwargs) is not dict:
            raise ValueError("bad call")
    except ValueError as exc:
        reply.update(ok=False, error={"mro": ["ValueError", "Exception"], "message": f"bad call: {exc}"})
        return reply
    fn = runner.shell.user_ns.get(msg.get("name"))
    passed = list(enumerate(args)) + list(kwargs.items())
    before = {key: _snapshot(value) for key, value in passed if type(value) in (list, dict) or _is_array(value)}
    try:
        if not callable(fn):
            raise NameError(f"name {msg.get('name')!r} is not defined as a function in the notebook")
        result = fn(*args, **kwargs)
        try:
            reply.update(ok=True, value=encode(result))
            alias = _alias(result, passed)
            if alias:
                reply["alias"] = alias
        except NotPlain as exc:
            reply.update(ok=False, error={"mro": ["TypeError", "Exception"],
                                          "message": f"{msg.get('name')}() returned {exc}, which cannot be "
                                                     "graded: return numbers, strings, booleans, None, "
                                                     "lists, tuples, dicts or NumPy arrays"})
    except BaseException as exc:  # the student's exception is the result of the call
        reply.update(ok=False, error=_error_info(exc))
    after = {}
    for key, value in passed:
        if key in before or type(value).__name__ in ("Generator", "RandomState"):
            now = _snapshot(value)
            if now is not None and (key not in before or now != before[key]):
                after[str(key)] = now
    reply["after"] = after
    reply["outputs"] = capture.finish()
    return reply


def _is_array(value: object) -> bool:
    np = sys.modules.get("numpy")
    return np is not None and type(value) is np.ndarray


def _snapshot(value: object) -> object:
    """The plain encoding of an argument (to see whether a call changed it in place), or None."""
    try:
        return encode(value)
    except Exception:
        return None


def _alias(result: object, passed: list) -> dict | None:
    """Whether the result is one of the arguments or a view into one, or (for a returned tuple or list)
    which of its items are: ``{"items": {index: alias}}``."""
    own = _alias_one(result, passed)
    if own is not None or type(result) not in (tuple, list):
        return own
    items = {str(i): found for i, item in enumerate(result) if (found := _alias_one(item, passed)) is not None}
    return {"items": items} if items else None


def _alias_one(result: object, passed: list) -> dict | None:
    """Whether ``result`` is one of the arguments, or a view into one (offset and strides in bytes)."""
    for key, value in passed:
        if result is value and (_is_array(value) or type(value).__name__ in ("Generator", "RandomState")):
            return {"arg": str(key), "same": True}
    if not _is_array(result):
        return None
    import numpy as np
    for key, value in passed:
        if _is_array(value) and value.flags.c_contiguous and np.shares_memory(result, value):
            offset = result.__array_interface__["data"][0] - value.__array_interface__["data"][0]
            return {"arg": str(key), "offset": int(offset), "strides": [int(s) for s in result.strides]}
    return None


def run_child(shell, owner_ref: list, cells_r: int, results_w: int, spec: dict, workdir: str) -> None:
    """Body of a forked child: apply limits, then serve the host's requests until told to stop."""
    os.setsid()
    signal.signal(signal.SIGINT, signal.default_int_handler)
    limits = spec.get("limits", {})
    if limits.get("memory"):
        _limit(resource.RLIMIT_AS, int(limits["memory"]))
    if limits.get("cpu"):
        _limit(resource.RLIMIT_CPU, int(limits["cpu"]))
    if limits.get("fsize"):
        _limit(resource.RLIMIT_FSIZE, int(limits["fsize"]))
    if limits.get("nproc"):
        _limit(resource.RLIMIT_NPROC, int(limits["nproc"]))
    _limit(resource.RLIMIT_CORE, 0)
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    os.close(devnull)
    os.chdir(workdir)
    os.environ["HOME"] = os.environ["TMPDIR"] = workdir
    import tempfile
    tempfile.tempdir = None
    if spec.get("plain") is True:  # no bubblewrap: read only Python and the system, write only the working folder
        readable = [str(p) for p in spec.get("readable", []) if isinstance(p, str)]
        restrict_files(readable, [workdir, os.devnull])
    deny_syscalls()  # no memfd, shared memory, message queues, new processes or signals to others
    # Figures are drawn off-screen and shown as PNG outputs (see Runner.flush_figures).
    os.environ["MPLBACKEND"] = "Agg"
    os.environ["MPLCONFIGDIR"] = os.path.join(workdir, ".matplotlib")
    if "matplotlib.pyplot" in sys.modules:  # pre-imported by the zygote
        sys.modules["matplotlib.pyplot"].switch_backend("Agg")
    sys.path.insert(0, "")
    runner = Runner(shell, int(spec.get("max_output", 20000)))
    owner_ref[0] = runner
    runner.install()
    sys.stdin = open(os.devnull)
    shell.user_ns["__file__"] = os.path.join(workdir, spec.get("notebook", "notebook.ipynb"))
    while True:
        try:
            msg = read_frame(cells_r)
        except KeyboardInterrupt:  # an interrupt that arrived between requests
            continue
        except (ValueError, OSError):
            break
        if not isinstance(msg, dict) or msg.get("op") == "stop":
            break
        op = msg.get("op")
        try:
            if op == "files":
                for name, b64 in msg.get("files", {}).items():
                    path = os.path.join(workdir, os.path.basename(name))
                    with open(path, "wb") as fh:
                        fh.write(base64.b64decode(b64))
                result = {"ok": True}
            elif op == "describe":
                result = {"nonce": msg.get("nonce"), "names": describe_names(shell.user_ns, msg.get("names", []))}
            elif op == "call":
                result = serve_call(runner, msg)
            else:
                result = runner.run(str(msg.get("source", "")), msg.get("count"), msg.get("room"))
            result["nonce"] = msg.get("nonce")
        except BaseException as exc:  # the shell itself failed: report, keep going
            result = {"nonce": msg.get("nonce"),
                      "outputs": [{"output_type": "error", "ename": type(exc).__name__,
                                   "evalue": str(exc)[:5000], "traceback": []}],
                      "execution_count": None, "success": False, "ok": False, "error": _error_info(exc)}
        try:
            send_reply(results_w, result)
        except OSError:
            break
    os._exit(0)

