"""The simulated class: good, bad and malicious submissions with their exact expected outcome.

Each case writes one student's folder under ``submitted/`` and states the
expected status, total (``None`` when the submission cannot be graded), the
per-question scores that matter and a phrase the reasons must contain.
"""
from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from fixture_course import EXERCISE, REFERENCE, answered, find_cell

WRONG = {
    "project": "def project(W, x):\n    return W.T @ x[: W.shape[0]]\n",
    "norms": "def norms(X):\n    return (X * X).sum(axis=1)\n",
    "unit": "def unit(v):\n    return v / v.sum()\n",
}
NB = f"{EXERCISE}.ipynb"


@dataclass
class Case:
    student: str
    build: Callable[[Path, dict, Path], None]
    status: str
    total: float | None
    reason: str = ""
    scores: dict[str, float | None] = field(default_factory=dict)


def _write(folder: Path, nb: dict | bytes, name: str = NB) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    data = nb if isinstance(nb, bytes) else json.dumps(nb, indent=1).encode()
    (folder / name).write_bytes(data)


def nb_with(**answers: str) -> Callable[[Path, dict, Path], None]:
    """A submission with the reference answers, some replaced by ``answers``."""
    def build(folder: Path, release: dict, root: Path) -> None:
        _write(folder, answered(release, {**REFERENCE, **answers}))
    return build


def _blank(folder, release, root):
    _write(folder, release)


def _partial(folder, release, root):
    _write(folder, answered(release, {"project": REFERENCE["project"]}))


def _mutate(fn: Callable[[dict], None], answers: dict | None = None):
    def build(folder, release, root):
        nb = answered(release, {**REFERENCE, **(answers or {})})
        fn(nb)
        _write(folder, nb)
    return build


def _skip_tag(nb):
    find_cell(nb, "test_project")["metadata"]["tags"] = ["skip-execution"]


def _duplicate(nb):
    cell = find_cell(nb, "project")
    nb["cells"].insert(nb["cells"].index(cell) + 1, copy.deepcopy(cell))


def _delete_test(nb):
    nb["cells"].remove(find_cell(nb, "test_norms"))


def _edit_test(nb):
    find_cell(nb, "test_project")["source"] = "pass\n"


def _edit_strip(nb):
    cell = find_cell(nb, "test_project")
    cell["source"] = "pass\n"
    cell["metadata"] = {}


def _points(nb):
    find_cell(nb, "test_unit")["metadata"]["nbgrader"]["points"] = 100


def _markdown(nb):
    cell = find_cell(nb, "project")
    cell["cell_type"] = "markdown"
    cell.pop("outputs", None)
    cell.pop("execution_count", None)


def _kernelspec(nb):
    nb["metadata"]["kernelspec"] = {"name": "julia-1.9", "display_name": "Julia", "language": "julia"}


def _invalid(folder, release, root):
    _write(folder, b'{"cells": [ this is not json')


def _v3(folder, release, root):
    nb = answered(release)
    cells = []
    for c in nb["cells"]:
        c3 = {"cell_type": c["cell_type"], "metadata": c["metadata"]}
        if c["cell_type"] == "code":
            c3.update(input=c["source"], language="python", outputs=[], collapsed=False)
        else:
            c3["source"] = c["source"]
        cells.append(c3)
    _write(folder, {"nbformat": 3, "nbformat_minor": 0, "metadata": {"name": ""},
                    "worksheets": [{"cells": cells, "metadata": {}}]})


def _wrong_name(folder, release, root):
    _write(folder, answered(release), name=f"{EXERCISE} (1).ipynb")


def _extra_files(folder, release, root):
    _write(folder, answered(release, {**REFERENCE, "project": "from helper import project\n"}))
    (folder / "helper.py").write_text("def project(W, x):\n    return W @ x\n")
    (folder / "notes.txt").write_text("my notes\n")


def _late(folder, release, root):
    _write(folder, answered(release))
    (folder / "timestamp.txt").write_text("2030-01-02 12:00:00.000000 UTC\n")


def _on_time(folder, release, root):
    _write(folder, answered(release))
    (folder / "timestamp.txt").write_text("2030-01-01 08:00:00.000000 UTC\n")


