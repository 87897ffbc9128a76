"""Grading is safe by default on any machine: no silent unsandboxed mode, memory and IPC contained, output and
time bounded per notebook, no student-chosen generator state in the judge, any script's ids, honest feedback."""
from __future__ import annotations

import json
import shutil
import sqlite3
import time

import numpy as np
import pytest

from course_utils.grading.boundary import sandbox
from course_utils.grading.boundary.confine import landlock_abi
from course_utils.grading.boundary.crossing import rebuild_exception
from course_utils.grading.boundary.limits import FLOOR, Limits, derived_limits
from course_utils.grading.boundary.pool import LOCKED, STUDENT, TEST, Worker
from course_utils.grading.commands.records import id_problem
from course_utils.grading.boundary.rng import GeneratorError, advance_like, check_state
from class_cases import BY_NAME, build_class
from fixture_course import EXERCISE, answered
from grading_helpers import course_cmd

MODE = "bwrap" if sandbox.bwrap_usable() else "none"
needs_landlock = pytest.mark.skipif(MODE == "none" and landlock_abi() == 0,
                                    reason="no bubblewrap and a kernel without Landlock: files cannot be confined")
NO_BWRAP = {"COURSE_GRADING_BWRAP": "none", "COURSE_GRADING_SANDBOX": ""}


@pytest.fixture(scope="module")
def worker(tmp_path_factory):
    root = tmp_path_factory.mktemp("course")
    w = Worker(sandbox.default_spec(root, [], MODE), ["numpy"])
    yield w
    w.close()


def _errors(result, cell: int) -> list[str]:
    return [f"{o['ename']}: {o['evalue']}" for o in result.cells[cell]["outputs"] if o["output_type"] == "error"]


# ------------------------------------------------------------------------------------------------ safe by default
def test_grading_refuses_without_bubblewrap_and_says_how_to_get_it(released_course, tmp_path):
    root = tmp_path / "course"
    shutil.copytree(released_course, root)
    build_class(root, [BY_NAME["s01_correct"]])
    done = course_cmd(root, "grade", EXERCISE, "--no-progress", env=NO_BWRAP)
    assert done.returncode == 2, done.stdout
    for words in ("apt-get install bubblewrap", "macOS", "--sandbox none"):
        assert words in done.stderr, done.stderr
    assert not (root / "grading" / "status").exists()  # nobody was graded


@needs_landlock
def test_without_bubblewrap_the_gradebook_and_other_files_stay_out_of_reach(released_course, tmp_path):
    root = tmp_path / "course"
    shutil.copytree(released_course, root)
    cases = [BY_NAME[s] for s in ("s01_correct", "s14_write_outside", "s15_read_secrets", "s16_rewrite_gradebook")]
    build_class(root, cases)
    done = course_cmd(root, "grade", EXERCISE, "--sandbox", "none", "--no-progress", "--jobs", "2", env=NO_BWRAP)
    assert done.returncode == 0, done.stderr
    assert "WITHOUT bubblewrap" in done.stderr and "Landlock" in done.stderr
    con = sqlite3.connect(root / "grading" / "gradebook.db")
    assert con.execute("SELECT count(*) FROM grade WHERE manual_score IS NOT NULL").fetchone() == (0,)
    assert not list(root.rglob("ESCAPED*")) and not (tmp_path / "ESCAPED2.txt").exists()
    nb = json.loads((root / "grading" / "autograded" / "s15_read_secrets" / EXERCISE / f"{EXERCISE}.ipynb").read_text())
    printed = json.dumps([o for c in nb["cells"] for o in c.get("outputs", []) if o["output_type"] == "stream"])
    assert "nothing readable" in printed and "LEAKED" not in printed, printed


# ------------------------------------------------------------------------------------------------ memory and IPC
MEMFD = ("import os\nheld = []\nfor i in range(40):\n    fd = os.memfd_create(f'm{i}')\n"
         "    os.posix_fallocate(fd, 0, 64 << 20)\n    held.append(fd)\nprint('held', len(held) * 64, 'MB')")
SYSV = ("import ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\n"
        "ids = [libc.shmget(0, 128 << 20, 0o1000 | 0o600) for _ in range(6)]\n"
        "print(json.dumps({'ids': ids, 'errno': ctypes.get_errno(), "
        "'mq': libc.syscall(240, b'/q', 0o100 | 0o2, 0o600, None)}))")


def test_memory_outside_the_limit_cannot_be_held(worker):
    """memfd and System V shared memory are refused (they escape RLIMIT_AS); POSIX shared memory is bounded."""
    result = worker.run([MEMFD, "import json", SYSV], Limits(timeout=20, memory=1 << 30))
    assert any("PermissionError" in e for e in _errors(result, 0)), result.cells[0]
    seen = json.loads(result.cells[2]["outputs"][0]["text"])
    assert seen["ids"] == [-1] * 6 and seen["errno"] == 1 and seen["mq"] == -1
    shm = worker.run(["import os\nfd = os.open('/dev/shm/big', os.O_CREAT | os.O_RDWR)\n"
                      "os.posix_fallocate(fd, 0, 256 << 20)"], Limits(timeout=20))
    assert _errors(shm, 0), "a 256 MB POSIX shared-memory file must not fit"


