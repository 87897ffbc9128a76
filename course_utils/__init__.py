"""Helpers shared by the Feature Geometry lessons and exercise sets.

Importing this package is cheap: no matplotlib, no ipywidgets and no model
weights are loaded until a submodule that needs them is used.
"""

__version__ = "0.1.0"
