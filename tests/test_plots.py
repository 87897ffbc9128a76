"""Tests for course_utils.plots: returns Axes, labelled figures, no global state, clear errors."""
from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.colors import to_rgb  # noqa: E402

from course_utils import plots  # noqa: E402

W_Q = np.array([[1, 0], [0, 1], [1, -1], [0, 2]])
H = np.array([2, -1, 3, 0])

# One call per public plotting function; each draws on the Axes it is given.
CALLS = {
    "plot_projection_blocks": lambda ax: plots.plot_projection_blocks(3, 4, 2, highlight=(1, 0), ax=ax),
    "plot_column_reading": lambda ax: plots.plot_column_reading(H, W_Q, 1, ax=ax),
    "plot_signed_bars": lambda ax: plots.plot_signed_bars([1.0, -2.0], ["a", "b"], title="T", xlabel="X",
                                                          ylabel="Y", ax=ax),
    "plot_series": lambda ax: plots.plot_series([1, 2, 4], {"gemm": [1, 2, 3], "gemv": [1, 1, 1]}, title="T",
                                                xlabel="X", ylabel="Y", logx=True, ax=ax),
    "plot_widths": lambda ax: plots.plot_widths(["W_Q", "W_up"], [576, 576], [576, 1536], title="T", ax=ax),
    # lesson 02 (details in test_plots_directions.py)
    "plot_directions": lambda ax: plots.plot_directions(np.eye(2), [0.8, 0.5], labels=["a", "b"], ax=ax),
    "plot_gram": lambda ax: plots.plot_gram(np.eye(3), ax=ax),
    "plot_equalizer": lambda ax: plots.plot_equalizer([0.8, 0.5], [0.7, -0.1], ax=ax),
    "plot_error_by_angle": lambda ax: plots.plot_error_by_angle([0, 90, 180], [1, 0, 1], ax=ax),
    "plot_grouped_bars": lambda ax: plots.plot_grouped_bars(["a", "b"], {"x": [1, 2], "y": [2, 1]}, title="T",
                                                            xlabel="X", ylabel="Y", ax=ax),
    # lesson 03 (details in test_plots_superposition.py)
    "plot_cosine_histograms": lambda ax: plots.plot_cosine_histograms({"d = 2": [0.1, -0.5, 0.9]}, ax=ax),
    "plot_features_2d": lambda ax: plots.plot_features_2d(np.eye(2), ax=ax),
    "plot_feature_bars": lambda ax: plots.plot_feature_bars([1.0, 0.5], [0.0, 0.8], ax=ax),
    "plot_phase_diagram": lambda ax: plots.plot_phase_diagram([1.0, 10.0], [1.0, 0.1], np.array([[0, 1], [1, 0]]),
                                                              ["a", "b"], title="T", xlabel="X", ylabel="Y", ax=ax),
    # lesson 04 (details in test_plots_orthants.py; the 3-D figures are tested there)
    "plot_relu_snap": lambda ax: plots.plot_relu_snap(np.array([[-1.0, 2.0], [0.5, -0.5]]),
                                                      np.array([[0.0, 2.0], [0.5, 0.0]]), ax=ax),
    "plot_latent_zones": lambda ax: plots.plot_latent_zones(np.linspace(-1, 1, 5), np.linspace(-1, 1, 5),
                                                            np.zeros((5, 5, 3), bool),
                                                            np.array([[1.0, 0.0, -1.0], [0.0, 1.0, -1.0]]),
                                                            ax=ax),
    "plot_feature_dimensionality": lambda ax: plots.plot_feature_dimensionality([1.0, 10.0], [[1.0, 0.5], [0.5, 0.4]],
                                                                                ax=ax),
    # lesson 05 (details in test_plots_hyperspheres.py)
    "plot_token_vectors": lambda ax: plots.plot_token_vectors(np.eye(2), ["a", "b"], [0.5, 0.5], ax=ax),
    "plot_token_bars": lambda ax: plots.plot_token_bars(["a", "b"], [0.3, 0.7], highlight=1, title="T", ylabel="p",
                                                        ax=ax),
    "plot_histogram": lambda ax: plots.plot_histogram([1.0, 2.0, 2.5], marks={"median": 2.0}, title="T", xlabel="X",
                                                      ax=ax),
    "plot_lens_path": lambda ax: plots.plot_lens_path([[0.0, 1.0], [1.0, 0.5]], axis_labels=("a", "b"), ax=ax),
    # lesson 06 (details in test_plots_composition.py)
    "plot_projection_to_line": lambda ax: plots.plot_projection_to_line(np.array([[1.0, 0.5], [-0.5, 1.0]]), [2.0, -1.0],
                                                                        np.array([1.5, -2.0]), ax=ax),
    "plot_point_clouds": lambda ax: plots.plot_point_clouds(np.eye(2), np.zeros((2, 2)), ax=ax),
    # lesson 07 (details in test_plots_dictionaries.py)
    "plot_frontier": lambda ax: plots.plot_frontier({"a": ([1.0, 2.0], [0.5, 0.2], [3, 5])}, n_true=5, ax=ax),
    "plot_best_cosines": lambda ax: plots.plot_best_cosines([0.95, 0.5], ax=ax),
    "plot_heatmap": lambda ax: plots.plot_heatmap(np.eye(3), title="T", xlabel="X", ylabel="Y", colorbar_label="C",
                                                  ax=ax),
}
# Drawn on 3-D axes only; see test_plots_orthants.py. The polarizer picture and the latent contexts (text)
# have no axes to label; see their own tests.
THREE_D_OR_BARE = {"plot_plane_in_orthant", "plot_polarizers", "plot_latent_contexts"}


