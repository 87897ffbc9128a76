"""``course grade``: autograde a whole class in parallel sandboxes, one bad submission at a time.

Flow per student (host side): read the submitted bytes (never modified), parse,
sanitize against the trusted template, scan (``submission.py``); run the student's
cells in a warm sandboxed worker and the test cells in its trusted judge (``pool.py``);
score with nbgrader's rules; write the graded notebook, the record and the gradebook.
Nothing a student does can stop the batch.
"""
from __future__ import annotations

import queue
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path

from .course import Course, CourseError
from ..boundary.limits import BUDGET_FLOOR, derived_limits
from ..boundary.pool import LOCKED, STUDENT, TEST, Limits, RunResult, Worker, WorkerError
from .records import Record
from ..boundary.sandbox import choose_mode, default_spec
from .sanitize import Sanitized
from .scoring import cell_score
from .stored import graded_notebook, store, store_failure
from .submission import Job, folder_imports, prepare, prepare_safely, warm_modules
from .template import NotebookTemplate

__all__ = ["SANDBOX_FAILED", "Options", "Job", "prepare", "run_plan", "finish", "graded_notebook", "grade_class"]

SANDBOX_FAILED = "the sandbox failed"  # reason prefix when a worker could not run a student


@dataclass
class Options:
    jobs: int = 2
    timeout: float = 60.0
    memory: int = 2 << 30
    sandbox: str = "auto"
    students: list[str] | None = None
    progress: bool = True
    budget: float | None = None     # seconds per notebook (None: derived, or 3 cell limits)
    derived: bool = False           # per-cell limits from the reference run's timing, when recorded


def run_plan(clean: Sanitized) -> list[tuple[str, str]]:
    """The code cells to run, each with where it runs: test cells in the trusted judge only,
    read-only cells on both sides, everything the student wrote in the sandbox only."""
    side = {"test": TEST, "locked": LOCKED}
    return [(side.get(c.kind, STUDENT), c.source) for c in clean.cells if c.cell_type == "code"]


def finish(job: Job, results: list[RunResult | None]) -> None:
    """Attach outputs, score every graded cell and settle the status."""
    record = job.record
    for (tpl, clean), result in zip(job.notebooks, results):
        for cell in tpl.graded():
            record.max_scores[f"{tpl.name}:{cell.grade_id}"] = cell.points
        if clean is None:
            continue
        code = [c for c in clean.cells if c.cell_type == "code"]
        if result is not None:
            for cell, out in zip(code, result.cells):
                cell.outputs = out.get("outputs", [])
                cell.execution_count = out.get("execution_count")
            if result.budget_stop is not None and 0 <= result.budget_stop < len(code):
                at = code[result.budget_stop]
                where = at.grade_id or f"cell {clean.cells.index(at) + 1} of the notebook"
                record.reasons.append(f"the notebook used up its time budget: cells from {where} on were not run")
            if result.output_dropped:
                record.reasons.append("the notebook's outputs passed the grader's limit; later outputs were dropped")
            for index in result.timeouts:
                if 0 <= index < len(code):
                    where = code[index].grade_id or f"cell {clean.cells.index(code[index]) + 1} of the notebook"
                    record.reasons.append(f"{where} exceeded the time limit and was interrupted")
            if result.fatal:
                record.status = "error"
                at = result.fatal_cell
                where = (code[at].grade_id if at is not None and 0 <= at < len(code) else None)
                record.reasons.append(result.fatal + (f" (cell {where!r})" if where else ""))
        ran = {c.grade_id: c for c in clean.cells if c.grade_id}
        for cell in tpl.graded():
            record.scores[f"{tpl.name}:{cell.grade_id}"] = cell_score(ran.get(cell.grade_id), cell)
    if record.status != "error":
        record.status = "flagged" if record.reasons else "graded"


def timing_file(course: Course, exercise: str, notebook: str) -> Path:
    """Where ``course release`` records the reference solution's time per cell."""
    return course.work / "timing" / exercise / f"{notebook}.json"


def job_limits(limits: Limits, clean: Sanitized, timing: Path | None) -> Limits:
    """``limits`` for one notebook: per-cell limits and a budget derived from the reference run when recorded."""
    if timing is not None:
        ids = [c.grade_id for c in clean.cells if c.cell_type == "code"]
        derived = derived_limits(timing, ids, limits.timeout)
        if derived is not None:
            cells, budget = derived
            return replace(limits, cell_limits=cells, budget=limits.budget or budget)
    return limits if limits.budget else replace(limits, budget=max(BUDGET_FLOOR, 3 * limits.timeout))


