"""Training data for the toy models: synthetic sparse features and fixed datasets.

Sparse features follow the paper's recipe: every feature of every example is
present independently with probability ``p`` and then takes a value drawn from
U[0, 1); otherwise it is exactly 0.  ``p`` may differ per instance (one sparsity
level per model, so a sparsity sweep is a single batched run) and per feature.

One uniform draw per entry is enough: with ``u ~ U[0, 1)``, the event ``u < p``
has probability ``p`` and, given it, ``u / p`` is again uniform on [0, 1).
"""
from __future__ import annotations

from typing import Union

import numpy as np

from .model import SeedLike, as_generator, check_dtype

__all__ = [
    "SparseFeatures",
    "sample_sparse_features",
    "one_hot_dataset",
    "random_one_hot",
    "broadcast_importance",
    "broadcast_probability",
]

ArrayLike = Union[float, np.ndarray, list]


def _per_instance(
    values: ArrayLike, n_instances: int, n_features: int, name: str, hint: str
) -> np.ndarray:
    """Broadcast a scalar, (n_instances,), (n_features,) or (n_instances, n_features) input.

    Returns an array of shape (n_instances or 1, 1, n_features or 1).
    """
    a = np.asarray(values, dtype=np.float64)
    if a.ndim == 0:
        out = a.reshape(1, 1, 1)
    elif a.ndim == 1 and a.shape[0] == n_instances and hint == "instances":
        out = a.reshape(n_instances, 1, 1)
    elif a.ndim == 1 and a.shape[0] == n_features and hint == "features":
        out = a.reshape(1, 1, n_features)
    elif a.ndim == 2 and a.shape in (
        (n_instances, n_features),
        (1, n_features),
        (n_instances, 1),
        (1, 1),
    ):
        out = a[:, None, :]
    else:
        one_d = "(n_instances,)" if hint == "instances" else "(n_features,)"
        raise ValueError(
            f"{name} must be a scalar, {one_d} or (n_instances, n_features) = "
            f"{(n_instances, n_features)}; got shape {a.shape}"
        )
    if not np.all(np.isfinite(out)):
        raise ValueError(f"{name} must be finite; got {values!r}")
    return out


def broadcast_probability(p: ArrayLike, n_instances: int, n_features: int) -> np.ndarray:
    """Check feature probabilities and shape them as (n_instances or 1, 1, n_features or 1).

    A 1-D ``p`` is one probability per instance.  Every value must lie in (0, 1].
    """
    out = _per_instance(p, n_instances, n_features, "feature_probability", "instances")
    if np.any(out <= 0) or np.any(out > 1):
        bad = out[(out <= 0) | (out > 1)].ravel()[0]
        raise ValueError(
            f"feature_probability must lie in (0, 1]; got {bad!r}. It is the chance that a "
            "feature is present (1 = dense data; sparsity S = 1 - p)."
        )
    return out


def broadcast_importance(importance: ArrayLike, n_instances: int, n_features: int) -> np.ndarray:
    """Check importances and shape them as (n_instances or 1, 1, n_features or 1).

    A 1-D ``importance`` is one weight per feature.  Values must be >= 0.
    """
    out = _per_instance(importance, n_instances, n_features, "importance", "features")
    if np.any(out < 0):
        raise ValueError("importance must be non-negative (it weights squared errors)")
    return out


