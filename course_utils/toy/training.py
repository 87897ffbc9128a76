"""Training loop for batches of toy models.

Typical use (lesson 03)::

    from course_utils import toy
    model = toy.init_model(5, 2, n_instances=10, seed=0)
    result = toy.train(model, feature_probability=20 ** -np.linspace(0, 1, 10),
                       importance=0.9 ** np.arange(5), steps=10_000, seed=0)
    result.loss_history          # (n_logged, n_instances)

The progress bar comes from ``tqdm.auto``: a widget in JupyterLab, plain text in
a terminal or log, nothing with ``progress=False``.
"""
from __future__ import annotations

import contextlib
import os
import sys
import time
from dataclasses import dataclass
from typing import Optional, Union

import numpy as np

from ..threads import TOY_TRAINING

from .data import SparseFeatures
from .grads import LossGrad
from .model import SeedLike, ToyModel, as_generator
from .optim import make_optimizer
from .prefetch import BatchPrefetcher
from .schedules import Schedule, get_schedule

__all__ = ["TrainResult", "train"]


@dataclass
class TrainResult:
    """What :func:`train` records.

    Attributes
    ----------
    model : ToyModel
        The trained model (the same object that was passed in).
    final_loss : (n_instances,) array
        Loss on the last training batch (computed just before the last update).
    loss_steps : (n_logged,) int array
        Steps at which the loss was recorded.
    loss_history : (n_logged, n_instances) array
        Per-instance loss at those steps (empty when ``log_every`` is 0).
    snapshot_steps : (n_snapshots,) int array
    snapshots : (n_snapshots, n_instances, n_hidden, n_features) array
        Copies of ``W`` after those steps (empty unless ``snapshot_every`` is set).
    seconds : float
        Wall-clock time of the loop.
    """

    model: ToyModel
    final_loss: np.ndarray
    loss_steps: np.ndarray
    loss_history: np.ndarray
    snapshot_steps: np.ndarray
    snapshots: np.ndarray
    seconds: float = 0.0


def _progress_bar(total: int, desc: Optional[str]):
    from tqdm.auto import tqdm  # imported here: keeps `import course_utils` light

    return tqdm(total=total, desc=desc or "training", file=sys.stdout, leave=True)


def _blas_threads(threads: Optional[int]) -> tuple:
    """A context limiting BLAS threads while training, and whether the limit is in force.

    Needs threadpoolctl; without it the context does nothing.
    """
    if threads is None:
        return contextlib.nullcontext(), False
    if not isinstance(threads, (int, np.integer)) or isinstance(threads, bool) or threads < 1:
        raise ValueError(f"blas_threads must be a positive integer or None; got {threads!r}")
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return contextlib.nullcontext(), False
    return threadpool_limits(limits=int(threads), user_api="blas"), True


def _check_steps(name: str, value: Optional[int], allow_zero: bool) -> int:
    if value is None:
        return 0
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < (0 if allow_zero else 1):
        kind = "a non-negative" if allow_zero else "a positive"
        raise ValueError(f"{name} must be {kind} integer; got {value!r}")
    return int(value)


