"""KL-regularised bandits, the CoPG objective and the off-policy baselines, in closed form.

Setting (Flet-Berliac et al., "Contrastive Policy Gradient", EMNLP 2024, arXiv 2406.19185,
Sec. 3-4; the prompt is dropped, every formula holds per prompt). ``K`` arms with
deterministic rewards ``R`` (K,), a reference policy ``pi_ref`` (K,) with full support and a
temperature ``beta > 0``. The regularised objective and its unique maximiser are

    J(pi)    = E_pi[R] - beta KL(pi || pi_ref) = E_pi[R^pi_beta],
    R^pi_beta(y) = R(y) - beta ln(pi(y) / pi_ref(y)),
    pi*(y)   ∝ pi_ref(y) exp(R(y) / beta),      J(pi*) = beta ln sum_y pi_ref(y) e^{R(y)/beta}.

Policies are softmax over logits ``theta`` (K,); every gradient below is the exact gradient
with respect to ``theta`` (``∇_theta ln pi(y) = e_y - pi``).

CoPG (Eq. 7) scores a pair ``(y, y')`` with ``h = ln(pi(y)/pi_ref(y)) - ln(pi(y')/pi_ref(y'))``
and ``ΔR = R(y) - R(y')`` as

    l(y, y') = (R^pi_{beta/2}(y) - R^pi_{beta/2}(y')) h = ΔR h - (beta/2) h^2,
    beta l   = ½ ΔR² - ½ (ΔR - beta h)²                       (App. A: least squares),
    ∇l       = (R^pi_beta(y) - R^pi_beta(y')) (∇ln pi(y) - ∇ln pi(y'))   (Eq. 18-19).

Note the **beta/2** inside the loss and the **full beta** in the gradient's weights: the
second comes from differentiating the first. The objective is ``L(pi) = E_{(y,y')~W}[l]``
for a *pair distribution* ``W`` (K, K): ``W = mu1 ⊗ mu2`` for the population objective, or the
empirical frequencies of a dataset of pairs. Theorem 1: if ``pi_ref``, ``mu1``, ``mu2`` share
their support, the unique maximiser of ``L`` is ``pi*``, whatever ``mu1`` and ``mu2``.
Because ``ΔR - beta h`` vanishes on every pair exactly at ``pi = pi*``, ``pi*`` maximises the
empirical objective of *any* dataset; it is the unique maximiser when the graph whose edges
are the observed pairs is connected (every arm appearing is necessary, not sufficient -- an
observation of ours, tested in tests/theory/test_copg.py).

Baselines of the paper's toy experiment (Sec. 5.1; the choices the text leaves open are
marked as ours):

* off-policy policy gradient (Eq. 23-24) ``E_{y~mu}[(R^pi_beta(y) - b) ∇ln pi(y)]`` with
  ``b = 0`` or the exact value baseline ``b = E_pi[R]``. The paper does not say which samples
  feed it; we use both elements of every pair, so ``mu = (mu1 + mu2) / 2`` (the reading that
  reproduces the reference limits in the project notes).
* IPO with Bradley-Terry preferences ``P(y ≻ y') = sigma(R(y) - R(y'))`` and loss
  ``(h_{w,l} - 1/(2 tau))²`` on (winner, loser) pairs; ``tau = beta`` is our assumption (the
  paper does not state it). Preferences enter through the *preference distribution*
  ``V[w, l]`` (K, K), the probability that a pair has winner ``w`` and loser ``l``.

All functions here are exact and vectorised over the arms; there is no sampling.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import minimize
from scipy.special import expit, logsumexp

from mdps._validation import as_float_array, check_int, check_real, check_shape, check_simplex, fail

__all__ = [
    "RegularisedBandit",
    "softmax",
    "pair_distribution",
    "empirical_pair_distribution",
    "preference_distribution",
    "empirical_preference_distribution",
    "data_marginal",
    "copg_objective",
    "copg_gradient",
    "copg_squared_error",
    "copg_pair_loss",
    "copg_pair_gradient",
    "pg_gradient",
    "ipo_gradient",
    "ipo_pair_gradient",
    "objective_gradient",
    "CoPGFit",
    "maximise_copg",
]


def softmax(theta: np.ndarray) -> np.ndarray:
    """``pi = softmax(theta)`` along the last axis, computed stably."""
    z = theta - theta.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def _log_softmax(theta: np.ndarray) -> np.ndarray:
    z = theta - theta.max(axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


@dataclass(frozen=True, eq=False)
class RegularisedBandit:
    """A K-armed bandit with deterministic rewards ``R`` (K,), reference policy ``pi_ref`` (K,)
    (full support) and KL temperature ``beta > 0``; the exact quantities of the module docs."""

    R: np.ndarray
    beta: float
    pi_ref: np.ndarray
    log_pi_ref: np.ndarray = field(init=False, repr=False)

    def __post_init__(self):
        R = as_float_array("R", self.R, ndim=1)
        K = R.shape[0]
        if K < 2:
            fail("R", "at least 2 arms", f"shape {R.shape}")
        beta = check_real("beta", self.beta, low=0.0, low_open=True)
        pi_ref = as_float_array("pi_ref", self.pi_ref, ndim=1)
        check_shape("pi_ref", pi_ref, (K,), "(K,)")
        check_simplex("pi_ref", pi_ref)
        if pi_ref.min() <= 0:
            fail("pi_ref", "full support (every entry > 0)", f"min entry {pi_ref.min()!r}")
        R.setflags(write=False)
        pi_ref = pi_ref / pi_ref.sum()
        pi_ref.setflags(write=False)
        object.__setattr__(self, "R", R)
        object.__setattr__(self, "beta", beta)
        object.__setattr__(self, "pi_ref", pi_ref)
        log_pi_ref = np.log(pi_ref)
        log_pi_ref.setflags(write=False)
        object.__setattr__(self, "log_pi_ref", log_pi_ref)

    @property
    def K(self) -> int:
        return self.R.shape[0]

    @property
    def theta_ref(self) -> np.ndarray:
        """Logits of ``pi_ref`` (the initialisation of every training run)."""
        return self.log_pi_ref.copy()

    def optimal_policy(self) -> np.ndarray:
        """``pi* ∝ pi_ref exp(R / beta)`` (K,)."""
        return softmax(self.log_pi_ref + self.R / self.beta)

    def optimal_value(self) -> float:
        """``J(pi*) = beta ln sum pi_ref e^{R/beta}`` via logsumexp."""
        return float(self.beta * logsumexp(self.log_pi_ref + self.R / self.beta))

    def value(self, pi: np.ndarray) -> np.ndarray:
        """``J(pi) = E_pi[R] - beta KL(pi || pi_ref)`` for ``pi`` (..., K); ``0 ln 0 = 0``."""
        pi = np.asarray(pi, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            kl = np.where(pi > 0, pi * (np.log(pi) - self.log_pi_ref), 0.0).sum(axis=-1)
        return pi @ self.R - self.beta * kl

    def regret(self, pi: np.ndarray) -> np.ndarray:
        """``J(pi*) - J(pi) >= 0`` for ``pi`` (..., K)."""
        return self.optimal_value() - self.value(pi)

    def regularised_reward(self, theta: np.ndarray) -> np.ndarray:
        """``R^pi_beta = R - beta ln(pi / pi_ref)`` at ``pi = softmax(theta)`` (..., K)."""
        return self.R - self.beta * (_log_softmax(theta) - self.log_pi_ref)

    def log_ratio(self, theta: np.ndarray) -> np.ndarray:
        """``f = ln(pi / pi_ref)`` at ``pi = softmax(theta)`` (..., K)."""
        return _log_softmax(theta) - self.log_pi_ref

    def value_gradient(self, theta: np.ndarray) -> np.ndarray:
        """Exact ``∇_theta J(softmax(theta)) = pi ⊙ (R^pi_beta - J(pi))`` (K,)."""
        pi = softmax(theta)
        g = self.regularised_reward(theta)
        return pi * (g - pi @ g)


# ---------------------------------------------------------------------------------------------
# data distributions


def pair_distribution(mu1: np.ndarray, mu2: np.ndarray) -> np.ndarray:
    """The population pair distribution ``W = mu1 ⊗ mu2`` (K, K): ``y ~ mu1``, ``y' ~ mu2``."""
    mu1 = as_float_array("mu1", mu1, ndim=1)
    mu2 = as_float_array("mu2", mu2, ndim=1)
    check_simplex("mu1", mu1)
    check_shape("mu2", mu2, mu1.shape, "(K,)")
    check_simplex("mu2", mu2)
    return np.outer(mu1, mu2)


