"""The course as a learner meets it: JupyterLab in a real Chromium, driven by Playwright.

A throw-away server runs on a copy of ``lessons/``, ``exercises/`` and
``nbgrader_config.py``. The tests run every lesson from the Run menu and move sliders of
each of its explorers, and press nbgrader's Validate button on exercise 01 (blank, then
solved). One more checks how an explorer snapshot of the static site (``course site``) looks.

Skipped only when Chromium or Playwright is missing and ``CI`` is not set; in CI a
missing browser is a failure.
"""
from __future__ import annotations

import contextlib
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
import pytest

import browser_support as bs
import nbtools
from nbtools import ROOT, is_graded_code, nbgrader_meta

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("browser")]  # one server per run

LESSONS = [p.relative_to(ROOT).as_posix() for p in nbtools.lessons() if not p.name.startswith("00_")]
EXERCISE = "exercises/ex01_projection_shapes/ex01_projection_shapes.ipynb"
SOLUTION = "solutions/ex01_projection_shapes/ex01_projection_shapes.ipynb"

# A traceback, or an exception line such as "SyntaxError: ..." (warnings do not match).
ERROR_RE = re.compile(r"Traceback|^\w*(Error|Exception)\b", re.MULTILINE)


@pytest.fixture(scope="module")
def lab(browser: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[bs.LabServer]:
    """JupyterLab serving a copy of the course; always shut down with its kernels."""
    for rel in (*LESSONS, EXERCISE, SOLUTION):
        assert (ROOT / rel).is_file(), f"{rel} is missing; the browser test needs it"
    work = tmp_path_factory.mktemp("lab")
    course = bs.copy_course(ROOT, work / "course")
    server = bs.start_lab(course, work)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    with bs.fresh_page(browser) as page:
        yield page


def _check_layout(page: Any, cell: Any) -> None:
    """On a 1366x768 screen the explorer (controls, picture, caption) fits in the notebook without
    scrolling, and its picture is shown at its own size from twice as many pixels (sharp, not stretched)."""
    box = cell.locator(".jp-OutputArea-output .widget-vbox").first
    visible = page.locator(f"{bs.PANEL} .jp-WindowedPanel-outer").first.evaluate("e => e.clientHeight")
    height = box.bounding_box()["height"]
    assert height <= visible, f"the explorer is {height:.0f} px tall; the notebook shows {visible} px"
    natural, shown, layout = cell.locator(bs.OUTPUT_IMAGE).first.evaluate(
        "i => [i.naturalWidth, i.clientWidth, parseFloat(i.style.width) || 0]")
    assert shown <= layout and abs(natural - 2 * layout) <= 2, (natural, shown, layout)


def _rapid_moves(page: Any, lab: bs.LabServer, lesson: str, cell: Any, index: int, presses: int = 6) -> None:
    """Press an arrow key several times without waiting: once the kernel is idle, the picture is the last value's."""
    slider = cell.locator(".widget-slider").nth(index)
    handle = slider.locator(".noUi-handle").first
    label = slider.locator(".widget-label").inner_text().strip()
    at_max = float(handle.get_attribute("aria-valuenow")) >= float(handle.get_attribute("aria-valuemax"))
    handle.scroll_into_view_if_needed()
    handle.focus()
    for _ in range(presses):
        handle.press("ArrowLeft" if at_max else "ArrowRight", delay=0)
    final = bs.readout_value(slider.locator(".widget-readout").inner_text().strip())

    def settled() -> bool:
        drawn = bs.drawn_for(cell).get(label)
        if isinstance(final, str):
            return drawn == final
        return isinstance(drawn, float) and abs(drawn - final) <= 1e-6 * max(1.0, abs(final))

    bs.wait_for(settled, 60, f"the picture of {label!r} to show its last value {final}")
    bs.wait_kernel_idle(page, lab, lesson)
    assert settled(), f"after the kernel settled, the picture shows {bs.drawn_for(cell)}, not {label}={final}"


@pytest.mark.parametrize("lesson", LESSONS)
def test_lesson_runs_and_every_explorer_redraws(browser: Any, lab: bs.LabServer, tmp_path: Path, lesson: str) -> None:
    """Run All shows figures and no tracebacks; each explorer fits a 1366x768 screen, is drawn sharp at its own
    size, redraws on its first and last sliders, and shows the last value after quick key presses."""
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    context.set_default_timeout(30_000)
    page = context.new_page()
    with contextlib.ExitStack() as stack:
        stack.callback(context.close)
        stack.enter_context(bs.screenshot_on_failure(page, lab, tmp_path, Path(lesson).stem))
        source = nbformat.read(lab.root / lesson, as_version=4)
        n_code = sum(c.cell_type == "code" for c in source.cells)
        n_explorers = sum(bool(re.search(r"\bwidgets\.\w+_explorer\(", c.source)) for c in source.cells
                          if c.cell_type == "code")
        bs.open_notebook(page, lab, lesson)
        prompts = bs.run_all_cells(page, timeout=120)
        assert len(prompts) == n_code, f"{len(prompts)} of {n_code} code cells show an execution count"

        tracebacks = [text for text in bs.error_outputs(page) if ERROR_RE.search(text)]
        assert not tracebacks, "the lesson shows error output:\n\n" + "\n\n".join(tracebacks)

        images = bs.output_images(page.locator(bs.PANEL))
        assert images, "no figure was rendered in any output"
        broken = [im["src"][:60] for im in images if not im["ok"]]
        assert not broken, f"images that failed to load: {broken}"

        cells = bs.explorer_cells(page)
        assert cells.count() == n_explorers > 0, (
            f"{cells.count()} cells show a slider next to a picture; the lesson builds {n_explorers} explorers")
        for k in range(cells.count()):
            cell = cells.nth(k)
            _check_layout(page, cell)
            n_sliders = cell.locator(".widget-slider").count()
            for index in sorted({0, n_sliders - 1}):
                bs.step_slider(cell, index)
            _rapid_moves(page, lab, lesson, cell, 0)
        errors_after = [text for text in bs.error_outputs(page) if ERROR_RE.search(text)]
        assert not errors_after, "moving a slider raised:\n\n" + "\n\n".join(errors_after)


def test_validate_button_reports_blank_failures_then_solution_success(
    browser: Any, lab: bs.LabServer, tmp_path: Path
) -> None:
    """nbgrader's Validate button fails every test of the blank exercise and passes the solution."""
    release = nbformat.read(lab.root / EXERCISE, as_version=4)
    n_tests = sum(is_graded_code(cell) for cell in release.cells)
    # Written answers (graded solution cells) left as released score zero too.
    n_written = sum(bool(nbgrader_meta(c).get("grade") and nbgrader_meta(c).get("solution")) for c in release.cells)
    assert n_tests >= 1, f"{EXERCISE} has no autograded test cells"

    with bs.fresh_page(browser) as page, bs.screenshot_on_failure(page, lab, tmp_path, "validate-blank"):
        bs.open_notebook(page, lab, EXERCISE)
        classes, text = bs.press_validate(page)
        assert "validation-failed" in classes.split(), f"Validate did not report failures:\n{text}"
        assert text.count("The following cell failed") == n_tests + n_written, (
            f"the blank exercise has {n_tests} test cells and {n_written} written answers, all of which "
            f"should fail; the dialog said:\n{text}"
        )
        assert text.count("NotImplementedError:") >= n_tests, (
            f"not every failing test shows the blank answers' NotImplementedError:\n{text}"
        )
        assert text.count("You did not provide a response") == n_written, text

    # The blank's page is closed by now, so nothing can save it over the solution.
    shutil.copyfile(ROOT / SOLUTION, lab.root / EXERCISE)
    with bs.fresh_page(browser) as page, bs.screenshot_on_failure(page, lab, tmp_path, "validate-solution"):
        bs.open_notebook(page, lab, EXERCISE)
        classes, text = bs.press_validate(page)
        assert "validation-success" in classes.split(), f"Validate did not pass the solution:\n{text}"
        assert "Success! Your notebook passes all the tests." in text


def test_site_snapshot_shows_the_picture_at_its_own_size(page: Any, tmp_path: Path) -> None:
    """An explorer snapshot on the site is drawn at the width its layout gives (its picture has twice the
    pixels, for sharp high-DPI screens), unstretched in a page much wider than it."""
    import base64
    import io

    from matplotlib.figure import Figure

    from course_utils.website import snapshot

    fig = Figure(figsize=(3, 2), dpi=100)
    fig.add_subplot(1, 1, 1).plot([0, 1], [1, 0])
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    png = base64.b64encode(buffer.getvalue()).decode()
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("explorer()")])
    nb.cells[0].outputs = [nbformat.v4.new_output(
        "display_data", data={snapshot.WIDGET_VIEW: {"model_id": "box"}, "text/plain": "VBox()"})]
    nb.metadata["widgets"] = {snapshot.WIDGET_STATE: {"state": {
        "box": {"model_name": "VBoxModel", "state": {"children": ["IPY_MODEL_s", "IPY_MODEL_img"]}},
        "s": {"model_name": "IntSliderModel", "state": {"description": "n", "min": 1, "max": 9, "value": 3}},
        "img": {"model_name": "ImageModel", "state": {"format": "png", "layout": "IPY_MODEL_lay"},
                "buffers": [{"path": ["value"], "encoding": "base64", "data": png}]},
        "lay": {"model_name": "LayoutModel", "state": {"width": "150px", "max_width": "100%"}}}}}
    snapshot.snapshot_widgets(nb)
    body = nb.cells[0].outputs[0]["data"]["text/html"]
    (tmp_path / "page.html").write_text(f'<!DOCTYPE html><html><body><div style="width:1200px">{body}</div></body></html>')
    page.goto((tmp_path / "page.html").as_uri())
    sizes = page.evaluate("[...document.querySelectorAll('img')].map(i => [i.naturalWidth, i.clientWidth, "
                          "i.naturalHeight, i.clientHeight])")
    assert sizes == [[300, 150, 200, 100]], sizes
    assert page.locator("input[type=range]").is_disabled()
    assert page.locator("input[type=range]").input_value() == "3"


