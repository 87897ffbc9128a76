import os
import sys
from pathlib import Path

# Headless plotting everywhere in the test suite (notebook kernels inherit it).
os.environ.setdefault("MPLBACKEND", "Agg")
# One BLAS/OpenMP thread per process: `pytest -n auto` already runs one worker per core.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
sys.path.insert(0, str(Path(__file__).resolve().parent))