def test_nothing_survives_to_the_next_student(worker):
    first = worker.run(["import os, ctypes\ntry:\n    open('/dev/shm/x', 'w').write('A')\nexcept OSError:\n    pass\n"
                        "libc = ctypes.CDLL(None, use_errno=True)\nprint(libc.shmget(1234, 4096, 0o1000 | 0o600))"],
                       Limits(timeout=20))
    assert first.cells[0]["outputs"][0]["text"].strip() == "-1"
    second = worker.run(["import os, ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\n"
                         "print(os.path.exists('/dev/shm/x'), libc.shmget(1234, 4096, 0))"], Limits(timeout=20))
    assert second.cells[0]["outputs"][0]["text"].split() == ["False", "-1"]


# ------------------------------------------------------------------------------------------------ output and time
PICTURES = ("import base64\n"
            "b64 = base64.b64encode(b'\\x89PNG\\r\\n\\x1a\\n' + bytes(range(256)) * 5500).decode()\n"
            "for _ in range(15):\n    get_ipython().display_pub.publish({'image/png': b64, 'text/plain': 'pic'})")


def test_output_is_bounded_per_notebook(worker):
    limits = Limits(timeout=20, max_notebook_output=8 << 20)
    result = worker.run([PICTURES] * 6, limits)
    size = sum(len(json.dumps(c["outputs"])) for c in result.cells)
    assert size <= (8 << 20) + 10_000, size
    assert size > 4 << 20  # pictures were kept up to the budget
    assert result.output_dropped or "truncated" in json.dumps(result.cells)


def test_time_is_bounded_per_notebook(worker):
    started = time.monotonic()
    result = worker.run(["while True:\n    pass"] * 6, Limits(timeout=1.5, budget=4.0, grace=1.0))
    assert time.monotonic() - started < 12
    assert result.budget_stop is not None and result.budget_stop < 6


def test_release_records_the_reference_run_time(released_course):
    data = json.loads((released_course / "grading" / "timing" / EXERCISE / f"{EXERCISE}.json").read_text())
    assert {"project", "test_project", "test_norms", "test_unit"} <= set(data["cells"]) and data["total"] > 0


def test_cell_limits_follow_the_reference_run(tmp_path):
    timing = tmp_path / "t.json"
    timing.write_text(json.dumps({"cells": {"slow": 3.0, "quick": 0.01, "#0": 0.2}, "total": 3.5}))
    cells, budget = derived_limits(timing, ["quick", "slow", None, "absent"], cap=120)
    assert cells == [FLOOR, 30.0, 30.0, 30.0] and budget == 60.0
    cells, _ = derived_limits(timing, ["slow"], cap=20)
    assert cells == [20]
    assert derived_limits(tmp_path / "missing.json", ["a"], cap=120) is None


# ------------------------------------------------------------------------------------------------ generators
def _reference_draws(make, draw) -> tuple:
    judge, student = make(), make()
    sent = judge.bit_generator.state if hasattr(judge, "bit_generator") else judge.get_state(legacy=False)
    draw(student)
    back = student.bit_generator.state if hasattr(student, "bit_generator") else student.get_state(legacy=False)
    return judge, student, sent, back


@pytest.mark.parametrize("make", [lambda: np.random.default_rng(7), lambda: np.random.Generator(np.random.MT19937(7)),
                                  lambda: np.random.RandomState(7)], ids=["PCG64", "MT19937", "RandomState"])
@pytest.mark.parametrize("draw", [lambda g: None, lambda g: g.random(5) if hasattr(g, "random") else g.random_sample(5),
                                  lambda g: g.integers(0, 9, 3001) if hasattr(g, "integers") else g.randint(0, 9, 3001),
                                  lambda g: g.bytes(3)], ids=["none", "floats", "many", "half-draw"])
def test_the_judge_follows_honest_draws_with_its_own_generator(make, draw):
    judge, student, sent, back = _reference_draws(make, draw)
    advance_like(judge, sent, back)
    if isinstance(judge, np.random.RandomState):
        assert np.array_equal(judge.random_sample(4), student.random_sample(4))
    else:
        assert np.array_equal(judge.random(4), student.random(4))


def test_the_three_generator_attacks_are_refused():
    legacy = np.random.RandomState(0)
    state = legacy.get_state(legacy=False)
    below = {**state, "state": {**state["state"], "pos": -100000}}
    huge = {**state, "state": {**state["state"], "pos": 2**31 - 1}}
    pcg = np.random.default_rng(0).bit_generator.state
    zero = {**pcg, "state": {"state": 0, "inc": 0}}
    for bad in (below, huge, zero):
        with pytest.raises(GeneratorError):
            check_state(bad)
    with pytest.raises(GeneratorError):  # same algorithm and stream, but a replayed (earlier) position
        gen = np.random.Generator(np.random.MT19937(0))
        sent = gen.bit_generator.state
        gen.random(700)
        advance_like(np.random.Generator(np.random.MT19937(0)), gen.bit_generator.state, sent)


