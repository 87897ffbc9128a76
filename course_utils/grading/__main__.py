"""``python -m course_utils.grading`` runs the ``course`` command."""
import sys

from .commands.cli import main

sys.exit(main())
