"""Running cells like a notebook and keeping what they show: output capture with caps, and the IPython shell.

Used by both sides of a grading run: the sandboxed student child (``kernel.py``) and the
trusted judge (``judge.py``) execute cells in an IPython shell built by :func:`make_shell`,
whose displays, results, streams and tracebacks land in the current :class:`Capture`.
Standard library and IPython only: the sandbox imports this module too.
"""
from __future__ import annotations

import base64
import io
import json
import sys

__all__ = ["MAX_IMAGE_CHARS", "MAX_IMAGES", "Capture", "Stream", "Runner", "add_outputs", "clean_text", "make_shell"]

MAX_IMAGE_CHARS = 2_000_000  # one base64 picture (about 1.5 MB of PNG)
MAX_IMAGES = 20              # pictures kept per cell


def clean_text(text: str) -> str:
    """``text`` that can be written as UTF-8 (a lone surrogate becomes a visible escape)."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")


# Output formats a graded notebook keeps. The formgrader and nbconvert render HTML, SVG, Markdown
# and JavaScript outputs as live markup, so only inert ones are kept (a DataFrame keeps its text).
KEPT_MIMES = frozenset({"text/plain", "text/latex", "image/png", "image/jpeg", "image/gif"})

class Capture:
    """Collects a cell's outputs as nbformat v4 output dicts, within a budget for the whole cell.

    Text (streams, and every non-image representation) may use ``max_chars`` characters
    in total over the cell; pictures are limited to ``MAX_IMAGE_CHARS`` each and
    ``MAX_IMAGES`` per cell. Whatever does not fit is dropped and counted in a note.
    """

    def __init__(self, max_chars: int, room: int | None = None) -> None:
        self.max_chars = max_chars if room is None else max(min(max_chars, room), 0)
        self.image_room = MAX_IMAGE_CHARS * MAX_IMAGES if room is None else max(room, 0)
        self.outputs: list[dict] = []
        self.text_chars = 0
        self.dropped = 0
        self.images = 0

    def _room(self) -> int:
        return max(self.max_chars - self.text_chars, 0)

    def stream(self, name: str, text: str) -> None:
        text = clean_text(text)
        room = self._room()
        if len(text) > room:
            self.dropped += len(text) - room
            text = text[:room]
        if not text:
            return
        self.text_chars += len(text)
        last = self.outputs[-1] if self.outputs else None
        if last and last["output_type"] == "stream" and last["name"] == name:
            last["text"] += text
        else:
            self.outputs.append({"output_type": "stream", "name": name, "text": text})

    def data(self, kind: str, data: dict, metadata: dict, count: int | None = None) -> None:
        clean, removed = {}, []
        for mime, value in data.items():
            if mime not in KEPT_MIMES:  # active content (HTML, SVG, JavaScript, widgets) never enters a notebook
                continue
            if isinstance(value, str):
                value = clean_text(value)
            text = value if isinstance(value, str) else json.dumps(value)
            if mime.startswith("image/"):
                if self.images >= MAX_IMAGES or len(text) > min(MAX_IMAGE_CHARS, self.image_room):
                    removed.append(mime)
                    self.dropped += 1
                    continue
                self.images += 1
                self.image_room -= len(text)
            elif len(text) > self._room():
                self.dropped += len(text)
                removed.append(mime)
                continue
            else:
                self.text_chars += len(text)
            clean[mime] = value
        if not clean:
            self.dropped += 1 if removed else 0  # only active formats: nothing to keep, nothing cut short
            return
        out = {"output_type": kind, "data": clean, "metadata": {}}
        if kind == "execute_result":
            out["execution_count"] = count
        self.outputs.append(out)

    def error(self, ename: str, evalue: str, traceback: list[str]) -> None:
        """An error output (always kept: it decides the cell's score), trimmed to a fixed size."""
        self.outputs.append({"output_type": "error", "ename": clean_text(str(ename)[:200]),
                             "evalue": clean_text(str(evalue)[:5000]),
                             "traceback": [clean_text(str(line)[:5000]) for line in traceback][-100:]})

    def finish(self) -> list[dict]:
        if self.dropped:
            self.outputs.append({"output_type": "stream", "name": "stdout",
                                 "text": "\n[... output truncated: more than a cell may keep]\n"})
        return self.outputs


def add_outputs(capture: Capture, outputs: object, results_as_display: bool = False) -> None:
    """Re-check untrusted output dicts and add what is well formed to ``capture`` (its budget applies)."""
    if not isinstance(outputs, list):
        return
    for out in outputs[:1000]:
        if not isinstance(out, dict):
            continue
        kind = out.get("output_type")
        if kind == "stream" and out.get("name") in ("stdout", "stderr") and isinstance(out.get("text"), str):
            capture.stream(out["name"], out["text"])
        elif kind in ("display_data", "execute_result") and isinstance(out.get("data"), dict):
            data = {k: v for k, v in out["data"].items() if isinstance(k, str) and isinstance(v, str)}
            if data:
                kind = "display_data" if results_as_display else kind
                capture.data(kind, data, {}, None)
        elif kind == "error" and not results_as_display:
            tb = out.get("traceback") if isinstance(out.get("traceback"), list) else []
            capture.error(str(out.get("ename")), str(out.get("evalue")), [str(t) for t in tb])


class Stream:
    """A text stream that records into the runner's current capture (stands in for stdout/stderr)."""

    encoding = "utf-8"
    errors = "replace"

    def __init__(self, owner: "Runner", name: str) -> None:
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


class Runner:
    """One process's shell and its current capture: runs cells and reports their outputs."""

    def __init__(self, shell, max_chars: int) -> None:
        self.shell = shell
        self.max_chars = max_chars
        self.capture = Capture(max_chars)

    def install(self) -> None:
        """Route this process's stdout and stderr into the current capture."""
        sys.stdout, sys.stderr = Stream(self, "stdout"), Stream(self, "stderr")

    def number(self, count: object) -> None:
        """Number the next cell as the host does, so tracebacks name it ``In [count]``."""
        if type(count) is int and 0 < count < 10**6:
            self.shell.execution_count = count

    def run(self, source: str, count: object = None, room: object = None) -> dict:
        """Run one cell; ``room`` bounds the bytes of output it may keep (what the notebook has left)."""
        self.capture = Capture(self.max_chars, room if type(room) is int else None)
        self.number(count)
        result = self.shell.run_cell(source, store_history=True)
        self.flush_figures()
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
        except Exception as exc:  # a broken figure is the cell's output, not a crash
            self.capture.stream("stderr", f"[a figure could not be drawn: {type(exc).__name__}: {exc}]\n")
        finally:
            try:
                plt.close("all")
            except Exception:
                pass


def make_shell(owner_ref: list):
    """Build an IPython shell whose displays, results and tracebacks go to ``owner_ref[0].capture``."""
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
            owner_ref[0].capture.error(getattr(etype, "__name__", str(etype)), str(evalue), list(stb))

    cfg = Config()
    cfg.HistoryManager.enabled = False
    cfg.InteractiveShell.colors = "nocolor"
    cfg.InteractiveShell.autocall = 0
    return Shell(config=cfg)