def test_course_site_works_offline(browser: Any, course_site: Path) -> None:
    """Every page of the website, served from this machine, loads with the network blocked: links
    resolve, figures load, math is typeset by the bundled MathJax, and search finds a lesson by a
    word in its text."""
    import functools
    import http.server
    import threading
    from html.parser import HTMLParser

    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(course_site))
    handler.log_message = lambda *a, **k: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"

    def url(path: Path) -> str:
        return base + "/" + path.relative_to(course_site).as_posix()

    context = browser.new_context(viewport={"width": 1366, "height": 768})
    outside: list[str] = []
    failed: list[str] = []

    def route(r: Any) -> None:
        if r.request.url.startswith(base + "/"):
            r.continue_()
        else:
            outside.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.on("requestfailed", lambda req: failed.append(f"{req.url} ({req.failure}, {req.resource_type})"))

    class Links(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.hrefs: list[str] = []
            self.ids: set[str] = set()

        def handle_starttag(self, tag: str, attrs: list) -> None:
            attrs = dict(attrs)
            if attrs.get("id"):
                self.ids.add(attrs["id"])
            if tag == "a" and attrs.get("href"):
                self.hrefs.append(attrs["href"])

    parsed: dict[Path, Links] = {}

    def links_of(path: Path) -> Links:
        if path not in parsed:
            parsed[path] = Links()
            parsed[path].feed(path.read_text(encoding="utf-8"))
        return parsed[path]

    pages = sorted(p for p in course_site.rglob("*.html") if "_static" not in p.parts and "_sources" not in p.parts)
    lesson_pages = [p for p in pages if p.parent.name == "lessons"]
    assert len(lesson_pages) == len(nbtools.lessons())
    try:
        for path in pages:
            page.goto(url(path))
            page.wait_for_load_state("load")
            for href in links_of(path).hrefs:
                if re.match(r"^[a-z]+:", href) or href.startswith("#") and href == "#":
                    continue
                target, _, anchor = href.partition("#")
                dest = (path.parent / target).resolve() if target else path
                assert dest.is_file(), f"{path.name}: broken link {href}"
                if anchor and dest.suffix == ".html":
                    assert anchor in links_of(dest).ids, f"{path.name}: link {href} names no element"
            if path in lesson_pages:
                sizes = page.evaluate("[...document.querySelectorAll('article img')].map(i => i.naturalWidth)")
                assert sizes and all(w > 0 for w in sizes), f"{path.name}: a picture did not load ({sizes})"
                source = path.read_text(encoding="utf-8")
                if "math notranslate" in source:
                    page.wait_for_selector("mjx-container", timeout=15_000)
        page.goto(url(course_site / "lessons" / "02_feature_directions.html"))
        page.wait_for_selector("mjx-container", timeout=15_000)
        assert page.locator("mjx-container").count() > 0
        assert page.locator(".math.notranslate:not(:has(mjx-container))").count() == 0, "untypeset math left"
        page.goto(url(course_site / "search.html") + "?q=orthant")
        page.wait_for_selector("#search-results li a", timeout=15_000)
        found = page.evaluate("[...document.querySelectorAll('#search-results li a')].map(a => a.href)")
        assert any(h.split("#")[0].endswith("lessons/04_relu_orthants.html") for h in found), found
        page.wait_for_selector("#search-results li p.context", timeout=15_000)  # a summary of each hit
    finally:
        context.close()
        server.shutdown()
    assert not outside, f"pages asked the network for {sorted(set(outside))[:5]}"
    assert not failed, f"resources failed to load: {sorted(set(failed))[:5]}"
