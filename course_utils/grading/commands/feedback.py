"""``course feedback``: per-student HTML feedback pages that never show hidden tests.

Each page (see ``feedback_page.py``) opens with the score and a row per question, titled
by the exercise's headings: a failed visible test shows the failing line and its message,
a failed hidden test only its message. Below comes the notebook as graded: test cells show
only their visible part, traceback frames and printed lines that would quote hidden code
are replaced by a note, and no path of the grading machine remains. A student whose
submission could not be graded gets a page that says why and what to do.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

from .course import Course, CourseError
from .records import load_records
from .template import HIDDEN, grade_id_of, remove_hidden_tests

ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
HIDDEN_NOTE = "[this part of the traceback is inside a test cell and is not shown]"
HIDDEN_LINE = "[a line from a test cell is not shown]"
SITE_PACKAGES = re.compile(r"(?:/[^\s\"'<>:]+)+?/site-packages/")


def hidden_lines(source: str) -> list[str]:
    """Non-trivial lines inside the hidden-test blocks of ``source``."""
    lines = []
    for block in HIDDEN.findall(source):
        for line in block.splitlines()[1:-1]:
            line = line.strip()
            if len(line) >= 6 and not line.startswith("###"):
                lines.append(line)
    return lines


def scrub_outputs(outputs: list[dict], secret: list[str], own_input: str | None = None) -> list[dict]:
    """Outputs safe to show: traceback frames that quote hidden code are replaced by a note.

    ``own_input`` is the IPython input name of a test cell with hidden tests
    (``"ipython-input-7-"``); frames inside that cell can show hidden lines as context
    and are always dropped.
    """
    markers = secret + ["BEGIN HIDDEN TESTS", "END HIDDEN TESTS"]
    clean = []
    for out in outputs:
        out = dict(out)
        if out.get("output_type") == "error":
            kept = []
            for block in (ANSI.sub("", t) for t in out.get("traceback", [])):
                if (own_input and own_input in block) or any(m in block for m in markers):
                    if not kept or kept[-1] != HIDDEN_NOTE:
                        kept.append(HIDDEN_NOTE)
                else:
                    kept.append(block)
            out["traceback"] = kept
            if any(m in str(out.get("evalue", "")) for m in markers):
                out["evalue"] = "(details hidden)"
                out["traceback"] = [f"{out.get('ename')}: (details hidden)"]
        elif out.get("output_type") == "stream":
            out["text"] = _scrub_text(str(out.get("text", "")), markers, own_input)
        elif isinstance(out.get("data"), dict):
            out["data"] = {mime: _scrub_text(value, markers, own_input) if isinstance(value, str) else value
                           for mime, value in out["data"].items()}
        clean.append(out)
    return clean


def _scrub_text(text: str, markers: list[str], own_input: str | None) -> str:
    """Printed text with every line that quotes hidden code (e.g. in a warning) replaced by a note."""
    if not any(m in text for m in markers) and not (own_input and own_input in text):
        return text
    lines = []
    for line in text.splitlines(keepends=True):
        if any(m in line for m in markers) or (own_input and own_input in line):
            line = HIDDEN_LINE + ("\n" if line.endswith("\n") else "")
        lines.append(line)
    return "".join(lines)


def feedback_notebook(nb: dict, secret_sources: dict[str, str]) -> dict:
    """A copy of a graded notebook safe to show the student."""
    secret = [line for src in secret_sources.values() for line in hidden_lines(src)]
    cells = []
    for cell in nb.get("cells", []):
        cell = dict(cell)
        gid = grade_id_of(cell)
        own = None
        if gid in secret_sources:
            cell["source"] = remove_hidden_tests(cell["source"])
            if cell.get("execution_count") is not None:
                own = f"ipython-input-{cell['execution_count']}-"
        if cell.get("cell_type") == "code":
            cell["outputs"] = scrub_outputs(cell.get("outputs", []), secret, own)
        cells.append(cell)
    return {**nb, "cells": cells}


def strip_paths(text: str, roots: list[str]) -> str:
    """``text`` without the grading machine's folders (its Python, course and home paths)."""
    text = SITE_PACKAGES.sub("site-packages/", text)
    for root in sorted((r for r in roots if r and len(r) > 1), key=len, reverse=True):
        text = text.replace(root.rstrip("/") + "/", "")
    return text


def clean_paths(outputs: list[dict], roots: list[str]) -> list[dict]:
    for out in outputs:
        if out.get("output_type") == "error":
            out["traceback"] = [strip_paths(str(t), roots) for t in out.get("traceback", [])]
            out["evalue"] = strip_paths(str(out.get("evalue", "")), roots)
        elif out.get("output_type") == "stream":
            out["text"] = strip_paths(str(out.get("text", "")), roots)
    return outputs


