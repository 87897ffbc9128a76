"""The course website: lessons executed once and rendered with Sphinx and MyST-NB (``course site``, ``make site``).

Imports nbclient and Sphinx only when a site is built.
"""
from __future__ import annotations

__all__ = ["book", "executed", "pages", "snapshot"]
