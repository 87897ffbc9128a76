"""The learner's server extension, piece by piece (the browser tests check it in a real JupyterLab)."""
from __future__ import annotations

import asyncio
import json
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest

from course_utils import course_updates
from course_utils.learner_server import notice, validate, widget_state
from course_utils.widgets import base
from nbtools import ROOT

LEARNER_CONFIG = ROOT / "course_utils" / "jupyter_learner"


def _explorer_state(prefix: str) -> dict:
    """A VBox showing a slider and an image, with their layouts: what ipywidgets saves for one explorer."""
    return {
        f"{prefix}box": {"model_name": "VBoxModel", "state": {"children": [f"IPY_MODEL_{prefix}s", f"IPY_MODEL_{prefix}i"],
                                                               "layout": f"IPY_MODEL_{prefix}l"}},
        f"{prefix}s": {"model_name": "IntSliderModel", "state": {"value": 3, "layout": f"IPY_MODEL_{prefix}l"}},
        f"{prefix}i": {"model_name": "ImageModel", "state": {"format": "png"}},
        f"{prefix}l": {"model_name": "LayoutModel", "state": {}},
    }


def _notebook(shown: list[str], state: dict | None) -> dict:
    cells = [nbformat.v4.new_code_cell("explorer()") for _ in shown]
    for cell, model_id in zip(cells, shown):
        cell.outputs = [nbformat.v4.new_output("display_data", data={
            widget_state.WIDGET_VIEW: {"model_id": model_id, "version_major": 2, "version_minor": 0},
            "text/plain": "VBox()"})]
    nb = nbformat.v4.new_notebook(cells=cells)
    if state is not None:
        nb.metadata["widgets"] = {widget_state.WIDGET_STATE: {"version_major": 2, "version_minor": 0, "state": state}}
    return json.loads(json.dumps(nb))


def _save(tmp_path: Path, nb: dict) -> dict:
    model = {"type": "notebook", "content": nb}
    widget_state.keep_widget_state(model=model, path="/lesson.ipynb", contents_manager=SimpleNamespace(root_dir=tmp_path))
    (tmp_path / "lesson.ipynb").write_text(json.dumps(model["content"]))
    return model["content"]


def test_saved_pictures_survive_a_save_without_the_kernel(tmp_path: Path) -> None:
    """Day 1 saves the live explorer; day 2 reopens (explorer not live, so JupyterLab saves no state for it) and
    saves again: the explorer's state is carried over, the stale widgets of an earlier run are dropped."""
    day1 = _notebook(["a-box"], {**_explorer_state("old-"), **_explorer_state("a-")})
    saved = _save(tmp_path, day1)["metadata"]["widgets"][widget_state.WIDGET_STATE]["state"]
    assert set(saved) == set(_explorer_state("a-"))  # the earlier run's widgets are not shown: gone
    day2 = _save(tmp_path, _notebook(["a-box"], {}))
    assert day2["metadata"]["widgets"][widget_state.WIDGET_STATE]["state"] == saved
    # Run again on day 3: the new explorer replaces the old one in the file.
    day3 = _save(tmp_path, _notebook(["b-box"], {**_explorer_state("a-"), **_explorer_state("b-")}))
    assert set(day3["metadata"]["widgets"][widget_state.WIDGET_STATE]["state"]) == set(_explorer_state("b-"))
    # Outputs cleared: no widget state is kept at all.
    cleared = _save(tmp_path, _notebook([], {**_explorer_state("b-")}))
    assert "widgets" not in cleared["metadata"]


def test_other_saves_are_left_alone(tmp_path: Path) -> None:
    model = {"type": "file", "content": "text", "format": "text"}
    widget_state.keep_widget_state(model=model, path="a.txt", contents_manager=SimpleNamespace(root_dir=tmp_path))
    assert model == {"type": "file", "content": "text", "format": "text"}
    plain = _notebook([], None)
    assert _save(tmp_path, json.loads(json.dumps(plain))) == plain


def test_validate_on_a_lesson_says_there_is_nothing_to_check(tmp_path: Path) -> None:
    assert not validate.has_tests(ROOT / "lessons" / "00_start_here.ipynb")
    assert validate.has_tests(ROOT / "exercises" / "ex01_projection_shapes" / "ex01_projection_shapes.ipynb")
    broken = tmp_path / "broken.ipynb"
    broken.write_text("{not json")
    assert validate.has_tests(broken)  # nbgrader says what is wrong with it
    assert "no tests" in validate.NO_TESTS and "lesson" in validate.NO_TESTS


RAW = ("\x1b[31m----\x1b[39m\n\x1b[31mNotImplementedError\x1b[39m   Traceback (most recent call last)\n"
       "Cell In[5], line 4\n----> 4 q = project(hidden, W_q)\n\nCell In[4], line 24, in project(X, W, b)\n"
       "---> 24     raise NotImplementedError()\n\n\x1b[31mNotImplementedError\x1b[39m: \n")


