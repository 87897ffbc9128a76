"""How grading workers are started: inside bubblewrap when possible, with a loud fallback.

The bubblewrap sandbox starts from an empty root and shows each worker only what
running Python needs, read-only: the system folders (``/usr``, the ``/bin`` and
``/lib`` links, a few files of ``/etc``), the Python installation and virtual
environment, and the course helper package. Student code runs with no
capabilities, even when grading runs as root, so it cannot remount any of it.
Nothing else on the machine exists inside it: not the course folder, not another
copy of the course, not the home folders, not a shared folder such as ``/srv``.
Where the course folder or a grading folder lies under a visible folder, an
empty tmpfs hides it. The worker also gets a private ``/tmp`` (the only writable
place), a new PID namespace, no network, and it dies with the host process.
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

from ...threads import GRADING, single_thread_env

WORKER_SCRIPT = Path(__file__).with_name("worker.py")
TMP_BYTES = 512 << 20   # the sandbox's /tmp: the student's working folder and scratch files
SHM_BYTES = 64 << 20    # /dev/shm

INSTALL_ADVICE = (
    "Install it: Debian/Ubuntu `sudo apt-get install bubblewrap`, Fedora `sudo dnf install bubblewrap`, "
    "Arch `sudo pacman -S bubblewrap`. In a container, bubblewrap needs user namespaces (Docker: "
    "--security-opt seccomp=unconfined --security-opt apparmor=unconfined), or grade on the host. macOS has "
    "no bubblewrap: grade in a Linux virtual machine or container (e.g. Docker Desktop, Lima, UTM) with the "
    "course and bubblewrap installed."
)
MISSING = ("course grade runs student code only inside the bubblewrap sandbox, and bubblewrap (bwrap) is not "
           "available or does not work here. " + INSTALL_ADVICE + " To grade without it anyway, pass "
           "--sandbox none (each student's process is then still confined by the kernel where Linux allows it: "
           "see the README's threat model).")
FALLBACK_WARNING = (
    "grading WITHOUT bubblewrap (--sandbox none): {confinement}. " + INSTALL_ADVICE
)


class SandboxMissing(RuntimeError):
    """No working bubblewrap, and no explicit ``--sandbox none``: grading refuses (the message says what to do)."""


class ReducedIsolationWarning(UserWarning):
    """Raised as a warning when grading runs without the bubblewrap sandbox."""


@dataclass
class SandboxSpec:
    """What a worker sandbox shows, and what it hides where a shown folder holds it.

    Parameters
    ----------
    course_root : folder hidden behind an empty tmpfs if a shown folder holds it.
    hidden : further folders to hide the same way (grading folders, home, another checkout).
    readonly : the only folders the sandbox shows, read-only, at their own paths.
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
    """The bubblewrap executable, or ``None`` when it is missing.

    ``COURSE_GRADING_BWRAP`` overrides the search: a path to use, or ``none`` to act as if it were
    not installed (how the test suite checks a machine without it).
    """
    forced = os.environ.get("COURSE_GRADING_BWRAP")
    if forced is not None:
        return None if forced.strip().lower() in ("", "none", "off", "0") else forced
    return shutil.which("bwrap")


def bwrap_usable() -> bool:
    """True when bubblewrap is installed and works here."""
    exe = bwrap_path()
    return bool(exe) and bwrap_works(exe)


def confinement() -> str:
    """What confines a student's process without bubblewrap on this machine, in words."""
    from .confine import landlock_abi

    abi = landlock_abi()
    if abi:
        return (f"each student's process can read only Python and the system folders and write only its own "
                f"working folder (Landlock {abi}), cannot start processes, use shared memory or signal others "
                "(seccomp), within memory, time and output limits; it shares the machine's network for UDP")
    return ("this kernel has no Landlock: a student's process can READ AND WRITE ANY FILE YOU CAN, including the "
            "solutions and the gradebook; only seccomp and the memory, time and output limits apply")


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
    """Resolve ``auto``/``bwrap``/``none`` to the mode actually used; ``none`` only when asked for by name.

    Raises
    ------
    SandboxMissing
        When bubblewrap cannot be used and ``none`` was not requested.
    """
    if requested not in ("auto", "bwrap", "none"):
        raise ValueError(f"unknown sandbox mode {requested!r}: use auto, bwrap or none")
    if requested == "none":
        warnings.warn(FALLBACK_WARNING.format(confinement=confinement()), ReducedIsolationWarning, stacklevel=2)
        return "none"
    if bwrap_usable():
        return "bwrap"
    raise SandboxMissing(MISSING)


SYSTEM_FOLDERS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
# What Python, NumPy and Matplotlib read from /etc; the rest of /etc (password hashes, host keys,
# service credentials) stays out of the sandbox.
ETC_SHOWN = ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "fonts", "localtime", "timezone", "passwd", "group",
             "nsswitch.conf", "host.conf", "hosts", "alternatives", "mime.types", "locale.alias", "os-release",
             "matplotlibrc")
