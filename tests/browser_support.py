"""Page actions a learner performs in JupyterLab, driven by Playwright, and the Chromium to run them in.

Used by ``tests/test_browser.py`` and ``tests/test_browser_learner.py``; the throw-away
JupyterLab servers they drive come from :mod:`lab_server` (re-exported here).
"""
from __future__ import annotations

import contextlib
import os
import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Callable

from lab_server import (COURSE_ITEMS, LAB_SETTINGS, LEARNER_CONFIG, LabServer, copy_course, free_port, start_lab,
                        start_make_lab)

__all__ = ["COURSE_ITEMS", "LAB_SETTINGS", "LEARNER_CONFIG", "LabServer", "copy_course", "free_port", "start_lab",
           "start_make_lab"]

# Debian's Chromium; as root it needs --no-sandbox. The rest keep an offline
# machine quiet (no update checks, no sync, no QUIC probes, no GPU process).
CHROMIUM_ARGS = [
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
if hasattr(os, "geteuid") and os.geteuid() == 0:
    CHROMIUM_ARGS.append("--no-sandbox")

NUMBER = r"[-−]?\d+(\.\d+)?"  # a numeric slider readout
OUTPUT_IMAGE = ".jp-OutputArea-output img"
STDERR_OUTPUT = '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'


def find_chromium() -> str | None:
    """Path of a system Chromium, or None when none is installed."""
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return "/usr/bin/chromium" if os.access("/usr/bin/chromium", os.X_OK) else None


# ---------------------------------------------------------------------------
# Page actions (Playwright sync API; ``page`` is a playwright Page)
# ---------------------------------------------------------------------------

def wait_for(condition: Callable[[], Any], timeout: float, what: str, interval: float = 0.25) -> Any:
    """Poll ``condition`` until it returns something truthy; raise AssertionError naming ``what``."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


# One notebook is open at a time (each URL resets the workspace), so this is it.
PANEL = ".jp-NotebookPanel"
IDLE_KERNEL = PANEL + " .jp-Notebook-ExecutionIndicator[data-status='idle']"


def open_notebook(page: Any, server: LabServer, path: str, timeout_ms: int = 60_000) -> None:
    """Open ``path`` alone in JupyterLab, make it the active document and wait for an idle kernel."""
    page.goto(server.lab_url(path))
    first_cell = page.locator(f"{PANEL} .jp-Cell").first
    first_cell.wait_for(state="visible", timeout=timeout_ms)
    panels = page.locator(PANEL).count()
    if panels != 1:
        raise AssertionError(f"expected only {path} to be open, found {panels} notebook panels")
    title = page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab.lm-mod-current .lm-TabBar-tabLabel")
    expected = path.rsplit("/", 1)[-1]
    if title.inner_text().strip() != expected:
        raise AssertionError(f"the current tab is {title.inner_text()!r}, expected {expected!r}")
    # Clicking the prompt area activates the notebook so menu commands target it (the collapser
    # beside it would hide the cell's input, a change the notebook would then ask to save).
    first_cell.locator(".jp-InputPrompt").first.click()
    wait_kernel_idle(page, server, path, timeout_ms / 1000)


def wait_kernel_idle(page: Any, server: LabServer, path: str, timeout: float = 60.0) -> None:
    """Wait until ``path`` has a kernel that is idle both on the server and in the page.

    The page's indicator also reads "idle" before any kernel exists, so the
    server's session list is the proof that the kernel was started.
    """

    def idle() -> bool:
        sessions = server.api("sessions")
        on_server = any(
            s.get("path") == path and (s.get("kernel") or {}).get("execution_state") == "idle" for s in sessions
        )
        return on_server and page.locator(IDLE_KERNEL).count() == 1

    wait_for(idle, timeout, f"an idle kernel for {path}")


PROMPTS_JS = """() => Array.from(document.querySelectorAll(
    '.jp-NotebookPanel .jp-CodeCell .jp-InputArea-prompt'
)).map(el => el.textContent.trim())"""


def run_all_cells(page: Any, timeout: float = 120.0) -> list[str]:
    """Run the notebook through Run menu → Run All Cells; wait until every code cell ran.

    Returns the final input prompts (``"[1]:"``, ...). Raises AssertionError when
    a cell is still running (``[*]``) or unexecuted (``[ ]``) at the deadline.
    """
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
    item = page.locator(".lm-Menu-item:not(.lm-mod-disabled)").filter(
        has=page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$"))
    )
    item.click()

    def finished() -> list[str] | None:
        prompts = page.evaluate(PROMPTS_JS)
        done = bool(prompts) and all(re.fullmatch(r"\[\d+\]:", p) for p in prompts)
        return prompts if done and page.locator(IDLE_KERNEL).count() == 1 else None

    try:
        return wait_for(finished, timeout, "every code cell to finish running")
    except AssertionError as exc:  # name the cells that did not finish
        raise AssertionError(f"{exc}; input prompts: {page.evaluate(PROMPTS_JS)}") from None


def error_outputs(page: Any) -> list[str]:
    """Texts of the stderr outputs (tracebacks, warnings) shown in the notebook."""
    return page.locator(f"{PANEL} {STDERR_OUTPUT}").all_inner_texts()


def output_images(scope: Any) -> list[dict]:
    """Every output image under ``scope`` (a Locator) as ``{"src": str, "ok": bool}``; ok = decoded and drawn."""
    return scope.locator(OUTPUT_IMAGE).evaluate_all(
        "els => els.map(img => ({src: img.getAttribute('src') || '', ok: img.complete && img.naturalWidth > 0}))"
    )


def press_validate(page: Any, timeout_ms: int = 120_000) -> tuple[str, str]:
    """Press nbgrader's Validate toolbar button; return (message classes, message text), then close the dialog."""
    button = page.locator(f"{PANEL} .jp-Toolbar .validate-button")
    button.wait_for(state="visible", timeout=30_000)
    button.click()
    dialog = page.locator(".jp-Dialog").filter(has=page.locator("#validation-message"))
    dialog.wait_for(state="visible", timeout=timeout_ms)
    message = dialog.locator("#validation-message")
    result = (message.get_attribute("class") or "", message.inner_text())
    dialog.locator(".jp-Dialog-button.jp-mod-accept").click()
    dialog.wait_for(state="detached", timeout=10_000)
    return result


@contextlib.contextmanager
def fresh_page(browser: Any, **options: Any) -> Iterator[Any]:
    """A page in a new browser context (no shared storage), large enough for a notebook and a widget."""
    context = browser.new_context(**{"viewport": {"width": 1400, "height": 1000}, **options})
    context.set_default_timeout(30_000)
    try:
        yield context.new_page()
    finally:
        context.close()


@contextlib.contextmanager
def screenshot_on_failure(page: Any, lab: LabServer | None, tmp_path: Path, label: str) -> Iterator[None]:
    """On any failure, save a screenshot and the server log into ``tmp_path`` and name them."""
    try:
        yield
    except BaseException:
        shot = tmp_path / f"{label}.png"
        log = tmp_path / f"{label}-jupyter.log"
        with contextlib.suppress(Exception):
            page.screenshot(path=str(shot))
        with contextlib.suppress(Exception):
            log.write_text(lab.log() if lab is not None else "")
        print(f"browser test failed; screenshot: {shot}; server log: {log}")
        raise


# ---------------------------------------------------------------------------
# Explorers
# ---------------------------------------------------------------------------

def explorer_cells(page: Any) -> Any:
    """Every notebook cell whose output holds both a widget slider and an image."""
    cells = page.locator(f"{PANEL} .jp-CodeCell").filter(has=page.locator(".widget-slider .noUi-handle"))
    return cells.filter(has=page.locator(OUTPUT_IMAGE))


def readout_value(readout: str) -> float | str:
    """A slider readout as a number (ipywidgets writes negative numbers with a Unicode minus sign),
    or as the option's name for a selection slider."""
    return float(readout.replace("−", "-")) if re.fullmatch(NUMBER, readout) else readout


def step_slider(cell: Any, index: int) -> None:
    """Press an arrow key on slider ``index`` of ``cell``; wait until its readout and the picture change."""
    slider = cell.locator(".widget-slider").nth(index)
    handle = slider.locator(".noUi-handle").first
    readout = slider.locator(".widget-readout")
    before_value = readout.inner_text().strip()
    before_images = [im["src"] for im in output_images(cell)]
    at_max = float(handle.get_attribute("aria-valuenow")) >= float(handle.get_attribute("aria-valuemax"))
    handle.scroll_into_view_if_needed()
    handle.focus()
    handle.press("ArrowLeft" if at_max else "ArrowRight")

    def redrawn() -> bool:
        now = output_images(cell)
        drawn = bool(now) and all(im["ok"] for im in now)
        return readout.inner_text().strip() != before_value and drawn and [im["src"] for im in now] != before_images

    wait_for(redrawn, 30, f"slider {index}'s readout and its picture to change after one arrow-key step")
    after_value = readout.inner_text().strip()
    before, after = readout_value(before_value), readout_value(after_value)
    if isinstance(before, str):  # a selection slider: its readout names the option, which changed
        assert isinstance(after, str), f"readout went from a name {before_value!r} to {after_value!r}"
        return
    assert not isinstance(after, str), f"unexpected readout {after_value!r}"
    step = after - before
    assert (step < 0) if at_max else (step > 0), (
        f"readout went from {before_value} to {after_value}; expected a step {'down' if at_max else 'up'}"
    )


def drawn_for(cell: Any) -> dict[str, float]:
    """The control values the explorer in ``cell`` last drew its picture for (from its caption)."""
    text = cell.locator(".fg-caption").first.get_attribute("data-drawn-for") or ""
    values = {}
    for part in text.split(", "):
        name, _, value = part.partition("=")  # a description has no "="; a selection label may
        try:
            values[name] = float(value)
        except ValueError:
            values[name] = value
    return values
