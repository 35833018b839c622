"""Training softmax bandit policies with CoPG and its baselines: sampled Adam, exact flows.

Three ways of following a method's ascent direction (module ``_objective``), all starting at
``theta = ln pi_ref`` (a softmax over K free logits initialised at the reference policy, the
natural reading of the paper's toy experiment, Sec. 5.1 of arXiv 2406.19185):

* :func:`train` -- the paper's procedure: a dataset of pairs, shuffled every epoch, minibatch
  gradients, Adam. Returns the regret ``J(pi*) - J(pi_t)`` at fixed checkpoints.
* :func:`expected_flow` -- the same Adam iterations on the *exact* expected gradient (no
  minibatch noise): what the sampled run would do with infinitely large batches.
* :func:`limit_point` -- the limit of the exact gradient flow ``dtheta/dt = g(theta)``,
  integrated with LSODA until the gradient vanishes and polished by a root finder; its regret
  is the method's asymptotic (possibly biased) regret.

Adam is a few lines of NumPy (Kingma & Ba 2015, Algorithm 1), used for ascent.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from scipy.integrate import solve_ivp
from scipy.optimize import root
from scipy.special import expit

from mdps._validation import as_float_array, check_int, check_real, check_simplex, fail

from ._objective import (
    METHODS,
    RegularisedBandit,
    _check_W,
    data_marginal,
    empirical_pair_distribution,
    _objective_gradient,
    softmax,
)

__all__ = [
    "AdamOptions",
    "adam_step",
    "PairDataset",
    "sample_pairs",
    "TrainingResult",
    "train",
    "expected_flow",
    "LimitPoint",
    "limit_point",
    "checkpoint_steps",
]


class AdamOptions(NamedTuple):
    """Adam's step size and moment decay rates (the usual defaults)."""

    lr: float = 1e-3
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8


def adam_step(theta: np.ndarray, grad: np.ndarray, m: np.ndarray, v: np.ndarray, t: int,
              opts: AdamOptions) -> None:
    """One Adam *ascent* step in place (``t`` counts from 1): moments ``m``, ``v`` updated,
    ``theta += lr * m_hat / (sqrt(v_hat) + eps)``."""
    m *= opts.beta1
    m += (1.0 - opts.beta1) * grad
    v *= opts.beta2
    v += (1.0 - opts.beta2) * grad * grad
    m_hat = m / (1.0 - opts.beta1**t)
    v_hat = v / (1.0 - opts.beta2**t)
    theta += opts.lr * m_hat / (np.sqrt(v_hat) + opts.eps)


@dataclass(frozen=True, eq=False)
class PairDataset:
    """``n`` pairs ``(y, y')`` (n,) each with a Bradley-Terry label ``preferred`` (n,) (True when
    ``y ≻ y'``) drawn once, as in the paper's toy experiment."""

    y: np.ndarray
    y_prime: np.ndarray
    preferred: np.ndarray
    K: int

    @property
    def n(self) -> int:
        return int(self.y.shape[0])

    @property
    def winners(self) -> np.ndarray:
        return np.where(self.preferred, self.y, self.y_prime)

    @property
    def losers(self) -> np.ndarray:
        return np.where(self.preferred, self.y_prime, self.y)

    def pair_distribution(self) -> np.ndarray:
        """Empirical ``W`` (K, K) of the pairs."""
        return empirical_pair_distribution(self.y, self.y_prime, self.K)

    def preference_distribution(self) -> np.ndarray:
        """Empirical ``V`` (K, K) of (winner, loser)."""
        return empirical_pair_distribution(self.winners, self.losers, self.K)


def sample_pairs(bandit: RegularisedBandit, mu1: np.ndarray, mu2: np.ndarray, n: int,
                 rng: np.random.Generator) -> PairDataset:
    """Draw ``n`` pairs ``y ~ mu1``, ``y' ~ mu2`` independently, and a label
    ``y ≻ y'`` with probability ``sigma(R(y) - R(y'))`` for each."""
    K = bandit.K
    mu1 = as_float_array("mu1", mu1, ndim=1)
    mu2 = as_float_array("mu2", mu2, ndim=1)
    for name, mu in (("mu1", mu1), ("mu2", mu2)):
        if mu.shape != (K,):
            fail(name, f"shape (K,) = ({K},)", f"shape {mu.shape}")
        check_simplex(name, mu)
    n = check_int("n", n, minimum=1)
    if not isinstance(rng, np.random.Generator):
        fail("rng", "a numpy.random.Generator", repr(rng), TypeError)
    y = rng.choice(K, size=n, p=mu1 / mu1.sum())
    y_prime = rng.choice(K, size=n, p=mu2 / mu2.sum())
    preferred = rng.random(n) < expit(bandit.R[y] - bandit.R[y_prime])
    return PairDataset(y, y_prime, preferred, K)


