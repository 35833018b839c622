"""Baselines for reward-free exploration in linear mixture MDPs (notes A7).

**UCRL-RFE** (Zhang, Zhou & Gu 2021, arXiv 2110.06394; dissertation Alg. 1-2). Not
horizon-free: rewards ``r_h in [0, 1]``, values in ``[0, H]``, and a *per-step* bonus.
Exploration episode k, with ``Sigma = Sigma_{1,k}`` frozen during the episode:

    r^k_h(s, a) = min{1, (2 beta / H) max_{f: S -> [0, H-h]} ||psi_f(s, a)||_{Sigma^{-1}}},
    PLAN: Q_h = clip_[0, H](r_h + <psi_{V_{h+1}}, theta> + beta ||psi_{V_{h+1}}||_{Sigma^{-1}}),

then an unweighted VTR update on ``u^k_h``, the maximising ``f`` (a vertex of the box, found
by enumerating ``2^S`` vertices: small S only). Parameters ``lam = B^{-2}`` and
``beta = H sqrt(d log(3 (1 + K H^3 B^2) / delta)) + 1``, times the explicit ``radius_scale``.
Planning for a reward with total <= 1 follows notes C2-E3b: run PLAN on ``H r`` (per-step
rewards in [0, 1]) and evaluate the policy on ``r``. Guarantee O~(H^5 d^2 / eps^2) for
r in [0, 1], i.e. O~(H^3 d^2 / eps^2) at accuracy eps for total reward <= 1.

**Uniform exploration**: uniformly random actions, then least-squares model regression on
every indicator target ``1{s' = n}`` (mean ``<phi(n | s, a), theta*>``), and greedy planning
in the fitted model (``_planning.plan_in_model``).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from mdps._validation import as_float_array, check_int, check_real, fail

from . import _kernels
from ._explore import _check_instance
from ._planning import _rewards

__all__ = [
    "BaselineResult",
    "ucrl_rfe_radius",
    "explore_ucrl_rfe",
    "plan_ucrl_rfe",
    "explore_uniform",
]

#: Largest S for UCRL-RFE's exact vertex enumeration (2^S vertices per (s, a)).
UCRL_MAX_S = 12


@dataclass(frozen=True)
class BaselineResult:
    """``checkpoints (C,)``; ``thetas (C, d)`` the regression estimate after each checkpoint
    episode; ``Ginvs (C, d, d)`` the inverse Gram matrices (UCRL-RFE plans with them);
    ``beta`` the scaled radius; ``time_total`` seconds; ``c_min`` (UCRL-RFE with
    ``theta_star`` given, else NaN) the smallest radius scale at which theta* lies in every
    confidence ellipsoid ``||theta_k - theta*||_{Sigma_k} <= c beta`` of the run."""

    checkpoints: np.ndarray
    thetas: np.ndarray
    Ginvs: np.ndarray
    beta: float
    time_total: float
    c_min: float = math.nan


def _checkpoints(checkpoints, K):
    cps = np.array([K]) if checkpoints is None else np.unique(np.asarray(checkpoints, dtype=np.int64))
    if cps.size == 0 or cps.min() < 1 or cps.max() > K:
        fail("checkpoints", f"episode counts in [1, K = {K}]", cps)
    return cps


def ucrl_rfe_radius(K: int, d: int, H: int, delta: float, B: float) -> float:
    """UCRL-RFE's ``beta = H sqrt(d log(3 (1 + K H^3 B^2) / delta)) + 1`` (unscaled)."""
    return H * math.sqrt(d * math.log(3.0 * (1.0 + K * H**3 * B**2) / delta)) + 1.0


