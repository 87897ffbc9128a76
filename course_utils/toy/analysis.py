"""Measurements of what a trained toy model represents.

All functions take ``W : (n_instances, n_hidden, n_features)`` (or a single
``(n_hidden, n_features)`` matrix, treated as one instance) and return one value
per instance and feature.  Column ``W[k, :, i]`` is feature ``i``'s direction.

Definitions (Elhage et al. 2022, "Toy Models of Superposition")::

    norm_i           = ||W_i||
    superposition_i  = sum_{j != i} (Ŵ_i · W_j)^2              Ŵ_i = W_i / ||W_i||
    dimensionality_i = ||W_i||^2 / sum_j (Ŵ_i · W_j)^2
"""
from __future__ import annotations

import numpy as np

__all__ = [
    "feature_norms",
    "superposition",
    "feature_dimensionality",
    "fraction_represented",
    "dimensions_per_feature",
    "feature_angles",
]


def _as_instances(W: np.ndarray) -> np.ndarray:
    W = np.asarray(W)
    if W.ndim == 2:
        W = W[None]
    if W.ndim != 3:
        raise ValueError(
            "W must have shape (n_instances, n_hidden, n_features) or (n_hidden, n_features); "
            f"got {np.shape(W)}"
        )
    return W.astype(np.float64)


def feature_norms(W: np.ndarray) -> np.ndarray:
    """``||W_i||`` for every feature, (n_instances, n_features)."""
    return np.linalg.norm(_as_instances(W), axis=1)


def _overlaps(W: np.ndarray, eps: float) -> tuple:
    """Squared projections ``(Ŵ_i · W_j)^2`` (n_instances, n_features, n_features) and norms."""
    W = _as_instances(W)
    norms = np.linalg.norm(W, axis=1)
    unit = W / np.maximum(norms, eps)[:, None, :]
    dots = np.einsum("kmi,kmj->kij", unit, W)
    return dots**2, norms


def superposition(W: np.ndarray, eps: float = 1e-12) -> np.ndarray:
    """Interference ``sum_{j != i} (Ŵ_i · W_j)^2``, (n_instances, n_features).

    0 means feature ``i`` shares its direction with no other feature.  A
    feature with (near) zero norm gets 0.
    """
    sq, norms = _overlaps(W, eps)
    diag = np.einsum("kii->ki", sq)
    out = sq.sum(axis=2) - diag
    return np.where(norms > eps, out, 0.0)


def feature_dimensionality(W: np.ndarray, eps: float = 1e-12) -> np.ndarray:
    """``D_i = ||W_i||^2 / sum_j (Ŵ_i · W_j)^2``, (n_instances, n_features).

    1 for a feature with a dimension of its own, 1/2 for an antipodal pair,
    2/5 for each feature of a pentagon in 2-D, 0 for a feature that is not
    represented (norm below ``eps``).
    """
    sq, norms = _overlaps(W, eps)
    denom = sq.sum(axis=2)
    return np.where(norms > eps, norms**2 / np.maximum(denom, eps), 0.0)


def fraction_represented(W: np.ndarray, threshold: float = 0.5) -> np.ndarray:
    """Fraction of features with ``||W_i|| > threshold``, (n_instances,)."""
    if not threshold >= 0:
        raise ValueError(f"threshold must be >= 0; got {threshold!r}")
    return (feature_norms(W) > threshold).mean(axis=1)


def dimensions_per_feature(W: np.ndarray) -> np.ndarray:
    """The paper's ``m / ||W||_F^2``: hidden dimensions per embedded feature, (n_instances,)."""
    W = _as_instances(W)
    return W.shape[1] / np.maximum(np.sum(W**2, axis=(1, 2)), 1e-12)


def feature_angles(W: np.ndarray) -> np.ndarray:
    """Angle (degrees, in [0, 360)) of each feature direction in a 2-D hidden space.

    Parameters
    ----------
    W : (n_instances, 2, n_features) or (2, n_features)

    Returns
    -------
    angles : (n_instances, n_features)
    """
    W = _as_instances(W)
    if W.shape[1] != 2:
        raise ValueError(f"feature_angles needs n_hidden = 2; got W with n_hidden = {W.shape[1]}")
    return np.degrees(np.arctan2(W[:, 1, :], W[:, 0, :])) % 360.0
