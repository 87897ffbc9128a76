"""``course release``: regenerate ``exercises/`` with nbgrader and check the result.

Checks: the solution notebook passes every test cell; the released notebook
fails only with ``NotImplementedError`` (the stubs students replace).
"""
from __future__ import annotations

from pathlib import Path

from .course import Course


def generate(course: Course, exercise: str) -> None:
    """Run ``nbgrader generate_assignment`` for one exercise (also fills the gradebook)."""
    from .gradebook_io import generate_assignment

    generate_assignment(course, exercise)


def _run_notebook(path: Path, templates, worker, limits):
    from .grade import Job, finish, run_plan
    from .records import Record
    from .sanitize import parse_notebook, sanitize

    tpl = next(t for t in templates if t.name == path.stem)
    cells, _ = parse_notebook(path.read_bytes())
    # The gradebook's test and read-only sources are the source notebook's own, so sanitizing
    # keeps a solution notebook whole and gives a release its hidden tests back.
    clean = sanitize(cells, tpl)
    result = worker.run(run_plan(clean), limits)
    job = Job(Record("release-check", path.parent.name), [(tpl, clean)])
    job.record.run_seconds = sum(result.seconds)
    finish(job, [result])
    return job.record, clean, result


def validate_exercise(course: Course, exercise: str) -> list[str]:
    """Problems found in the solution and release notebooks of ``exercise`` (empty when fine)."""
    from .gradebook_io import open_gradebook
    from ..boundary.pool import Limits, Worker
    from .grade import timing_file
    from ..boundary.limits import save_timing
    from ..boundary.sandbox import bwrap_usable, default_spec
    from .template import load_templates

    with open_gradebook(course) as gb:
        templates = load_templates(gb, exercise, course.source)
    # the instructor's own solution: bubblewrap when it is there, no refusal when it is not
    spec = default_spec(course.root, course.hidden_folders(), "bwrap" if bwrap_usable() else "none")
    worker = Worker(spec, ["numpy"])
    problems = []
    limits = Limits(timeout=course.timeout, unchanged_arguments=course.unchanged_arguments)
    try:
        for tpl in templates:
            rec, clean, result = _run_notebook(
                course.source / exercise / f"{tpl.name}.ipynb", templates, worker, limits)
            if not result.fatal and len(result.seconds) == len(rec_timing(clean)):
                save_timing(timing_file(course, exercise, tpl.name), rec_timing(clean), result.seconds)
            if result.fatal:
                problems.append(f"solution {tpl.name}: {result.fatal}")
            for key, score in rec.scores.items():
                tcell = next(c for c in tpl.cells if f"{tpl.name}:{c.grade_id}" == key)
                if tcell.kind == "test" and score != rec.max_scores[key]:
                    problems.append(f"solution {tpl.name}: test {tcell.grade_id} does not pass")
            rec, clean, result = _run_notebook(
                course.release / exercise / f"{tpl.name}.ipynb", templates, worker, limits)
            for cell in clean.cells:
                for out in cell.outputs:
                    if out.get("output_type") == "error" and out.get("ename") != "NotImplementedError":
                        where = cell.grade_id or "an ordinary cell"
                        problems.append(f"release {tpl.name}: {where} fails with {out.get('ename')}: "
                                        f"{out.get('evalue')} (only NotImplementedError is expected)")
    finally:
        worker.close()
    return problems


def rec_timing(clean) -> list[str | None]:
    """The grade id (or None) of each code cell, in run order: how a reference run's times are keyed."""
    return [c.grade_id for c in clean.cells if c.cell_type == "code"]


def release(course: Course, exercise: str | None, validate: bool = True) -> int:
    """Regenerate and check one exercise or all; returns the exit code (1 if a check failed)."""
    if exercise:
        course.check_exercise(exercise)
    names = [exercise] if exercise else course.exercises()
    bad = 0
    for name in names:
        generate(course, name)
        print(f"{name}: released to {course.release / name}")
        if not validate:
            continue
        problems = validate_exercise(course, name)
        for problem in problems:
            print(f"  PROBLEM {problem}")
        if problems:
            bad += 1
        else:
            print("  OK: the solution passes every test; the release fails only with NotImplementedError")
    return 1 if bad else 0