def explore_ucrl_rfe(phi, P, H: int, K: int, rng: np.random.Generator, *,
                     radius_scale: float = 0.1, delta: float = 0.1, B: float | None = None,
                     s1: int = 0, checkpoints=None, theta_star=None) -> BaselineResult:
    """Run ``K`` exploration episodes of UCRL-RFE (see the module docstring); with
    ``theta_star (d,)`` the coverage of its confidence ellipsoids is tracked (``c_min``)."""
    t0 = time.perf_counter()
    phi, P, s1 = _check_instance(phi, P, s1)
    S, A, _, d = phi.shape
    if S > UCRL_MAX_S:
        fail("S", f"at most {UCRL_MAX_S} states (exact vertex enumeration)", S)
    H = check_int("H", H, minimum=1)
    K = check_int("K", K, minimum=1)
    radius_scale = check_real("radius_scale", radius_scale, low=0.0, low_open=True)
    delta = check_real("delta", delta, low=0.0, high=1.0, low_open=True, high_open=True)
    B = math.sqrt(d) if B is None else check_real("B", B, low=0.0, low_open=True)
    if not isinstance(rng, np.random.Generator):
        fail("rng", "a numpy.random.Generator", repr(type(rng)), TypeError)
    cps = _checkpoints(checkpoints, K)
    if theta_star is not None:
        theta_star = as_float_array("theta_star", theta_star, ndim=1)
        if theta_star.shape != (d,):
            fail("theta_star", f"shape (d,) = ({d},)", f"shape {theta_star.shape}")
    beta_theory = ucrl_rfe_radius(K, d, H, delta, B)
    beta = radius_scale * beta_theory
    ratio = 0.0
    lam = B**-2
    Ginv = np.eye(d) / lam
    G = np.eye(d) * lam
    b = np.zeros(d)
    theta = np.zeros(d)
    Pcum = np.cumsum(np.clip(P, 0.0, None), axis=2)
    Pcum /= Pcum[:, :, -1:]
    best_norm = np.zeros((S, A))
    best_vertex = np.zeros((S, A, S))
    scale = (H - np.arange(H) - 1.0)[:, None, None]  # f ranges over [0, H - h], h from 1
    pi = np.zeros((H, S), dtype=np.int64)
    V = np.zeros((H + 1, S))
    states = np.zeros(H + 1, dtype=np.int64)
    actions = np.zeros(H, dtype=np.int64)
    out_t = np.zeros((cps.size, d))
    out_G = np.zeros((cps.size, d, d))
    c = 0
    for k in range(1, K + 1):
        _kernels.ucrl_max_vertex(phi, Ginv, best_norm, best_vertex)
        r = np.minimum(1.0, (2.0 * beta / H) * scale * best_norm[None])
        _kernels.ucrl_plan(phi, theta, Ginv, beta, r, float(H), pi, V)
        _kernels.ucrl_episode(phi, Pcum, s1, pi, best_vertex, Ginv, G, b, rng.random(H), states, actions)
        theta = Ginv @ b
        if theta_star is not None:
            diff = theta - theta_star
            ratio = max(ratio, math.sqrt(max(float(diff @ G @ diff), 0.0)) / beta_theory)
        while c < cps.size and cps[c] == k:
            out_t[c], out_G[c] = theta, Ginv
            c += 1
    return BaselineResult(cps, out_t, out_G, beta, time.perf_counter() - t0,
                          ratio if theta_star is not None else math.nan)


def plan_ucrl_rfe(phi, theta, Ginv, beta: float, rewards) -> np.ndarray:
    """UCRL-RFE's planning for rewards with total <= 1: PLAN on ``H r`` with the bonus.

    ``rewards (R, H, S, A)``; returns ``pi (R, H, S)``.
    """
    phi = as_float_array("phi", phi, ndim=4)
    S, A, _, d = phi.shape
    r = _rewards(rewards, S, A)
    H = r.shape[1]
    theta = np.ascontiguousarray(theta, dtype=float)
    Ginv = np.ascontiguousarray(Ginv, dtype=float)
    beta = check_real("beta", beta, low=0.0)
    pis = np.zeros((r.shape[0], H, S), dtype=np.int64)
    V = np.zeros((H + 1, S))
    for j in range(r.shape[0]):
        _kernels.ucrl_plan(phi, theta, Ginv, beta, np.ascontiguousarray(H * r[j]), float(H), pis[j], V)
    return pis


def explore_uniform(phi, P, H: int, K: int, rng: np.random.Generator, *, lam: float = 1.0,
                    s1: int = 0, checkpoints=None) -> BaselineResult:
    """``K`` episodes of uniformly random actions with indicator-target model regression."""
    t0 = time.perf_counter()
    phi, P, s1 = _check_instance(phi, P, s1)
    S, A, _, d = phi.shape
    H = check_int("H", H, minimum=1)
    K = check_int("K", K, minimum=1)
    lam = check_real("lam", lam, low=0.0, low_open=True)
    if not isinstance(rng, np.random.Generator):
        fail("rng", "a numpy.random.Generator", repr(type(rng)), TypeError)
    cps = _checkpoints(checkpoints, K)
    Ginv = np.eye(d) / lam
    G = np.eye(d) * lam
    b = np.zeros(d)
    Pcum = np.cumsum(np.clip(P, 0.0, None), axis=2)
    Pcum /= Pcum[:, :, -1:]
    states = np.zeros(H + 1, dtype=np.int64)
    out_t = np.zeros((cps.size, d))
    out_G = np.zeros((cps.size, d, d))
    c = 0
    for k in range(1, K + 1):
        acts = rng.integers(0, A, size=H)
        _kernels.uniform_episode(phi, Pcum, s1, H, Ginv, G, b, rng.random(H), acts, states)
        while c < cps.size and cps[c] == k:
            out_t[c], out_G[c] = Ginv @ b, Ginv
            c += 1
    return BaselineResult(cps, out_t, out_G, 0.0, time.perf_counter() - t0)
