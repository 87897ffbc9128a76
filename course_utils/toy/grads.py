"""Loss and analytic gradients of the toy models, with preallocated buffers.

Loss (summed over instances ``k``, averaged over the batch and the features)::

    L = sum_k  1/(B n) sum_{b, i}  I_{k i} (x_{k b i} - x'_{k b i})^2

Backward pass, per instance.  Internally a batch is stored feature-major,
``X : (n, B)`` (one column per example), so every elementwise operation runs
along the long batch axis::

    H  = W X                    (m, B)      A = act_h(H)          (m, B)
    Z  = W_decᵀ A + b           (n, B)
    dZ = 2 / (B n) * I * (act(Z) - X) * act'(Z)                    (n, B)
    db = sum_b dZ               (n,)
    dW_dec = A dZᵀ              (m, n)
    dH = (W_dec dZ) * act_h'(H) (m, B)
    dW = dH Xᵀ   (+ dW_dec when tied)                               (m, n)

``act_h`` is the identity (``A = H``) unless the model has a ReLU hidden layer.

:class:`LossGrad` evaluates this for all instances at once with batched
``np.matmul`` calls writing into buffers it owns, so a training step allocates
almost nothing.  :func:`loss_and_grads` is the convenient one-shot form.
"""
from __future__ import annotations

from typing import Optional, Tuple

import numpy as np

from .data import broadcast_importance
from .model import ToyModel

__all__ = ["LossGrad", "loss_and_grads", "loss"]


class LossGrad:
    """Fused forward and backward pass for a fixed model and batch size.

    Parameters
    ----------
    model : ToyModel
        The buffers are laid out for this model; its parameters are read at
        every call, so in-place updates are seen.
    batch_size : int
    importance : float, (n_features,) or (n_instances, n_features)

    Attributes
    ----------
    xT : (n_instances, n_features, batch_size) array
        Input buffer, feature-major: fill it (``sampler.fill_feature_major(rng, lg.xT)``
        or :meth:`set_batch`) and call.
    grad : array shaped like ``model.params``
        Gradient of the loss, written by each call.
    grads : list of arrays
        Views ``[dW, (dW_dec), (db)]`` of :attr:`grad`.
    """

    def __init__(self, model: ToyModel, batch_size: int, importance=1.0) -> None:
        if not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
            raise ValueError(f"batch_size must be a positive integer; got {batch_size!r}")
        self.model = model
        n_inst, m, n = model.n_instances, model.n_hidden, model.n_features
        dt = model.dtype
        B = int(batch_size)
        self.batch_size = B
        imp = broadcast_importance(importance, n_inst, n)  # (1|I, 1, 1|n)
        imp = imp.transpose(0, 2, 1)  # (1|I, 1|n, 1): broadcasts along the batch axis
        self._importance_2d = imp[:, :, 0].astype(np.float64)  # (1|I, 1|n)
        self._scale = (imp * (2.0 / (B * n))).astype(dt)
        self.xT = np.zeros((n_inst, n, B), dtype=dt)
        self._h = np.empty((n_inst, m, B), dtype=dt)
        self._dh = np.empty((n_inst, m, B), dtype=dt)
        self._z = np.empty((n_inst, n, B), dtype=dt)
        self._dz = np.empty((n_inst, n, B), dtype=dt)
        self._relu = model.activation == "relu"
        self._a = np.empty((n_inst, m, B), dtype=dt) if model.hidden_activation == "relu" else self._h
        self.grad = np.zeros_like(model.params)
        self.grads = model.split(self.grad)
        self._gdec = np.empty((n_inst, m, n), dtype=dt) if model.tied else self.grads[1]

    def set_batch(self, x: np.ndarray) -> None:
        """Copy a batch ``x : (n_instances or 1, batch_size, n_features)`` into :attr:`xT`."""
        x = self.model._check_input(x)
        if x.shape[1] != self.batch_size:
            raise ValueError(
                f"this LossGrad was built for batch_size={self.batch_size}; got a batch of {x.shape[1]}"
            )
        self.xT[...] = x.transpose(0, 2, 1)

    def __call__(self, need_loss: bool = True) -> Optional[np.ndarray]:
        """Gradient at the current parameters and inputs :attr:`xT`.

        Parameters
        ----------
        need_loss : bool
            Also compute the per-instance loss (one extra pass over the batch).

        Returns
        -------
        loss : (n_instances,) float64 array, or None when ``need_loss`` is False
        """
        model = self.model
        W, Wd, b = model.W, model.W_dec, model.b
        x, h, a, dh, z, dz = self.xT, self._h, self._a, self._dh, self._z, self._dz
        np.matmul(W, x, out=h)
        if a is not h:
            np.maximum(h, 0, out=a)
        np.matmul(Wd.transpose(0, 2, 1), a, out=z)
        if b is not None:
            z += b[:, :, None]
        if need_loss and self._relu:
            np.maximum(z, 0, out=z)  # x' exactly, for the loss
        # The error x' - x. Without the loss, z stays unclamped: where the ReLU is active
        # x' = z, and elsewhere the mask below zeroes the gradient anyway.
        np.subtract(z, x, out=dz)
        result = None
        if need_loss:
            # per instance: sum_{b,i} I_i (x' - x)^2 / (B n)
            sq = np.einsum("kib,kib->ki", dz, dz)
            result = (sq * self._importance_2d).sum(axis=1) / (self.batch_size * z.shape[1])
        dz *= self._scale
        if self._relu:
            np.greater(z, 0, out=z, casting="unsafe")  # z is no longer needed: reuse it as the mask
            dz *= z
        gW = self.grads[0]
        if b is not None:
            np.sum(dz, axis=2, out=self.grads[-1])
        np.matmul(a, dz.transpose(0, 2, 1), out=self._gdec)
        np.matmul(Wd, dz, out=dh)
        if a is not h:
            dh *= h > 0                       # the hidden ReLU passes gradient only where it was active
        np.matmul(dh, x.transpose(0, 2, 1), out=gW)
        if model.tied:
            gW += self._gdec
        return result


def loss_and_grads(
    model: ToyModel, x: np.ndarray, importance=1.0
) -> Tuple[np.ndarray, list]:
    """Per-instance loss and gradients for one batch.

    Parameters
    ----------
    model : ToyModel
    x : (batch, n_features) or (n_instances, batch, n_features) array
    importance : float, (n_features,) or (n_instances, n_features)

    Returns
    -------
    loss : (n_instances,) array
    grads : list of arrays ``[dW, (dW_dec), (db)]`` shaped like the parameters
    """
    x = model._check_input(x)
    lg = LossGrad(model, x.shape[1], importance)
    lg.set_batch(x)
    value = lg()
    return value, [g.copy() for g in lg.grads]


def loss(model: ToyModel, x: np.ndarray, importance=1.0) -> np.ndarray:
    """Per-instance importance-weighted MSE, (n_instances,) float64.

    ``x`` is (batch, n_features) or (n_instances, batch, n_features).
    """
    x = model._check_input(x)
    imp = broadcast_importance(importance, model.n_instances, model.n_features)
    err = model.forward(x) - x
    return np.mean(imp * err.astype(np.float64) ** 2, axis=(1, 2))
