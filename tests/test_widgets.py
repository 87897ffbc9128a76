"""Tests for course_utils.widgets: explorers build, redraw when driven, and leak no pyplot figures."""
from __future__ import annotations

import subprocess
import sys

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from course_utils import widgets  # noqa: E402

W_Q = np.array([[1, 0], [0, 1], [1, -1], [0, 2]])
H = np.array([2, -1, 3, 0])
PNG_MAGIC = b"\x89PNG"


def test_projection_explorer_redraws_on_every_slider() -> None:
    before = plt.get_fignums()
    calls: list[tuple[int, int, int]] = []

    def describe(n: int, d_in: int, d_out: int) -> str:
        calls.append((n, d_in, d_out))
        return f"sizes {n}/{d_in}/{d_out}"

    box = widgets.projection_explorer(3, 4, 2, describe=describe)
    ax = box.figure.axes[0]
    assert ax.get_title().startswith("[3, 4] × [4, 2] = [3, 2]")
    assert box.image.value[:4] == PNG_MAGIC
    assert "sizes 3/4/2" in box.caption.value

    seen_images = {box.image.value}
    for name, value, title in [("n", 5, "[5, 4] × [4, 2] = [5, 2]"), ("d_in", 7, "[5, 7] × [7, 2] = [5, 2]"),
                               ("d_out", 6, "[5, 7] × [7, 6] = [5, 6]")]:
        box.controls[name].value = value
        assert box.figure.axes[0].get_title().startswith(title)
        seen_images.add(box.image.value)
    box.controls["i"].value = 4
    box.controls["j"].value = 5
    assert "Y[4, 5]" in box.figure.axes[0].get_title()
    seen_images.add(box.image.value)
    assert len(seen_images) == 5, "the picture did not change after a slider moved"
    assert calls[-1] == (5, 7, 6) and "sizes 5/7/6" in box.caption.value
    assert len(box.figure.axes) == 1, "old axes were not cleared"
    assert plt.get_fignums() == before, "an explorer leaked a pyplot figure"


def test_projection_explorer_keeps_highlight_inside_output() -> None:
    box = widgets.projection_explorer(4, 4, 4)
    box.controls["i"].value = 3
    box.controls["j"].value = 3
    box.controls["n"].value = 2     # row 3 no longer exists
    box.controls["d_out"].value = 1  # column 3 no longer exists
    assert box.controls["i"].max == 1 and box.controls["i"].value == 1
    assert box.controls["j"].max == 0 and box.controls["j"].value == 0
    assert "Y[1, 0]" in box.figure.axes[0].get_title()
    assert "<pre>" not in box.caption.value  # no caption text, only the values the picture shows
    assert 'data-drawn-for="n=2, d_in=' in box.caption.value


def test_projection_explorer_rejects_out_of_range_start() -> None:
    with pytest.raises(ValueError, match="outside the slider range 1..16"):
        widgets.projection_explorer(20, 4, 2)


def test_column_explorer_follows_slider() -> None:
    before = plt.get_fignums()
    box = widgets.column_explorer(H, W_Q, input_labels=["a", "b", "c", "d"], describe=lambda j: f"column <{j}>")
    assert box.controls["j"].max == 1
    assert box.figure.axes[0].get_title() == "output[0] = h · W[:, 0]"
    assert "column &lt;0&gt;" in box.caption.value  # caption text is HTML-escaped
    first = box.image.value
    box.controls["j"].value = 1
    assert box.figure.axes[0].get_title() == "output[1] = h · W[:, 1]"
    assert box.image.value != first and box.image.value[:4] == PNG_MAGIC
    assert plt.get_fignums() == before


def test_column_explorer_bad_shapes() -> None:
    with pytest.raises(ValueError, match=r"got h \(3,\), W \(4, 2\)"):
        widgets.column_explorer(H[:3], W_Q)


def test_importing_widgets_is_cheap() -> None:
    code = (
        "import sys, course_utils, course_utils.widgets\n"
        "heavy = [m for m in ('matplotlib', 'ipywidgets') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