def _batch_gradient(method: str, bandit: RegularisedBandit, theta: np.ndarray, y: np.ndarray,
                    yp: np.ndarray, w: np.ndarray, lo: np.ndarray, tau: float) -> np.ndarray:
    """Minibatch mean of the per-pair ascent directions (K,); no validation (inner loop)."""
    K = bandit.K
    B = y.shape[0]
    if method == "ipo":
        f = bandit.log_ratio(theta)
        d = 2.0 * (0.5 / tau - (f[w] - f[lo]))
        return (np.bincount(w, d, K) - np.bincount(lo, d, K)) / B
    g = bandit.regularised_reward(theta)
    if method == "copg":
        d = g[y] - g[yp]
        return (np.bincount(y, d, K) - np.bincount(yp, d, K)) / B
    b = float(softmax(theta) @ bandit.R) if method == "pg_value" else 0.0
    a1, a2 = g[y] - b, g[yp] - b
    pi = softmax(theta)
    return (np.bincount(y, a1, K) + np.bincount(yp, a2, K) - pi * (a1.sum() + a2.sum())) / (2 * B)


def checkpoint_steps(total_steps: int, n_checkpoints: int) -> np.ndarray:
    """``n_checkpoints`` step counts evenly spread over ``[0, total_steps]`` (ints)."""
    total_steps = check_int("total_steps", total_steps, minimum=0)
    n_checkpoints = check_int("n_checkpoints", n_checkpoints, minimum=2)
    return np.rint(np.linspace(0, total_steps, n_checkpoints)).astype(np.int64)


def _check_method(method: str) -> None:
    if method not in METHODS:
        fail("method", f"one of {METHODS}", repr(method))


@dataclass(frozen=True, eq=False)
class TrainingResult:
    """Final logits and policy, and the regret (n_checkpoints,) at ``steps`` (n_checkpoints,)."""

    theta: np.ndarray
    pi: np.ndarray
    steps: np.ndarray
    regret: np.ndarray


