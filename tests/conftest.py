import os
import sys
from pathlib import Path

# Headless plotting everywhere in the test suite (notebook kernels inherit it).
os.environ.setdefault("MPLBACKEND", "Agg")
sys.path.insert(0, str(Path(__file__).resolve().parent))