ATTACKS = {
    "below": "def shuffle_rows(rng):\n    k, p = rng.get_state(legacy=False)['state'].values()\n"
             "    rng.set_state(('MT19937', k, -100000, 0, 0.0))\n",
    "huge": "def shuffle_rows(rng):\n    k = rng.get_state(legacy=False)['state']['key']\n"
            "    rng.set_state(('MT19937', k, 2**31 - 1, 0, 0.0))\n",
    "zero": "def shuffle_rows(rng):\n    rng.bit_generator.state = {'bit_generator': 'PCG64', 'state': {'state': 0, 'inc': 0},"
            " 'has_uint32': 0, 'uinteger': 0}\n",
    "honest": "def shuffle_rows(rng):\n    return rng.permutation(5)\n",
}
TEST_CELL = {  # an exercise's test that hands over a generator and draws from it afterwards
    "legacy": "rng = np.random.RandomState(3)\nshuffle_rows(rng)\nx = rng.random_sample(3)\n"
              "assert np.all((0 <= x) & (x < 1)) and len(set(x)) == 3, x\nprint('drew', x.round(3))",
    "pcg": "rng = np.random.default_rng(3)\nshuffle_rows(rng)\nx = rng.random(3)\n"
           "assert len(set(x)) == 3, x\nprint('drew', x.round(3))",
}


@pytest.mark.parametrize("attack, test", [("below", "legacy"), ("huge", "legacy"), ("zero", "pcg"),
                                          ("honest", "legacy"), ("honest", "pcg")])
def test_a_generator_handed_to_a_student_comes_back_only_as_the_judges_own(worker, attack, test):
    cells = [(LOCKED, "import numpy as np"), (STUDENT, ATTACKS[attack]), (TEST, TEST_CELL[test])]
    result = worker.run(cells, Limits(timeout=20))
    assert result.fatal is None and not result.worker_failed, result.fatal
    errors = _errors(result, 2)
    if attack == "honest":
        assert not errors, errors
        honest = np.random.RandomState(3) if test == "legacy" else np.random.default_rng(3)
        honest.permutation(5)
        x = honest.random_sample(3) if test == "legacy" else honest.random(3)
        assert f"drew {x.round(3)}" in result.cells[2]["outputs"][0]["text"]
    else:
        assert errors and "state the grader does not accept" in errors[0], errors


# ------------------------------------------------------------------------------------------------ ids
@pytest.mark.parametrize("student, ok", [("zoë_日本語_ü", True), ("Đặng", True), ("a" * 100, True),
                                         ("日" * 66, True), ("日" * 67, False), ("zoe\u0308", False),
                                         ("a b", False), ("a/b", False), ("\u202eabc", False)])
def test_unicode_ids_are_accepted_when_path_safe_and_bounded(student, ok):
    assert (id_problem(student) is None) == ok, id_problem(student)


def test_an_unusable_id_skips_that_submission_never_the_class(released_course, tmp_path):
    root = tmp_path / "course"
    shutil.copytree(released_course, root)
    release = json.loads((root / "exercises" / EXERCISE / f"{EXERCISE}.ipynb").read_text())
    for student in ("zoë_日本語_ü",):
        folder = root / "grading" / "submitted" / student / EXERCISE
        folder.mkdir(parents=True)
        (folder / f"{EXERCISE}.ipynb").write_text(json.dumps(answered(release)))
    done = course_cmd(root, "grade", EXERCISE, "--no-progress", "--student", "zoë_日本語_ü", "--student", "x" * 250)
    assert done.returncode == 0, done.stderr
    assert "1 submissions: 1 graded" in done.stdout and "250 characters long" in done.stdout
    assert (root / "grading" / "status" / EXERCISE / "zoë_日本語_ü.json").is_file()


# ------------------------------------------------------------------------------------------------ smaller items
def test_a_students_keyboard_interrupt_is_not_a_timeout():
    error = {"mro": ["KeyboardInterrupt", "BaseException"], "message": ""}
    assert isinstance(rebuild_exception(error, "f"), RuntimeError)
    assert "raised KeyboardInterrupt" in str(rebuild_exception(error, "f"))
    assert isinstance(rebuild_exception(error, "f", timed_out=True), TimeoutError)


def test_a_raised_keyboard_interrupt_reads_as_what_it_is(worker):
    cells = [(LOCKED, "import numpy as np"), (STUDENT, "def f():\n    raise KeyboardInterrupt\n"), (TEST, "f()")]
    result = worker.run(cells, Limits(timeout=20))
    errors = _errors(result, 2)
    assert errors and "raised KeyboardInterrupt" in errors[0] and "time limit" not in errors[0]
    assert not result.timeouts


def test_bidi_controls_are_shown_not_obeyed():
    from course_utils.grading.output.feedback_page import page_html

    page = page_html("t", "m", "graded", "1 / 1", "<pre>ValueError: gnp.\u202eexe</pre>")
    assert "\u202e" not in page and "[U+202E]" in page