def train(method: str, bandit: RegularisedBandit, data: PairDataset, *, lr: float, epochs: int,
          rng: np.random.Generator, batch_size: int = 512, tau: float | None = None,
          n_checkpoints: int = 21) -> TrainingResult:
    """Minibatch Adam on ``data`` (reshuffled each epoch; the last batch of an epoch may be
    smaller), ``ceil(n / batch_size)`` steps per epoch, from ``theta = ln pi_ref``.
    ``tau`` is IPO's temperature (default ``beta``)."""
    _check_method(method)
    lr = check_real("lr", lr, low=0.0, low_open=True)
    epochs = check_int("epochs", epochs, minimum=0)
    batch_size = check_int("batch_size", batch_size, minimum=1)
    tau = bandit.beta if tau is None else check_real("tau", tau, low=0.0, low_open=True)
    if not isinstance(rng, np.random.Generator):
        fail("rng", "a numpy.random.Generator", repr(rng), TypeError)
    n, K = data.n, bandit.K
    per_epoch = -(-n // batch_size)
    total = epochs * per_epoch
    steps = checkpoint_steps(total, n_checkpoints)
    thetas = np.empty((n_checkpoints, K))
    opts = AdamOptions(lr=lr)
    theta = bandit.theta_ref.copy()
    m, v = np.zeros(K), np.zeros(K)
    winners, losers = data.winners, data.losers
    t, c = 0, 0
    while c < n_checkpoints and steps[c] == 0:
        thetas[c] = theta
        c += 1
    for _ in range(epochs):
        order = rng.permutation(n)
        for start in range(0, n, batch_size):
            idx = order[start:start + batch_size]
            grad = _batch_gradient(method, bandit, theta, data.y[idx], data.y_prime[idx],
                                   winners[idx], losers[idx], tau)
            t += 1
            adam_step(theta, grad, m, v, t, opts)
            while c < n_checkpoints and steps[c] == t:
                thetas[c] = theta
                c += 1
    pis = softmax(thetas)
    return TrainingResult(theta.copy(), softmax(theta), steps, bandit.regret(pis))


def expected_flow(method: str, bandit: RegularisedBandit, W: np.ndarray, V: np.ndarray | None,
                  *, lr: float, steps: int, tau: float | None = None,
                  n_checkpoints: int = 21) -> TrainingResult:
    """Adam on the exact expected gradient over ``W`` (and ``V`` for IPO) for ``steps`` steps."""
    _check_method(method)
    W = _check_W("W", W, bandit.K)
    V = W if V is None else _check_W("V", V, bandit.K)
    lr = check_real("lr", lr, low=0.0, low_open=True)
    steps = check_int("steps", steps, minimum=0)
    tau = bandit.beta if tau is None else check_real("tau", tau, low=0.0, low_open=True)
    marks = checkpoint_steps(steps, n_checkpoints)
    K = bandit.K
    thetas = np.empty((n_checkpoints, K))
    opts = AdamOptions(lr=lr)
    theta = bandit.theta_ref.copy()
    m, v = np.zeros(K), np.zeros(K)
    c = 0
    while c < n_checkpoints and marks[c] == 0:
        thetas[c] = theta
        c += 1
    for t in range(1, steps + 1):
        adam_step(theta, _objective_gradient(method, bandit, W, V, theta, tau), m, v, t, opts)
        while c < n_checkpoints and marks[c] == t:
            thetas[c] = theta
            c += 1
    return TrainingResult(theta.copy(), softmax(theta), marks, bandit.regret(softmax(thetas)))


@dataclass(frozen=True, eq=False)
class LimitPoint:
    """The limit of the exact gradient flow: logits, policy, regret, ``|g|_inf`` there (the
    stationarity certificate) and whether the flow converged (``grad_norm <= tol``)."""

    theta: np.ndarray
    pi: np.ndarray
    regret: float
    grad_norm: float
    converged: bool


def limit_point(method: str, bandit: RegularisedBandit, W: np.ndarray, V: np.ndarray | None = None,
                *, tau: float | None = None, t_max: float = 1e6, tol: float = 1e-11) -> LimitPoint:
    """Integrate ``dtheta/dt = g(theta)`` from ``ln pi_ref`` (LSODA) until ``|g|_inf`` drops
    below ``1e-8`` or ``t = t_max``, then solve ``g = 0`` from there with ``scipy.optimize.root``
    (the logits' sum, along which ``pi`` does not move, held fixed). The root is kept only when
    it lies next to the flow's end point, so the limit is the one the flow reaches."""
    _check_method(method)
    W = _check_W("W", W, bandit.K)
    V = W if V is None else _check_W("V", V, bandit.K)
    tau = bandit.beta if tau is None else check_real("tau", tau, low=0.0, low_open=True)
    t_max = check_real("t_max", t_max, low=0.0, low_open=True)

    def g(theta):
        return _objective_gradient(method, bandit, W, V, theta, tau)

    def small_gradient(t, theta):
        return np.abs(g(theta)).max() - 1e-8

    small_gradient.terminal = True
    theta0 = bandit.theta_ref - bandit.theta_ref.mean()
    sol = solve_ivp(lambda t, th: g(th), (0.0, t_max), theta0, method="LSODA",
                    rtol=1e-10, atol=1e-12, events=small_gradient)
    theta = sol.y[:, -1]
    if np.all(np.isfinite(theta)):
        total = theta.sum()

        def equations(th):
            return np.concatenate([g(th)[:-1], [th.sum() - total]])

        polished = root(equations, theta, method="hybr", options={"xtol": 1e-14})
        if (np.all(np.isfinite(polished.x))
                and np.abs(softmax(polished.x) - softmax(theta)).max() < 1e-4
                and np.abs(g(polished.x)).max() <= np.abs(g(theta)).max()):
            theta = polished.x
    if not np.all(np.isfinite(theta)):
        nan = np.full(bandit.K, np.nan)
        return LimitPoint(nan, nan, float("nan"), float("nan"), False)
    grad_norm = float(np.abs(g(theta)).max())
    pi = softmax(theta)
    return LimitPoint(theta, pi, float(bandit.regret(pi)), grad_norm, grad_norm <= tol)
