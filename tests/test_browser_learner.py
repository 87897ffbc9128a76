"""A learner's second day, in a real Chromium: JupyterLab with the learner's configuration, as ``make lab`` runs it.

The server serves a workspace made by ``course_utils.workspace`` (as ``make lab`` makes it).
The tests restart it between "days", aim an angle slider, open and close notebooks without
touching them, press Validate, read the course-update notice, and download an exercise from
the offline site opened as a file. With ``COURSE_SCREENSHOTS=DIR`` they also save what a
learner sees (``restart-explorer.png``, ``angle-slider.png``, ``update-notice.png``,
``update-file-browser.png``) into DIR.
"""
from __future__ import annotations

import base64
import json
import os
import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import browser_support as bs
from course_utils import course_updates, workspace
from course_utils.learner_server import validate
from nbtools import ROOT

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("learner-browser")]

LESSON_00 = "lessons/00_start_here.ipynb"
LESSON_02 = "lessons/02_feature_directions.ipynb"
EXERCISE = "exercises/ex01_projection_shapes/ex01_projection_shapes.ipynb"
CURRENT_TAB = ".lm-DockPanel-tabBar .lm-TabBar-tab.lm-mod-current"


def _keep(page: Any, name: str, clip: Any = None) -> None:
    """Save a screenshot into $COURSE_SCREENSHOTS (when set), of ``clip`` (a Locator) or the whole window."""
    folder = os.environ.get("COURSE_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        (clip or page).screenshot(path=str(Path(folder) / name))


@pytest.fixture(scope="module")
def learner_lab(browser: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[bs.LabServer]:
    """The learner's JupyterLab on a fresh workspace; always shut down with its kernels."""
    work = tmp_path_factory.mktemp("learner")
    workspace.sync(ROOT, work / "workspace")
    server = bs.start_lab(work / "workspace", work, learner=True)
    try:
        yield server
    finally:
        server.stop()


def _save(page: Any, path: Path) -> None:
    """Save the open notebook (Ctrl+S) and wait until the tab is clean and the file was written."""
    before = path.stat().st_mtime_ns
    page.locator(f"{bs.PANEL} .jp-InputPrompt").first.click()
    page.keyboard.press("Control+s")
    bs.wait_for(lambda: path.stat().st_mtime_ns != before and not _dirty(page), 30, f"{path.name} to be saved")


def _dirty(page: Any) -> bool:
    return "jp-mod-dirty" in (page.locator(CURRENT_TAB).get_attribute("class") or "")


def _restored_picture(page: Any) -> dict[str, float]:
    """Wait until the lesson's explorer shows a decoded picture without a kernel; return what it was drawn for."""
    cell = bs.explorer_cells(page).first
    bs.wait_for(lambda: cell.count() and all(im["ok"] for im in bs.output_images(cell)) and bs.output_images(cell),
                30, "the explorer's saved picture")
    assert page.locator(f"{bs.PANEL} .jp-OutputArea-output", has_text="model not found").count() == 0
    return bs.drawn_for(cell)


def test_a_lesson_reopened_after_a_restart_shows_its_explorers(browser: Any, tmp_path: Path) -> None:
    """Day 1: run lesson 00, move its explorer, save. Day 2 (a new server): the explorer shows that picture before
    anything runs; run one other cell and save. Day 3: still there; Run All makes the sliders move again."""
    ws = tmp_path / "workspace"
    workspace.sync(ROOT, ws)
    lesson = ws / LESSON_00
    for day in (1, 2, 3):
        lab = bs.start_lab(ws, tmp_path, learner=True)
        try:
            with bs.fresh_page(browser, viewport={"width": 1366, "height": 768}) as page, \
                    bs.screenshot_on_failure(page, lab, tmp_path, f"day-{day}"):
                bs.open_notebook(page, lab, LESSON_00)
                if day == 1:
                    bs.run_all_cells(page)
                    bs.step_slider(bs.explorer_cells(page).first, 0)
                    moved = bs.drawn_for(bs.explorer_cells(page).first)
                    _save(page, lesson)
                    state = json.loads(lesson.read_text())["metadata"]["widgets"]
                    assert state["application/vnd.jupyter.widget-state+json"]["state"]
                    continue
                assert _restored_picture(page) == moved, "the reopened explorer does not show its last picture"
                if day == 2:
                    explorer = bs.explorer_cells(page).first
                    explorer.locator(".jp-OutputArea").evaluate("e => e.scrollIntoView({block: 'start'})")
                    _keep(page, "restart-explorer.png")
                    page.locator(f"{bs.PANEL} .jp-CodeCell").first.locator(".jp-InputPrompt").click()
                    page.keyboard.press("Shift+Enter")  # some other cell runs; the explorer stays as it was
                    bs.wait_kernel_idle(page, lab, LESSON_00)
                    _save(page, lesson)
                else:
                    bs.run_all_cells(page)
                    bs.step_slider(bs.explorer_cells(page).first, 0)
        finally:
            lab.stop()


def _slider(cell: Any, label: str) -> Any:
    return cell.locator(".widget-slider").filter(has=cell.page.locator(".widget-label", has_text=label))


def _type_value(cell: Any, label: str, value: int) -> None:
    """Type ``value`` over the slider's readout, as lesson 00 tells a learner to; wait for the picture."""
    readout = _slider(cell, label).locator(".widget-readout")
    readout.click()
    readout.press("Control+a")
    readout.type(str(value))
    readout.press("Enter")
    bs.wait_for(lambda: bs.drawn_for(cell).get(label) == value, 30, f"the picture for {label}={value}")


def test_an_angle_slider_can_be_set_to_a_given_degree(browser: Any, learner_lab: bs.LabServer, tmp_path: Path) -> None:
    """Lesson 02's directions explorer: a track of at least a pixel per degree, a click near 60° then arrow keys to
    exactly 60°, 151° typed over the readout, and the angle between the directions given as the smaller one."""
    with bs.fresh_page(browser, viewport={"width": 1366, "height": 768}) as page, \
            bs.screenshot_on_failure(page, learner_lab, tmp_path, "angle"):
        bs.open_notebook(page, learner_lab, LESSON_02)
        bs.run_all_cells(page)
        cell = bs.explorer_cells(page).filter(has=page.locator(".widget-label", has_text="bass angle°")).first
        bass = _slider(cell, "bass angle°")
        bass.scroll_into_view_if_needed()
        track = bass.locator(".noUi-target").bounding_box()
        assert track["width"] >= 359, f"the 0-359° track is {track['width']:.0f} px: more than a degree per pixel"
        page.mouse.click(track["x"] + track["width"] * 60 / 359, track["y"] + track["height"] / 2)
        bs.wait_for(lambda: abs(bs.drawn_for(cell).get("bass angle°", -99) - 60) <= 1, 30, "a click near 60°")
        handle = bass.locator(".noUi-handle")
        for _ in range(2):
            now = int(handle.get_attribute("aria-valuenow").split(".")[0])
            if now != 60:
                handle.focus()
                handle.press("ArrowRight" if now < 60 else "ArrowLeft")
                bs.wait_for(lambda: bs.drawn_for(cell).get("bass angle°") == now + (1 if now < 60 else -1), 30,
                            "one degree per arrow key")
        assert bass.locator(".widget-readout").inner_text().strip() == "60"
        _type_value(cell, "volume angle°", 151)
        caption = cell.locator(".fg-caption")
        assert "directions 91° apart" in caption.inner_text()
        cell.locator(".jp-OutputArea").evaluate("e => e.scrollIntoView({block: 'start'})")
        _keep(page, "angle-slider.png")
        _type_value(cell, "bass angle°", 20)
        _type_value(cell, "volume angle°", 318)
        assert "directions 62° apart" in caption.inner_text(), caption.inner_text()


def _close_current_tab(page: Any) -> None:
    page.locator(f"{CURRENT_TAB} .lm-TabBar-tabCloseIcon").click()


@pytest.mark.parametrize("path", [EXERCISE, "lessons/03_superposition.ipynb"])
def test_opening_and_closing_an_untouched_notebook_leaves_it_unmodified(
        browser: Any, learner_lab: bs.LabServer, tmp_path: Path, path: str) -> None:
    """The kernel starts and fills in what it knows; the notebook stays clean, closes without a question and is
    not rewritten. The same notebook as committed (no language_info from the kernel) would be marked changed."""
    target = learner_lab.root / path
    neutral = target.with_name("neutral-" + target.name)
    shutil.copyfile(ROOT / path, neutral)  # as committed: kernel-neutral
    before = target.read_bytes(), target.stat().st_mtime_ns
    with bs.fresh_page(browser) as page, bs.screenshot_on_failure(page, learner_lab, tmp_path, "clean"):
        bs.open_notebook(page, learner_lab, path)
        time.sleep(3)  # the kernel's reply that used to mark the notebook changed comes within a second
        assert not _dirty(page), f"{path} is marked changed right after opening"
        _close_current_tab(page)
        page.locator(CURRENT_TAB).filter(has_text=target.name).wait_for(state="detached", timeout=10_000)
        assert page.locator(".jp-Dialog").count() == 0, "closing the untouched notebook asked a question"
        assert (target.read_bytes(), target.stat().st_mtime_ns) == before, f"{path} was rewritten"
        bs.open_notebook(page, learner_lab, neutral.relative_to(learner_lab.root).as_posix())
        bs.wait_for(lambda: _dirty(page), 15, "the kernel-neutral copy to be marked changed (the control)")


def test_validate_says_true_things(browser: Any, learner_lab: bs.LabServer, tmp_path: Path) -> None:
    """On a lesson, Validate says there is nothing to check; on the blank exercise, each failure opens with the
    line that says what is wrong, and the first one is in view without scrolling."""
    with bs.fresh_page(browser) as page, bs.screenshot_on_failure(page, learner_lab, tmp_path, "validate"):
        bs.open_notebook(page, learner_lab, LESSON_00)
        classes, text = bs.press_validate(page)
        assert validate.NO_TESTS in text and "Success" not in text
    with bs.fresh_page(browser) as page, bs.screenshot_on_failure(page, learner_lab, tmp_path, "validate-blank"):
        bs.open_notebook(page, learner_lab, EXERCISE)
        page.locator(f"{bs.PANEL} .jp-Toolbar .validate-button").click()
        message = page.locator("#validation-message")
        message.wait_for(state="visible", timeout=120_000)
        first = message.locator("b").first
        assert first.inner_text().startswith("NotImplementedError: the answer above this test is not written yet")
        body = page.locator(".jp-Dialog-body").bounding_box()
        line = first.bounding_box()
        assert line["y"] + line["height"] <= body["y"] + body["height"], "the first error line is below the fold"
        assert message.locator("b").count() >= 6


def _pending_update(tmp_path: Path) -> Path:
    """A workspace whose lesson 02 the learner edited, made from an older course whose lesson 02 differed."""
    old = tmp_path / "old-course"
    for rel in workspace.course_files(ROOT):
        (old / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ROOT / rel, old / rel)
    lesson = old / LESSON_02
    lesson.write_text(lesson.read_text().replace("# Lesson 02", "# Lesson 02 (older)", 1))
    ws = tmp_path / "workspace"
    workspace.sync(old, ws)
    mine = ws / LESSON_02
    mine.write_text(mine.read_text().replace("# Lesson 02", "# Lesson 02, my notes", 1))
    return ws


def test_the_update_notice_is_visible(browser: Any, tmp_path: Path) -> None:
    """``make lab`` after the course changed a lesson the learner edited: the notice follows the server's start-up
    lines, JupyterLab opens on the note that names both files (with a notification, and no news prompt), and the
    file browser tells the two apart at a glance."""
    ws = _pending_update(tmp_path)
    lab = bs.start_make_lab(ws, tmp_path)
    try:
        update = "COURSE UPDATE 02_feature_directions.ipynb"
        assert (ws / "lessons" / update).is_file()
        log = bs.wait_for(lambda: "new version: lessons/" + update in lab.log().split("is running at:")[-1]
                          and lab.log(), 30, "the notice after the server's start-up lines")
        started = log.index("Use Control-C to stop this server")
        assert log.index("COURSE UPDATE: 1 notebook you edited", started) > started
        printed = re.search(rf"{re.escape(lab.url)}/\S+", log).group(0)
        assert printed.startswith(f"{lab.url}/lab/tree/COURSE%20UPDATES.md?token="), printed
        with bs.fresh_page(browser, viewport={"width": 1366, "height": 768}) as page, \
                bs.screenshot_on_failure(page, lab, tmp_path, "notice"):
            page.goto(printed.split("?")[0] + f"?token={lab.token}")
            note = page.locator(".jp-RenderedMarkdown", has_text="Course updates waiting for you")
            note.wait_for(state="visible", timeout=60_000)
            assert "lessons/" + update in note.inner_text() and "Delete" in note.inner_text()
            toast = page.locator(".Toastify__toast", has_text="Course update")
            toast.wait_for(state="visible", timeout=30_000)
            assert update in toast.inner_text() and "02_feature_directions.ipynb, which you edited" in toast.inner_text()
            assert page.locator(".Toastify__toast", has_text="Jupyter news").count() == 0
            _keep(page, "update-notice.png")
            if "/ lessons /" not in page.locator(".jp-BreadCrumbs").inner_text():
                page.locator(".jp-DirListing-itemText", has_text=re.compile(r"^lessons$")).dblclick()
            items = page.locator(".jp-DirListing-itemText")
            items.filter(has_text=update).wait_for(state="visible")
            # What the default width shows of each name (the rest is cut off with an ellipsis).
            shown = dict(items.evaluate_all(
                "els => els.map(e => [e.textContent, e.textContent.slice(0, Math.floor(e.textContent.length * "
                "Math.min(1, e.clientWidth / e.scrollWidth)) - 1)])"))
            mine, theirs = shown["02_feature_directions.ipynb"], shown[update]
            common = min(len(mine), len(theirs))
            assert common >= 8 and mine[:common] != theirs[:common], f"the file browser shows {mine!r}… and {theirs!r}…"
            _keep(page, "update-file-browser.png")
            note.locator("a", has_text="lessons/" + update).click()  # the note's links open the notebooks
            page.locator(CURRENT_TAB, has_text=update).wait_for(state="visible", timeout=30_000)
    finally:
        lab.stop()


def test_the_offline_site_downloads_an_exercise_notebook(browser: Any, course_site: Path) -> None:
    """Opened as a file, as the README says: the download link delivers the notebook (it used to show the JSON);
    the page has one search box, no boilerplate footer and no console error."""
    errors: list[str] = []
    with bs.fresh_page(browser, accept_downloads=True) as page:
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto((course_site / "exercises.html").as_uri())
        page.wait_for_load_state("load")
        link = page.locator("a", has_text=f"Download {Path(EXERCISE).name}")
        with page.expect_download(timeout=15_000) as download:
            link.click()
        assert download.value.suggested_filename == Path(EXERCISE).name
        assert Path(download.value.path()).read_bytes() == (ROOT / EXERCISE).read_bytes()
        assert page.url.endswith("exercises.html"), f"the link navigated to {page.url[:80]}"
        boxes = page.locator(".search-button-field, input[type=search]").evaluate_all(
            "els => els.filter(e => e.offsetParent !== null).length")
        assert boxes == 1, f"{boxes} search boxes on the page"
        assert "Copyright" not in page.locator("footer").all_inner_texts().__str__()
    assert not errors, errors
    page_source = (course_site / "exercises.html").read_text()
    assert base64.b64encode((ROOT / EXERCISE).read_bytes()).decode() in page_source
    assert re.search(r'download="ex01_projection_shapes.ipynb"', page_source)
