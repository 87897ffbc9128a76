"""The student's side of a grading worker: runs cells in an IPython shell and captures outputs.

Imported by ``worker.py`` inside the sandbox; standard library and IPython only.
A forked child calls :func:`run_child`, which applies the resource limits, hides
the real stdout/stderr, and executes the cells the host sends one at a time.
Frames on the student pipes are a 4-byte big-endian length and UTF-8 JSON.
"""
from __future__ import annotations

import base64
import io
import json
import os
import resource
import signal
import struct
import sys


# ----------------------------------------------------------------------------- framing
def write_frame(fd: int, obj: object) -> None:
    """Write one length-prefixed JSON frame to a file descriptor."""
    data = json.dumps(obj).encode("utf-8")
    view = memoryview(struct.pack(">I", len(data)) + data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


def read_exact(fd: int, n: int) -> bytes | None:
    chunks = []
    while n:
        chunk = os.read(fd, min(n, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def read_frame(fd: int) -> object | None:
    """Read one frame; ``None`` at end of file."""
    head = read_exact(fd, 4)
    if head is None:
        return None
    body = read_exact(fd, struct.unpack(">I", head)[0])
    return None if body is None else json.loads(body.decode("utf-8"))


# ----------------------------------------------------------------------------- child side
MAX_IMAGE_CHARS = 2_000_000  # one base64 picture (about 1.5 MB of PNG)
MAX_IMAGES = 20              # pictures kept per cell


class _Capture:
    """Collects a cell's outputs as nbformat v4 output dicts, with size caps.

    Text (streams, and each non-image representation) is capped at ``max_chars``;
    a picture at ``MAX_IMAGE_CHARS`` and a cell at ``MAX_IMAGES`` pictures.
    """

    def __init__(self, max_chars: int) -> None:
        self.max_chars = max_chars
        self.outputs: list[dict] = []
        self.stream_chars = 0
        self.dropped = 0
        self.images = 0

    def stream(self, name: str, text: str) -> None:
        room = self.max_chars - self.stream_chars
        if len(text) > room:
            self.dropped += len(text) - max(room, 0)
            text = text[: max(room, 0)]
        if not text:
            return
        self.stream_chars += len(text)
        last = self.outputs[-1] if self.outputs else None
        if last and last["output_type"] == "stream" and last["name"] == name:
            last["text"] += text
        else:
            self.outputs.append({"output_type": "stream", "name": name, "text": text})

    def data(self, kind: str, data: dict, metadata: dict, count: int | None = None) -> None:
        clean, notes = {}, []
        for mime, value in data.items():
            text = value if isinstance(value, str) else json.dumps(value)
            image = mime.startswith("image/")
            if image and self.images >= MAX_IMAGES:
                notes.append(f"[{mime} output removed: more than {MAX_IMAGES} pictures in one cell]")
            elif len(text) > (MAX_IMAGE_CHARS if image else self.max_chars):
                notes.append(f"[{mime} output of {len(text):,} characters removed]")
            else:
                clean[mime] = value
                self.images += image
        if notes:
            kept = clean.get("text/plain")
            clean["text/plain"] = "\n".join(([kept] if isinstance(kept, str) else []) + notes)
        out = {"output_type": kind, "data": clean, "metadata": {}}
        if kind == "execute_result":
            out["execution_count"] = count
        self.outputs.append(out)

    def finish(self) -> list[dict]:
        if self.dropped:
            self.outputs.append({"output_type": "stream", "name": "stdout",
                                 "text": f"\n[... output truncated: {self.dropped:,} more characters]\n"})
        return self.outputs


class _Stream:
    """A text stream that records into the current capture (stands in for stdout/stderr)."""

    encoding = "utf-8"
    errors = "replace"

    def __init__(self, owner: "_Child", name: str) -> None:
        self._owner, self.name = owner, name

    def write(self, text: str) -> int:
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        self._owner.capture.stream(self.name, text)
        return len(text)

    def writelines(self, lines) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False

    def writable(self) -> bool:
        return True


class _Child:
    """State of one student's child process: the shell and the current capture."""

    def __init__(self, shell, max_chars: int) -> None:
        self.shell = shell
        self.max_chars = max_chars
        self.capture = _Capture(max_chars)

    def run(self, source: str) -> dict:
        self.capture = _Capture(self.max_chars)
        result = self.shell.run_cell(source, store_history=True)
        self.flush_figures()
        sys.stdout.flush()
        return {"outputs": self.capture.finish(), "execution_count": result.execution_count,
                "success": bool(result.success)}

    def flush_figures(self) -> None:
        """Show the figures a cell left open as PNG outputs, then close them (as Jupyter's inline backend does)."""
        plt = sys.modules.get("matplotlib.pyplot")
        if plt is None:
            return
        try:
            for num in plt.get_fignums():
                buffer = io.BytesIO()
                plt.figure(num).savefig(buffer, format="png", dpi=72, bbox_inches="tight")
                png = base64.b64encode(buffer.getvalue()).decode("ascii")
                self.capture.data("display_data", {"image/png": png, "text/plain": f"<Figure {num}>"}, {})
        except Exception as exc:  # a broken figure is the student's output, not a crash
            self.capture.stream("stderr", f"[a figure could not be drawn: {type(exc).__name__}: {exc}]\n")
        finally:
            try:
                plt.close("all")
            except Exception:
                pass


def make_shell(owner_ref: list):
    """Build an IPython shell whose displays, results and tracebacks go to ``owner_ref[0]``."""
    from IPython.core.displayhook import DisplayHook
    from IPython.core.displaypub import DisplayPublisher
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    class Publisher(DisplayPublisher):
        def publish(self, data, metadata=None, source=None, *, transient=None, update=False, **kw):
            owner_ref[0].capture.data("display_data", data, metadata or {})

        def clear_output(self, wait=False):
            owner_ref[0].capture.outputs.clear()

    class Hook(DisplayHook):
        def write_output_prompt(self):
            pass

        def write_format_data(self, format_dict, md_dict=None):
            owner_ref[0].capture.data("execute_result", format_dict, md_dict or {}, self.prompt_count)

        def finish_displayhook(self):
            pass

    class Shell(InteractiveShell):
        displayhook_class = Hook
        display_pub_class = Publisher

        def _showtraceback(self, etype, evalue, stb):
            tb = [str(line)[:5000] for line in stb][-100:]
            owner_ref[0].capture.outputs.append({
                "output_type": "error", "ename": getattr(etype, "__name__", str(etype)),
                "evalue": str(evalue)[:5000], "traceback": tb})

    cfg = Config()
    cfg.HistoryManager.enabled = False
    cfg.InteractiveShell.colors = "nocolor"
    cfg.InteractiveShell.autocall = 0
    return Shell(config=cfg)


def _limit(which: int, value: int) -> None:
    try:
        soft, hard = resource.getrlimit(which)
        if hard != resource.RLIM_INFINITY:
            value = min(value, hard)
        resource.setrlimit(which, (value, hard))
    except (ValueError, OSError):
        pass


def run_child(shell, owner_ref: list, cells_r: int, results_w: int, spec: dict, workdir: str) -> None:
    """Body of a forked child: apply limits, then execute cells read from the host."""
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
    os.environ["HOME"] = workdir
    # Figures are drawn off-screen and shown as PNG outputs (see _Child.flush_figures).
    os.environ["MPLBACKEND"] = "Agg"
    os.environ["MPLCONFIGDIR"] = os.path.join(workdir, ".matplotlib")
    if "matplotlib.pyplot" in sys.modules:  # pre-imported by the zygote
        sys.modules["matplotlib.pyplot"].switch_backend("Agg")
    sys.path.insert(0, "")
    child = _Child(shell, int(spec.get("max_output", 20000)))
    owner_ref[0] = child
    sys.stdout, sys.stderr = _Stream(child, "stdout"), _Stream(child, "stderr")
    sys.stdin = open(os.devnull)
    shell.user_ns["__file__"] = os.path.join(workdir, spec.get("notebook", "notebook.ipynb"))
    while True:
        msg = read_frame(cells_r)
        if msg is None or msg.get("op") == "stop":
            break
        if msg.get("op") == "files":
            for name, b64 in msg.get("files", {}).items():
                path = os.path.join(workdir, os.path.basename(name))
                with open(path, "wb") as fh:
                    fh.write(base64.b64decode(b64))
            write_frame(results_w, {"ok": True})
            continue
        try:
            result = child.run(msg["source"])
        except BaseException as exc:  # the shell itself failed: report, keep going
            result = {"outputs": [{"output_type": "error", "ename": type(exc).__name__,
                                   "evalue": str(exc)[:5000], "traceback": []}],
                      "execution_count": None, "success": False}
        write_frame(results_w, result)
    os._exit(0)
