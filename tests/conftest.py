import os
import sys
from pathlib import Path

# Headless plotting everywhere in the test suite (notebook kernels inherit it).
os.environ.setdefault("MPLBACKEND", "Agg")
# BLAS/OpenMP threads per test worker (the policy lives in course_utils/threads.py): set before
# anything imports NumPy; notebook kernels and subprocesses inherit them.
from course_utils.threads import PER_TEST_WORKER, single_thread_env  # noqa: E402

for _var, _value in single_thread_env(PER_TEST_WORKER).items():
    os.environ.setdefault(_var, _value)
sys.path.insert(0, str(Path(__file__).resolve().parent))

# Grading refuses to run student code without bubblewrap unless told. On a machine without it the suite tells
# it, explicitly, to grade with --sandbox none (tests that need the sandbox itself skip with a reason); set
# COURSE_GRADING_BWRAP=none to run the suite as such a machine would.
if "COURSE_GRADING_SANDBOX" not in os.environ:
    from course_utils.grading.boundary.sandbox import bwrap_usable  # noqa: E402

    if not bwrap_usable():
        os.environ["COURSE_GRADING_SANDBOX"] = "none"


def pytest_configure(config):
    """One folder of executed lessons per test run, shared by every xdist worker.

    The lesson tests and the site test both ask ``course_utils.website.executed`` for a
    lesson; whichever comes first runs it, the other reuses the result (see its lock).
    Set before the workers start, so they inherit it.
    """
    if not hasattr(config, "workerinput") and "COURSE_EXECUTED_CACHE" not in os.environ:
        import tempfile
        os.environ["COURSE_EXECUTED_CACHE"] = tempfile.mkdtemp(prefix="feature-geometry-executed-")


def pytest_unconfigure(config):
    made = os.environ.get("COURSE_EXECUTED_CACHE", "")
    if not hasattr(config, "workerinput") and "feature-geometry-executed-" in made:
        import shutil
        shutil.rmtree(made, ignore_errors=True)


import pytest  # noqa: E402


@pytest.fixture(scope="session")
def course_site(tmp_path_factory):
    """The course website built once per test run from this checkout (shared by xdist workers)."""
    import fcntl
    import subprocess

    base = tmp_path_factory.getbasetemp()
    base = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    out = base / "course-site"
    with open(base / "course-site.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        done = base / "course-site.done"
        if not done.exists():
            root = Path(__file__).resolve().parents[1]
            proc = subprocess.run([sys.executable, "-m", "course_utils.grading", "site", "-o", str(out),
                                   "--jobs", "2"], cwd=root, capture_output=True, text=True, timeout=1800)
            done.write_text(json_dump({"rc": proc.returncode, "out": proc.stdout, "err": proc.stderr}))
    import json
    result = json.loads(done.read_text())
    assert result["rc"] == 0, result["out"] + result["err"]
    return out


def json_dump(obj) -> str:
    import json
    return json.dumps(obj)


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


@pytest.fixture(scope="module")
def browser():
    """A headless system Chromium (skip locally when absent; fail under CI)."""
    import browser_support as bs

    problem = None
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        problem = "Playwright for Python is not installed (pip install playwright)"
    chromium = bs.find_chromium()
    if problem is None and chromium is None:
        problem = "no Chromium found (install Debian's `chromium` package)"
    if problem is not None:
        if _in_ci():
            pytest.fail(f"{problem}; CI is set, so the browser test must run")
        pytest.skip(problem)
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=chromium, args=bs.CHROMIUM_ARGS)
        yield browser
        browser.close()
    finally:
        playwright.stop()
