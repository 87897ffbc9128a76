"""How many BLAS threads each part of the course uses: the one place that says so.

* **Toy models** (:func:`course_utils.toy.train`): ``TOY_TRAINING`` = 1. Their matrices are
  tiny, so extra threads cost more in hand-overs than they give; a second core prefetches
  batches instead.
* **The language model and everything else in a lesson**: NumPy's default, all cores. A
  learner runs one kernel at a time, and a 576-wide forward pass gains from them.
* **Tests**: ``PER_TEST_WORKER`` = 1 per pytest-xdist worker (``tests/conftest.py`` sets the
  thread variables before anything imports NumPy; notebook kernels inherit them), because
  ``make test`` already runs one worker per core and oversubscribed BLAS threads can make a
  small matrix product ten times slower.
* **Grading**: ``GRADING`` = 1 per student process, for the same reason (one worker per core).
"""
from __future__ import annotations

__all__ = ["TOY_TRAINING", "PER_TEST_WORKER", "GRADING", "THREAD_VARIABLES", "single_thread_env"]

TOY_TRAINING = 1
PER_TEST_WORKER = 1
GRADING = 1
THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def single_thread_env(threads: int = 1) -> dict[str, str]:
    """Environment variables that fix every BLAS/OpenMP pool at ``threads`` for a new process."""
    return {name: str(threads) for name in THREAD_VARIABLES}
