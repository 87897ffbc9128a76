"""A Feature Geometry class on a JupyterHub (see hub/ and the README's "Teaching on a JupyterHub").

``lessons``       the lessons-only branch an nbgitpuller link pulls, and the link itself
``lesson_sync``   the single-user server extension behind the link's last step (``/course-sync``)
``jupyter_student/``, ``jupyter_instructor/``   the Jupyter configuration of each role's server

Nothing here is imported by ``import course_utils``.
"""
