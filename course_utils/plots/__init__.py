"""Figures for the lessons, one module per lesson topic, sharing one style.

Every function draws on the Axes it is given (or on a new one when ``ax`` is None)
and returns that Axes. Nothing here calls ``plt.show()`` or changes global
matplotlib settings, and nothing here does the maths a lesson teaches: the
numbers to draw are passed in.

Modules
-------
style        palette (Okabe-Ito), colours by role, the ``ax=None`` helper
charts       general charts: signed bars, named series
projections  lesson 01, *Projection shapes*
directions   lesson 02, *Feature directions*
superposition lesson 03, *Superposition*
orthants     lesson 04, *ReLU orthants*
hyperspheres lesson 05, *Embedding hyperspheres*
composition  lesson 06, *Composition and subspaces*
dictionaries lesson 07, *Sparse dictionaries*

Every public function is also available here, e.g. ``plots.plot_series``.
"""
from __future__ import annotations

from .charts import plot_grouped_bars, plot_series, plot_signed_bars
from .dictionaries import plot_best_cosines, plot_frontier, plot_latent_contexts
from .directions import plot_directions, plot_equalizer, plot_error_by_angle, plot_gram
from .composition import plot_heatmap, plot_point_clouds, plot_polarizers, plot_projection_to_line
from .hyperspheres import plot_histogram, plot_lens_path, plot_token_bars, plot_token_vectors
from .orthants import (
    inside_features,
    plot_feature_dimensionality,
    plot_latent_zones,
    plot_plane_in_orthant,
    plot_relu_snap,
)
from .projections import plot_column_reading, plot_projection_blocks, plot_widths
from .style import OKABE_ITO, PALETTE, panel_grid
from .superposition import plot_cosine_histograms, plot_feature_bars, plot_features_2d, plot_phase_diagram

__all__ = [
    "OKABE_ITO",
    "PALETTE",
    "panel_grid",
    # charts
    "plot_signed_bars",
    "plot_series",
    "plot_grouped_bars",
    # lesson 01
    "plot_projection_blocks",
    "plot_column_reading",
    "plot_widths",
    # lesson 02
    "plot_directions",
    "plot_gram",
    "plot_equalizer",
    "plot_error_by_angle",
    # lesson 03
    "plot_cosine_histograms",
    "plot_features_2d",
    "plot_feature_bars",
    "plot_phase_diagram",
    # lesson 04
    "inside_features",
    "plot_relu_snap",
    "plot_latent_zones",
    "plot_plane_in_orthant",
    "plot_feature_dimensionality",
    # lesson 05
    "plot_token_vectors",
    "plot_token_bars",
    "plot_histogram",
    "plot_lens_path",
    # lesson 06
    "plot_projection_to_line",
    "plot_point_clouds",
    "plot_polarizers",
    "plot_heatmap",
    # lesson 07
    "plot_frontier",
    "plot_best_cosines",
    "plot_latent_contexts",
]