def _check_pairs(name: str, y: object, K: int) -> np.ndarray:
    arr = np.asarray(y)
    if arr.ndim != 1 or not np.issubdtype(arr.dtype, np.integer):
        fail(name, "a 1-dimensional integer array of arm indices", f"shape {arr.shape}, dtype {arr.dtype}")
    if arr.size and (arr.min() < 0 or arr.max() >= K):
        fail(name, f"arm indices in [0, {K - 1}]", f"range [{arr.min()}, {arr.max()}]")
    return arr.astype(np.intp, copy=False)


def empirical_pair_distribution(y: np.ndarray, y_prime: np.ndarray, K: int) -> np.ndarray:
    """Frequencies ``W[i, j] = #{pairs (i, j)} / n`` (K, K) of a dataset of pairs."""
    K = check_int("K", K, minimum=2)
    y = _check_pairs("y", y, K)
    y_prime = _check_pairs("y_prime", y_prime, K)
    if y.shape != y_prime.shape or y.size == 0:
        fail("y_prime", f"a non-empty array matching y's shape {y.shape}", f"shape {y_prime.shape}")
    W = np.bincount(y * K + y_prime, minlength=K * K).reshape(K, K).astype(float)
    return W / y.size


def preference_distribution(W: np.ndarray, R: np.ndarray) -> np.ndarray:
    """Expected (winner, loser) distribution ``V`` (K, K) under Bradley-Terry labels.

    A pair ``(i, j) ~ W`` has winner ``i`` with probability ``sigma(R_i - R_j)``:
    ``V = W ⊙ S + (W ⊙ (1 - S))^T`` with ``S[i, j] = sigma(R_i - R_j)``.
    """
    W = as_float_array("W", W, ndim=2)
    R = as_float_array("R", R, ndim=1)
    check_shape("W", W, (R.shape[0], R.shape[0]), "(K, K)")
    S = expit(R[:, None] - R[None, :])
    return W * S + (W * (1.0 - S)).T


