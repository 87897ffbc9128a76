"""The ``course`` command: release, collect, grade, feedback, export, report, site and hub-link."""
from __future__ import annotations

import argparse
import os
import re
import sys
import warnings
from pathlib import Path

from .course import Course, CourseError

SIZE_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?\s*$", re.I)


def parse_size(text: str) -> int:
    """``"2G"``, ``"512M"``, ``"1.5GiB"`` -> bytes."""
    match = SIZE_RE.match(text)
    if not match:
        raise argparse.ArgumentTypeError(f"memory size {text!r} not understood: use e.g. 512M or 2G")
    scale = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}[match.group(2).lower()]
    return int(float(match.group(1)) * scale)


def _positive(text: str) -> float:
    value = float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
    return value


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="course", description=__doc__)
    p.add_argument("--root", type=Path, default=None,
                   help="course folder (default: nearest folder with nbgrader_config.py)")
    sub = p.add_subparsers(dest="command", required=True)

    r = sub.add_parser("release", help="regenerate exercises/ from solutions/ and validate them")
    r.add_argument("exercise", nargs="?", help="one exercise (default: all)")
    r.add_argument("--no-validate", action="store_true", help="skip running the notebooks")
    r.add_argument("--exchange", action="store_true",
                   help="also publish the release to nbgrader's exchange (a JupyterHub class fetches it there)")

    c = sub.add_parser("collect", help="import submissions from an LMS zip, a folder or nbgrader's exchange")
    c.add_argument("exercise")
    c.add_argument("source", type=Path, nargs="?", help="zip file or folder of submissions (not with --exchange)")
    c.add_argument("--exchange", action="store_true",
                   help="collect each student's newest submission from nbgrader's exchange (a JupyterHub class)")
    c.add_argument("--pattern", default=None,
                   help="regex with a named group 'student' matched against each file path")
    c.add_argument("--force", action="store_true", help="replace existing submissions")
    c.add_argument("--roster", type=Path, default=None, metavar="CSV",
                   help="the LMS's own table of the class: Canvas's gradebook export or Moodle's grading worksheet "
                        "(names as the LMS shows them; Moodle: submission times and late markers)")

    g = sub.add_parser("grade", help="autograde every collected submission in sandboxes")
    g.add_argument("exercise")
    g.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="parallel workers")
    g.add_argument("--timeout", type=_positive, default=None,
                   help="seconds per cell (default: derived from the reference solution's run at `course release`, "
                        "at most c.Execute.timeout)")
    g.add_argument("--budget", type=_positive, default=None,
                   help="seconds for a whole notebook (default: derived from the reference run, or 3 cell limits)")
    g.add_argument("--memory", type=parse_size, default=parse_size("2G"), help="memory per student")
    g.add_argument("--sandbox", choices=["auto", "bwrap", "none"],
                   default=os.environ.get("COURSE_GRADING_SANDBOX") or "auto",
                   help="auto/bwrap: the bubblewrap sandbox, or refuse; none: grade without it (explicitly; "
                        "default from $COURSE_GRADING_SANDBOX)")
    g.add_argument("--student", action="append", dest="students", help="grade only these students")
    g.add_argument("--no-progress", action="store_true")

    f = sub.add_parser("feedback", help="per-student HTML feedback without hidden tests")
    f.add_argument("exercise")
    f.add_argument("--exchange", action="store_true",
                   help="also return the pages through nbgrader's exchange (students fetch them in JupyterLab)")

    e = sub.add_parser("export", help="CSV: one row per student, one column per graded cell")
    e.add_argument("exercise", nargs="?")
    e.add_argument("-o", "--output", type=Path, default=None, help="CSV path (default: stdout)")
    e.add_argument("--format", default="questions", choices=["questions", "canvas", "moodle"],
                   help="questions: one column per graded cell (default); canvas / moodle: the LMS's "
                        "gradebook import layout with the total")
    e.add_argument("--canvas-id", default=None, metavar="N",
                   help="with --format canvas: the assignment's Canvas id (the number at the end of its address), "
                        "so that the import updates that assignment")
    e.add_argument("--partial-totals", action="store_true",
                   help="fill in totals of students whose written answers are not graded yet, counting those as 0 "
                        "(default: leave such a total blank, which an LMS reads as no change)")

    s = sub.add_parser("report", help="summary: scores, questions, submissions that need a look")
    s.add_argument("exercise")
    s.add_argument("--html", type=Path, nargs="?", const=True, default=None, metavar="FILE",
                   help="also write the report as an HTML page with plots (default: grading/report-EX.html)")

    h = sub.add_parser("hub-link", help="publish the lessons for a JupyterHub and print the nbgitpuller link")
    h.add_argument("--hub", default="http://localhost:8000", help="the hub's address (default: %(default)s)")
    h.add_argument("--publish", default=None, metavar="REPO",
                   help="push the lessons branch there: a remote name or URL, or a folder (made a bare repository)")
    h.add_argument("--repo", default=None, metavar="URL",
                   help="where students' servers clone the lessons from (default: the --publish folder)")
    h.add_argument("--branch", default="hub-lessons", help="the lessons-only branch (default: %(default)s)")
    h.add_argument("--lesson", default="lessons/00_start_here.ipynb", help="the notebook the link opens")

    w = sub.add_parser("site", help="execute every lesson and write the course website (works offline)")
    w.add_argument("-o", "--output", type=Path, default=None, help="output folder (default: site/)")
    w.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="lessons run at once")
    w.add_argument("--timeout", type=_positive, default=600, help="seconds per cell")
    return p


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``course`` console script. Returns the exit code."""
    args = build_parser().parse_args(argv)
    warnings.filterwarnings("ignore", message=".*not in session.*")
    warnings.showwarning = lambda msg, cat, *a, **k: print(f"WARNING: {msg}", file=sys.stderr)
    from ..boundary.sandbox import SandboxMissing

    try:
        if getattr(args, "jobs", 1) < 1:
            raise CourseError(f"--jobs must be at least 1, got {args.jobs}")
        course = Course.load(args.root)
        if args.command == "grade":
            return _grade(course, args)
        if args.command == "release":
            from .release import release
            code = release(course, args.exercise, validate=not args.no_validate)
            if code == 0 and args.exchange:
                from .exchange import publish_release
                for exercise in [args.exercise] if args.exercise else course.exercises():
                    publish_release(course, exercise)
            return code
        if args.command == "collect":
            if args.exchange == (args.source is not None):
                raise CourseError("give either the LMS zip or folder to collect, or --exchange")
            if args.exchange:
                from .exchange import collect_from_exchange
                return collect_from_exchange(course, args.exercise, args.force)
            from .collect import collect
            return collect(course, args.exercise, args.source, args.pattern, args.force, args.roster)
        if args.command == "feedback":
            from .feedback import write_feedback
            code = write_feedback(course, args.exercise)
            if args.exchange:
                from .exchange import release_feedback
                code = max(code, release_feedback(course, args.exercise))
            return code
        if args.command == "hub-link":
            from course_utils.hub.lessons import hub_link
            return hub_link(course.root, args.hub, args.publish, args.repo, args.branch, args.lesson)
        if args.command == "export":
            from .export import export
            return export(course, args.exercise, args.output, args.format, args.canvas_id, args.partial_totals)
        if args.command == "report":
            from .report import report
            target = args.html
            if target is True:
                target = course.root / "grading" / f"report-{args.exercise}.html"
            return report(course, args.exercise, target)
        if args.command == "site":
            return _site(course, args)
    except (CourseError, SandboxMissing) as exc:
        print(f"course {args.command}: {exc}", file=sys.stderr)
        return 2
    return 2


def _grade(course: Course, args: argparse.Namespace) -> int:
    from .grade import SANDBOX_FAILED, Options, grade_class
    from .report import summary_line

    opts = Options(jobs=args.jobs, timeout=args.timeout or course.timeout, memory=args.memory,
                   sandbox=args.sandbox, students=args.students, progress=not args.no_progress,
                   budget=args.budget, derived=args.timeout is None)
    records = grade_class(course, args.exercise, opts)
    print(summary_line(records))
    for rec in records:
        if rec.status != "graded":
            print(f"  {rec.student}: {rec.status}: {'; '.join(rec.reasons)}")
    broken = [r for r in records if any(SANDBOX_FAILED in why for why in r.reasons)]
    if records and len(broken) == len(records):
        print("course grade: the grading sandbox could not run any submission; set "
              "COURSE_GRADING_DEBUG=1 to see why", file=sys.stderr)
        return 1
    return 0


def _site(course: Course, args: argparse.Namespace) -> int:
    from course_utils.website.book import SiteError, build_site

    out = args.output or course.root / "site"
    try:
        pages, problems = build_site(course.root, out, jobs=args.jobs, timeout=args.timeout)
    except SiteError as exc:
        raise CourseError(str(exc)) from None
    print(f"site: {len(pages)} lesson page(s), the exercise sets and the references in {out}; "
          f"open {out / 'index.html'}")
    if problems:
        print(f"course site: {len(problems)} lesson(s) could not be built (see FAILED above); "
              "do not publish this site", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
