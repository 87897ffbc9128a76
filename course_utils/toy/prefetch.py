"""Sampling the next training batches on a background thread.

numpy releases the GIL while it fills arrays with random numbers, so drawing
the next batch can run on a second core while the current one is trained on.
"""
from __future__ import annotations

from typing import Optional

import numpy as np

from .data import SparseFeatures
from .model import check_dtype

__all__ = ["BatchPrefetcher"]


class BatchPrefetcher:
    """Draw the next batches on a background thread while the current one is used.

    numpy releases the GIL while it fills arrays with random numbers, so sampling
    overlaps the gradient computation on a second core.  Batches are drawn in
    chunks of several (fewer hand-overs between threads for small batches) into
    two alternating buffers.  The worker draws exactly ``total`` batches from
    ``rng``, in order, so the batches (and the state ``rng`` is left in) are the
    same as when sampling them one after the other.

    Parameters
    ----------
    sampler : SparseFeatures
    rng : numpy.random.Generator
    batch_size : int
    dtype : float32 or float64
    total : int
        Number of batches to produce.
    chunk_bytes : int
        Target size of one chunk; a chunk holds at least one batch.
    """

    def __init__(
        self,
        sampler: SparseFeatures,
        rng: np.random.Generator,
        batch_size: int,
        dtype: object,
        total: int,
        chunk_bytes: int = 2 << 20,
    ) -> None:
        import queue
        import threading

        dt = check_dtype(dtype)
        shape = (sampler.n_instances, sampler.n_features, int(batch_size))
        per_batch = int(np.prod(shape)) * dt.itemsize
        self.chunk = max(1, min(int(total), chunk_bytes // per_batch, 64))
        self._bufs = [np.empty((self.chunk,) + shape, dtype=dt) for _ in range(2)]
        self._sampler, self._rng, self._total = sampler, rng, int(total)
        self._free: "queue.Queue" = queue.Queue()
        self._ready: "queue.Queue" = queue.Queue()
        for i in range(len(self._bufs)):
            self._free.put(i)
        self._current: Optional[int] = None
        self._left = 0  # batches not yet handed out from the current chunk
        self._pos = 0
        self._error: Optional[BaseException] = None
        self._thread = threading.Thread(target=self._work, name="toy-batch-prefetch", daemon=True)
        self._thread.start()

    def _work(self) -> None:
        try:
            remaining = self._total
            while remaining > 0:
                i = self._free.get()
                if i is None:
                    return
                count = min(self.chunk, remaining)
                self._sampler.fill_feature_major(self._rng, self._bufs[i][:count])
                remaining -= count
                self._ready.put((i, count))
        except BaseException as exc:  # handed to the consumer
            self._error = exc
            self._ready.put(None)

    def next(self) -> np.ndarray:
        """The next batch, (n_instances, n_features, batch_size).

        The array returned before may be overwritten once a new chunk is started.
        """
        if self._left == 0:
            if self._current is not None:
                self._free.put(self._current)
            item = self._ready.get()
            if item is None:
                raise RuntimeError("sampling batches failed") from self._error
            self._current, self._left = item
            self._pos = 0
        batch = self._bufs[self._current][self._pos]
        self._pos += 1
        self._left -= 1
        return batch

    def close(self) -> None:
        """Stop the worker (it may be waiting for a free buffer) and wait for it."""
        self._free.put(None)
        self._thread.join()
