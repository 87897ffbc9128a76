"""Toy models of superposition in numpy (lessons 03 and 04).

The model family is ``x' = act(W_decᵀ W x + b)`` with ``act`` = ReLU or identity
and ``W_dec = W`` (tied) or separate; many independent instances train at once.

Modules
-------
model      :class:`ToyModel` and :func:`init_model`
data       sparse synthetic features and fixed datasets
grads      loss and analytic gradients
optim      Adam and AdamW
prefetch   batches drawn on a background thread
schedules  learning-rate schedules
training   the training loop with progress bar, loss history and snapshots
analysis   feature norms, superposition, feature dimensionality
configs    the settings of the "Toy Models of Superposition" colab

Only numpy is imported here; ``tqdm`` is imported when a progress bar is shown.
"""
from . import analysis, configs, schedules
from .analysis import (
    dimensions_per_feature,
    feature_angles,
    feature_dimensionality,
    feature_norms,
    fraction_represented,
    superposition,
)
from .configs import TMS_5_2, TMS_20_5, TMS_100_20, TMS_CONFIGS, ToyConfig
from .data import SparseFeatures, one_hot_dataset, random_one_hot, sample_sparse_features
from .grads import LossGrad, loss, loss_and_grads
from .model import ToyModel, init_model
from .optim import Adam, AdamW
from .training import TrainResult, train

__all__ = [
    "ToyModel",
    "init_model",
    "SparseFeatures",
    "sample_sparse_features",
    "one_hot_dataset",
    "random_one_hot",
    "LossGrad",
    "loss",
    "loss_and_grads",
    "Adam",
    "AdamW",
    "schedules",
    "train",
    "TrainResult",
    "analysis",
    "feature_norms",
    "superposition",
    "feature_dimensionality",
    "fraction_represented",
    "dimensions_per_feature",
    "feature_angles",
    "configs",
    "ToyConfig",
    "TMS_5_2",
    "TMS_20_5",
    "TMS_100_20",
    "TMS_CONFIGS",
]