def empirical_preference_distribution(winners: np.ndarray, losers: np.ndarray, K: int) -> np.ndarray:
    """Frequencies ``V[w, l]`` (K, K) of labelled pairs (winner, loser)."""
    return empirical_pair_distribution(winners, losers, K)


def data_marginal(W: np.ndarray) -> np.ndarray:
    """The distribution of single samples when both elements of every pair are used,
    ``mu = (mu1 + mu2) / 2`` (K,), from a pair distribution ``W`` (K, K)."""
    W = np.asarray(W, dtype=float)
    return 0.5 * (W.sum(axis=1) + W.sum(axis=0))


# ---------------------------------------------------------------------------------------------
# CoPG: objective, least squares, gradients


def _check_theta(theta: object, K: int) -> np.ndarray:
    theta = as_float_array("theta", theta, ndim=1)
    check_shape("theta", theta, (K,), "(K,)")
    return theta


def _check_W(name: str, W: object, K: int) -> np.ndarray:
    W = as_float_array(name, W, ndim=2)
    check_shape(name, W, (K, K), "(K, K)")
    check_simplex(name, W.reshape(-1))
    return W


def _copg_objective(bandit: RegularisedBandit, W: np.ndarray, theta: np.ndarray) -> float:
    f = bandit.log_ratio(theta)
    h = f[:, None] - f[None, :]
    dR = bandit.R[:, None] - bandit.R[None, :]
    return float(np.sum(W * (dR * h - 0.5 * bandit.beta * h * h)))


def _copg_gradient(bandit: RegularisedBandit, W: np.ndarray, theta: np.ndarray) -> np.ndarray:
    g = bandit.regularised_reward(theta)
    D = W * (g[:, None] - g[None, :])
    return D.sum(axis=1) - D.sum(axis=0)


def copg_objective(bandit: RegularisedBandit, W: np.ndarray, theta: np.ndarray) -> float:
    """``L(pi) = E_{(y,y')~W}[ΔR h - (beta/2) h²]`` (Eq. 7) at ``pi = softmax(theta)``."""
    W = _check_W("W", W, bandit.K)
    return _copg_objective(bandit, W, _check_theta(theta, bandit.K))


