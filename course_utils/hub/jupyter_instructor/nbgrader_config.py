"""nbgrader in an instructor's server on the course's JupyterHub: the instructor's clone of the course.

The server starts in the instructor's home folder, so the formgrader would not find the course's
own nbgrader_config.py; this loads it from COURSE_ROOT (set by the hub's spawner, default
~/feature-geometry). That file reads COURSE_EXCHANGE_ROOT, the hub's shared exchange.
"""
import os

c = get_config()  # noqa: F821
_course = os.path.expanduser(os.environ.get("COURSE_ROOT", "~/feature-geometry"))
if os.path.isfile(os.path.join(_course, "nbgrader_config.py")):
    load_subconfig(os.path.join(_course, "nbgrader_config.py"))  # noqa: F821
else:
    c.CourseDirectory.course_id = os.environ.get("COURSE_ID", "feature-geometry")
    c.Exchange.root = os.environ.get("COURSE_EXCHANGE_ROOT", "/srv/nbgrader/exchange")
