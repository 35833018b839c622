"""Incremental weighted ridge regression (rank-one Sherman-Morrison updates).

Setting. Samples ``(x_i, y_i)`` with weights ``w_i = 1 / sigma_i^2`` arrive one at a time; the
weighted ridge estimate after ``n`` samples is

    theta_n = argmin_theta  lam ||theta||^2 + sum_i w_i (<x_i, theta> - y_i)^2
            = G_n^{-1} b_n,   G_n = lam I + sum_i w_i x_i x_i^T,   b_n = sum_i w_i y_i x_i.

This is eq. (2.6.3) of the HF-UCRL-RFE++ analysis (Zhang, Zhang & Gu, ICML 2023; notes A2.3)
and the regression inside every value-targeted-regression (VTR) learner. Rather than solving
``G_n theta = b_n`` afresh after each sample (O(d^3)), the inverse Gram matrix is updated by
the Sherman-Morrison formula

    G_{n+1}^{-1} = G_n^{-1} - w (G_n^{-1} x)(G_n^{-1} x)^T / (1 + w x^T G_n^{-1} x),

O(d^2) per sample (notes A3.6). The kernels live in ``_kernels.py``; this module is the
validated public wrapper. ``Ginv`` is re-symmetrised periodically against round-off drift.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mdps._validation import as_float_array, check_int, check_real, check_shape, fail

from . import _kernels

__all__ = ["WeightedRidge", "RidgeSnapshot", "ridge_solve"]

#: Symmetrise the inverse every this many rank-one updates in :meth:`WeightedRidge.update_many`.
SYMMETRIZE_EVERY = 64


@dataclass(frozen=True)
class RidgeSnapshot:
    """Immutable view of a :class:`WeightedRidge` state: ``theta (d,)``, ``G``/``Ginv (d, d)``,
    ``b (d,)`` and the number of samples ``n`` seen."""

    theta: np.ndarray
    G: np.ndarray
    Ginv: np.ndarray
    b: np.ndarray
    n: int


class WeightedRidge:
    """Weighted ridge regression updated one sample at a time in O(d^2).

    Parameters
    ----------
    d : int
        Dimension of the features.
    lam : float
        Ridge parameter (> 0); the Gram matrix starts at ``lam * I``.

    The state (``G``, ``Ginv``, ``b``) is mutable by design (it is a running estimator);
    :meth:`snapshot` returns a frozen copy.
    """

    def __init__(self, d: int, lam: float = 1.0):
        self.d = check_int("d", d, minimum=1)
        self.lam = check_real("lam", lam, low=0.0, low_open=True)
        self.G = self.lam * np.eye(self.d)
        self.Ginv = np.eye(self.d) / self.lam
        self.b = np.zeros(self.d)
        self.n = 0

    def _check_x(self, name: str, x, ndim: int) -> np.ndarray:
        x = as_float_array(name, x, ndim=ndim)
        if x.shape[-1] != self.d:
            fail(name, f"last axis of length d = {self.d}", f"shape {x.shape}")
        return x

    def update(self, x, y: float, weight: float = 1.0) -> None:
        """Add one sample ``(x (d,), y)`` with weight ``1 / sigma^2 = weight`` (> 0)."""
        x = self._check_x("x", x, 1)
        y = check_real("y", y)
        weight = check_real("weight", weight, low=0.0, low_open=True)
        _kernels.sm_update(self.Ginv, self.G, self.b, x, y, weight)
        self.n += 1
        if self.n % SYMMETRIZE_EVERY == 0:
            _kernels.symmetrize(self.Ginv)

    def update_many(self, X, y, weights=None) -> np.ndarray:
        """Add samples ``X (n, d)``, ``y (n,)``, ``weights (n,)`` in order; return the estimate
        after each sample, ``(n, d)`` (what a per-sample ``solve`` would give)."""
        X = self._check_x("X", X, 2)
        n = X.shape[0]
        y = as_float_array("y", y, ndim=1)
        check_shape("y", y, (n,), "(n,)")
        if weights is None:
            weights = np.ones(n)
        weights = as_float_array("weights", weights, ndim=1)
        check_shape("weights", weights, (n,), "(n,)")
        if n and weights.min() <= 0:
            fail("weights", "positive entries", f"minimum {weights.min()!r}")
        out = np.empty((n, self.d))
        _kernels.ridge_stream(self.Ginv, self.G, self.b, X, y, weights, out, SYMMETRIZE_EVERY)
        self.n += n
        return out

    @property
    def theta(self) -> np.ndarray:
        """The current estimate ``G^{-1} b``, shape ``(d,)``."""
        return self.Ginv @ self.b

    def norm(self, x) -> np.ndarray:
        """``||x||_{G^{-1}} = sqrt(x^T G^{-1} x)`` for ``x (..., d)``."""
        x = self._check_x("x", x, (1, 2))
        return np.sqrt(np.maximum(np.einsum("...i,ij,...j->...", x, self.Ginv, x), 0.0))

    def snapshot(self) -> RidgeSnapshot:
        return RidgeSnapshot(self.theta.copy(), self.G.copy(), self.Ginv.copy(), self.b.copy(), self.n)


def ridge_solve(X, y, weights=None, lam: float = 1.0) -> np.ndarray:
    """Reference batch solution ``(lam I + X^T W X)^{-1} X^T W y`` by ``numpy.linalg.solve``."""
    X = as_float_array("X", X, ndim=2)
    n, d = X.shape
    y = as_float_array("y", y, ndim=1)
    check_shape("y", y, (n,), "(n,)")
    w = np.ones(n) if weights is None else as_float_array("weights", weights, ndim=1)
    check_shape("weights", w, (n,), "(n,)")
    lam = check_real("lam", lam, low=0.0, low_open=True)
    G = lam * np.eye(d) + (X * w[:, None]).T @ X
    return np.linalg.solve(G, X.T @ (w * y))
