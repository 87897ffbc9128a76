"""Parameters of the toy autoencoders from "Toy Models of Superposition".

Each model maps ``x`` in R^n to ``x' = act(W_decᵀ h + b)`` through an
``m``-dimensional hidden layer ``h = W x``.  ``act`` is ReLU (the model of
lessons 03 and 04) or the identity (the linear baseline).  The hidden layer
is linear, or ``h = ReLU(W x)`` for the privileged-basis model of lesson 04,
whose neurons are the hidden coordinates.  With tied weights
``W_dec`` is ``W`` itself, which is the model of the paper; an untied model has
a separate decoder.

Many independent models ("instances") live side by side in one object so a
whole sweep trains as one batched computation.  All parameters share a single
contiguous buffer (:attr:`ToyModel.params`); ``W``, ``W_dec`` and ``b`` are
views into it, so an optimizer updates every parameter with a handful of
vectorised operations.

Shapes
------
``W, W_dec : (n_instances, n_hidden, n_features)``, ``b : (n_instances, n_features)``.
"""
from __future__ import annotations

from typing import Optional, Union

import numpy as np

__all__ = ["ACTIVATIONS", "ToyModel", "init_model", "as_generator", "check_dtype"]

ACTIVATIONS = ("relu", "linear")

SeedLike = Union[None, int, np.random.Generator]