def copg_gradient(bandit: RegularisedBandit, W: np.ndarray, theta: np.ndarray) -> np.ndarray:
    """Exact ``∇_theta L`` (K,): ``Σ_{i,j} W_ij (R^pi_beta(i) - R^pi_beta(j)) (e_i - e_j)``
    (Eq. 14-16 in logits; the ``pi`` terms of ``∇ln pi`` cancel between the two samples)."""
    W = _check_W("W", W, bandit.K)
    return _copg_gradient(bandit, W, _check_theta(theta, bandit.K))


def copg_squared_error(bandit: RegularisedBandit, W: np.ndarray, theta: np.ndarray) -> float:
    """``E_W[(ΔR - beta h)²]``; ``beta L = ½ E_W[ΔR²] - ½`` this (App. A)."""
    W = _check_W("W", W, bandit.K)
    f = bandit.log_ratio(_check_theta(theta, bandit.K))
    r = (bandit.R[:, None] - bandit.R[None, :]) - bandit.beta * (f[:, None] - f[None, :])
    return float(np.sum(W * r * r))


def copg_pair_loss(bandit: RegularisedBandit, theta: np.ndarray, y: np.ndarray,
                   y_prime: np.ndarray) -> np.ndarray:
    """Per-pair CoPG loss of Eq. 7 (n,), written literally with ``R^pi_{beta/2}`` weights."""
    theta = _check_theta(theta, bandit.K)
    y = _check_pairs("y", y, bandit.K)
    y_prime = _check_pairs("y_prime", y_prime, bandit.K)
    f = bandit.log_ratio(theta)
    half = bandit.R - 0.5 * bandit.beta * f  # R^pi_{beta/2}
    return (half[y] - half[y_prime]) * f[y] + (half[y_prime] - half[y]) * f[y_prime]


def copg_pair_gradient(bandit: RegularisedBandit, theta: np.ndarray, y: np.ndarray,
                       y_prime: np.ndarray) -> np.ndarray:
    """Per-pair gradient of Eq. 18-19 (n, K): ``(R^pi_beta(y) - R^pi_beta(y')) ∇ln pi(y) +
    (R^pi_beta(y') - R^pi_beta(y)) ∇ln pi(y')`` with the **full** beta in the weights."""
    theta = _check_theta(theta, bandit.K)
    y = _check_pairs("y", y, bandit.K)
    y_prime = _check_pairs("y_prime", y_prime, bandit.K)
    pi = softmax(theta)
    g = bandit.regularised_reward(theta)
    eye = np.eye(bandit.K)
    score_y, score_yp = eye[y] - pi, eye[y_prime] - pi
    w = (g[y] - g[y_prime])[:, None]
    return w * score_y - w * score_yp


# ---------------------------------------------------------------------------------------------
# baselines


def _pg_gradient(bandit: RegularisedBandit, mu: np.ndarray, theta: np.ndarray,
                 baseline: float | str) -> np.ndarray:
    pi = softmax(theta)
    g = bandit.regularised_reward(theta)
    b = float(pi @ bandit.R) if baseline == "value" else baseline
    a = mu * (g - b)
    return a - pi * a.sum()


def pg_gradient(bandit: RegularisedBandit, mu: np.ndarray, theta: np.ndarray,
                baseline: float | str = 0.0) -> np.ndarray:
    """Expected off-policy policy gradient without importance sampling (Eq. 23-24) (K,):
    ``E_{y~mu}[(R^pi_beta(y) - b) ∇ln pi(y)]`` with a constant ``b`` or ``"value"`` for the
    exact value baseline ``b = E_pi[R]``. Equals ``∇J`` only when ``mu = pi``."""
    mu = as_float_array("mu", mu, ndim=1)
    check_shape("mu", mu, (bandit.K,), "(K,)")
    check_simplex("mu", mu)
    if isinstance(baseline, str):
        if baseline != "value":
            fail("baseline", "a real number or 'value'", repr(baseline))
    else:
        baseline = check_real("baseline", baseline)
    return _pg_gradient(bandit, mu, _check_theta(theta, bandit.K), baseline)


def _ipo_gradient(bandit: RegularisedBandit, V: np.ndarray, theta: np.ndarray,
                  tau: float) -> np.ndarray:
    f = bandit.log_ratio(theta)
    D = V * (2.0 * (0.5 / tau - (f[:, None] - f[None, :])))
    return D.sum(axis=1) - D.sum(axis=0)