class SparseFeatures:
    """A sampler of sparse synthetic features for a batch of instances.

    Parameters
    ----------
    feature_probability : float, (n_instances,) or (n_instances, n_features)
        Chance that each feature is present, in (0, 1].
    n_instances, n_features : int

    Examples
    --------
    >>> data = SparseFeatures([1.0, 0.1], n_instances=2, n_features=5)
    >>> x = data.sample(np.random.default_rng(0), batch_size=4)
    >>> x.shape
    (2, 4, 5)
    """

    def __init__(self, feature_probability: ArrayLike, n_instances: int, n_features: int) -> None:
        self.n_instances = int(n_instances)
        self.n_features = int(n_features)
        self.p = broadcast_probability(feature_probability, self.n_instances, self.n_features)
        self._dense = bool(np.all(self.p == 1.0))
        self._inv_p: dict = {}  # dtype -> 1/p, (1|I, 1|n, 1)
        self._keep: np.ndarray | None = None  # scratch mask, reused while the batch shape stays

    def sample(
        self,
        rng: SeedLike,
        batch_size: int,
        dtype: object = np.float32,
    ) -> np.ndarray:
        """Draw a batch.

        Parameters
        ----------
        rng : numpy.random.Generator (or seed)
        batch_size : int
        dtype : float32 or float64

        Returns
        -------
        x : (n_instances, batch_size, n_features) array, values in [0, 1)
        """
        if not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
            raise ValueError(f"batch_size must be a positive integer; got {batch_size!r}")
        out = np.empty((self.n_instances, self.n_features, int(batch_size)), dtype=check_dtype(dtype))
        self.fill_feature_major(rng, out)
        return np.ascontiguousarray(out.transpose(0, 2, 1))

    def fill_feature_major(self, rng: SeedLike, out: np.ndarray) -> np.ndarray:
        """Fill ``out : (..., n_instances, n_features, batch_size)`` in place with fresh batches.

        Leading axes hold consecutive batches, drawn in the same order as separate calls.

        This is the layout the trainer uses (see :class:`~course_utils.toy.grads.LossGrad`);
        it keeps every operation running along the long batch axis.
        """
        expected = (self.n_instances, self.n_features)
        if out.ndim < 3 or out.shape[-3:-1] != expected or not out.flags.c_contiguous:
            raise ValueError(
                f"out must be a C-contiguous array of shape (..., n_instances, n_features, batch) "
                f"with {expected} for the middle axes; got shape {out.shape}"
            )
        dt = check_dtype(out.dtype)
        as_generator(rng).random(out=out, dtype=dt)
        if self._dense:
            return out
        inv_p = self._inv_p.get(dt)
        if inv_p is None:
            inv_p = self._inv_p[dt] = (1.0 / self.p).transpose(0, 2, 1).astype(dt)
        keep = self._keep
        if keep is None or keep.shape != out.shape or keep.dtype != dt:
            keep = self._keep = np.empty(out.shape, dtype=dt)
        # u < p  <=>  u / p < 1: keep u / p there (uniform on [0, 1)), zero elsewhere.
        out *= inv_p
        np.less(out, 1, out=keep, casting="unsafe")
        out *= keep
        return out


def sample_sparse_features(
    feature_probability: ArrayLike,
    n_instances: int,
    n_features: int,
    batch_size: int,
    *,
    dtype: object = np.float32,
    seed: SeedLike = None,
) -> np.ndarray:
    """One batch of sparse features, (n_instances, batch_size, n_features).

    See :class:`SparseFeatures`.
    """
    sampler = SparseFeatures(feature_probability, n_instances, n_features)
    return sampler.sample(as_generator(seed), batch_size, dtype=dtype)


def one_hot_dataset(n_features: int, dtype: object = np.float32) -> np.ndarray:
    """The fixed dataset X = I: one example per feature, (n_features, n_features)."""
    if not isinstance(n_features, (int, np.integer)) or n_features < 1:
        raise ValueError(f"n_features must be a positive integer; got {n_features!r}")
    return np.eye(n_features, dtype=check_dtype(dtype))


def random_one_hot(
    n_instances: int,
    n_features: int,
    batch_size: int,
    *,
    dtype: object = np.float32,
    seed: SeedLike = None,
) -> np.ndarray:
    """Random one-hot rows (exactly one feature equal to 1), (n_instances, batch_size, n_features)."""
    rng = as_generator(seed)
    idx = rng.integers(0, n_features, size=(n_instances, batch_size))
    x = np.zeros((n_instances, batch_size, n_features), dtype=check_dtype(dtype))
    np.put_along_axis(x, idx[..., None], 1.0, axis=-1)
    return x