def _secrets_reader(root: Path) -> str:
    paths = [root / "grading" / "gradebook.db", root / "solutions" / EXERCISE / NB,
             root / "grading" / "submitted" / "s01_correct" / EXERCISE / NB, root / "nbgrader_config.py"]
    return ("import os\nfound = []\n"
            f"for p in {[str(p) for p in paths]!r}:\n"
            "    try:\n        open(p, 'rb').read(1)\n        found.append(p)\n"
            "    except OSError:\n        pass\n"
            "print('LEAKED' if found else 'nothing readable', found)\n" + REFERENCE["project"])


def _reader(folder, release, root):
    _write(folder, answered(release, {**REFERENCE, "project": _secrets_reader(root)}))


def _gradebook_writer(folder, release, root):
    db = root / "grading" / "gradebook.db"
    code = ("import sqlite3\n"
            "try:\n"
            f"    con = sqlite3.connect({str(db)!r})\n"
            "    con.execute('UPDATE grade SET manual_score = 100')\n"
            "    con.commit()\n"
            "    print('rewrote grades')\n"
            "except Exception as exc:\n"
            "    print('no gradebook:', type(exc).__name__)\n")
    _write(folder, answered(release, {**REFERENCE, "project": code + WRONG["project"]}))


def _outside_writer(folder, release, root):
    code = ("import os\n"
            "for p in [" + repr(str(root / "ESCAPED.txt")) + ", '../../ESCAPED2.txt', "
            + repr(str(root / "grading" / "submitted" / "s01_correct" / EXERCISE / "ESCAPED3.txt")) + "]:\n"
            "    try:\n        open(p, 'w').write('x')\n    except OSError:\n        pass\n")
    _write(folder, answered(release, {**REFERENCE, "project": code + REFERENCE["project"]}))


EQ_TRUE = ("class Anything:\n    def __eq__(self, other):\n        return True\n"
           "    def __getitem__(self, i):\n        return self\n"
           "def norms(X):\n    return Anything()\n")
PATCH = "import numpy as np\nnp.testing.assert_allclose = lambda *a, **k: None\n" + WRONG["project"]
WARN = ("import warnings\n"
        "def project(W, x):\n    warnings.warn('projection uses float64', UserWarning)\n    return W @ x\n")
LOOP_FN = "def norms(X):\n    while True:\n        pass\n"
LOOP_TOP = "while True:\n    pass\n" + REFERENCE["project"]
NO_SIGINT = "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    pass\n"
EXIT = "import os\nos._exit(3)\n"
KILLED = "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n"
HOG = "hog = [bytearray(10**8) for _ in range(100)]\n" + REFERENCE["unit"]
FORK_BOMB = "import os, time\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        time.sleep(0.01)\n"
BIG = "print('x' * 10_000_000)\n" + REFERENCE["project"]
EXCEPTION = "def project(W, x):\n    raise ValueError('not today')\n"
PLOT = "import matplotlib.pyplot as plt\nplt.plot([0, 1], [1, 0])\nplt.title('my projection')\n" + REFERENCE["project"]

# ---- attackers of the trust boundary: code that tries to forge the verdict or read the tests
STUB = "raise NotImplementedError()\n"
DISPLAYHOOK = "".join(f"import sys\ndef {name}(*args):\n    sys.displayhook(10**9)\n    raise ValueError('no')\n"
                      for name in ("project", "norms", "unit"))
CUSTOM_EXC = ("ip = globals()['get_' 'ipython']()\n"
              "ip.set_custom_exc((BaseException,), lambda *a, **k: None)\n")
FORGED_FRAMES = ("import os, json, struct\n"
                 "fake = json.dumps({'op': 'done', 'outputs': [], 'success': True, 'execution_count': 1,\n"
                 "                   'ok': True, 'names': {}, 'nonce': None}).encode()\n"
                 "for fd in map(int, os.listdir('/proc/self/fd')):\n"
                 "    try:\n"
                 "        if os.readlink(f'/proc/self/fd/{fd}').startswith('pipe:'):\n"
                 "            for _ in range(5):\n"
                 "                os.write(fd, struct.pack('>I', len(fake)) + fake)\n"
                 "    except OSError:\n"
                 "        pass\n") + REFERENCE["project"]
MALFORMED_FRAME = ("import os, struct\n"
                   "for fd in map(int, os.listdir('/proc/self/fd')):\n"
                   "    try:\n"
                   "        if os.readlink(f'/proc/self/fd/{fd}').startswith('pipe:'):\n"
                   "            os.write(fd, struct.pack('>I', 12) + b'{not json!!}')\n"
                   "    except OSError:\n"
                   "        pass\n") + REFERENCE["project"]
