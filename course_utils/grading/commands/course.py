"""Where things live: the course folders, read from the repository's ``nbgrader_config.py``."""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path


class CourseError(RuntimeError):
    """A problem the instructor has to fix (missing folder, unknown exercise, ...)."""


def quiet_nbgrader_import() -> None:
    """Skip a slow optional grammar build (1.5 s) that jsonschema triggers when nbgrader loads.

    ``rfc3987_syntax`` only validates the ``iri`` string format, which notebooks never use.
    Also puts this Python's ``bin`` folder on ``PATH``: nbgrader runs ``alembic`` from there.
    Called before nbgrader is used, never at package import.
    """
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]
    bindir = os.path.dirname(sys.executable)
    if bindir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bindir + os.pathsep + os.environ.get("PATH", "")


def nbgrader_command(*args: str) -> list[str]:
    """``python -m nbgrader ARGS`` with the import shortcut of :func:`quiet_nbgrader_import` (saves ~1.2 s)."""
    code = ("import sys; sys.modules['rfc3987_syntax'] = None\n"
            "from nbgrader.apps.nbgraderapp import main\nmain()")
    return [sys.executable, "-c", code, *args]


def find_root(start: Path | None = None) -> Path:
    """The nearest folder at or above ``start`` that holds ``nbgrader_config.py``."""
    here = (start or Path.cwd()).resolve()
    for folder in [here, *here.parents]:
        if (folder / "nbgrader_config.py").is_file():
            return folder
    raise CourseError(f"no nbgrader_config.py found in {here} or above: run `course` inside the "
                      "course repository or pass --root PATH")


@dataclass
class Course:
    """Resolved course folders. All paths are absolute."""

    root: Path
    source: Path
    release: Path
    submitted: Path
    autograded: Path
    feedback: Path
    db_url: str
    course_id: str
    timeout: float
    unchanged_arguments: bool = False
    exchange: Path | None = None      # nbgrader's exchange root (c.Exchange.root)
    check_owner: bool = True          # c.ExchangeCollect.check_owner: a submission's folder owner must be its student

    @classmethod
    def load(cls, root: Path | None = None) -> "Course":
        """Read ``nbgrader_config.py`` from ``root`` (or the nearest one above the cwd)."""
        from traitlets.config.loader import PyFileConfigLoader

        root = find_root(root)
        cfg = PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()
        cd = cfg.get("CourseDirectory", {})
        base = Path(cd.get("root", root))

        def folder(key: str, default: str) -> Path:
            value = cd.get(key, default)
            return Path(value) if os.path.isabs(value) else base / value

        db_url = cd.get("db_url", "sqlite:///" + str(base / "gradebook.db"))
        timeout = cfg.get("Execute", {}).get("timeout", 60)
        unchanged = cfg.get("CourseGrading", {}).get("unchanged_arguments", False)
        exchange = cfg.get("Exchange", {}).get("root", "/usr/local/share/nbgrader/exchange")
        check_owner = cfg.get("ExchangeCollect", {}).get("check_owner", True)
        return cls(root=base, source=folder("source_directory", "source"),
                   release=folder("release_directory", "release"),
                   submitted=folder("submitted_directory", "submitted"),
                   autograded=folder("autograded_directory", "autograded"),
                   feedback=folder("feedback_directory", "feedback"),
                   db_url=db_url, course_id=cd.get("course_id", ""),
                   timeout=float(timeout if isinstance(timeout, (int, float)) and timeout > 0 else 60),
                   unchanged_arguments=unchanged is True,
                   exchange=Path(exchange) if isinstance(exchange, str) and exchange else None,
                   check_owner=check_owner is not False)

    @property
    def db_path(self) -> Path | None:
        """The gradebook file when the database is sqlite."""
        return Path(self.db_url[len("sqlite:///"):]) if self.db_url.startswith("sqlite:///") else None

    @property
    def work(self) -> Path:
        """The grading working folder (parent of ``submitted``)."""
        return self.submitted.parent

    def status_dir(self, exercise: str) -> Path:
        return self.work / "status" / exercise

    def exercises(self) -> list[str]:
        """Exercise names found in the source folder, sorted."""
        if not self.source.is_dir():
            raise CourseError(f"source folder {self.source} does not exist")
        return sorted(p.name for p in self.source.iterdir() if p.is_dir() and any(p.glob("*.ipynb")))

    def check_exercise(self, exercise: str) -> None:
        if not (self.source / exercise).is_dir():
            known = ", ".join(self.exercises()) or "none"
            raise CourseError(f"unknown exercise {exercise!r}: no folder {self.source / exercise} "
                              f"(known exercises: {known})")

    def submission_folders(self, exercise: str) -> list[Path]:
        """Every ``submitted/STUDENT/EXERCISE`` folder (real folders only: symbolic links are never followed)."""
        if not self.submitted.is_dir():
            return []
        return sorted(p / exercise for p in self.submitted.iterdir()
                      if not p.is_symlink() and p.is_dir() and not (p / exercise).is_symlink()
                      and (p / exercise).is_dir())

    def students(self, exercise: str) -> list[str]:
        """Student ids with a submission folder for ``exercise``, sorted; invalid ids are left out."""
        from .records import id_problem
        return [f.parent.name for f in self.submission_folders(exercise) if id_problem(f.parent.name) is None]

    def invalid_students(self, exercise: str) -> list[str]:
        """Why each submission folder of ``exercise`` whose name is not a valid student id is not graded."""
        from .records import id_problem
        return [id_problem(f.parent.name) or "" for f in self.submission_folders(exercise)
                if id_problem(f.parent.name)]

    def hidden_folders(self) -> list[Path]:
        """Folders student code must never see."""
        folders = [self.source, self.submitted, self.autograded, self.feedback, self.work]
        if self.db_path is not None:
            folders.append(self.db_path.parent)
        return folders
