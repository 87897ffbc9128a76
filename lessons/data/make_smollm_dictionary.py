"""Regenerate ``smollm_dictionary.npz``, the sparse dictionary lesson 07 reads (about half an hour on a laptop CPU).

What it does, in order:

1. **Corpus.** The docstrings of Python's standard library — every importable public module's own
   docstring and those of its public classes and functions, in module order, duplicates dropped —
   are joined and tokenized with SmolLM2's tokenizer. That is English prose about programming,
   present on every machine that has Python, so nothing is downloaded. (It depends on the Python
   version; the file stores the token ids it used, so the lesson and the tests never rebuild it.)
2. **Activations.** SmolLM2-135M-Instruct runs on 256-token windows of the corpus, and the residual
   stream after block ``LAYER`` is kept for every position but the first of each window (the first
   position of a sequence holds a huge vector the model uses as an attention sink). A few positions
   inside the windows hold such huge vectors too (about 1 in 10,000, up to 140 times the median
   length); positions longer than ``OUTLIER`` times the median are left out of training, measurement
   and examples. The activations are scaled by one number so that the mean squared length of the
   rest is ``d_model``.
3. **Dictionary.** A TopK sparse autoencoder (Gao et al., 2024) with ``N_LATENTS`` latents, ``K`` of
   them active per token, unit-length decoder columns, trained with Adam on 90% of the tokens by
   ``sae.py``; latents that stop firing are restarted on badly reconstructed tokens (as in
   Anthropic's "Towards Monosemanticity"). The other 10% measure it: fraction of variance
   unexplained, L0, dead latents.
4. **Examples.** For every latent, its eight strongest activations over the corpus, with where they
   occur, so the lesson can show the contexts without running the model over the corpus.

For the test, the file also keeps the activations of the first two windows and the decoder after a
few training steps on them, which a quick rerun must reproduce.

Run from the repository root::

    .venv/bin/python lessons/data/make_smollm_dictionary.py
"""
from __future__ import annotations

import argparse
import contextlib
import importlib
import inspect
import io
import sys
import time
import warnings
from pathlib import Path

import numpy as np

import sae

HERE = Path(__file__).resolve().parent
LAYER = 15                 # the residual stream after block 15 of 30
WINDOW = 256               # tokens per forward pass
MAX_TOKENS = 136_000       # about 530 windows
N_LATENTS = 4096
K = 32                     # active latents per token
STEPS = 2000
BATCH = 2048
LR = 1e-3
SEED = 0
CHECK_WINDOWS, CHECK_STEPS = 2, 5
TOP_EXAMPLES = 8
OUTLIER = 10.0             # positions longer than this many times the median length are left out
# modules that open windows, print on import, or hold only tests and tools
SKIP = {"antigravity", "this", "idlelib", "tkinter", "turtle", "turtledemo", "lib2to3", "test", "ensurepip",
        "venv", "pydoc_data", "xxsubtype"}


def stdlib_docstrings() -> str:
    """The standard library's module, class and function docstrings (40+ characters), joined by blank lines."""
    docs: list[str] = []
    for name in sorted(n for n in sys.stdlib_module_names if not n.startswith("_") and n not in SKIP):
        try:
            with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()), \
                    contextlib.redirect_stderr(io.StringIO()):
                warnings.simplefilter("ignore")
                module = importlib.import_module(name)
        except Exception:                 # modules this platform lacks (winreg, msvcrt, ...)
            continue
        docs.append(inspect.getdoc(module) or "")
        for attr in sorted(dir(module)):
            obj = getattr(module, attr, None) if not attr.startswith("_") else None
            if (inspect.isclass(obj) or inspect.isfunction(obj)) and getattr(obj, "__module__", None) == name:
                docs.append(inspect.getdoc(obj) or "")
    seen: set[str] = set()
    return "\n\n".join(d for d in docs if len(d) >= 40 and not (d in seen or seen.add(d)))


def corpus_windows(model, max_tokens: int = MAX_TOKENS) -> np.ndarray:
    """The corpus as token ids, cut into windows: (n_windows, WINDOW) int32."""
    ids = np.asarray(model.tokenizer.encode(stdlib_docstrings())[:max_tokens], dtype=np.int32)
    n = len(ids) // WINDOW
    return ids[: n * WINDOW].reshape(n, WINDOW)