REBIND = ("class Lenient:\n"
          "    def __getattr__(self, name):\n        return self\n"
          "    def __call__(self, *a, **k):\n        return True\n"
          "    def __eq__(self, other):\n        return True\n"
          "np = Lenient()\n"
          "def isinstance(*a):\n    return True\n"
          "def assert_allclose(*a, **k):\n    pass\n") + WRONG["project"]
FAKE_NUMPY = ("import sys, os\n"
              "open('numpy.py', 'w').write('testing = type(\"T\", (), {\"assert_allclose\": staticmethod(lambda *a, **k: None)})\\n'\n"
              "                           'def array(x, *a, **k):\\n    return x\\n'\n"
              "                           'def arange(*a, **k):\\n    return 1\\n')\n"
              "sys.path.insert(0, os.getcwd())\n"
              "for name in [m for m in sys.modules if m == 'numpy' or m.startswith('numpy.')]:\n"
              "    del sys.modules[name]\n"
              "import numpy as np\n") + WRONG["project"]
STACK_READER = ("import sys, linecache\n"
                "def _peek():\n"
                "    frame, seen = sys._getframe(1), []\n"
                "    while frame is not None:\n"
                "        seen += linecache.getlines(frame.f_code.co_filename)\n"
                "        seen.append(str(frame.f_locals.keys()))\n"
                "        frame = frame.f_back\n"
                "    print('STACK:', ''.join(seen))\n"
                "def project(W, x):\n    _peek()\n    return W @ x\n")
ENV_READER = ("import os\n"
              "print(dict(os.environ))\n"
              "for p in ('/proc/1/environ', '/proc/self/environ', '/proc/2/environ'):\n"
              "    try:\n        print(open(p, 'rb').read())\n    except OSError as exc:\n        print(p, exc)\n"
              ) + REFERENCE["project"]
FLOOD = ("from IPython.display import display\n"
         "for i in range(600):\n    display('x' * 20000)\n"
         "def project(W, x):\n"
         "    for i in range(600):\n        display('y' * 20000)\n        print('z' * 20000)\n"
         "    return W @ x\n")
PIPE_FILLER = ("import os, fcntl, signal\n"
               "signal.signal(signal.SIGINT, signal.SIG_IGN)\n"
               "for fd in map(int, os.listdir('/proc/self/fd')):\n"
               "    try:\n"
               "        if os.readlink(f'/proc/self/fd/{fd}').startswith('pipe:') and \\\n"
               "                fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_ACCMODE == os.O_RDONLY:\n"
               "            w = os.open(f'/proc/self/fd/{fd}', os.O_WRONLY | os.O_NONBLOCK)\n"
               "            while True:\n"
               "                os.write(w, b'x' * 4096)\n"
               "    except OSError:\n"
               "        pass\n") + REFERENCE["project"]
ENV_SECRET = "COURSE_TEST_SECRET"
SECRET_VALUE = "token-6f1e2d-do-not-leak"
LONG_ID = "s47_" + "x" * 246


MEMFD_HOARD = ("import os\nheld = []\nfor i in range(40):\n    fd = os.memfd_create(f'm{i}')\n"
               "    os.posix_fallocate(fd, 0, 64 << 20)\n    held.append(fd)\n") + REFERENCE["project"]
SYSV_HOARD = ("import ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\n"
              "print('segments', [libc.shmget(0, 128 << 20, 0o1000 | 0o600) for _ in range(6)])\n") + REFERENCE["project"]
PICTURE_FLOOD = ("import base64\nb64 = base64.b64encode(b'\\x89PNG\\r\\n\\x1a\\n' + bytes(range(256)) * 5500).decode()\n"
                 "for _ in range(15):\n    get_ipython().display_pub.publish({'image/png': b64, 'text/plain': 'pic'})\n")
OWN_INTERRUPT = "def norms(X):\n    raise KeyboardInterrupt\n"
BIDI = "def project(W, x):\n    raise ValueError('see file gnp.\u202eexe')\n"
UNICODE_ID = "s59_zoë_日本語_ü"


def _picture_flood(folder, release, root):
    nb = answered(release)
    at = nb["cells"].index(find_cell(nb, "project"))
    for _ in range(6):
        nb["cells"].insert(at, {"cell_type": "code", "metadata": {}, "source": PICTURE_FLOOD, "outputs": [],
                                "execution_count": None})
    _write(folder, nb)


