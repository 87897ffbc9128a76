"""The sandboxed worker: students in the same warm worker cannot see each other."""
from __future__ import annotations

import base64
import json

import pytest

from course_utils.grading.boundary import sandbox
from course_utils.grading.boundary.pool import Limits, Worker

pytestmark = [
    pytest.mark.skipif(not (sandbox.bwrap_path() and sandbox.bwrap_works(sandbox.bwrap_path())),
                       reason="bubblewrap is not usable on this machine (the CI installs it)"),
    pytest.mark.xdist_group("sandbox_worker"),  # one warm worker per run
]

LEAVE_TRACES = """
import os, subprocess, numpy as np
open('/tmp/work/left.txt', 'w').write('A')
open('/tmp/left2.txt', 'w').write('A')
open('/dev/shm/left4.txt', 'w').write('A')
for attempt in (lambda: open('/dev/left3.txt', 'w').write('A'), lambda: os.unlink('/dev/stdout')):
    try:
        attempt()
        print('wrote to /dev')
    except OSError:
        pass
try:
    subprocess.Popen(['sleep', '60'])
    print('started a process')
except PermissionError:
    pass
np.leaked_by_a = 1
SECRET_A = 'answer of student A'
"""
LOOK = """
import os, numpy as np
others = [p for p in os.listdir('/proc') if p.isdigit() and int(p) not in (1, os.getpid(), os.getppid())]
left = ('/tmp/left2.txt', '/dev/left3.txt', '/dev/shm/left4.txt')
print(json.dumps({'files': sorted(os.listdir('/tmp/work')) + [f for f in left if os.path.exists(f)]
                  + ([] if os.readlink('/dev/stdout') == '/proc/self/fd/1' else ['/dev/stdout changed']),
                  'procs': others, 'np': hasattr(np, 'leaked_by_a'), 'ns': 'SECRET_A' in globals()}))
"""


@pytest.fixture(scope="module")
def worker(tmp_path_factory):
    root = tmp_path_factory.mktemp("course")
    (root / "solutions").mkdir()
    (root / "solutions" / "secret.txt").write_text("hidden")
    w = Worker(sandbox.default_spec(root, [], "bwrap"), ["numpy"])
    yield w, root
    w.close()


def test_next_student_starts_clean(worker):
    w, _ = worker
    first = w.run([LEAVE_TRACES], Limits(timeout=10))
    assert first.fatal is None and not any(o["output_type"] == "error" for o in first.cells[0]["outputs"])
    assert "wrote to /dev" not in json.dumps(first.cells[0]["outputs"])  # /dev is read-only
    assert "started a process" not in json.dumps(first.cells[0]["outputs"])  # fork is refused
    second = w.run(["import json", LOOK], Limits(timeout=10))
    seen = json.loads(second.cells[1]["outputs"][0]["text"])
    assert seen == {"files": [], "procs": [], "np": False, "ns": False}


def test_course_folder_hidden_and_not_writable(worker):
    w, root = worker
    code = (f"import os\nprint(os.path.exists({str(root)!r}))\n"
            f"open({str(root / 'solutions' / 'secret.txt')!r})")
    result = w.run([code, f"open({str(root / 'written.txt')!r}, 'w').write('x')"], Limits(timeout=10))
    assert result.cells[0]["outputs"][0]["text"].strip() == "False"  # not even an empty folder
    assert result.cells[0]["outputs"][-1]["ename"] == "FileNotFoundError"
    assert result.cells[1]["outputs"][-1]["ename"] in ("FileNotFoundError", "OSError")
    assert not (root / "written.txt").exists()


def test_nothing_else_on_the_machine_is_visible(worker):
    """Only system folders, Python and the helper package exist inside: not another copy of the course,
    not a shared folder, not the repository's own tests or solutions."""
    import os
    import tempfile
    from pathlib import Path

    w, _ = worker
    checkout = Path(sandbox.__file__).resolve().parents[3]
    shared = Path(tempfile.mkdtemp(prefix="shared-course-", dir="/var/tmp"))
    try:
        (shared / "solutions.txt").write_text("reference answers")
        probes = {"shared": str(shared / "solutions.txt"), "tests": str(checkout / "tests"),
                  "solutions": str(checkout / "solutions"), "package": str(checkout / "course_utils"),
                  "home": os.path.expanduser("~")}
        code = ("import os, json\n"
                f"print(json.dumps({{k: os.path.exists(v) for k, v in {probes!r}.items()}}))\n"
                "print(json.dumps(sorted(os.listdir('/'))))")
        result = w.run([code], Limits(timeout=10))
        seen, top = (json.loads(line) for line in result.cells[0]["outputs"][0]["text"].splitlines())
    finally:
        (shared / "solutions.txt").unlink()
        shared.rmdir()
    home_shown = any(str(p).startswith(os.path.expanduser("~") + "/") for p in sandbox.default_spec(
        checkout, [], "bwrap").readonly)  # a Python installed under home (pyenv) shows that folder only
    assert seen == {"shared": False, "tests": False, "solutions": False, "package": True, "home": home_shown}
    allowed = {"bin", "sbin", "lib", "lib32", "lib64", "libx32", "usr", "etc", "dev", "proc", "tmp"}
    extra = set(top) - allowed
    # anything else at the top is only the parent of the Python installation or of the package
    assert all(any(str(p).startswith(f"/{name}/") for p in sandbox.default_spec(checkout, [], "bwrap").readonly)
               for name in extra), top


