"""``python -m course_utils.grading`` runs the ``course`` command."""
import sys

from .cli import main

sys.exit(main())