# The kernel lets uid 0 write these by file mode alone, without any capability: when grading runs as
# root they must be read-only (kernel settings, SysRq, file-system and driver knobs).
PROC_READ_ONLY = ("/proc/sys", "/proc/sysrq-trigger", "/proc/fs", "/proc/acpi", "/proc/driver", "/proc/scsi",
                  "/proc/irq", "/proc/bus")


def default_spec(course_root: Path, extra_hidden: list[Path], mode: str) -> SandboxSpec:
    """Show the system folders, Python, the venv and the helper package; hide the course and grading folders."""
    root = course_root.resolve()
    hidden = [p.resolve() for p in extra_hidden if not _under(p, root)]
    home = Path(os.path.expanduser("~"))
    if home.is_dir() and home.resolve() != Path("/") and not _under(root, home):
        hidden.insert(0, home.resolve())
    package = Path(__file__).resolve().parents[2]  # the installed course_utils
    checkout = package.parent
    if (checkout / "pyproject.toml").is_file() and not _under(root, checkout) \
            and not any(_under(checkout, h) for h in hidden) and checkout != Path("/"):
        # An editable install from another checkout: hide it too (its solutions, its gradebook).
        hidden.append(checkout)
    wanted = [Path(p) for p in SYSTEM_FOLDERS] + [Path("/etc") / name for name in ETC_SHOWN] + [
        Path(sys.prefix), Path(sys.base_prefix), Path(sys.executable).parent,
        package, WORKER_SCRIPT.parent]
    readonly: list[Path] = []
    for path in wanted:
        for form in (path.absolute(), path.resolve()):  # as Python names it, and where it really is
            if (form.exists() or form.is_symlink()) and form != Path("/") and form not in readonly:
                readonly.append(form)
    return SandboxSpec(root, hidden, readonly, mode)


def _shown_under(path: Path, shown: list[Path]) -> bool:
    """True when a folder of ``shown`` other than ``path`` contains it, by name (links are not followed:
    ``/etc/localtime`` is not under ``/usr`` even though it points there)."""
    return any(path != s and path.is_relative_to(s) for s in shown if not s.is_symlink())


def _outermost(paths: list[Path]) -> list[Path]:
    """``paths`` without those another one already shows, outermost first."""
    return [p for p in sorted(paths, key=lambda p: len(p.parts))
            if (p.is_symlink() and p.parent == Path("/")) or not _shown_under(p, paths)]


def worker_command(spec: SandboxSpec, control_fd: int) -> list[str]:
    """The argv that starts one worker zygote with the given control socket fd."""
    python = [sys.executable, "-u", str(WORKER_SCRIPT.resolve()), str(control_fd)]
    if spec.mode != "bwrap":
        return python + ["plain"]
    hidden = spec.hidden + [spec.course_root]
    # Folders shown from the start, outermost first; those inside a hidden folder or inside /tmp
    # (which becomes the sandbox's own) come back after it.
    outer = [p for p in spec.readonly if not any(_under(p, h) for h in hidden + [Path("/tmp")])]
    inner = _outermost([p for p in spec.readonly if p not in outer])
    cmd = [bwrap_path() or "bwrap"]
    for path in _outermost(outer):
        if path.is_symlink() and path.parent == Path("/"):  # /bin -> usr/bin on merged-/usr systems
            cmd += ["--symlink", os.readlink(path), str(path)]
        else:
            cmd += ["--ro-bind", str(path), str(path)]
    covered = [h for h in hidden if _shown_under(h, outer)]
    # tmpfs pages live in the host's memory outside the student's memory limit: each writable
    # place is sized, and /dev itself is read-only (its device nodes still work).
    cmd += ["--dev", "/dev", "--size", str(SHM_BYTES), "--tmpfs", "/dev/shm", "--remount-ro", "/dev",
            "--proc", "/proc"]
    for knob in PROC_READ_ONLY:
        if os.path.exists(knob):
            cmd += ["--ro-bind", knob, knob]
    cmd += ["--size", str(TMP_BYTES), "--tmpfs", "/tmp"]
    for path in covered:
        cmd += ["--tmpfs", str(path)]
    for path in inner:
        cmd += ["--ro-bind", str(path), str(path)]
    for path in covered:  # empty and read-only: nothing to leave for the next student
        cmd += ["--remount-ro", str(path)]
    cmd += ["--remount-ro", "/"]  # the sandbox's own root (where /etc's few files sit): read-only too
    # No capabilities, even when the grader runs as root: student code cannot remount, mount over
    # its working folder or create devices, so every read-only folder stays read-only.
    cmd += ["--unshare-all", "--cap-drop", "ALL", "--die-with-parent", "--new-session", "--chdir", "/tmp",
            "--clearenv"]
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