REMOUNT = """
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
MS_RDONLY, MS_REMOUNT, MS_BIND = 1, 32, 4096
caps = [l.split()[1] for l in open('/proc/self/status') if l.startswith('CapEff')][0]
tried = {}
for target in (PACKAGE, '/usr', '/'):
    rc = libc.mount(None, target.encode(), None, MS_REMOUNT | MS_BIND, None)
    tried[target] = rc == 0
rc = libc.mount(b'none', b'/tmp/work', b'tmpfs', 0, None)
tried['tmpfs over /tmp/work'] = rc == 0
wrote = []
for path in ('/planted.py', '/etc/planted.py', PACKAGE + '/planted.py'):
    try:
        open(path, 'w').write('x')
        wrote.append(path)
    except OSError:
        pass
for knob in ('/proc/sys/kernel/core_uses_pid', '/proc/sys/vm/drop_caches', '/proc/sysrq-trigger'):
    try:  # writes back nothing new: a refusal is what counts
        with open(knob, 'w') as fh:
            fh.write(open(knob).read() if 'sysrq' not in knob else '')
        wrote.append(knob)
    except OSError:
        pass
print(json.dumps({'caps': caps, 'mounted': tried, 'wrote': wrote, 'shadow': os.path.exists('/etc/shadow')}))
"""

PLANT = """
import os
os.makedirs('/tmp/keep', exist_ok=True)
open('/tmp/work/statistics.py', 'w').write('PLANTED = True')
open('/tmp/keep/loot', 'w').write('x')
os.makedirs('/dev/shm/hold', exist_ok=True)
open('/dev/shm/hold/f', 'w').write('x')
for folder in ('/tmp/work', '/tmp/keep', '/dev/shm/hold'):
    os.chmod(folder, 0o555)
"""


def test_student_code_cannot_remount_or_plant_files(worker):
    """Even when grading runs as root, student code has no capabilities: no remount, no mount over its
    working folder, nothing written outside /tmp and /dev/shm, and no /etc/shadow to read."""
    from pathlib import Path

    w, _ = worker
    package = str(Path(sandbox.__file__).resolve().parents[2])
    try:
        result = w.run(["import json", f"PACKAGE = {package!r}\n" + REMOUNT], Limits(timeout=20))
    finally:  # a sandbox that let the write through must not leave the file in the package
        Path(package, "planted.py").unlink(missing_ok=True)
    seen = json.loads(result.cells[1]["outputs"][0]["text"])
    assert int(seen["caps"], 16) == 0
    assert not any(seen["mounted"].values()), seen["mounted"]
    assert seen["wrote"] == [] and seen["shadow"] is False


def test_read_only_folders_a_student_made_are_still_emptied(worker):
    """A student who chmods their folders read-only cannot leave a module for the next student."""
    w, _ = worker
    first = w.run([PLANT], Limits(timeout=10))
    assert not any(o["output_type"] == "error" for o in first.cells[0]["outputs"]), first.cells[0]
    second = w.run(["import os, json\nprint(json.dumps([sorted(os.listdir('/tmp/work')), os.path.exists('/tmp/keep'), "
                    "os.path.exists('/dev/shm/hold')]))"], Limits(timeout=10))
    assert json.loads(second.cells[0]["outputs"][0]["text"]) == [[], False, False]


def test_the_process_limit_holds_even_when_the_supervisor_is_stopped(tmp_path):
    """The sandbox's own supervisor counts processes, and a student can stop it (SIGSTOP): the host counts
    the sandbox's processes too, from outside, and ends the sandbox once there are too many."""
    w = Worker(sandbox.default_spec(tmp_path, [], "bwrap"), ["numpy"])
    try:
        # With fork refused by seccomp a student cannot start processes at all; the host's count stays as a
        # second line: a student who stops the supervisor still cannot exceed it.
        code = ("import os, signal, subprocess, time\ntry:\n    os.kill(os.getppid(), signal.SIGSTOP)\n"
                "except OSError as exc:\n    print('no signal:', exc.errno)\n"
                "try:\n    kids = [subprocess.Popen(['sleep', '60']) for _ in range(40)]\n"
                "except PermissionError:\n    print('no processes')\nprint(len(os.listdir('/proc')))")
        result = w.run([code], Limits(timeout=25, procs=8))
        text = result.cells[0]["outputs"][0]["text"]
        assert "no signal: 1" in text and "no processes" in text, text
        assert w.student.processes() <= 3
    finally:
        w.close()