def _with_cell(source: str, answers: dict | None = None, at: str = "project"):
    """A submission with an extra ordinary code cell holding ``source`` right before answer ``at``."""
    def build(folder, release, root):
        nb = answered(release, {**REFERENCE, **(answers or {})})
        target = find_cell(nb, at)
        nb["cells"].insert(nb["cells"].index(target),
                           {"cell_type": "code", "metadata": {}, "source": source, "outputs": [],
                            "execution_count": None})
        _write(folder, nb)
    return build


def _symlinked_extra(folder, release, root):
    _write(folder, answered(release))
    (folder / "passwd.txt").symlink_to("/etc/passwd")
    (folder / "solution.txt").symlink_to(root / "solutions" / EXERCISE / NB)


def _symlinked_notebook(folder, release, root):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / NB).symlink_to(root / "solutions" / EXERCISE / NB)


def _metadata_null(nb):
    nb["metadata"] = None


def _source_int(nb):
    nb["cells"][0]["source"] = ["# Fixture exercise\n", 5, None]


def _deep_json(folder, release, root):
    _write(folder, b'{"nbformat": 4, "cells": ' + b"[" * 200_000 + b"]" * 200_000 + b"}")


CASES = [
    Case("s01_correct", nb_with(), "graded", 5.0, scores={"test_project": 2, "explain": None}),
    Case("s02_blank", _blank, "graded", 0.0, scores={"test_project": 0, "explain": 0}),
    Case("s03_partial", _partial, "graded", 2.0, scores={"test_project": 2, "test_unit": 0}),
    Case("s04_wrong", nb_with(**WRONG), "graded", 0.0),
    Case("s05_exception", nb_with(project=EXCEPTION), "graded", 3.0, scores={"test_project": 0}),
    Case("s06_loop_function", nb_with(norms=LOOP_FN), "flagged", 4.0, "exceeded the time limit",
         scores={"test_norms": 0}),
    Case("s07_loop_top", nb_with(project=LOOP_TOP), "flagged", 3.0, "exceeded the time limit",
         scores={"test_project": 0}),
    Case("s08_sigint_ignored", nb_with(project=NO_SIGINT), "error", None, "did not stop when interrupted"),
    Case("s09_os_exit", nb_with(project=EXIT), "error", None, "kernel died"),
    Case("s10_kernel_killed", nb_with(project=KILLED), "error", None, "kernel died"),
    Case("s11_memory_hog", nb_with(unit=HOG), "graded", 3.0, scores={"test_unit": 0}),
    # fork() is refused (seccomp): the loop retries until the cell's time limit interrupts it
    Case("s12_fork_bomb", nb_with(project=FORK_BOMB), "flagged", 3.0, "exceeded the time limit",
         scores={"test_project": 0}),
    Case("s13_big_output", nb_with(project=BIG), "graded", 5.0),
    Case("s14_write_outside", _outside_writer, "flagged", 5.0, "submitted"),
    Case("s15_read_secrets", _reader, "flagged", 5.0, "gradebook"),
    Case("s16_rewrite_gradebook", _gradebook_writer, "flagged", 3.0, "gradebook",
         scores={"test_project": 0}),
    Case("s17_skip_execution", _mutate(_skip_tag, {"project": WRONG["project"]}), "flagged", 3.0,
         "skip-execution", scores={"test_project": 0}),
    Case("s18_duplicate_cell", _mutate(_duplicate), "flagged", 5.0, "duplicated grade id"),
    Case("s19_deleted_test", _mutate(_delete_test), "flagged", 5.0, "was deleted",
         scores={"test_norms": 1}),
    Case("s20_edited_test", _mutate(_edit_test, {"project": WRONG["project"]}), "flagged", 3.0,
         "was edited", scores={"test_project": 0}),
    Case("s21_edited_test_stripped", _mutate(_edit_strip, {"project": WRONG["project"]}), "flagged", 3.0,
         "was deleted", scores={"test_project": 0}),
    Case("s22_changed_points", _mutate(_points), "flagged", 5.0, "points of 'test_unit'",
         scores={"test_unit": 2}),
    Case("s23_answer_to_markdown", _mutate(_markdown), "flagged", 5.0, "changed from code to markdown"),
    Case("s24_invalid_json", _invalid, "error", None, "invalid JSON"),
    Case("s25_nbformat3", _v3, "graded", 5.0),
    Case("s26_wrong_kernelspec", _mutate(_kernelspec), "graded", 5.0),
    Case("s27_wrong_file_name", _wrong_name, "flagged", 5.0, "was named"),
    Case("s28_extra_files", _extra_files, "graded", 5.0),
    Case("s29_stderr_warning", nb_with(project=WARN), "graded", 5.0, scores={"test_project": 2}),
    Case("s30_eq_always_true", nb_with(norms=EQ_TRUE), "flagged", 4.0, "__eq__", scores={"test_norms": 0}),
    Case("s31_patched_testing", nb_with(project=PATCH), "flagged", 3.0, "np.testing.assert_allclose",
         scores={"test_project": 0}),
    Case("s32_late", _late, "flagged", 5.0, "late by"),
    Case("s33_on_time", _on_time, "graded", 5.0),
    Case("s34_draws_a_figure", nb_with(project=PLOT), "graded", 5.0, scores={"test_project": 2}),
    Case("s35_displayhook_score", nb_with(project=DISPLAYHOOK, norms=STUB, unit=STUB), "graded", 0.0),
    Case("s36_custom_exception_handler", _with_cell(CUSTOM_EXC, {"project": STUB, "norms": STUB, "unit": STUB}),
         "graded", 0.0),
    Case("s37_forged_frames", nb_with(project=FORGED_FRAMES), "error", None, "broke the grading protocol"),
    Case("s38_rebound_names", nb_with(project=REBIND, norms=WRONG["norms"], unit=WRONG["unit"]), "flagged", 0.0,
         "__eq__"),
    Case("s39_fake_numpy", nb_with(project=FAKE_NUMPY, norms=WRONG["norms"], unit=WRONG["unit"]), "graded", 0.0),
    Case("s40_stack_reader", nb_with(project=STACK_READER), "flagged", 5.0, "sys._getframe"),
    Case("s41_env_reader", nb_with(project=ENV_READER), "graded", 5.0),
    Case("s42_symlinked_extra_files", _symlinked_extra, "flagged", 5.0, "symbolic links are not read"),
    Case("s43_symlinked_notebook", _symlinked_notebook, "error", None, "symbolic link"),
    Case("s44_metadata_null", _mutate(_metadata_null), "graded", 5.0),
    Case("s45_source_not_text", _mutate(_source_int), "graded", 5.0),
    Case("s46_deeply_nested_json", _deep_json, "error", None, "nested too deeply"),
    Case("s48_malformed_frame", nb_with(project=MALFORMED_FRAME), "error", None, "broke the grading protocol"),
    Case("s49_fills_its_input", nb_with(project=PIPE_FILLER), "error", None, "cell"),
    Case("s50_output_flood", nb_with(project=FLOOD), "graded", 5.0),
    # attackers of memory, IPC, output and feedback, and a name in other scripts, among honest students
    Case("s52_memfd_hoard", nb_with(project=MEMFD_HOARD), "graded", 3.0, scores={"test_project": 0}),
    Case("s53_sysv_hoard", nb_with(project=SYSV_HOARD), "flagged", 5.0, "ctypes"),
    Case("s54_picture_flood", _picture_flood, "flagged", 5.0, "get_ipython"),
    Case("s57_own_interrupt", nb_with(norms=OWN_INTERRUPT), "graded", 4.0, scores={"test_norms": 0}),
    Case("s58_bidi_message", nb_with(project=BIDI), "graded", 3.0, scores={"test_project": 0}),
    Case(UNICODE_ID, nb_with(), "graded", 5.0),
    Case("s51_lone_surrogate", nb_with(project="print('hello \\ud800 world')\n" + REFERENCE["project"]),
         "graded", 5.0),
]
DUE = "2030-01-01 12:00:00"
BY_NAME = {c.student: c for c in CASES}


def build_class(root: Path, cases: list[Case] = CASES, long_id: bool = False) -> None:
    """Write every case's submission under ``root/grading/submitted/`` (and one with a 250-character id)."""
    release = json.loads((root / "exercises" / EXERCISE / NB).read_text())
    for case in cases:
        case.build(root / "grading" / "submitted" / case.student / EXERCISE, release, root)
    if long_id:
        _write(root / "grading" / "submitted" / LONG_ID / EXERCISE, answered(release))