def layer_activations(model, windows: np.ndarray, layer: int = LAYER) -> np.ndarray:
    """Residual stream after ``layer`` for every position but the first of each window: (n * (WINDOW - 1), d)."""
    out = [model.forward(w, return_residual=True).residual[layer + 1][1:].copy() for w in windows]
    return np.concatenate(out).astype(np.float32)


def top_examples(p: dict[str, np.ndarray], acts: np.ndarray, k: int, usable: np.ndarray, n_top: int = TOP_EXAMPLES,
                 chunk: int = 8192) -> tuple[np.ndarray, np.ndarray]:
    """For every latent, its ``n_top`` largest activations over the ``usable`` rows of ``acts`` and at which rows:
    two (n_latents, n_top)."""
    n_latents = p["W_enc"].shape[0]
    best_val = np.zeros((n_latents, n_top), np.float32)
    best_row = np.full((n_latents, n_top), -1, np.int64)
    for start in range(0, len(acts), chunk):
        f = sae.codes(p, acts[start:start + chunk], k) * usable[start:start + chunk, None]
        vals = np.concatenate([best_val, f.T], axis=1)
        rows = np.concatenate([best_row, np.broadcast_to(np.arange(start, start + len(f)), (n_latents, len(f)))], 1)
        order = np.argsort(-vals, axis=1)[:, :n_top]
        best_val, best_row = np.take_along_axis(vals, order, 1), np.take_along_axis(rows, order, 1)
    return best_val, best_row


def main() -> None:
    from course_utils.smollm import load_model

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=STEPS)
    parser.add_argument("--max-tokens", type=int, default=MAX_TOKENS)
    parser.add_argument("--out", type=Path, default=HERE / "smollm_dictionary.npz")
    parser.add_argument("--activations", type=Path, default=None,
                        help="keep the unscaled activations in this .npy file and reuse them on the next run")
    args = parser.parse_args()
    t0 = time.time()
    model = load_model()
    windows = corpus_windows(model, args.max_tokens)
    print(f"corpus: {windows.size:,} tokens in {len(windows)} windows ({time.time() - t0:.0f} s)")
    if args.activations is not None and args.activations.is_file():
        acts = np.load(args.activations)
    else:
        acts = layer_activations(model, windows)
        if args.activations is not None:
            np.save(args.activations, acts)
    lengths = np.linalg.norm(acts.astype(np.float64), axis=1)
    usable = lengths < OUTLIER * np.median(lengths)
    scale = float(np.sqrt(model.config.d_model / np.mean(lengths[usable] ** 2)))
    acts *= scale
    print(f"left out {int((~usable).sum())} positions longer than {OUTLIER:g} x the median length")
    print(f"activations {acts.shape} ({time.time() - t0:.0f} s)")
    split = int(0.9 * len(windows)) * (WINDOW - 1)           # train on the first 90% of windows
    params = sae.train(acts[:split][usable[:split]], N_LATENTS, k=K, steps=args.steps, batch=BATCH, lr=LR,
                       seed=SEED, restart_every=250, log=print)
    stats = sae.evaluate(params, acts[split:][usable[split:]], K)
    print(f"held-out: FVU {stats['fvu']:.3f}, L0 {stats['l0']:.1f}, dead {stats['dead_fraction']:.1%} "
          f"({time.time() - t0:.0f} s)")
    top_val, top_row = top_examples(params, acts, K, usable)
    check_acts = acts[: CHECK_WINDOWS * (WINDOW - 1)]
    check = sae.train(check_acts, 256, k=8, steps=CHECK_STEPS, batch=256, lr=LR, seed=SEED)
    np.savez_compressed(
        args.out,
        W_enc=params["W_enc"].astype(np.float16), b_enc=params["b_enc"], W_dec=params["W_dec"].astype(np.float16),
        b_dec=params["b_dec"], scale=scale, layer=LAYER, k=K, window=WINDOW, tokens=windows,
        split_row=split, left_out=np.flatnonzero(~usable).astype(np.int32), outlier=OUTLIER,
        steps=args.steps, seed=SEED, lr=LR, batch=BATCH,
        fvu=stats["fvu"], l0=stats["l0"], dead_fraction=stats["dead_fraction"], dense_fraction=stats["dense_fraction"],
        top_values=top_val.astype(np.float16), top_rows=top_row.astype(np.int32),
        check_acts=check_acts[:8], check_W_dec=check["W_dec"], python=sys.version.split()[0],
    )
    print(f"wrote {args.out} ({args.out.stat().st_size / 2**20:.1f} MiB) in {time.time() - t0:.0f} s")


if __name__ == "__main__":
    main()