def test_cleaning_tmp_never_enters_a_folder_mounted_inside_it(tmp_path, monkeypatch):
    """Between students the worker empties /tmp; a folder mounted there (the course package, when the
    course itself lives under /tmp) is left alone."""
    import os

    from course_utils.grading.boundary import worker as worker_module

    (tmp_path / "left" / "deep").mkdir(parents=True)
    (tmp_path / "left" / "deep" / "f.txt").write_text("x")
    (tmp_path / "mounted" / "course_utils").mkdir(parents=True)
    (tmp_path / "mounted" / "course_utils" / "checks.py").write_text("x")
    real = os.lstat
    mount_point = str(tmp_path / "mounted" / "course_utils")

    class Other:  # what lstat says of a mount point: another device
        def __init__(self, st):
            self.st_dev, self.st_mode = st.st_dev + 1, st.st_mode

    monkeypatch.setattr(worker_module.os, "lstat", lambda p: Other(real(p)) if str(p) == mount_point else real(p))
    worker_module._wipe(str(tmp_path))
    assert not (tmp_path / "left").exists()
    assert (tmp_path / "mounted" / "course_utils" / "checks.py").exists()


def test_network_is_off(worker):
    w, _ = worker
    code = ("import socket\ntry:\n    socket.create_connection(('1.1.1.1', 53), timeout=2)\n"
            "    print('online')\nexcept OSError:\n    print('offline')")
    result = w.run([code], Limits(timeout=10))
    assert result.cells[0]["outputs"][0]["text"].strip() == "offline"


def test_figures_become_png_outputs_and_are_closed(worker):
    w, _ = worker
    draw = "import matplotlib.pyplot as plt\nplt.plot([0, 1], [1, 0])\nplt.title('line')\nprint('drawn')"
    result = w.run([draw, "print(len(plt.get_fignums()))"], Limits(timeout=30))
    assert result.fatal is None
    first = result.cells[0]["outputs"]
    assert first[0] == {"output_type": "stream", "name": "stdout", "text": "drawn\n"}
    pictures = [o for o in first if o["output_type"] == "display_data"]
    assert len(pictures) == 1
    assert base64.b64decode(pictures[0]["data"]["image/png"])[:4] == b"\x89PNG"
    # The figure was closed after its cell: the next cell sees none and shows no picture.
    second = result.cells[1]["outputs"]
    assert second == [{"output_type": "stream", "name": "stdout", "text": "0\n"}]


def test_pictures_are_capped_per_cell(worker):
    w, _ = worker
    many = "import matplotlib.pyplot as plt\nfor i in range(25):\n    plt.figure(figsize=(1, 1))"
    result = w.run([many], Limits(timeout=60))
    outputs = result.cells[0]["outputs"]
    kept = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(kept) == 20
    assert "output truncated" in outputs[-1]["text"]


def test_writable_places_are_bounded(worker):
    """The sandbox's /tmp and /dev/shm live in host memory: each has a fixed size."""
    w, _ = worker
    code = ("import os\ntotal = {}\nfor folder in ('/tmp/work', '/dev/shm'):\n"
            "    total[folder] = 0\n"
            "    try:\n        for i in range(100):\n"
            "            with open(f'{folder}/fill{i}', 'wb') as fh:\n"
            "                for _ in range(32):\n"
            "                    fh.write(b'x' * (1 << 20))\n                    total[folder] += 1\n"
            "    except OSError:\n        pass\nprint(total)\n")
    result = w.run([code], Limits(timeout=60))
    sizes = eval(result.cells[0]["outputs"][0]["text"])  # noqa: S307 - our own printed dict
    sizes = {k + "/fill": v for k, v in sizes.items()}
    assert sizes["/tmp/work/fill"] <= 512 and sizes["/dev/shm/fill"] <= 64, sizes


def test_another_checkout_of_the_course_is_hidden_too(tmp_path):
    """Grading a course elsewhere with this checkout's package: this checkout's solutions stay out of reach."""
    from pathlib import Path as P
    checkout = P(sandbox.__file__).resolve().parents[3]
    spec = sandbox.default_spec(tmp_path, [], "bwrap")
    assert checkout in spec.hidden
    assert P(sandbox.__file__).resolve().parents[2] in spec.readonly
