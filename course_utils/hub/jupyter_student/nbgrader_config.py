"""nbgrader in a student's server on the course's JupyterHub: the course and its shared exchange.

The hub's spawner sets both variables (hub/jupyterhub_config.py); fetched assignments go to the
student's home folder (``~/ex01_projection_shapes/``), submissions to the exchange's inbound/.
"""
import os

c = get_config()  # noqa: F821
c.CourseDirectory.course_id = os.environ.get("COURSE_ID", "feature-geometry")
c.Exchange.root = os.environ.get("COURSE_EXCHANGE_ROOT", "/srv/nbgrader/exchange")
# The student id of a submission is the hub's user name (nbgrader would take the Unix account's, the same on
# a machine with an account per user, but one shared account where every server runs as one, as on Kubernetes).
if os.environ.get("JUPYTERHUB_USER"):
    c.CourseDirectory.student_id = os.environ["JUPYTERHUB_USER"]
