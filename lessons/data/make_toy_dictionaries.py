"""Regenerate ``toy_dictionaries.npz``, the sparse dictionaries lesson 07 compares (a few minutes on a laptop CPU).

Two toy worlds whose true features are known, so that what a sparse autoencoder recovers can be
measured:

* **100 features in 20 dimensions**: the toy model of lesson 04 (``dimensionality_sweep.npz``, the
  sparsity level ``LEVEL`` where it stores all 100 features). Its activations are ``h = W x`` for
  sparse ``x`` drawn as in training (each feature on with probability ``p``, value uniform in
  ``(0, 1]``), and the true feature directions are the columns of ``W``. Autoencoders with 100
  latents are trained at ``L1_PENALTIES`` (ReLU + L1) and ``TOPK_VALUES`` (TopK), and one with 200
  latents.
* **Feature families**: ``FAMILIES`` families of ``VARIANTS`` related features in 20 dimensions
  (each variant's direction is its family's direction plus a smaller variant-specific part, so
  variants of one family have cosines of 0.6 to 0.9); an example switches families on with
  probability ``FAMILY_P`` and picks one variant of each. Dictionaries of ``FAMILIES`` and of
  ``FAMILIES * VARIANTS`` latents show feature splitting.

Every autoencoder trains with Adam (``STEPS`` steps of ``BATCH`` rows, learning rate ``LR``,
seed ``SEED``) by ``sae.py``; the file keeps each decoder, the true directions and the measured
statistics. It also keeps the decoder of one short run, which a test reruns.

Run from the repository root::

    .venv/bin/python lessons/data/make_toy_dictionaries.py
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

import sae
from course_utils import toy

HERE = Path(__file__).resolve().parent
LEVEL = 13                                     # p = 0.043 in dimensionality_sweep.npz: all 100 features stored
N_EXAMPLES = 60_000
L1_PENALTIES = (0.05, 0.1, 0.2, 0.3, 0.5, 0.8, 1.2, 2.0)
TOPK_VALUES = (1, 2, 3, 4, 6, 8, 12, 16, 24)
WIDE_L1 = 0.3                                  # the 200-latent dictionary
FAMILIES, VARIANTS, FAMILY_P = 10, 3, 0.1
STEPS, BATCH, LR, SEED = 3000, 1024, 3e-3, 0
CHECK_STEPS = 20
RESTART = 500


def toy_world(seed: int = SEED) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(activations (N, 20) float32, true unit directions (20, 100), the feature values x (N, 100))."""
    sweep = np.load(HERE / "dimensionality_sweep.npz")
    W = sweep["W"][LEVEL].astype(np.float64)
    p = float(sweep["feature_probability"][LEVEL])
    x = toy.sample_sparse_features(p, 1, W.shape[1], N_EXAMPLES, seed=seed + 1, dtype=np.float64)[0]
    return (x @ W.T).astype(np.float32), W / np.linalg.norm(W, axis=0), x


def family_world(seed: int = SEED) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(activations (N, 20) float32, variant directions (20, FAMILIES * VARIANTS), family directions (20, FAMILIES))."""
    rng = np.random.default_rng(seed + 2)
    family = rng.standard_normal((20, FAMILIES))
    family /= np.linalg.norm(family, axis=0)
    variant = np.repeat(family, VARIANTS, axis=1) + 0.55 * rng.standard_normal((20, FAMILIES * VARIANTS)) / np.sqrt(20)
    variant /= np.linalg.norm(variant, axis=0)
    on = rng.random((N_EXAMPLES, FAMILIES)) < FAMILY_P
    choice = rng.integers(0, VARIANTS, (N_EXAMPLES, FAMILIES))
    values = np.zeros((N_EXAMPLES, FAMILIES * VARIANTS))
    rows, fams = np.nonzero(on)
    values[rows, fams * VARIANTS + choice[rows, fams]] = 1.0 - rng.random(len(rows))
    return (values @ variant.T).astype(np.float32), variant, family


def best_cosines(true: np.ndarray, W_dec: np.ndarray) -> np.ndarray:
    """For each true direction (column of ``true``), the largest cosine with any decoder column."""
    return (true.T @ (W_dec / np.linalg.norm(W_dec, axis=0))).max(axis=1)


def fit(acts: np.ndarray, n: int, steps: int = STEPS, **kw) -> dict[str, np.ndarray]:
    return sae.train(acts, n, steps=steps, batch=BATCH, lr=LR, seed=SEED, restart_every=RESTART, **kw)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE / "toy_dictionaries.npz")
    args = parser.parse_args()
    acts, true, _ = toy_world()
    out: dict[str, object] = {"true": true.astype(np.float32), "l1_penalties": np.array(L1_PENALTIES),
                              "topk_values": np.array(TOPK_VALUES), "level": LEVEL, "steps": STEPS,
                              "batch": BATCH, "lr": LR, "seed": SEED, "wide_l1": WIDE_L1}
    runs = [("l1", l1, dict(l1=l1)) for l1 in L1_PENALTIES] + [("topk", k, dict(k=k)) for k in TOPK_VALUES]
    for kind, value, kw in runs:
        params = fit(acts, 100, **kw)
        stats = sae.evaluate(params, acts, kw.get("k"))
        best = best_cosines(true, params["W_dec"])
        print(f"{kind} {value}: FVU {stats['fvu']:.3f}, L0 {stats['l0']:.2f}, dead {stats['dead_fraction']:.2f}, "
              f"dense {stats['dense_fraction']:.2f}, recovered {int((best > 0.9).sum())}, mean best cos {best.mean():.3f}")
        for key, val in stats.items():
            out.setdefault(f"{kind}_{key}", []).append(val)
        out.setdefault(f"{kind}_best_cos", []).append(best)
        out.setdefault(f"{kind}_W_dec", []).append(params["W_dec"])
    wide = fit(acts, 200, l1=WIDE_L1)
    out["wide_W_dec"], out["wide_W_enc"], out["wide_b_enc"], out["wide_b_dec"] = (
        wide["W_dec"], wide["W_enc"], wide["b_enc"], wide["b_dec"])
    fam_acts, variants, families = family_world()
    for n in (FAMILIES, FAMILIES * VARIANTS):
        out[f"family_W_dec_{n}"] = fit(fam_acts, n, k=2)["W_dec"]
    out["family_variants"], out["family_directions"] = variants.astype(np.float32), families.astype(np.float32)
    out["check_W_dec"] = sae.train(acts, 100, steps=CHECK_STEPS, batch=BATCH, lr=LR, seed=SEED, l1=0.3)["W_dec"]
    np.savez_compressed(args.out, **{k: np.asarray(v) for k, v in out.items()})
    print(f"wrote {args.out} ({args.out.stat().st_size / 1024:.0f} KiB)")


if __name__ == "__main__":
    main()
