"""nbgrader's exchange for a JupyterHub class: publish a release, collect submissions, return feedback.

The exchange is a shared folder (``c.Exchange.root``, set on a hub through ``COURSE_EXCHANGE_ROOT``)
laid out by nbgrader: ``COURSE/outbound/EX/`` holds the release students fetch,
``COURSE/inbound/STUDENT+EX+TIMESTAMP+RANDOM/`` one folder per press of *Submit*, and
``COURSE/feedback/HASH.html`` the pages students fetch back, each under a hash of the secret
their submission carries (``submission_secret.txt``), so only its author finds it.

* :func:`publish_release` runs nbgrader's own ``release_assignment``.
* :func:`collect_from_exchange` reads ``inbound/`` itself, never following a symbolic link
  and, with ``c.ExchangeCollect.check_owner`` (nbgrader's default), taking a student's newest
  submission among those whose folder belongs to that student's Unix account; the chosen
  folders are staged as ``STUDENT/FILE`` and imported by :func:`collect.collect`, with the same
  checks as an LMS download (ids, sizes, which notebook, existing submissions kept unless
  ``--force``). nbgrader's own ``collect`` follows links and only warns about owners.
* :func:`release_feedback` puts each student's course feedback page where nbgrader's
  ``release_feedback`` expects it, with the submission's timestamp and secret, and runs it.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .collect import EXCHANGE_SECRET, collect
from .course import Course, CourseError, nbgrader_command

__all__ = ["Inbound", "inbound_submissions", "publish_release", "collect_from_exchange", "release_feedback"]


@dataclass
class Inbound:
    """One submission folder in the exchange's ``inbound/``."""

    path: Path
    student: str
    timestamp: str
    owner: str | None


def _course_folder(course: Course) -> Path:
    if course.exchange is None:
        raise CourseError("no exchange is configured (c.Exchange.root in nbgrader_config.py)")
    if not course.course_id:
        raise CourseError("no course id is configured (c.CourseDirectory.course_id in nbgrader_config.py)")
    return course.exchange / course.course_id


def _owner(uid: int) -> str | None:
    try:
        import pwd
        return pwd.getpwuid(uid).pw_name
    except (ImportError, KeyError):
        return None


def inbound_submissions(course: Course, exercise: str) -> list[Inbound]:
    """Every submission of ``exercise`` in the exchange, as nbgrader's ``submit`` names them; links are left out."""
    inbound = _course_folder(course) / "inbound"
    if not inbound.is_dir():
        raise CourseError(f"{inbound} does not exist: release an exercise to the exchange first "
                          f"(course release {exercise} --exchange)")
    name_re = re.compile(rf"^(?P<student>[^+/]+)\+{re.escape(exercise)}\+(?P<timestamp>[^+/]+)(?:\+[\w=-]+)?$")
    found = []
    with os.scandir(inbound) as entries:
        for entry in entries:
            match = name_re.match(entry.name)
            if not match or entry.is_symlink() or not entry.is_dir(follow_symlinks=False):
                continue
            found.append(Inbound(Path(entry.path), match.group("student"), match.group("timestamp"),
                                 _owner(entry.stat(follow_symlinks=False).st_uid)))
    return found


def _newest(subs: list[Inbound]) -> list[Inbound]:
    """Newest first, by the time in the folder name (a name nbgrader would not write sorts last)."""
    from nbgrader.utils import parse_utc

    def when(sub: Inbound) -> float:
        try:
            return parse_utc(sub.timestamp).timestamp()
        except Exception:
            return float("-inf")
    return sorted(subs, key=when, reverse=True)


def publish_release(course: Course, exercise: str) -> int:
    """``nbgrader release_assignment EX --force``: students can fetch the release in ``exercises/EX``."""
    from .course import quiet_nbgrader_import

    quiet_nbgrader_import()
    folder = _course_folder(course)
    done = subprocess.run(nbgrader_command("release_assignment", exercise, "--force"), cwd=course.root,
                          capture_output=True, text=True)
    if done.returncode != 0 or not (folder / "outbound" / exercise).is_dir():
        raise CourseError(f"nbgrader release_assignment {exercise} failed:\n{done.stdout}{done.stderr}")
    print(f"released {exercise} to the exchange ({folder / 'outbound' / exercise}): students fetch it "
          "in JupyterLab's Assignments tab")
    return 0