def train(
    model: ToyModel,
    feature_probability: Union[float, np.ndarray, None] = None,
    *,
    dataset: Optional[np.ndarray] = None,
    importance: Union[float, np.ndarray] = 1.0,
    steps: int = 10_000,
    batch_size: int = 1024,
    lr: float = 1e-3,
    optimizer: str = "adamw",
    weight_decay: Optional[float] = None,
    betas: tuple = (0.9, 0.999),
    eps: float = 1e-8,
    schedule: Union[str, Schedule, None] = "constant",
    seed: SeedLike = None,
    progress: bool = True,
    desc: Optional[str] = None,
    log_every: int = 100,
    snapshot_every: Optional[int] = None,
    prefetch: Optional[bool] = None,
    blas_threads: Optional[int] = TOY_TRAINING,
) -> TrainResult:
    """Train ``model`` in place on sparse synthetic features or a fixed dataset.

    Parameters
    ----------
    model : ToyModel
        Updated in place.
    feature_probability : float, (n_instances,) or (n_instances, n_features)
        Sample fresh sparse features each step with this presence probability.
    dataset : (batch, n_features) or (n_instances, batch, n_features) array
        Train full-batch on this fixed data instead (e.g. ``one_hot_dataset(n)``).
        Give exactly one of ``feature_probability`` and ``dataset``.
    importance : float, (n_features,) or (n_instances, n_features)
        Weights ``I_i`` of the squared errors.
    steps, batch_size : int
        ``batch_size`` is ignored with a ``dataset``.
    lr : float
        Base learning rate, multiplied by ``schedule(step, steps)``.
    optimizer : {"adamw", "adam"}
    weight_decay : float, optional
        Defaults to 0.01 for AdamW (PyTorch's default) and 0 for Adam.
    betas, eps
        Adam hyperparameters.
    schedule : str or callable
        ``"constant"``, ``"linear_decay"``, ``"cosine"`` or any function from
        :mod:`course_utils.toy.schedules`.
    seed : int, None or numpy.random.Generator
        Source of the sampled batches.
    progress : bool
        Show a progress bar with the current mean loss per instance.
    desc : str, optional
        Label for the progress bar.
    log_every : int
        Record the loss every this many steps (and at the last step); 0 records nothing.
    snapshot_every : int, optional
        Copy ``W`` every this many steps (step 0 = the initial weights, plus the end).
    prefetch : bool, optional
        Sample the next batch on a background thread (default: when a CPU is left
        over after ``blas_threads``).  Results are identical either way.
    blas_threads : int or None
        Threads the BLAS library may use during training (default 1: the
        matrices are small, so a second BLAS thread gains little and fights the
        sampling thread for the second core).  None keeps the library's setting.
        The limit needs the ``threadpoolctl`` package; without it BLAS keeps its
        own setting and batches are sampled on the main thread by default.

    Returns
    -------
    TrainResult
    """
    if not isinstance(model, ToyModel):
        raise TypeError(f"model must be a ToyModel (see init_model); got {type(model).__name__}")
    if (feature_probability is None) == (dataset is None):
        raise ValueError(
            "give exactly one of feature_probability (sample sparse features) "
            "or dataset (a fixed array of examples)"
        )
    steps = _check_steps("steps", steps, allow_zero=False)
    log_every = _check_steps("log_every", log_every, allow_zero=True)
    snapshot_every = _check_steps("snapshot_every", snapshot_every, allow_zero=True)
    sched = get_schedule(schedule)
    rng = as_generator(seed)
    n_inst, n = model.n_instances, model.n_features

    sampler = None
    if dataset is not None:
        data = model._check_input(dataset)
        lg = LossGrad(model, data.shape[1], importance)
        lg.set_batch(data)
    else:
        sampler = SparseFeatures(feature_probability, n_inst, n)
        lg = LossGrad(model, batch_size, importance)

    # weight_decay=None keeps the optimizer's own default (0 for Adam, 0.01 for AdamW)
    decay = {} if weight_decay is None else {"weight_decay": weight_decay}
    opt = make_optimizer(optimizer, model.params, lr=lr, betas=betas, eps=eps, **decay)

    loss_steps, losses, snap_steps, snaps = [], [], [], []
    if snapshot_every:
        snap_steps.append(0)
        snaps.append(model.W.copy())
    limit, limited = _blas_threads(blas_threads)  # checked before any thread starts
    if prefetch is None:  # a spare core, not already claimed by a multi-threaded BLAS
        prefetch = (os.cpu_count() or 1) > 1 and limited and blas_threads < (os.cpu_count() or 1)
    fetcher = None
    if sampler is not None and prefetch:
        fetcher = BatchPrefetcher(sampler, rng, lg.batch_size, model.dtype, steps)
    bar = _progress_bar(steps, desc) if progress else None
    bar_every = max(1, min(log_every or 100, 100))
    last = None
    t0 = time.perf_counter()
    try:
        with limit:
            for step in range(steps):
                if fetcher is not None:
                    lg.xT = fetcher.next()
                elif sampler is not None:
                    sampler.fill_feature_major(rng, lg.xT)
                final = step == steps - 1
                record = bool(log_every) and (step % log_every == 0 or final)
                show = bar is not None and (step % bar_every == 0 or final)
                current = lg(need_loss=record or show or final)
                if current is not None:
                    last = current
                if record:
                    loss_steps.append(step)
                    losses.append(current)
                opt.step(lg.grad, lr * sched(step, steps))
                if snapshot_every and ((step + 1) % snapshot_every == 0 or final):
                    snap_steps.append(step + 1)
                    snaps.append(model.W.copy())
                if show:
                    bar.set_postfix(loss=f"{float(current.mean()):.4g}", refresh=False)
                    bar.update(step + 1 - bar.n)
    finally:
        if fetcher is not None:
            fetcher.close()
        if bar is not None:
            bar.close()
    seconds = time.perf_counter() - t0
    shape_w = (0,) + model.W.shape
    return TrainResult(
        model=model,
        final_loss=np.asarray(last, dtype=np.float64),
        loss_steps=np.asarray(loss_steps, dtype=np.int64),
        loss_history=np.asarray(losses, dtype=np.float64).reshape(len(losses), n_inst),
        snapshot_steps=np.asarray(snap_steps, dtype=np.int64),
        snapshots=np.stack(snaps) if snaps else np.empty(shape_w, dtype=model.dtype),
        seconds=seconds,
    )
