"""The learner's JupyterLab defaults (lab_settings/overrides.json), found next to this file.

JupyterLab reads default settings from ``overrides.json`` in its application settings
folder; pointing that folder here keeps these defaults out of ``make teach`` and leaves a
learner's own settings (``~/.jupyter/lab/user-settings``) in charge.
"""
from pathlib import Path

c = get_config()  # noqa: F821 (defined by Jupyter when it reads this file)
c.LabApp.app_settings_dir = str(Path(__file__).resolve().parent / "lab_settings")