def test_a_failure_opens_with_what_went_wrong() -> None:
    assert validate.headline(RAW) == validate.NOT_WRITTEN
    wrong = "Traceback\n  File x\nAssertionError: project(hidden, W_q): expected [5, -4]\n  got [5, 4]\n"
    assert validate.headline(wrong) == "AssertionError: project(hidden, W_q): expected [5, -4]\n  got [5, 4]"
    report = {"success": True, "value": {"failed": [
        {"source": '"""Check project."""\nq = project(h, W)\ncheck(q)', "error": "<pre>tb</pre>", "raw_error": RAW},
        {"source": "YOUR ANSWER HERE", "error": "You did not provide a response.",
         "raw_error": "You did not provide a response."}]}}
    short = validate.shorten_report(report)["value"]["failed"]
    assert short[0]["source"] == '"""Check project."""\n… (2 more lines)'
    assert short[0]["error"].startswith("<b>NotImplementedError: the answer above") and "<pre>tb</pre>" in short[0]["error"]
    assert short[1]["error"] == "You did not provide a response."
    for untouched in ({"success": True, "value": {}}, {"success": False, "value": "boom"}):
        assert validate.shorten_report(untouched) == untouched


def test_the_update_check_answers_with_the_course_updates(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.setattr(notice, "WORKSPACE", tmp_path)
    check = notice.CourseUpdateNotice("4.0")
    assert asyncio.run(check()) is None and not notice.print_banner(tmp_path)
    (tmp_path / "lessons").mkdir()
    (tmp_path / "lessons" / "COURSE UPDATE 02_x.ipynb").write_text("{}")
    message = asyncio.run(check())
    assert message == course_updates.toast([("lessons/02_x.ipynb", "lessons/COURSE UPDATE 02_x.ipynb")])
    assert notice.print_banner(tmp_path) and "lessons/COURSE UPDATE 02_x.ipynb" in capsys.readouterr().err
    assert (tmp_path / course_updates.NOTE).exists()
    # JupyterLab opens on the note while the update waits (and on lesson 00 once it is dealt with).
    app = SimpleNamespace(base_url="/base/", default_url="/base/lab/tree/lessons/00_start_here.ipynb",
                          web_app=SimpleNamespace(settings={}))
    assert notice.land_on_note(tmp_path, app)
    assert app.default_url == app.web_app.settings["default_url"] == "/base/lab/tree/COURSE%20UPDATES.md"
    (tmp_path / "lessons" / "COURSE UPDATE 02_x.ipynb").unlink()
    app.default_url = "/base/lab/tree/lessons/00_start_here.ipynb"
    assert not notice.land_on_note(tmp_path, app) and app.default_url.endswith("00_start_here.ipynb")


def test_the_learner_configuration_turns_it_all_on() -> None:
    server = json.loads((LEARNER_CONFIG / "jupyter_server_config.json").read_text())
    assert server["ServerApp"]["jpserver_extensions"]["course_utils.learner_server"] is True
    assert server["LabApp"]["check_for_updates_class"] == "course_utils.learner_server.notice.CourseUpdateNotice"
    overrides = json.loads((LEARNER_CONFIG / "lab_settings" / "overrides.json").read_text())
    assert overrides["@jupyterlab/apputils-extension:notification"]["fetchNews"] == "false"
    assert overrides["@jupyter-widgets/jupyterlab-manager:plugin"]["saveState"] is True
    namespace: dict = {"get_config": lambda: SimpleNamespace(LabApp=SimpleNamespace()),
                       "__file__": str(LEARNER_CONFIG / "jupyter_server_config.py")}
    exec((LEARNER_CONFIG / "jupyter_server_config.py").read_text(), namespace)
    assert Path(namespace["c"].LabApp.app_settings_dir) == LEARNER_CONFIG / "lab_settings"


@pytest.mark.parametrize(("label", "low", "high"), [("bass angle°", 0, 359), ("direction", 0, 359), ("middle", 0, 180)])
def test_angle_sliders_have_a_pixel_per_degree(label: str, low: int, high: int) -> None:
    """The width leaves the label and the readout (about 100 px with margins) a track of a pixel per degree
    (the browser test measures the track itself); short ranges keep the usual width."""
    slider = base.int_slider(label, 20, low, high)
    assert int(slider.layout.width.removesuffix("px")) - 7 * len(label) - 100 >= high - low
    assert base.int_slider("n", 2, 1, 9).layout.width == "260px"
    assert base.float_slider("bias", -1.0, -5.0, 0.5, 0.05).layout.width == "260px"
