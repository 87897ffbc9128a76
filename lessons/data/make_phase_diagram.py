"""Regenerate ``phase_diagram.npz``, the trained grid lesson 03's phase diagram reads (a few minutes on a laptop CPU).

The setting of the first phase diagram in "Toy Models of Superposition": two features stored in
one hidden dimension (``n = 2``, ``m = 1``), ``x' = ReLU(Wᵀ W x + b)``. Feature 0 has importance 1,
feature 1 (the "extra" feature) importance ``r``; both are present with probability ``p`` (the
feature density, ``1 - S``). The grid is 21 importance ratios ``r = 10**linspace(-1, 1, 21)`` by
21 densities ``p = 10**linspace(0, -2, 21)``; every point trains from 3 random starts at once
(10,000 steps of AdamW, batch 1024, learning rate 0.01, seed 0), and the file keeps, per point,
the start with the lowest loss on 20,000 fresh examples. It also keeps the weights of every start
after the first 200 steps, so a test can rerun those steps and check that the file was made by
this engine with these settings.

Run from the repository root::

    .venv/bin/python lessons/data/make_phase_diagram.py
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from course_utils import toy

HERE = Path(__file__).resolve().parent
RATIOS = 10 ** np.linspace(-1, 1, 21)        # importance of the extra feature, relative to the first
DENSITIES = 10 ** np.linspace(0, -2, 21)     # probability that a feature is present, 1 - S
RESTARTS = 3
STEPS = 10_000
CHECK_STEPS = 200
SEED = 0


def grid_settings() -> tuple[np.ndarray, np.ndarray]:
    """Per training instance: (feature probability (k,), importance (k, 2)); densities vary slowest."""
    ratio, density = np.meshgrid(RATIOS, DENSITIES, indexing="xy")          # (densities, ratios)
    importance = np.stack([np.ones(ratio.size), ratio.ravel()], axis=1)
    return np.repeat(density.ravel(), RESTARTS), np.repeat(importance, RESTARTS, axis=0)


def train_grid(steps: int, progress: bool = False) -> toy.TrainResult:
    """Every grid point from ``RESTARTS`` starts, trained together for ``steps`` steps."""
    probability, importance = grid_settings()
    model = toy.init_model(2, 1, n_instances=probability.size, seed=SEED)
    return toy.train(model, feature_probability=probability, importance=importance, steps=steps, batch_size=1024,
                     lr=1e-2, seed=SEED, progress=progress)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=STEPS)
    parser.add_argument("--out", type=Path, default=HERE / "phase_diagram.npz")
    args = parser.parse_args()
    early = train_grid(CHECK_STEPS)
    full = train_grid(args.steps, progress=True)
    probability, importance = grid_settings()
    model = full.model
    fresh = toy.sample_sparse_features(probability, model.n_instances, 2, 20_000, seed=SEED + 1)
    losses = toy.loss(model, fresh, importance).reshape(-1, RESTARTS)
    best = losses.argmin(axis=1)
    points = np.arange(losses.shape[0])
    shape = (DENSITIES.size, RATIOS.size)
    np.savez_compressed(
        args.out,
        ratios=RATIOS,
        densities=DENSITIES,
        W=model.W.reshape(-1, RESTARTS, 2)[points, best].reshape(*shape, 2).astype(np.float32),
        b=model.b.reshape(-1, RESTARTS, 2)[points, best].reshape(*shape, 2).astype(np.float32),
        loss=losses[points, best].reshape(shape),
        W_early=early.model.W.astype(np.float32),
        early_steps=CHECK_STEPS,
        steps=args.steps,
        restarts=RESTARTS,
        seed=SEED,
    )
    print(f"wrote {args.out} ({args.out.stat().st_size / 1024:.0f} KiB) after {args.steps} steps "
          f"in {full.seconds:.0f} s")


if __name__ == "__main__":
    main()
