"""nbgrader configuration mapping nbgrader onto this repository's layout.

solutions/exNN_slug/   nbgrader *source* (reference answers, hidden tests)
exercises/exNN_slug/   nbgrader *release* (generated; never hand-edited)
grading/               git-ignored working folder: submitted/, autograded/,
                       feedback/ and the gradebook (rebuildable from solutions/)
"""
import os
import sys

c = get_config()  # noqa: F821  (injected by traitlets when nbgrader loads this file)

_HERE = os.path.dirname(os.path.abspath(__file__))

# The gradebook's folder must exist before nbgrader opens it, and nbgrader runs the
# `alembic` command from the same environment when it creates a new gradebook.
os.makedirs(os.path.join(_HERE, "grading"), exist_ok=True)
_BIN = os.path.dirname(sys.executable)
if _BIN not in os.environ.get("PATH", "").split(os.pathsep):
    os.environ["PATH"] = _BIN + os.pathsep + os.environ.get("PATH", "")

c.CourseDirectory.root = _HERE
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "exercises"
c.CourseDirectory.submitted_directory = os.path.join("grading", "submitted")
c.CourseDirectory.autograded_directory = os.path.join("grading", "autograded")
c.CourseDirectory.feedback_directory = os.path.join("grading", "feedback")
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(_HERE, "grading", "gradebook.db")
c.CourseDirectory.course_id = "feature-geometry"

# nbgrader's exchange (release/collect through a shared folder) lives in the git-ignored grading/ folder,
# so the formgrader and Assignment List do not warn about a missing /srv/nbgrader/exchange. On a JupyterHub
# (hub/jupyterhub_config.py) the instructor's server sets COURSE_EXCHANGE_ROOT to the hub's shared exchange,
# and COURSE_EXCHANGE_CHECK_OWNER=0 where every server runs as one Unix account (Kubernetes), so that the
# owner of a submission's folder cannot tell students apart.
if os.environ.get("COURSE_EXCHANGE_ROOT"):
    c.Exchange.root = os.environ["COURSE_EXCHANGE_ROOT"]
else:
    c.Exchange.root = os.path.join(_HERE, "grading", "exchange")
    os.makedirs(c.Exchange.root, exist_ok=True)
c.ExchangeCollect.check_owner = os.environ.get("COURSE_EXCHANGE_CHECK_OWNER", "1") != "0"

# Every notebook runs on the standard Python 3 kernel.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ExecutePreprocessor.kernel_name = "python3"
c.Execute.timeout = 120           # seconds per cell
c.Execute.startup_timeout = 60    # seconds for the kernel to come up
c.Execute.interrupt_on_timeout = True
c.Execute.iopub_timeout = 30

# A harmless warning on stderr must not zero a test cell: drop warning lines
# (Python's "...Warning: ..." and logging's "WARNING") before grading.
c.IgnorePattern.enabled = True
c.IgnorePattern.pattern = r"(?m)^.*(Warning:|WARNING).*$"

# Feedback never shows hidden tests.
c.ClearHiddenTests.enabled = True
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "nbgrader.preprocessors.ClearHiddenTests",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]

# `course grade`: every function of these exercises returns new values and leaves its inputs alone
# (the exercises say so), so a function that changes an array, list or dict a test gave it fails that
# test, with a message saying which argument changed. Otherwise a test that derives its expected
# values from its arguments after the call could be fooled by a function that overwrites them.
c.CourseGrading.unchanged_arguments = True

# A student who deleted a test cell gets it back when grading.
c.OverwriteCells.add_missing_cells = True

# Long outputs are trimmed in graded notebooks and feedback.
c.LimitOutput.max_lines = 200
c.LimitOutput.max_traceback = 100
