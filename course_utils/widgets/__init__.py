"""Interactive explorers for the lessons, one module per lesson topic; each wraps :mod:`course_utils.plots`.

Modules
-------
base         the shared machinery: a figure redrawn into a picture when a control moves
projections  lesson 01, *Projection shapes*
directions   lesson 02, *Feature directions* (the equalizer returns in lesson 03)
superposition lesson 03, *Superposition*
orthants     lesson 04, *ReLU orthants*
hyperspheres lesson 05, *Embedding hyperspheres*
composition  lesson 06, *Composition and subspaces*
dictionaries lesson 07, *Sparse dictionaries*

Every explorer is also available here, e.g. ``widgets.projection_explorer``. ipywidgets
and matplotlib are imported when an explorer is built, so importing this package is cheap.
"""
from __future__ import annotations

from .dictionaries import frontier_explorer, latent_browser
from .directions import directions_explorer, equalizer_explorer
from .composition import bottleneck_explorer, polarizer_explorer
from .hyperspheres import lens_explorer, softmax_explorer
from .orthants import zones_explorer
from .projections import column_explorer, projection_explorer
from .superposition import sparsity_explorer

__all__ = [
    "projection_explorer",
    "column_explorer",
    "directions_explorer",
    "equalizer_explorer",
    "sparsity_explorer",
    "zones_explorer",
    "softmax_explorer",
    "lens_explorer",
    "bottleneck_explorer",
    "polarizer_explorer",
    "frontier_explorer",
    "latent_browser",
]
