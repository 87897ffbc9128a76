"""The course's static site: lessons executed and rendered to HTML (``course site``, ``make site``).

Imports nbclient and nbconvert only when a site is built.
"""
from __future__ import annotations

__all__ = ["build", "snapshot"]
