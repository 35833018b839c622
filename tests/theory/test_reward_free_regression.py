"""Incremental weighted ridge (Sherman-Morrison) against a plain NumPy solve."""

import numpy as np
import pytest
from hypothesis import given, strategies as st

from tests.strategies import seeds
from theory.reward_free import WeightedRidge, ridge_solve
from theory.reward_free import _kernels


@given(seed=seeds, d=st.integers(1, 12), n=st.integers(1, 60), lam=st.floats(0.05, 10.0))
def test_incremental_matches_solve_after_every_sample(seed, d, n, lam):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    y = rng.normal(size=n)
    w = rng.uniform(0.1, 10.0, size=n)
    reg = WeightedRidge(d, lam)
    path = reg.update_many(X, y, w)
    for i in (0, n // 2, n - 1):
        ref = ridge_solve(X[: i + 1], y[: i + 1], w[: i + 1], lam)
        # condition number <= (lam + 10 n d)/lam ~ 1e5; 1e-7 relative covers SM round-off
        np.testing.assert_allclose(path[i], ref, rtol=1e-7, atol=1e-7)
    np.testing.assert_allclose(reg.Ginv @ reg.G, np.eye(d), atol=1e-7)


@pytest.mark.slow
def test_long_stream_stays_accurate():
    rng = np.random.default_rng(0)
    d, n = 16, 5000
    X = rng.normal(size=(n, d)) / np.sqrt(d)
    y = X @ rng.normal(size=d) + 0.1 * rng.normal(size=n)
    w = rng.uniform(0.5, 4.0, size=n)
    reg = WeightedRidge(d, 1.0)
    path = reg.update_many(X, y, w)
    # drift over 5000 rank-one updates: measured ~1e-12; 1e-8 leaves room for other BLAS
    np.testing.assert_allclose(path[-1], ridge_solve(X, y, w, 1.0), rtol=1e-8, atol=1e-8)
    np.testing.assert_allclose(reg.G, np.eye(d) + (X * w[:, None]).T @ X, atol=1e-9)


def test_single_updates_equal_stream():
    rng = np.random.default_rng(1)
    X, y, w = rng.normal(size=(20, 5)), rng.normal(size=20), rng.uniform(0.5, 2, 20)
    a, b = WeightedRidge(5, 2.0), WeightedRidge(5, 2.0)
    a.update_many(X, y, w)
    for i in range(20):
        b.update(X[i], y[i], w[i])
    np.testing.assert_allclose(a.theta, b.theta, atol=1e-12)
    np.testing.assert_allclose(b.norm(X[0]), np.sqrt(X[0] @ np.linalg.solve(b.G, X[0])), rtol=1e-9)
    snap = b.snapshot()
    assert snap.n == 20 and snap.theta.shape == (5,)


def test_kernel_quad_norm_reference():
    rng = np.random.default_rng(2)
    L = rng.normal(size=(4, 4))
    A = L @ L.T
    x = rng.normal(size=4)
    assert _kernels.quad_norm(A, x) == pytest.approx(np.sqrt(x @ A @ x), rel=1e-12)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: WeightedRidge(0), "d: expected an integer >= 1"),
        (lambda: WeightedRidge(3, 0.0), r"lam: expected a value in \(0, inf\]"),
        (lambda: WeightedRidge(3).update(np.ones(2), 1.0), "x: expected last axis of length d = 3"),
        (lambda: WeightedRidge(3).update(np.ones(3), 1.0, 0.0), r"weight: expected a value in \(0"),
        (lambda: WeightedRidge(2).update_many(np.ones((3, 2)), np.ones(2)), r"y: expected shape \(n,\)"),
        (lambda: WeightedRidge(2).update_many(np.ones((2, 2)), np.ones(2), [1.0, -1.0]),
         "weights: expected positive entries"),
    ],
)
def test_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()
