"""Adam and AdamW working in place on one flat parameter vector.

The update follows Kingma & Ba (2015) with bias correction, and AdamW's
decoupled weight decay (Loshchilov & Hutter, 2019) in the same form as
``torch.optim.AdamW``: ``θ ← θ (1 - lr λ)`` before the Adam step.  Because a
:class:`~course_utils.toy.model.ToyModel` keeps all parameters in one buffer,
a step costs a fixed handful of vectorised operations whatever the model.
"""
from __future__ import annotations

from typing import Tuple

import numpy as np

__all__ = ["Adam", "AdamW", "make_optimizer"]


class Adam:
    """Adam on a flat float array, updated in place.

    Parameters
    ----------
    params : (P,) float array
        Updated in place by :meth:`step`.
    lr : float
        Base learning rate (a schedule may pass another value to :meth:`step`).
    betas : (float, float)
        Decay rates of the first and second moment estimates, each in [0, 1).
    eps : float
        Added to the root of the second moment for stability.
    weight_decay : float
        Decoupled weight decay (0 for plain Adam).
    """

    def __init__(
        self,
        params: np.ndarray,
        lr: float = 1e-3,
        betas: Tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        if not isinstance(params, np.ndarray) or params.ndim != 1:
            raise ValueError("params must be a 1-D numpy array (ToyModel.params)")
        if not lr > 0:
            raise ValueError(f"lr must be positive; got {lr!r}")
        b1, b2 = betas
        if not (0 <= b1 < 1 and 0 <= b2 < 1):
            raise ValueError(f"betas must each lie in [0, 1); got {betas!r}")
        if not eps > 0:
            raise ValueError(f"eps must be positive; got {eps!r}")
        if not weight_decay >= 0:
            raise ValueError(f"weight_decay must be >= 0; got {weight_decay!r}")
        self.params = params
        self.lr = float(lr)
        self.betas = (float(b1), float(b2))
        self.eps = float(eps)
        self.weight_decay = float(weight_decay)
        self.t = 0
        self.m = np.zeros_like(params)
        self.v = np.zeros_like(params)
        self._tmp = np.empty_like(params)

    def step(self, grad: np.ndarray, lr: float | None = None) -> None:
        """Apply one update with gradient ``grad`` (same shape as ``params``)."""
        if grad.shape != self.params.shape:
            raise ValueError(
                f"grad must have the shape of params {self.params.shape}; got {grad.shape}"
            )
        lr = self.lr if lr is None else float(lr)
        b1, b2 = self.betas
        self.t += 1
        m, v, tmp, p = self.m, self.v, self._tmp, self.params
        # m += (1 - b1) (g - m);  v += (1 - b2) (g^2 - v)
        np.subtract(grad, m, out=tmp)
        tmp *= 1.0 - b1
        m += tmp
        np.multiply(grad, grad, out=tmp)
        tmp -= v
        tmp *= 1.0 - b2
        v += tmp
        if self.weight_decay:
            p *= 1.0 - lr * self.weight_decay
        bc1 = 1.0 - b1**self.t
        bc2 = 1.0 - b2**self.t
        # p -= lr / bc1 * m / (sqrt(v / bc2) + eps)
        np.sqrt(v, out=tmp)
        tmp *= 1.0 / np.sqrt(bc2)
        tmp += self.eps
        np.divide(m, tmp, out=tmp)
        tmp *= lr / bc1
        p -= tmp


class AdamW(Adam):
    """Adam with decoupled weight decay; ``weight_decay`` defaults to 0.01 as in PyTorch."""

    def __init__(
        self,
        params: np.ndarray,
        lr: float = 1e-3,
        betas: Tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.01,
    ) -> None:
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay)


def make_optimizer(name: str, params: np.ndarray, **kwargs) -> Adam:
    """Build ``"adam"`` or ``"adamw"`` on ``params``; kwargs go to the constructor."""
    table = {"adam": Adam, "adamw": AdamW}
    key = str(name).lower()
    if key not in table:
        raise ValueError(f"optimizer must be one of {sorted(table)}; got {name!r}")
    return table[key](params, **kwargs)
