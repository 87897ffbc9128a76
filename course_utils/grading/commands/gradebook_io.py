"""All gradebook access, from the trusted host process only (never from a sandbox)."""
from __future__ import annotations

import subprocess
import tempfile

from .course import Course, CourseError, nbgrader_command, quiet_nbgrader_import
from .records import Record


def open_gradebook(course: Course):
    """An open nbgrader ``Gradebook`` for the course (use as a context manager)."""
    quiet_nbgrader_import()
    from nbgrader.api import Gradebook

    if course.db_path is not None:
        course.db_path.parent.mkdir(parents=True, exist_ok=True)
    return Gradebook(course.db_url, course.course_id or None)


def has_assignment(gb, exercise: str) -> bool:
    from nbgrader.api import MissingEntry

    try:
        assignment = gb.find_assignment(exercise)
    except MissingEntry:
        return False
    return bool(assignment.notebooks)


def generate_assignment(course: Course, exercise: str, release_dir: str | None = None,
                        failure: str = "nbgrader generate_assignment {exercise} failed") -> None:
    """Run ``nbgrader generate_assignment`` (which also records the exercise in the gradebook).

    The release goes to ``exercises/`` unless ``release_dir`` names another folder.

    Raises
    ------
    CourseError
        ``failure`` (formatted with ``exercise``) and nbgrader's output, when nbgrader fails.
    """
    quiet_nbgrader_import()  # puts this Python's bin/ (alembic) on PATH for the child
    args = ["generate_assignment", exercise, "--force", "--log-level=WARN"]
    if release_dir is not None:
        args.append(f"--CourseDirectory.release_directory={release_dir}")
    if course.db_path is not None:
        course.db_path.parent.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(nbgrader_command(*args), cwd=course.root, capture_output=True, text=True)
    if done.returncode != 0:
        raise CourseError(f"{failure.format(exercise=exercise)}:\n{done.stdout[-3000:]}{done.stderr[-3000:]}")


def register_assignment(course: Course, exercise: str) -> None:
    """Record ``exercise`` in the gradebook with nbgrader, leaving ``exercises/`` untouched."""
    with tempfile.TemporaryDirectory(prefix="course-register-") as tmp:
        generate_assignment(course, exercise, tmp, failure="nbgrader could not register {exercise} in the gradebook")


def student_names(name: str | None, lms: str | None) -> tuple[str, str] | None:
    """(first, last) for nbgrader, which shows a student as "last, first": the LMS's name kept whole.

    Canvas's sortable name "Núñez, José" is split where Canvas put the comma; any other name
    ("José Núñez", "Đặng Thu", Canvas's file-name form "núñezjosé") is kept as written, as the
    last name with an empty first name, never reordered.
    """
    if not name:
        return None
    if lms == "canvas" and name.count(", ") == 1:
        last, first = name.split(", ")
        return first, last
    return "", name


def write_record(gb, record: Record, timestamp: str | None, previous: Record | None = None) -> float:
    """Store one student's autograded scores; returns seconds late (0 when on time or unknown).

    Manual scores a grader gave in the formgrader are kept, and stay graded on a regrade unless
    the written answer changed since (then the cell is ticked "needs manual grade" again and the
    record says so). A submission that is not plainly ``graded`` is flagged in the formgrader.
    """
    names = student_names(record.name, (record.lms or {}).get("lms"))
    if names:
        gb.update_or_create_student(record.student, first_name=names[0], last_name=names[1])
    else:
        gb.update_or_create_student(record.student)
    if timestamp:
        sub = gb.update_or_create_submission(record.exercise, record.student, timestamp=timestamp)
    else:
        sub = gb.update_or_create_submission(record.exercise, record.student)
        sub.timestamp = None  # an earlier collect's time is not this submission's
    old = previous.digests if previous is not None else {}
    grades = {f"{nb.name}:{g.name}": g for nb in sub.notebooks for g in nb.grades}  # one load, not a query per cell
    for key in record.max_scores:
        nb_name, gid = key.split(":", 1)
        grade = grades.get(key) or gb.find_grade(gid, nb_name, record.exercise, record.student)
        score = None if record.status == "error" else record.scores.get(key)
        grade.auto_score = score
        changed = key in record.digests and key in old and record.digests[key] != old[key]
        if grade.manual_score is not None and changed:
            record.reasons.append(f"the written answer {gid!r} changed since it was graded by hand: "
                                  "grade it again in the formgrader")
        grade.needs_manual_grade = (grade.manual_score is None and score is None) or \
            (grade.manual_score is not None and changed)
    for nb in sub.notebooks:
        nb.flagged = record.status != "graded" or any(r.startswith("the written answer") for r in record.reasons)
    gb.db.commit()
    return float(sub.total_seconds_late or 0.0)


def gradebook_totals(gb, exercise: str) -> dict[str, dict[str, float | None]]:
    """Current scores (manual overrides included) per student: ``{student: {nb:gid: score}}``."""
    out: dict[str, dict[str, float | None]] = {}
    assignment = gb.find_assignment(exercise)
    for sub in assignment.submissions:
        cells = {}
        for nb in sub.notebooks:
            for grade in nb.grades:
                value = grade.manual_score if grade.manual_score is not None else grade.auto_score
                cells[f"{nb.name}:{grade.name}"] = value
        out[sub.student.id] = cells
    return out