@pytest.fixture(autouse=True)
def _close_figures() -> Iterator[None]:
    yield
    plt.close("all")


def _rc_snapshot() -> dict:
    return {k: v for k, v in plt.rcParams.items() if not k.startswith("backend")}


def test_every_public_function_is_exercised() -> None:
    public = {name for name in plots.__all__ if name.startswith("plot_")}
    assert public == set(CALLS) | THREE_D_OR_BARE


@pytest.mark.parametrize("name", sorted(CALLS))
def test_draws_on_given_axes_with_title_and_labels(name: str) -> None:
    fig, ax = plt.subplots()
    before_rc = _rc_snapshot()
    before_figs = plt.get_fignums()
    out = CALLS[name](ax)
    assert out is ax and isinstance(out, Axes)
    assert ax.get_title().strip() and ax.get_xlabel().strip() and ax.get_ylabel().strip()
    assert plt.get_fignums() == before_figs, "a plot function given an Axes must not open a new figure"
    assert _rc_snapshot() == before_rc, "a plot function changed global rcParams"
    assert ax.has_data() or ax.patches or ax.images


@pytest.mark.parametrize("name", sorted(CALLS))
def test_creates_one_figure_when_no_axes(name: str) -> None:
    ax = CALLS[name](None)
    assert isinstance(ax, Axes)
    assert len(plt.get_fignums()) == 1


def test_palette_is_okabe_ito() -> None:
    assert len(plots.OKABE_ITO) == 8 and len(set(plots.PALETTE)) == 8
    assert set(plots.PALETTE) == set(plots.OKABE_ITO.values())
    assert to_rgb(plots.OKABE_ITO["vermillion"]) == pytest.approx((213 / 255, 94 / 255, 0.0))
    assert plots.PALETTE[0] == plots.OKABE_ITO["blue"]


