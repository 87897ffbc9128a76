"""Regenerate ``dimensionality_sweep.npz``, the trained sweep lesson 04 reads (a few minutes on a laptop CPU).

Trains, with the course's engine, the setting of the feature-dimensionality experiments in
"Toy Models of Superposition": 100 features of equal importance in 20 dimensions, at 20
sparsity levels ``p = 100**-linspace(0, 1, 20)``, 10,000 steps of AdamW (batch 1024,
learning rate 1e-3), seed 0. The file also keeps the weights after the first 200 steps,
so a test can rerun those steps and check that the file was made by this engine with
these settings.

Run from the repository root::

    .venv/bin/python lessons/data/make_dimensionality_sweep.py
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from course_utils import toy

HERE = Path(__file__).resolve().parent
CHECK_STEPS = 200
CONFIG = toy.ToyConfig("dimensionality_sweep", n_features=100, n_hidden=20, n_instances=20,
                       probability_range=100.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=CONFIG.steps)
    parser.add_argument("--out", type=Path, default=HERE / "dimensionality_sweep.npz")
    args = parser.parse_args()
    early = CONFIG.run(seed=0, steps=CHECK_STEPS, progress=False)
    full = CONFIG.run(seed=0, steps=args.steps)
    np.savez_compressed(
        args.out,
        W=full.model.W.astype(np.float32),
        b=full.model.b.astype(np.float32),
        W_early=early.model.W.astype(np.float32),
        early_steps=CHECK_STEPS,
        steps=args.steps,
        seed=0,
        feature_probability=CONFIG.feature_probability,
        importance=CONFIG.importance,
        final_loss=full.final_loss,
    )
    print(f"wrote {args.out} ({args.out.stat().st_size / 1024:.0f} KiB) after {args.steps} steps "
          f"in {full.seconds:.0f} s")


if __name__ == "__main__":
    main()