def question_titles(release: Path, every_answer: bool = False) -> dict[str, str]:
    """For every graded cell of a released notebook, a title: the heading it sits under ("3. Contributions").

    A test without a heading is named by its docstring; a written answer also gets the first words
    of the question it answers, and titles that would repeat are numbered. With ``every_answer``
    the autograded answer cells get titles too (grader comments belong to them).
    """
    try:
        cells = json.loads(release.read_text(encoding="utf-8"))["cells"]
    except (OSError, ValueError, KeyError):
        return {}
    titles, heading, prompt = {}, None, ""
    for cell in cells:
        source = "".join(cell["source"]) if isinstance(cell.get("source"), list) else str(cell.get("source", ""))
        gid = grade_id_of(cell)
        meta = (cell.get("metadata") or {}).get("nbgrader") or {}
        if cell.get("cell_type") == "markdown" and not gid:
            found = re.findall(r"^#{2,4}\s+(.*\S)\s*$", source, re.M)
            if found:
                heading = re.sub(r"[`*]", "", found[-1])
            paragraphs = [p for p in re.split(r"\n\s*\n", source) if p.strip() and not p.lstrip().startswith("#")]
            prompt = " ".join(paragraphs[-1].split()) if paragraphs else ""
            prompt = re.sub(r"[`*]", "", re.sub(r"\$\$.*?\$\$|\$[^$]*\$", "…", prompt)).strip()
        if not (gid and (meta.get("grade") or (every_answer and meta.get("solution")))):
            continue
        doc = re.match(r'\s*(?:"""|\'\'\')\s*(.+?)\s*(?:"""|\'\'\'|$)', source)
        title = heading or (doc.group(1).rstrip(".") if doc and cell.get("cell_type") == "code" else gid)
        if meta.get("solution") and prompt:  # a written answer: say which question
            title = f"{title}: {prompt if len(prompt) <= 70 else prompt[:67].rstrip() + '…'}"
        titles[gid] = title
    seen: dict[str, int] = {}
    for gid, title in titles.items():
        seen[title] = seen.get(title, 0) + 1
    numbered: dict[str, int] = {}
    for gid, title in list(titles.items()):
        if seen[title] > 1:
            numbered[title] = numbered.get(title, 0) + 1
            titles[gid] = f"{title} ({numbered[title]})"
    return titles


def write_feedback(course: Course, exercise: str, jobs: int | None = None) -> int:
    """Write ``feedback/STUDENT/EX/NB.html`` for every graded student (in parallel), and the LMS feedback zips.

    Scores and the grader's comments come from the gradebook (``final.py``). Returns the exit code.
    """
    import os
    import sys
    from concurrent.futures import ProcessPoolExecutor

    from ..output.feedback_student import PageTask, student_page
    from .final import final_grades
    from .gradebook_io import open_gradebook
    from ..output.lms_files import feedback_zips
    from .template import load_templates

    course.check_exercise(exercise)
    records = load_records(course.status_dir(exercise))
    if not records:
        raise CourseError(f"nothing graded for {exercise}: run `course grade {exercise}` first")
    with open_gradebook(course) as gb:
        templates = load_templates(gb, exercise, course.source)
    finals = final_grades(course, exercise)
    titles = {}
    for tpl in templates:
        release = course.release / exercise / f"{tpl.name}.ipynb"
        titles[tpl.name] = question_titles(release, every_answer=True)
        try:
            first = json.loads(release.read_text(encoding="utf-8"))["cells"][0]
            heading = re.search(r"^#\s+(.*\S)", "".join(first["source"]), re.M)
            titles[tpl.name]["__title__"] = heading.group(1) if heading else exercise
        except (OSError, ValueError, KeyError, IndexError):
            titles[tpl.name]["__title__"] = exercise
    roots = [str(course.root.resolve()), sys.prefix, sys.base_prefix, os.path.expanduser("~")]
    tasks = [PageTask(str(course.feedback), str(course.autograded), exercise, student, rec, templates, titles, roots,
                      finals.get(student), finals[student].comments if student in finals else {})
             for student, rec in sorted(records.items())]
    jobs = jobs or os.cpu_count() or 1
    if jobs > 1 and len(tasks) > 4:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            results = list(pool.map(student_page, tasks, chunksize=max(1, len(tasks) // (4 * jobs))))
    else:
        results = [student_page(t) for t in tasks]
    failed = [f"{student}: {problem}" for student, problem in results if problem]
    written = len(results) - len(failed)
    print(f"wrote feedback for {written} student(s) under {course.feedback}")
    for line in failed:
        print(f"  no feedback page for {line}")
    for lms, path in feedback_zips(course, exercise).items():
        how = ("upload it with Re-Upload Submissions on the assignment's page" if lms == "canvas" else
               "upload it on the assignment's submissions page: Upload multiple feedback files in a zip")
        print(f"feedback pages for {lms.capitalize()} in {path} ({how})")
    return 1 if failed else 0