def test_importing_plots_does_not_touch_rcparams_or_show() -> None:
    code = (
        "import matplotlib; matplotlib.use('Agg'); import matplotlib.pyplot as plt\n"
        "shown = []; plt.show = lambda *a, **k: shown.append(1)\n"
        "before = dict(plt.rcParams)\n"
        "import course_utils.plots as p\n"
        "ax = p.plot_projection_blocks(2, 3, 4)\n"
        "assert dict(plt.rcParams) == before, 'rcParams changed'\n"
        "assert not shown, 'plt.show() was called'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_projection_blocks_geometry() -> None:
    """X, W and Y are drawn with areas n*d_in, d_in*d_out and n*d_out (one square per number)."""
    ax = plots.plot_projection_blocks(3, 5, 2)
    areas = sorted(round(p.get_width() * p.get_height()) for p in ax.patches)
    assert areas == sorted([3 * 5, 5 * 2, 3 * 2])
    assert ax.get_title() == "[3, 5] × [5, 2] = [3, 2]"
    texts = {t.get_text() for t in ax.texts}
    assert {"X\n[3, 5]", "W\n[5, 2]", "Y\n[3, 2]"} <= texts


def test_projection_blocks_highlight_marks_row_column_and_cell() -> None:
    ax = plots.plot_projection_blocks(3, 4, 2, highlight=(2, 1), note="cost: 24 multiply-adds")
    # three plain blocks + row outline + column outline + output cell
    assert len(ax.patches) == 6
    row, col, cell = ax.patches[3:]
    assert (row.get_width(), row.get_height()) == (4, 1)
    assert (col.get_width(), col.get_height()) == (1, 4)
    assert (cell.get_width(), cell.get_height()) == (1, 1) and cell.get_x() == 1
    assert "Y[2, 1]" in ax.get_title()
    assert "cost: 24 multiply-adds" in ax.get_xlabel()


@pytest.mark.parametrize(
    "args, kwargs, pattern",
    [((0, 4, 2), {}, "n must be a positive integer"),
     ((3, 2.5, 2), {}, "d_in must be a positive integer"),
     ((3, 4, 2), {"highlight": (3, 0)}, r"outside Y, which has shape \(3, 2\)")],
)
def test_projection_blocks_bad_input(args: tuple, kwargs: dict, pattern: str) -> None:
    with pytest.raises(ValueError, match=pattern):
        plots.plot_projection_blocks(*args, **kwargs)


def test_column_reading_outlines_requested_column() -> None:
    ax = plots.plot_column_reading(H, W_Q, 1, input_labels=["a", "b", "c", "d"])
    outline = ax.patches[0]
    assert outline.get_x() == pytest.approx(1 + 2 - 0.5)  # W columns start at picture column 2
    assert [t.get_text() for t in ax.get_yticklabels()] == ["a", "b", "c", "d"]
    shown = [t.get_text() for t in ax.texts]
    assert len(shown) == 4 * (1 + 2) and "-1" in shown
    assert ax.get_title() == "output[1] = h · W[:, 1]"


@pytest.mark.parametrize(
    "h, W, j, pattern",
    [(H, W_Q.T, 0, "same d_in"), (H, W_Q, 2, "W has 2 columns"), (H[:, None], W_Q, 0, "shape")],
)
def test_column_reading_bad_input(h: np.ndarray, W: np.ndarray, j: int, pattern: str) -> None:
    with pytest.raises(ValueError, match=pattern):
        plots.plot_column_reading(h, W, j)


def test_signed_bars_colours_by_sign() -> None:
    ax = plots.plot_signed_bars([2.0, -1.0, 0.0], ["x", "y", "z"], title="T", xlabel="X", ylabel="Y")
    bars = [p for p in ax.patches]
    assert [b.get_height() for b in bars] == [2.0, -1.0, 0.0]
    assert to_rgb(bars[0].get_facecolor()) == pytest.approx(to_rgb(plots.OKABE_ITO["blue"]))
    assert to_rgb(bars[1].get_facecolor()) == pytest.approx(to_rgb(plots.OKABE_ITO["vermillion"]))
    with pytest.raises(ValueError, match="one label per value"):
        plots.plot_signed_bars([1.0, 2.0], ["only one"], title="T", xlabel="X", ylabel="Y")


def test_series_lines_legend_and_log_axis() -> None:
    ax = plots.plot_series([1, 2, 4], {"a": [3, 2, 1], "b": [1, 1, 1]}, title="T", xlabel="X", ylabel="Y",
                           logx=True, logy=True)
    assert [line.get_label() for line in ax.get_lines()] == ["a", "b"]
    assert list(ax.get_lines()[0].get_ydata()) == [3, 2, 1]
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    assert ax.xaxis.get_transform().base == 2
    decimal = plots.plot_series([0.01, 0.1], {"a": [1, 2]}, title="T", xlabel="X", ylabel="Y", logx=True, logx_base=10)
    assert decimal.xaxis.get_transform().base == 10
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["a", "b"]
    with pytest.raises(ValueError, match="shape"):
        plots.plot_series([1, 2], {"a": [1, 2, 3]}, title="T", xlabel="X", ylabel="Y")
    with pytest.raises(ValueError, match="empty"):
        plots.plot_series([1, 2], {}, title="T", xlabel="X", ylabel="Y")


def test_series_references_drawn_dashed_over_the_measurements() -> None:
    ax = plots.plot_series([1, 2, 4], {"measured": [1, 2, 3], "formula": [1, 2, 3]}, title="T", xlabel="X",
                           ylabel="Y", references=["formula"], ylim=(0.5, 4))
    measured, formula = ax.get_lines()
    assert measured.get_marker() not in ("", "None", None) and measured.get_linestyle() == "-"
    assert formula.get_linestyle() == "--" and formula.get_marker() in ("", "None", None)
    assert formula.get_zorder() > measured.get_zorder()          # the formula stays visible on top
    assert ax.get_ylim() == (0.5, 4)
    with pytest.raises(ValueError, match="not names of series"):
        plots.plot_series([1, 2], {"a": [1, 2]}, title="T", xlabel="X", ylabel="Y", references=["b"])


def test_series_on_a_log_scale_leave_out_zeros() -> None:
    ax = plots.plot_series([1, 2, 4], {"a": [0.0, 2.0, 3.0]}, title="T", xlabel="X", ylabel="Y", logy=True)
    ydata = np.asarray(ax.get_lines()[0].get_ydata(), dtype=float)
    assert np.isnan(ydata[0]) and list(ydata[1:]) == [2.0, 3.0]
    linear = plots.plot_series([1, 2, 4], {"a": [0.0, 2.0, 3.0]}, title="T", xlabel="X", ylabel="Y")
    assert list(linear.get_lines()[0].get_ydata()) == [0.0, 2.0, 3.0]


def test_grouped_bar_legend_sits_beside_the_bars() -> None:
    ax = plots.plot_grouped_bars(["a", "b"], {"x": [1, 2], "y": [2, 1]}, title="T", xlabel="X", ylabel="Y")
    ax.figure.canvas.draw()
    legend = ax.get_legend().get_window_extent()
    assert legend.x0 >= ax.get_window_extent().x1


def test_widths_names_each_kind() -> None:
    ax = plots.plot_widths(["W_Q", "W_K", "W_up"], [576, 576, 576], [576, 192, 1536], title="T")
    notes = " | ".join(t.get_text() for t in ax.texts)
    assert re.search(r"576 → 576\s+\(same width\)", notes)
    assert "576 → 192  (contract)" in notes and "576 → 1536  (expand)" in notes
    with pytest.raises(ValueError, match="same length"):
        plots.plot_widths(["a"], [1, 2], [1, 2], title="T")
