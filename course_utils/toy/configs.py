"""Ready-made experiment settings from the "Toy Models of Superposition" colab.

Each config is a frozen :class:`ToyConfig`; :meth:`ToyConfig.build` makes the
model and :meth:`ToyConfig.run` trains it::

    cfg = configs.TMS_5_2
    result = cfg.run(seed=0)             # 10 sparsity levels in one batched run

Settings (n features, m hidden dimensions, importance ``I_i``, presence
probability per instance ``p_k``; batch 1024, AdamW, lr 1e-3, 10,000 steps):

* ``TMS_5_2``:    n=5,   m=2,  10 instances, ``I_i = 0.9**i``,  ``p_k = 20**-linspace(0, 1, 10)``
* ``TMS_20_5``:   n=20,  m=5,  10 instances, ``I_i = 0.7**i``,  ``p_k = 20**-linspace(0, 1, 10)``
* ``TMS_100_20``: n=100, m=20, 20 instances, ``I_i = 100**-linspace(0, 1, 100)``,
  ``p_k = 20**-linspace(0, 1, 20)``
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np

from .model import SeedLike, ToyModel, as_generator, init_model
from .training import TrainResult, train

__all__ = ["ToyConfig", "TMS_5_2", "TMS_20_5", "TMS_100_20", "TMS_CONFIGS"]


@dataclass(frozen=True)
class ToyConfig:
    """One toy-model experiment: model shape, data, importance and optimiser settings.

    ``importance_decay`` gives ``I_i = importance_decay**i``; ``importance_range``
    gives ``I_i = importance_range**-linspace(0, 1, n)`` (only one may be set).
    ``probability_range`` gives ``p_k = probability_range**-linspace(0, 1, n_instances)``.
    """

    name: str
    n_features: int
    n_hidden: int
    n_instances: int
    probability_range: float = 20.0
    importance_decay: Optional[float] = None
    importance_range: Optional[float] = None
    activation: str = "relu"
    bias: bool = True
    tied: bool = True
    batch_size: int = 1024
    steps: int = 10_000
    lr: float = 1e-3
    optimizer: str = "adamw"
    schedule: str = "constant"

    @property
    def importance(self) -> np.ndarray:
        """Feature importances ``I``, (n_features,)."""
        i = np.arange(self.n_features)
        if self.importance_decay is not None:
            return self.importance_decay**i
        if self.importance_range is not None:
            return self.importance_range ** -np.linspace(0.0, 1.0, self.n_features)
        return np.ones(self.n_features)

    @property
    def feature_probability(self) -> np.ndarray:
        """Presence probability per instance, (n_instances,), from 1 down to ``1/probability_range``."""
        return self.probability_range ** -np.linspace(0.0, 1.0, self.n_instances)

    def build(self, seed: SeedLike = None, dtype: object = np.float32) -> ToyModel:
        """A freshly initialised model for this config."""
        return init_model(
            self.n_features,
            self.n_hidden,
            self.n_instances,
            activation=self.activation,
            bias=self.bias,
            tied=self.tied,
            dtype=dtype,
            seed=seed,
        )

    def run(
        self,
        seed: SeedLike = 0,
        *,
        steps: Optional[int] = None,
        dtype: object = np.float32,
        **train_kwargs,
    ) -> TrainResult:
        """Build a model and train it with these settings.

        ``seed`` drives both the initial weights and the data; ``steps`` and any
        keyword of :func:`~course_utils.toy.training.train` override the config.
        """
        rng = as_generator(seed)
        model = self.build(seed=rng, dtype=dtype)
        kwargs = dict(
            feature_probability=self.feature_probability,
            importance=self.importance,
            steps=self.steps if steps is None else steps,
            batch_size=self.batch_size,
            lr=self.lr,
            optimizer=self.optimizer,
            schedule=self.schedule,
            seed=rng,
            desc=self.name,
        )
        kwargs.update(train_kwargs)
        return train(model, **kwargs)


TMS_5_2 = ToyConfig("tms_5_2", n_features=5, n_hidden=2, n_instances=10, importance_decay=0.9)
TMS_20_5 = ToyConfig("tms_20_5", n_features=20, n_hidden=5, n_instances=10, importance_decay=0.7)
TMS_100_20 = ToyConfig(
    "tms_100_20", n_features=100, n_hidden=20, n_instances=20, importance_range=100.0
)
TMS_CONFIGS = {c.name: c for c in (TMS_5_2, TMS_20_5, TMS_100_20)}
