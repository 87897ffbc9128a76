"""The sparse-autoencoder engine of the scripts that make lesson 07's data files.

Lesson 07 writes the same autoencoder out cell by cell, for teaching; the two scripts beside this
file (``make_toy_dictionaries.py`` and ``make_smollm_dictionary.py``) train many of them, so they
share this one batched version. It is not part of ``course_utils``: the exercise set asks students
to write these operations themselves.

An SAE with ``n`` latents on ``d``-dimensional activations ``x`` (one per row)::

    f = act(W_enc (x - b_dec) + b_enc)        act: ReLU (with an L1 penalty) or TopK
    x_hat = W_dec f + b_dec                   the columns of W_dec have unit length
    loss = mean ||x - x_hat||² (+ l1 * mean sum_i f_i)

Shapes: ``W_enc (n, d)``, ``b_enc (n,)``, ``W_dec (d, n)``, ``b_dec (d,)``; activations ``(B, d)``.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from course_utils.toy import Adam

SHAPES = ("W_enc", "b_enc", "W_dec", "b_dec")


def init(d: int, n: int, rng: np.random.Generator, x_mean: np.ndarray) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """One flat float32 buffer and named views into it: unit-length random decoder columns, the encoder its
    transpose, ``b_dec`` at the data mean (so the autoencoder starts by reconstructing the mean)."""
    flat = np.zeros(2 * n * d + n + d, np.float32)
    views = {"W_enc": flat[: n * d].reshape(n, d), "b_enc": flat[n * d: n * d + n],
             "W_dec": flat[n * d + n: 2 * n * d + n].reshape(d, n), "b_dec": flat[2 * n * d + n:]}
    W = rng.standard_normal((d, n))
    views["W_dec"][...] = W / np.linalg.norm(W, axis=0)
    views["W_enc"][...] = views["W_dec"].T
    views["b_dec"][...] = x_mean
    return flat, views


def codes(p: dict[str, np.ndarray], x: np.ndarray, k: int | None) -> np.ndarray:
    """Latent activations (B, n): ReLU of the pre-activations, or (with ``k``) only each row's k largest kept."""
    pre = (x - p["b_dec"]) @ p["W_enc"].T + p["b_enc"]
    if k is None:
        return np.maximum(pre, 0.0)
    keep = np.argpartition(-pre, k, axis=1)[:, :k]
    f = np.zeros_like(pre)
    rows = np.arange(len(x))[:, None]
    f[rows, keep] = np.maximum(pre[rows, keep], 0.0)
    return f


def loss_and_grads(p: dict[str, np.ndarray], x: np.ndarray, k: int | None = None, l1: float = 0.0
                   ) -> tuple[float, dict[str, np.ndarray], np.ndarray]:
    """Batch loss (mean squared error summed over dimensions, plus ``l1`` times the mean L1 of the codes),
    its gradient for every parameter, and the codes."""
    f = codes(p, x, k)
    err = f @ p["W_dec"].T + p["b_dec"] - x                     # (B, d)
    B = len(x)
    g_out = 2.0 * err / B
    d_f = (g_out @ p["W_dec"] + l1 / B) * (f > 0)              # only active latents pass gradient
    grads = {"W_enc": d_f.T @ (x - p["b_dec"]), "b_enc": d_f.sum(0), "W_dec": g_out.T @ f,
             "b_dec": g_out.sum(0) - (d_f @ p["W_enc"]).sum(0)}
    loss = float(np.sum(err ** 2) / B + l1 * f.sum() / B)
    return loss, grads, f


def train(acts: np.ndarray, n: int, *, steps: int, batch: int, lr: float, seed: int, k: int | None = None,
          l1: float = 0.0, restart_every: int = 0, log: Callable[[str], None] | None = None) -> dict[str, np.ndarray]:
    """An SAE trained with Adam on rows of ``acts`` (N, d); decoder columns kept at unit length.

    With ``restart_every``, latents that have not fired for that many steps are restarted (until 80%
    of the steps) on the worst-reconstructed activations of a fresh sample.
    """
    rng = np.random.default_rng(seed)
    flat, p = init(acts.shape[1], n, rng, acts.mean(0))
    opt = Adam(flat, lr=lr)
    grad_flat, g = _views_of(np.zeros_like(flat), p)
    last_fired = np.zeros(n, np.int64)
    for step in range(1, steps + 1):
        x = acts[rng.integers(0, len(acts), batch)]
        loss, grads, f = loss_and_grads(p, x, k, l1)
        for name in SHAPES:
            g[name][...] = grads[name]
        g["W_dec"] -= p["W_dec"] * np.sum(g["W_dec"] * p["W_dec"], axis=0)   # no change to the column lengths
        opt.step(grad_flat)
        p["W_dec"] /= np.linalg.norm(p["W_dec"], axis=0)
        last_fired[(f > 0).any(0)] = step
        dead = np.flatnonzero(step - last_fired > restart_every) if restart_every else np.array([], int)
        if dead.size and step % restart_every == 0 and step < 0.8 * steps:
            _restart(p, opt, acts, dead, rng, k, batch)
            last_fired[dead] = step
        if log is not None and (step % 100 == 0 or step == steps):
            log(f"step {step}: batch loss {loss:.4f}, latents silent for {restart_every} steps: {dead.size}")
    return {name: view.copy() for name, view in p.items()}


def _restart(p: dict[str, np.ndarray], opt: Adam, acts: np.ndarray, dead: np.ndarray, rng: np.random.Generator,
             k: int | None, batch: int) -> None:
    """Point dead latents at the worst-reconstructed activations of a fresh sample; reset their Adam moments."""
    probe = acts[rng.integers(0, len(acts), 8 * batch)]
    worst = probe - (codes(p, probe, k) @ p["W_dec"].T + p["b_dec"])
    pick = np.argsort(-np.sum(worst ** 2, 1))[: dead.size]
    direction = worst[pick] / np.linalg.norm(worst[pick], axis=1, keepdims=True)
    p["W_dec"][:, dead[: len(pick)]] = direction.T
    p["W_enc"][dead[: len(pick)]] = 0.2 * direction
    p["b_enc"][dead] = 0.0
    for moments in (opt.m, opt.v):
        _, view = _views_of(moments, p)
        view["W_dec"][:, dead] = 0.0
        view["W_enc"][dead] = 0.0
        view["b_enc"][dead] = 0.0


def _views_of(flat: np.ndarray, like: dict[str, np.ndarray]) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Views into ``flat`` laid out like the parameter views ``like``."""
    out, offset = {}, 0
    for name in SHAPES:
        size = like[name].size
        out[name] = flat[offset: offset + size].reshape(like[name].shape)
        offset += size
    return flat, out


def evaluate(p: dict[str, np.ndarray], acts: np.ndarray, k: int | None = None, chunk: int = 8192) -> dict[str, float]:
    """Fraction of variance unexplained, mean L0, and the fractions of latents that never fire (dead) and that
    fire on more than 10% of the rows (dense), on ``acts``."""
    sse, active = 0.0, np.zeros(p["W_enc"].shape[0])
    for start in range(0, len(acts), chunk):
        x = acts[start:start + chunk]
        f = codes(p, x, k)
        sse += float(np.sum((f @ p["W_dec"].T + p["b_dec"] - x) ** 2))
        active += (f > 0).sum(0)
    total = float(np.sum((acts - acts.mean(0)) ** 2))
    rate = active / len(acts)
    return {"fvu": sse / total, "l0": float(active.sum() / len(acts)), "dead_fraction": float(np.mean(rate == 0)),
            "dense_fraction": float(np.mean(rate > 0.1))}