def _worker_loop(worker_box: list, make_worker, modules: list[str], jobs: "queue.Queue", out: "queue.Queue") -> None:
    """One worker thread: start a worker with ``modules`` pre-imported at once, then grade jobs until ``None``.

    Each job arrives as ``(job, modules_needed, limits)``; when the class needs a module the running
    worker lacks, it is replaced before that job. ``make_worker(modules)`` starts a worker; this
    thread starts it because the sandbox ends with the thread that launched it.
    """
    try:
        worker_box[0] = make_worker(modules)
    except Exception:  # the first student's run tries again and says why
        worker_box[0] = None
    while (item := jobs.get()) is not None:
        job, needed, limits = item
        if not set(needed) <= set(modules):
            if worker_box[0] is not None:
                worker_box[0].close()
                worker_box[0] = None
            modules = needed
        started = time.perf_counter()
        try:
            results = _run_job(worker_box, lambda: make_worker(modules), job, limits)
        except Exception as exc:  # a failure while running one student is that student's error
            job.record.status = "error"
            job.record.reasons.append(f"{SANDBOX_FAILED}: {type(exc).__name__}: {exc}")
            results = [None] * len(job.notebooks)
            if worker_box[0] is not None:
                worker_box[0].close()
                worker_box[0] = None
        job.record.run_seconds = time.perf_counter() - started
        out.put((job, results))


def _run_job(worker_box: list, make_worker, job: Job, limits: Limits) -> list[RunResult | None]:
    results: list[RunResult | None] = []
    for tpl, clean in job.notebooks:
        if clean is None or job.record.status == "error":
            results.append(None)
            continue
        try:
            if worker_box[0] is None or not worker_box[0].alive():
                worker_box[0] = make_worker()
            timing = job.timing.get(tpl.name) if job.timing else None
            result = worker_box[0].run(run_plan(clean), job_limits(limits, clean, timing), job.files,
                                       notebook=f"{tpl.name}.ipynb")
        except WorkerError as exc:
            result = RunResult(fatal=f"{SANDBOX_FAILED}: {exc}", worker_failed=True)
        if result.worker_failed and worker_box[0] is not None:
            worker_box[0].close()
            worker_box[0] = None
        results.append(result)
    return results


def grade_class(course: Course, exercise: str, opts: Options, log=print) -> list[Record]:
    """Grade every submission of ``exercise``; returns the records (also saved to disk)."""
    course.check_exercise(exercise)
    from .records import id_problem

    asked = [s for s in (opts.students or []) if not id_problem(s)]
    for student in opts.students or []:
        if id_problem(student):  # skips that one, never the class
            log(f"not graded: {id_problem(student)}")
    if opts.students and not asked:
        raise CourseError("no valid student id among those given with --student")
    students = asked or course.students(exercise)
    if not opts.students:
        for problem in course.invalid_students(exercise):
            log(f"not graded: {problem}; rename the folder under {course.submitted} to grade it")
    if not students:
        raise CourseError(f"no submissions for {exercise} in {course.submitted} "
                          f"(expected {course.submitted}/STUDENT/{exercise}/): run `course collect`")
    spec = default_spec(course.root, course.hidden_folders(), choose_mode(opts.sandbox))
    # the workers start (a second of imports) while the gradebook opens and submissions are read
    early_warm = folder_imports(course.source / exercise)
    boxes: list[list] = [[None] for _ in range(max(1, min(opts.jobs, len(students))))]
    jobs_q: queue.Queue = queue.Queue()
    out_q: queue.Queue = queue.Queue()
    threads = [threading.Thread(target=_worker_loop, daemon=True,
                                args=(box, lambda modules: Worker(spec, modules), early_warm, jobs_q, out_q))
               for box in boxes]
    for t in threads:
        t.start()
    try:
        return _grade_with(course, exercise, opts, students, jobs_q, out_q, log)
    finally:
        for _ in threads:
            jobs_q.put(None)
        for t in threads:
            t.join(timeout=60)
        for box in boxes:
            if box[0] is not None:
                box[0].close()
                box[0] = None


def _grade_with(course: Course, exercise: str, opts: Options, students: list[str], jobs_q: "queue.Queue",
                out_q: "queue.Queue", log) -> list[Record]:
    """:func:`grade_class` once its worker threads run: gradebook, submissions, results (threads ended by the caller)."""
    from .gradebook_io import has_assignment, open_gradebook, register_assignment
    from .template import load_templates

    with open_gradebook(course) as gb:
        if not has_assignment(gb, exercise):
            log(f"{exercise} is not in the gradebook yet: registering it with nbgrader")
            register_assignment(course, exercise)
    with open_gradebook(course) as gb:
        templates = load_templates(gb, exercise, course.source)
        limits = Limits(timeout=opts.timeout, memory=opts.memory, unchanged_arguments=course.unchanged_arguments,
                        budget=opts.budget)
        timing = {t.name: timing_file(course, exercise, t.name) for t in templates} if opts.derived else {}
        warm = warm_modules(templates, course.source / exercise)  # more than early_warm: workers restart
        prepared = [prepare_safely(course, exercise, s, templates) for s in students]
        for job in prepared:
            job.timing = {name: path for name, path in timing.items() if path.is_file()}
            jobs_q.put((job, warm, limits))
        records = []
        from tqdm.auto import tqdm
        with tqdm(total=len(prepared), desc=f"grading {exercise}", unit="student", disable=not opts.progress) as bar:
            for _ in prepared:
                job, results = out_q.get()
                try:
                    finish(job, results)
                    store(course, gb, job)
                except Exception as exc:  # one student's problem never stops the class
                    gb.db.rollback()
                    store_failure(course, gb, job, f"the grade could not be stored ({type(exc).__name__}: {exc})")
                records.append(job.record)
                bar.update(1)
    return sorted(records, key=lambda r: r.student)