def as_generator(seed: SeedLike) -> np.random.Generator:
    """Return a ``np.random.Generator`` for ``seed`` (an int, None or a Generator)."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None or isinstance(seed, (int, np.integer)):
        return np.random.default_rng(seed)
    raise TypeError(
        f"seed must be an int, None or a numpy.random.Generator; got {type(seed).__name__}"
    )


def check_dtype(dtype: object) -> np.dtype:
    """Return ``dtype`` as ``np.float32`` or ``np.float64``; anything else is a ValueError."""
    dt = np.dtype(dtype)
    if dt not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise ValueError(f"dtype must be float32 or float64; got {dt}")
    return dt


class ToyModel:
    """A batch of independent toy autoencoders ``x' = act(W_decᵀ W x + b)``.

    Parameters
    ----------
    W : (n_instances, n_hidden, n_features) array
        Encoder weights; column ``W[k, :, i]`` is feature ``i``'s direction in
        instance ``k``.
    b : (n_instances, n_features) array, optional
        Output bias; ``None`` builds a model without bias.
    W_dec : (n_instances, n_hidden, n_features) array, optional
        Separate decoder weights; ``None`` ties the decoder to ``W``.
    activation : {"relu", "linear"}
        Output nonlinearity.
    hidden_activation : {"linear", "relu"}
        Nonlinearity of the hidden layer (``"relu"``: ``h = ReLU(W x)``, a privileged basis).
    dtype : float32 or float64, optional
        Storage type; defaults to the dtype of ``W`` (float32 for integer input).

    Notes
    -----
    The arrays are copied into one buffer.  ``model.W`` and friends are views
    of it: change them in place (``model.W[...] = new``), not by assignment.
    """

    __slots__ = ("params", "activation", "hidden_activation", "_shape", "_tied", "_bias", "_views")

    def __init__(
        self,
        W: np.ndarray,
        b: Optional[np.ndarray] = None,
        W_dec: Optional[np.ndarray] = None,
        activation: str = "relu",
        dtype: object = None,
        hidden_activation: str = "linear",
    ) -> None:
        W = np.asarray(W)
        if W.ndim != 3:
            raise ValueError(
                "W must have shape (n_instances, n_hidden, n_features); got "
                f"{W.ndim}-D shape {W.shape}. For a single model use W[None]."
            )
        if dtype is None:
            dtype = W.dtype if W.dtype.kind == "f" else np.float32
        dt = check_dtype(dtype)
        for name, value in (("activation", activation), ("hidden_activation", hidden_activation)):
            if value not in ACTIVATIONS:
                raise ValueError(f"{name} must be one of {ACTIVATIONS}; got {value!r}")
        n_inst, m, n = W.shape
        if min(W.shape) < 1:
            raise ValueError(f"every dimension of W must be at least 1; got shape {W.shape}")
        if W_dec is not None:
            W_dec = np.asarray(W_dec)
            if W_dec.shape != W.shape:
                raise ValueError(
                    f"W_dec must have the same shape as W {W.shape}; got {W_dec.shape}"
                )
        if b is not None:
            b = np.asarray(b)
            if b.shape != (n_inst, n):
                raise ValueError(
                    f"b must have shape (n_instances, n_features) = {(n_inst, n)}; got {b.shape}"
                )
        arrays = [W] + ([W_dec] if W_dec is not None else []) + ([b] if b is not None else [])
        for a in arrays:
            if not np.all(np.isfinite(a)):
                raise ValueError("model parameters must be finite (no NaN or inf)")
        self.params = np.empty(sum(a.size for a in arrays), dtype=dt)
        self.activation = activation
        self.hidden_activation = hidden_activation
        self._shape = (n_inst, m, n)
        self._tied = W_dec is None
        self._bias = b is not None
        self._views = self.split(self.params)
        for view, a in zip(self._views, arrays):
            view[...] = a

    # -- layout ---------------------------------------------------------------
    def split(self, flat: np.ndarray) -> list:
        """Views ``[W, (W_dec), (b)]`` into a flat array laid out like :attr:`params`."""
        n_inst, m, n = self._shape
        size_w = n_inst * m * n
        views = [flat[:size_w].reshape(n_inst, m, n)]
        offset = size_w
        if not self._tied:
            views.append(flat[offset : offset + size_w].reshape(n_inst, m, n))
            offset += size_w
        if self._bias:
            views.append(flat[offset : offset + n_inst * n].reshape(n_inst, n))
        return views

    @property
    def W(self) -> np.ndarray:
        """Encoder weights, (n_instances, n_hidden, n_features)."""
        return self._views[0]

    @property
    def W_dec(self) -> np.ndarray:
        """Decoder weights, (n_instances, n_hidden, n_features); ``W`` itself when tied."""
        return self._views[0] if self._tied else self._views[1]

    @property
    def b(self) -> Optional[np.ndarray]:
        """Output bias, (n_instances, n_features), or None for a model without bias."""
        return self._views[-1] if self._bias else None

    @property
    def tied(self) -> bool:
        return self._tied

    @property
    def n_instances(self) -> int:
        return self._shape[0]

    @property
    def n_hidden(self) -> int:
        return self._shape[1]

    @property
    def n_features(self) -> int:
        return self._shape[2]

    @property
    def dtype(self) -> np.dtype:
        return self.params.dtype

    def copy(self) -> "ToyModel":
        """An independent copy (same layout, new buffer)."""
        return ToyModel(
            self.W,
            b=self.b,
            W_dec=None if self._tied else self.W_dec,
            activation=self.activation,
            dtype=self.dtype,
            hidden_activation=self.hidden_activation,
        )

    def __repr__(self) -> str:
        n_inst, m, n = self._shape
        return (
            f"ToyModel(n_instances={n_inst}, n_hidden={m}, n_features={n}, "
            f"activation={self.activation!r}, hidden_activation={self.hidden_activation!r}, "
            f"tied={self._tied}, bias={self._bias}, "
            f"dtype={self.dtype.name})"
        )

    # -- evaluation -----------------------------------------------------------
    def forward(self, x: np.ndarray) -> np.ndarray:
        """Reconstruct ``x``.

        Parameters
        ----------
        x : (batch, n_features) or (n_instances, batch, n_features) array
            A 2-D batch is fed to every instance.

        Returns
        -------
        out : (n_instances, batch, n_features) array
        """
        out = np.matmul(self.hidden(x), self.W_dec)
        if self._bias:
            out += self.b[:, None, :]
        if self.activation == "relu":
            np.maximum(out, 0, out=out)
        return out

    def hidden(self, x: np.ndarray) -> np.ndarray:
        """Hidden activations ``h = W x`` (``ReLU(W x)`` with a ReLU hidden layer), (n_instances, batch, n_hidden)."""
        h = np.matmul(self._check_input(x), self.W.transpose(0, 2, 1))
        if self.hidden_activation == "relu":
            np.maximum(h, 0, out=h)
        return h

    def _check_input(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=self.dtype)
        given = x.shape
        n_inst, _, n = self._shape
        if x.ndim == 2:
            x = x[None]
        if x.ndim != 3 or x.shape[-1] != n or x.shape[0] not in (1, n_inst) or x.shape[1] < 1:
            raise ValueError(
                "x must have shape (batch, n_features) or (n_instances, batch, n_features) "
                f"with n_instances={n_inst}, n_features={n}; got {given}"
            )
        return x


def init_model(
    n_features: int,
    n_hidden: int,
    n_instances: int = 1,
    *,
    activation: str = "relu",
    hidden_activation: str = "linear",
    bias: bool = True,
    tied: bool = True,
    dtype: object = np.float32,
    seed: SeedLike = None,
) -> ToyModel:
    """A fresh model with Xavier-normal weights and zero bias.

    Every entry of ``W`` (and ``W_dec``) is drawn from N(0, 2 / (n_hidden + n_features)),
    independently per instance.

    Parameters
    ----------
    n_features, n_hidden, n_instances : int
        ``n``, ``m`` and the number of independent models.
    activation : {"relu", "linear"}
        Output nonlinearity.
    hidden_activation : {"linear", "relu"}
        Hidden-layer nonlinearity (``"relu"``: neurons with a privileged basis).
    bias : bool
        Include the output bias ``b`` (initialised to zero).
    tied : bool
        Tie the decoder to the encoder (``W_dec = W``).
    dtype : float32 or float64
    seed : int, None or numpy.random.Generator

    Returns
    -------
    ToyModel
    """
    for name, value in (("n_features", n_features), ("n_hidden", n_hidden), ("n_instances", n_instances)):
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
            raise ValueError(f"{name} must be a positive integer; got {value!r}")
    dt = check_dtype(dtype)
    rng = as_generator(seed)
    std = np.sqrt(2.0 / (n_hidden + n_features))
    shape = (n_instances, n_hidden, n_features)
    W = rng.normal(0.0, std, size=shape)
    W_dec = None if tied else rng.normal(0.0, std, size=shape)
    b = np.zeros((n_instances, n_features)) if bias else None
    return ToyModel(W, b=b, W_dec=W_dec, activation=activation, dtype=dt, hidden_activation=hidden_activation)
