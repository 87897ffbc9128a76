"""How grading workers are started: inside bubblewrap when possible, with a loud fallback.

The bubblewrap sandbox gives each worker a read-only view of ``/``, an empty
tmpfs over the course folder (and over every grading folder that lives
elsewhere), the course helper package and the virtual environment mounted back
read-only, a private ``/tmp`` (the only writable place), a new PID namespace,
no network, and it dies with the host process.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from ..threads import GRADING, single_thread_env

WORKER_SCRIPT = Path(__file__).with_name("worker.py")
TMP_BYTES = 512 << 20   # the sandbox's /tmp: the student's working folder and scratch files
SHM_BYTES = 64 << 20    # /dev/shm

FALLBACK_WARNING = (
    "bubblewrap (bwrap) is not available or does not work here: student code will run "
    "WITHOUT filesystem isolation (resource limits only), so it can read and write "
    "anything you can. Install bubblewrap (Debian/Ubuntu: apt-get install bubblewrap) "
    "or grade on a Linux machine that has it."
)


class ReducedIsolationWarning(UserWarning):
    """Raised as a warning when grading runs without the bubblewrap sandbox."""


@dataclass
class SandboxSpec:
    """What a worker sandbox hides and what it mounts back.

    Parameters
    ----------
    course_root : folder hidden behind an empty tmpfs.
    hidden : further folders to hide (grading folders outside the course root).
    readonly : folders under a hidden one that are mounted back read-only.
    mode : ``"bwrap"`` or ``"none"``.
    """

    course_root: Path
    hidden: list[Path] = field(default_factory=list)
    readonly: list[Path] = field(default_factory=list)
    mode: str = "bwrap"


def _under(path: Path, parent: Path) -> bool:
    try:
        path.resolve().relative_to(parent.resolve())
        return True
    except ValueError:
        return False


def bwrap_path() -> str | None:
    """The bubblewrap executable, or ``None`` when it is missing."""
    return shutil.which("bwrap")


def bwrap_works(exe: str) -> bool:
    """True when bubblewrap can create the namespaces we need on this machine."""
    try:
        done = subprocess.run(
            [exe, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp",
             "--unshare-all", "--die-with-parent", "true"],
            capture_output=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def choose_mode(requested: str = "auto") -> str:
    """Resolve ``auto``/``bwrap``/``none`` to the mode actually used, warning on fallback.

    Raises
    ------
    RuntimeError
        When ``bwrap`` was requested explicitly and cannot be used.
    """
    if requested not in ("auto", "bwrap", "none"):
        raise ValueError(f"unknown sandbox mode {requested!r}: use auto, bwrap or none")
    if requested == "none":
        warnings.warn(FALLBACK_WARNING, ReducedIsolationWarning, stacklevel=2)
        return "none"
    exe = bwrap_path()
    if exe and bwrap_works(exe):
        return "bwrap"
    if requested == "bwrap":
        raise RuntimeError(FALLBACK_WARNING)
    warnings.warn(FALLBACK_WARNING, ReducedIsolationWarning, stacklevel=2)
    return "none"


def default_spec(course_root: Path, extra_hidden: list[Path], mode: str) -> SandboxSpec:
    """Hide the course root, grading folders and home; mount back the package, venv and Python."""
    root = course_root.resolve()
    hidden = [p.resolve() for p in extra_hidden if not _under(p, root)]
    home = Path(os.path.expanduser("~"))
    if home.is_dir() and home.resolve() != Path("/") and not _under(root, home):
        hidden.insert(0, home.resolve())
    # /tmp becomes a private tmpfs in the sandbox, so anything needed from there
    # (a course, package or venv that lives under /tmp) is mounted back too.
    package = Path(__file__).resolve().parents[1]  # the installed course_utils
    checkout = package.parent
    if (checkout / "pyproject.toml").is_file() and not _under(root, checkout) \
            and not any(_under(checkout, h) for h in hidden) and checkout != Path("/"):
        # An editable install from another checkout: hide it too (its solutions, its gradebook).
        hidden.append(checkout)
    covered = [root] + hidden + [Path("/tmp").resolve()]
    wanted = [root / "course_utils", package, WORKER_SCRIPT.parent.resolve(),
              Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve()]
    readonly: list[Path] = []
    for path in wanted:
        if path.exists() and any(_under(path, c) for c in covered) \
                and not any(_under(path, r) for r in readonly):
            readonly.append(path)
    return SandboxSpec(root, hidden, readonly, mode)


def worker_command(spec: SandboxSpec, control_fd: int) -> list[str]:
    """The argv that starts one worker zygote with the given control socket fd."""
    python = [sys.executable, "-u", str(WORKER_SCRIPT.resolve()), str(control_fd)]
    if spec.mode != "bwrap":
        return python + ["plain"]
    # tmpfs pages live in the host's memory outside the student's memory limit: each writable
    # place is sized, and /dev itself is read-only (its device nodes still work).
    cmd = [bwrap_path() or "bwrap", "--ro-bind", "/", "/", "--dev", "/dev",
           "--size", str(SHM_BYTES), "--tmpfs", "/dev/shm", "--remount-ro", "/dev", "--proc", "/proc",
           "--size", str(TMP_BYTES), "--tmpfs", "/tmp"]
    for path in spec.hidden + [spec.course_root]:
        if path.exists():
            cmd += ["--tmpfs", str(path)]
    for path in spec.readonly:
        cmd += ["--ro-bind", str(path), str(path)]
    for path in spec.hidden + [spec.course_root]:  # empty and read-only: nothing to leave for the next student
        if path.exists():
            cmd += ["--remount-ro", str(path)]
    cmd += ["--unshare-all", "--die-with-parent", "--new-session", "--chdir", "/tmp", "--clearenv"]
    for key, value in worker_env().items():
        cmd += ["--setenv", key, value]
    return cmd + python + ["pidns"]


SANDBOX_PATH = "/usr/local/bin:/usr/bin:/bin"


def worker_env() -> dict[str, str]:
    """The whole environment of a student's sandbox: nothing is inherited from the grader's own.

    The sandbox (and, without bubblewrap, the worker itself) starts with only these
    variables, so no token or path from the instructor's shell is visible to student
    code, not even through ``/proc/1/environ``.
    """
    return {
        "PATH": SANDBOX_PATH, "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "HOME": "/tmp", "TMPDIR": "/tmp",
        **single_thread_env(GRADING),
        "MPLBACKEND": "Agg", "PYTHONNOUSERSITE": "1", "PYTHONDONTWRITEBYTECODE": "1",
        "IPYTHONDIR": "/tmp/.ipython", "MPLCONFIGDIR": "/tmp/.matplotlib", "PYTHONHASHSEED": "0",
        # the model's on-disk cache (about 540 MB) would not fit the sandbox's /tmp: load without it
        "FEATURE_GEOMETRY_CACHE": "off",
    }


def judge_command(control_fd: int) -> list[str]:
    """The argv that starts a trusted judge zygote (outside the sandbox: it never runs student code)."""
    return [sys.executable, "-u", str(WORKER_SCRIPT.resolve()), str(control_fd), "plain", "judge"]


def judge_env() -> dict[str, str]:
    """Environment for judges: the sandbox's settings, the grader's PATH and Python paths."""
    env = worker_env()
    for key in ("PATH", "PYTHONPATH", "VIRTUAL_ENV", "LANG", "LC_ALL"):
        if os.environ.get(key):
            env[key] = os.environ[key]
    env["HOME"] = env["TMPDIR"] = tempfile.gettempdir()
    env.pop("FEATURE_GEOMETRY_CACHE")  # the judge may keep the expanded model on disk (host side)
    env["IPYTHONDIR"] = os.path.join(env["TMPDIR"], f"course-judge-ipython-{os.getuid()}")
    env["MPLCONFIGDIR"] = os.path.join(env["TMPDIR"], f"course-judge-mpl-{os.getuid()}")
    return env