def ipo_gradient(bandit: RegularisedBandit, V: np.ndarray, theta: np.ndarray,
                 tau: float) -> np.ndarray:
    """Ascent direction ``-∇_theta E_{(w,l)~V}[(h_{w,l} - 1/(2 tau))²]`` (K,) of IPO."""
    V = _check_W("V", V, bandit.K)
    tau = check_real("tau", tau, low=0.0, low_open=True)
    return _ipo_gradient(bandit, V, _check_theta(theta, bandit.K), tau)


def ipo_pair_gradient(bandit: RegularisedBandit, theta: np.ndarray, winners: np.ndarray,
                      losers: np.ndarray, tau: float) -> np.ndarray:
    """Per-pair ``∇_theta (h_{w,l} - 1/(2 tau))²`` (n, K) -- the IPO loss gradient (descent)."""
    theta = _check_theta(theta, bandit.K)
    tau = check_real("tau", tau, low=0.0, low_open=True)
    w = _check_pairs("winners", winners, bandit.K)
    lo = _check_pairs("losers", losers, bandit.K)
    f = bandit.log_ratio(theta)
    eye = np.eye(bandit.K)
    return (2.0 * (f[w] - f[lo] - 0.5 / tau))[:, None] * (eye[w] - eye[lo])


#: The four methods of the toy experiment.
METHODS = ("copg", "pg_zero", "pg_value", "ipo")


def objective_gradient(method: str, bandit: RegularisedBandit, W: np.ndarray, V: np.ndarray,
                       theta: np.ndarray, tau: float) -> np.ndarray:
    """The exact expected ascent direction (K,) of ``method`` (one of :data:`METHODS`) over the
    pair distribution ``W`` (K, K) (preferences ``V`` (K, K) for IPO; single samples
    ``(mu1 + mu2)/2`` for PG)."""
    if method not in METHODS:
        fail("method", f"one of {METHODS}", repr(method))
    W = _check_W("W", W, bandit.K)
    V = _check_W("V", V, bandit.K)
    tau = check_real("tau", tau, low=0.0, low_open=True)
    return _objective_gradient(method, bandit, W, V, _check_theta(theta, bandit.K), tau)


def _objective_gradient(method: str, bandit: RegularisedBandit, W: np.ndarray, V: np.ndarray,
                        theta: np.ndarray, tau: float) -> np.ndarray:
    if method == "copg":
        return _copg_gradient(bandit, W, theta)
    if method == "pg_zero":
        return _pg_gradient(bandit, data_marginal(W), theta, 0.0)
    if method == "pg_value":
        return _pg_gradient(bandit, data_marginal(W), theta, "value")
    return _ipo_gradient(bandit, V, theta, tau)


# ---------------------------------------------------------------------------------------------
# maximising L


@dataclass(frozen=True, eq=False)
class CoPGFit:
    """The maximiser of ``L`` found by L-BFGS: logits, policy, ``|∇L|_inf`` there (an
    independent certificate of stationarity), iterations and scipy's success flag."""

    theta: np.ndarray
    pi: np.ndarray
    objective: float
    grad_norm: float
    iterations: int
    success: bool


def maximise_copg(bandit: RegularisedBandit, W: np.ndarray, theta0: np.ndarray | None = None,
                  gtol: float = 1e-12, maxiter: int = 10_000) -> CoPGFit:
    """Maximise ``L`` over logits with scipy's L-BFGS-B, from ``theta0`` (default ``pi_ref``).

    ``L`` is a concave quadratic in ``theta`` (``h`` is linear in the logits), so L-BFGS meets
    tight tolerances; the result is judged by ``grad_norm``, not by scipy's stopping rule.
    """
    W = _check_W("W", W, bandit.K)
    theta0 = bandit.theta_ref if theta0 is None else _check_theta(theta0, bandit.K)
    check_real("gtol", gtol, low=0.0, low_open=True)
    maxiter = check_int("maxiter", maxiter, minimum=1)

    def negative(theta):
        return -_copg_objective(bandit, W, theta), -_copg_gradient(bandit, W, theta)

    res = minimize(negative, theta0, jac=True, method="L-BFGS-B",
                   options={"gtol": gtol, "ftol": 0.0, "maxiter": maxiter, "maxcor": 20})
    theta = res.x - res.x.mean()
    grad = _copg_gradient(bandit, W, theta)
    return CoPGFit(theta, softmax(theta), -float(res.fun), float(np.abs(grad).max()),
                   int(res.nit), bool(res.success))
