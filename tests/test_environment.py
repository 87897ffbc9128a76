"""environment.yml mirrors pyproject.toml's dependency list (main, test and hub extras)."""
from __future__ import annotations

import os
import re
import subprocess
import sys

import yaml

import nbtools

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

REQ_RE = re.compile(r"^\s*([A-Za-z0-9_.\-]+)\s*(\[[^\]]*\])?\s*([^;#]*)")


def _parse(req: str) -> tuple[str, str]:
    m = REQ_RE.match(req)
    assert m, f"cannot parse requirement {req!r}"
    name = m.group(1).lower().replace("_", "-")
    spec = ",".join(sorted(s.strip() for s in m.group(3).split(",") if s.strip()))
    return name, spec


def _pyproject() -> dict[str, str]:
    data = tomllib.loads((nbtools.ROOT / "pyproject.toml").read_text())
    extras = data["project"]["optional-dependencies"]
    reqs = list(data["project"]["dependencies"]) + list(extras["test"]) + list(extras["hub"])
    return dict(_parse(r) for r in reqs)


def _environment() -> dict[str, str]:
    env = yaml.safe_load((nbtools.ROOT / "environment.yml").read_text())
    out = {}
    for dep in env["dependencies"]:
        items = dep["pip"] if isinstance(dep, dict) else [dep]
        for item in items:
            name, spec = _parse(item)
            if name not in {"python", "pip"}:
                out[name] = spec
    return out


def test_same_packages_and_versions():
    py, env = _pyproject(), _environment()
    assert set(py) == set(env), (
        f"only in pyproject.toml: {sorted(set(py) - set(env))}; only in environment.yml: {sorted(set(env) - set(py))}"
    )
    differ = {n: (py[n], env[n]) for n in py if py[n] != env[n]}
    assert not differ, f"version specifiers differ (pyproject, environment.yml): {differ}"


def test_python_floor_matches():
    data = tomllib.loads((nbtools.ROOT / "pyproject.toml").read_text())
    env = yaml.safe_load((nbtools.ROOT / "environment.yml").read_text())
    floor = data["project"]["requires-python"]
    assert f"python{floor}" in [d.replace(" ", "") for d in env["dependencies"] if isinstance(d, str)]


def test_parser_sees_differences():
    """The comparison is not vacuous: a changed specifier is detected."""
    assert _parse("numpy>=1.26") != _parse("numpy>=2")
    assert _parse("nbgrader>=0.9.5,<0.10") == _parse("nbgrader <0.10, >=0.9.5")


def test_environment_check_uses_the_same_bounds():
    """Lesson 00's environment check states the same bounds as pyproject.toml and the Makefile."""
    from course_utils import env_check

    py = _pyproject()
    for req in env_check.REQUIREMENTS:
        if req.exact:
            makefile = (nbtools.ROOT / "Makefile").read_text()
            assert f"{req.dist}=={req.minimum}" in makefile, f"Makefile installs another {req.dist} than =={req.minimum}"
            continue
        spec = ",".join(sorted([f">={req.minimum}"] + ([f"<{req.below}"] if req.below else [])))
        assert py.get(req.dist) == spec, f"env_check wants {req.dist}{spec}, pyproject.toml says {py.get(req.dist)}"
    data = tomllib.loads((nbtools.ROOT / "pyproject.toml").read_text())
    assert data["project"]["requires-python"] == f">={env_check.PYTHON_MINIMUM}"


def test_xdist_groups_tests_as_make_test_expects(tmp_path):
    """`make test` runs `--dist loadgroup`: tests marked with one xdist_group share a worker (and its
    module fixtures, such as the reference model). Some pytest/xdist pairs silently ignore the mark."""
    seen = tmp_path / "seen"
    seen.mkdir()
    (tmp_path / "test_grouped.py").write_text(
        "import os\nimport pytest\n\npytestmark = pytest.mark.xdist_group('one')\n\n"
        "@pytest.mark.parametrize('i', range(6))\n"
        f"def test_worker(i):\n    open(os.path.join({str(seen)!r}, str(i)), 'w').write("
        "os.environ['PYTEST_XDIST_WORKER'])\n")
    done = subprocess.run([sys.executable, "-m", "pytest", "-n", "2", "--dist", "loadgroup", "-p", "no:cacheprovider",
                           "-q", "-c", os.devnull, "--rootdir", str(tmp_path), str(tmp_path / "test_grouped.py")],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    workers = {f.read_text() for f in seen.iterdir()}
    assert len(list(seen.iterdir())) == 6 and len(workers) == 1, (
        f"one xdist_group ran on workers {sorted(workers)}: check the pytest pin in pyproject.toml")