def collect_from_exchange(course: Course, exercise: str, force: bool = False) -> int:
    """Import each student's newest submission of ``exercise`` from the exchange into ``submitted/``."""
    course.check_exercise(exercise)
    subs = inbound_submissions(course, exercise)
    by_student: dict[str, list[Inbound]] = {}
    for sub in subs:
        by_student.setdefault(sub.student, []).append(sub)
    refused = []
    course.work.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".exchange-", dir=course.work) as tmp:
        stage = Path(tmp)
        for student, theirs in sorted(by_student.items()):
            chosen = None
            for sub in _newest(theirs):
                if course.check_owner and sub.owner != student:
                    refused.append(f"{sub.path.name}: the folder belongs to Unix account {sub.owner or 'unknown'}, "
                                   f"not {student} (not collected; c.ExchangeCollect.check_owner)")
                    continue
                chosen = sub
                break
            if chosen is None:
                continue
            dest = stage / student
            dest.mkdir()
            for entry in sorted(chosen.path.iterdir()):
                if entry.is_file() and not entry.is_symlink():
                    shutil.copyfile(entry, dest / entry.name)
                elif not entry.name.startswith("."):
                    refused.append(f"{student}: {entry.name} in the submission is "
                                   f"{'a symbolic link' if entry.is_symlink() else 'a folder'} (not collected)")
        print(f"{len(subs)} submission(s) of {exercise} in the exchange from {len(by_student)} student(s)")
        for line in refused:
            print(f"  {line}")
        if not any(stage.iterdir()):
            print(f"nothing to collect for {exercise}")
            return 1
        return collect(course, exercise, stage, force=force, kind="exchange")


def release_feedback(course: Course, exercise: str) -> int:
    """Put every student's feedback page in the exchange with nbgrader's ``release_feedback``."""
    course.check_exercise(exercise)
    from .course import quiet_nbgrader_import

    quiet_nbgrader_import()
    from nbgrader.utils import notebook_hash

    _course_folder(course)
    notebooks = sorted(p.stem for p in (course.source / exercise).glob("*.ipynb"))
    ready, skipped = [], []
    if course.feedback.is_dir():
        for folder in sorted(p / exercise for p in course.feedback.iterdir() if (p / exercise).is_dir()):
            student = folder.parent.name
            submitted = course.submitted / student / exercise
            pages = [nb for nb in notebooks if (folder / f"{nb}.html").is_file()]
            needed = [submitted / "timestamp.txt", submitted / EXCHANGE_SECRET]
            if not pages or any(p.is_symlink() or not p.is_file() for p in needed):
                skipped.append(student)
                continue
            for path in needed:
                shutil.copyfile(path, folder / path.name)
            ready.append((student, folder, pages))
    if not ready:
        raise CourseError(f"no feedback page of {exercise} belongs to a submission from the exchange: "
                          f"run `course feedback {exercise}` after `course collect {exercise} --exchange`")
    args = ["release_feedback", exercise]
    if skipped:
        args.append("--CourseDirectory.student_id_exclude=" + ",".join(skipped))
    done = subprocess.run(nbgrader_command(*args), cwd=course.root, capture_output=True, text=True)
    outbound = _course_folder(course) / "feedback"
    released = 0
    for student, folder, pages in ready:
        secret = (folder / EXCHANGE_SECRET).read_text(encoding="utf-8")
        for nb in pages:
            page = outbound / f"{notebook_hash(secret=secret, notebook_id=nb)}.html"
            if page.is_file():
                os.chmod(page, 0o644)  # readable by its student, whose server fetches it
                released += 1
    if done.returncode != 0 or released < sum(len(p) for _, _, p in ready):
        raise CourseError(f"nbgrader release_feedback {exercise} failed:\n{done.stdout}{done.stderr}")
    print(f"released feedback of {exercise} to the exchange for {len(ready)} student(s): each fetches "
          "their own page in JupyterLab's Assignments tab (Fetch Feedback)")
    if skipped:
        print(f"  not through the exchange (collected from an LMS or by hand): {', '.join(skipped)}")
    return 0
