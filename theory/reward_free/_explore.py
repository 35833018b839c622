"""HF-UCRL-RFE++: horizon-free reward-free exploration in linear mixture MDPs.

Setting (notes A1). Time-homogeneous linear mixture MDP ``P(s'|s,a) = <phi(s'|s,a), theta*>``
with ``phi (S, A, S, d)``, fixed start ``s_1``, horizon ``H``; rewards with total <= 1 on every
trajectory (Assumption 2.6.1), so all values lie in [0, 1]. Exploration runs ``K`` episodes
without reward; planning then serves any reward (``_planning.plan_in_model``).

Algorithm (notes A2, Zhang, Zhang & Gu, ICML 2023, Alg. HF-UCRL-RFE++; HOME = Alg. 5 after
Zhou & Gu 2022). Two regression series, each with ``M`` moment levels m = 0..M-1:
the *hat* series regresses on the optimistic trajectory uncertainty ``Vhat_{k,h}``, the
*tilde* series on the pseudo-value ``V_{k,h} = V_h(.; theta_k, pi_k, r_k)``. Level ``m``
regresses ``V^{2^m}(s_{h+1})`` on ``psi_{V^{2^m}}(s_h, a_h)`` with HOME weights
``sigma^2 = max{varhat + E, alpha^2, gamma^2 ||phi||_{Sigma^{-1}}}`` (weighted ridge,
O(d^2) Sherman-Morrison updates in Numba). Per episode the oracle picks

    (pi_k, theta_k, r_k) = argmax_{pi, theta in U_k, r in R} Vhat_{k,1}(s_1; theta, pi, r),
    Vhat_h(s) = min{1, u_h(s, pi_h(s)) + 2 beta ||psi_{Vhat_{h+1}}||_{(Sigma_hat)^{-1}}
                        + <psi_{Vhat_{h+1}}, theta>},
    u_h(s, a) = min{1, beta ||psi_{V_{h+1}(.; theta, pi, r)}(s, a)||_{(Sigma_tilde)^{-1}}},

and the confidence set ``U_{k+1} = U_k ∩ {theta: ||theta - theta_{k+1,m}||_{Sigma_{k+1,m}} <=
beta_{k+1}}`` over both series and all m.

Parameters (Theorem 2.6.3): ``alpha = H^{-1/2}``, ``gamma = d^{-1/4}``, ``lam = d / B^2``,
``beta_k = 12 sqrt(d eta tau) + 30 tau / gamma^2 + sqrt(lam) B`` with
``eta = log(1 + k H / (alpha^2 d lam))``, ``tau = log(32 (max(log(gamma^2/alpha), 0) + 1)
k^2 H^2 / delta)``. The theoretical radius is far too conservative to simulate (notes A2.5:
~1e12 d^2/eps^2 episodes), so every radius is multiplied by an explicit
``radius_scale = c_beta`` and results are reported with it; only scaling laws are tested.

Concrete choices where the paper is silent (notes A3) -- deviations, reported:

* **Oracle** (A3.1). ``R`` is a finite dictionary ``R_N`` (``_planning.reward_dictionary``).
  ``theta`` candidates are the current level-0 estimates of both series, kept if inside
  ``U_k``; if neither is, the previous ``theta_{k-1}`` if it still is, else the estimate with
  the smallest constraint violation (the episode is then counted in ``outside_U``); no SOCP
  projection.
  For each (theta, r) one *backward-greedy* pass chooses ``pi_h(s)`` maximising ``Vhat_h(s)``
  given the already fixed later steps (exact for the ``Vhat`` recursion, greedy for the
  coupling through ``u``); the best (theta, r, pi) is kept. :func:`exact_oracle_values`
  enumerates all deterministic policies on tiny instances to measure the gap.
* **Confidence set** (A3.3): constraints kept from episodes 1, 2, 4, 8, ... plus the latest.
  Coverage is nevertheless measured against *every* ellipsoid ever added: ``c_min`` is the
  smallest radius scale at which theta* lies in all of them.
* ``M`` (A3.4) defaults to 4 instead of ceil(log2(7 K H)).
* Planning uses ``theta_K``, the oracle's parameter of the last episode (A2.6).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np

from mdps._validation import as_float_array, check_int, check_real, check_shape, fail

from . import _kernels
from ._planning import check_total_reward

__all__ = [
    "HFConfig",
    "HFParameters",
    "ExplorationResult",
    "hf_parameters",
    "theory_radius",
    "explore_hf",
    "oracle",
    "exact_oracle_values",
    "geometric_checkpoints",
]

#: Largest number of deterministic policies :func:`exact_oracle_values` will enumerate.
EXACT_ORACLE_MAX_POLICIES = 1 << 14


@dataclass(frozen=True)
class HFConfig:
    """Options of HF-UCRL-RFE++. ``None`` means the Theorem 2.6.3 value (resolved by
    :func:`hf_parameters` from ``d``, ``H``): ``alpha = H^{-1/2}``, ``gamma = d^{-1/4}``,
    ``B = sqrt(d)`` (the norm bound of the C1 generator), ``lam = d / B^2``.

    ``radius_scale`` multiplies every confidence radius (the theoretical one is ~1e3).
    ``improve`` is the number of local-search sweeps of the oracle after its backward-greedy
    pass (0 = greedy only; a sweep costs ~ H S A evaluations: small instances only).
    """

    radius_scale: float = 0.1
    M: int = 4
    improve: int = 0
    delta: float = 0.1
    alpha: float | None = None
    gamma: float | None = None
    B: float | None = None
    lam: float | None = None

    def __post_init__(self):
        check_real("radius_scale", self.radius_scale, low=0.0, low_open=True)
        check_int("M", self.M, minimum=1, maximum=30)
        check_int("improve", self.improve, minimum=0)
        check_real("delta", self.delta, low=0.0, high=1.0, low_open=True, high_open=True)
        for name in ("alpha", "gamma", "B", "lam"):
            v = getattr(self, name)
            if v is not None:
                check_real(name, v, low=0.0, low_open=True)


@dataclass(frozen=True)
class HFParameters:
    """Resolved numeric parameters for one (d, H)."""

    radius_scale: float
    M: int
    delta: float
    alpha: float
    gamma: float
    B: float
    lam: float


def hf_parameters(config: HFConfig, d: int, H: int) -> HFParameters:
    d = check_int("d", d, minimum=1)
    H = check_int("H", H, minimum=1)
    B = math.sqrt(d) if config.B is None else config.B
    return HFParameters(
        radius_scale=config.radius_scale,
        M=config.M,
        delta=config.delta,
        alpha=H ** -0.5 if config.alpha is None else config.alpha,
        gamma=d ** -0.25 if config.gamma is None else config.gamma,
        B=B,
        lam=d / B**2 if config.lam is None else config.lam,
    )


def theory_radius(k, d: int, H: int, p: HFParameters) -> np.ndarray:
    """Theorem 2.6.3's ``beta_k`` (unscaled), vectorised over ``k >= 1``; ``tau`` uses
    ``max(log(gamma^2/alpha), 0)`` (notes A2.5: the raw term is negative when H < d)."""
    k = np.asarray(k, dtype=float)
    eta = np.log1p(k * H / (p.alpha**2 * d * p.lam))
    lg = max(math.log(p.gamma**2 / p.alpha), 0.0)
    tau = np.log(32.0 * (lg + 1.0) * k**2 * H**2 / p.delta)
    return 12.0 * np.sqrt(d * eta * tau) + 30.0 * tau / p.gamma**2 + math.sqrt(p.lam) * p.B


def geometric_checkpoints(K: int, per_octave: int = 4, start: int = 4) -> np.ndarray:
    """Episode counts ``<= K`` spaced by ``2^(1/per_octave)`` from ``start``, always ending at K."""
    K = check_int("K", K, minimum=1)
    n = int(math.ceil(per_octave * math.log2(max(K / start, 1.0)))) + 1
    pts = np.round(start * 2.0 ** (np.arange(n) / per_octave))
    pts = pts[(pts <= K) & (pts >= 1)].astype(np.int64)
    return np.unique(np.append(pts, K))


@dataclass(frozen=True)
class ExplorationResult:
    """Outcome of one exploration run.

    ``checkpoints (C,)`` episode counts; ``theta_plan (C, d)`` the oracle's ``theta_k`` at each
    (the planning parameter of A2.6); ``theta_est (C, d)`` the hat-series level-0 estimate;
    ``oracle_values (K,)`` ``Vhat_{k,1}(s_1)`` at the argmax (Lemma 2.8.8 bounds its average);
    ``c_min`` smallest radius scale with theta* inside every ellipsoid added up to K (NaN if
    ``theta_star`` was not given); ``covered`` = ``c_min <= radius_scale``; ``outside_U``
    episodes where no theta candidate lay in the kept ``U_k``; timings in seconds.
    ``exact_ratio (K,)`` heuristic / exact oracle value when ``exact_check`` was on, else empty.
    """

    checkpoints: np.ndarray
    theta_plan: np.ndarray
    theta_est: np.ndarray
    oracle_values: np.ndarray
    c_min: float
    covered: bool
    outside_U: int
    beta: float
    params: HFParameters
    time_oracle: float
    time_regression: float
    time_total: float
    exact_ratio: np.ndarray = field(default_factory=lambda: np.zeros(0))
    coverage_ratio: np.ndarray = field(default_factory=lambda: np.zeros(0))


def _check_instance(phi, P, s1):
    phi = as_float_array("phi", phi, ndim=4)
    S, A, S2, d = phi.shape
    if S2 != S:
        fail("phi", "shape (S, A, S, d)", f"shape {phi.shape}")
    P = as_float_array("P", P, ndim=3)
    check_shape("P", P, (S, A, S), "(S, A, S)")
    s1 = check_int("s1", s1, minimum=0, maximum=S - 1)
    return phi, P, s1


def _chol(Ginv: np.ndarray) -> np.ndarray:
    """``L`` with ``L L^T = Ginv`` (symmetrised; tiny jitter if round-off broke definiteness).

    ``Ginv (..., d, d)``: a stack is factorised in one call (same LAPACK routine per matrix);
    if any is not numerically definite, each falls back on its own."""
    A = 0.5 * (Ginv + np.swapaxes(Ginv, -1, -2))
    try:
        return np.linalg.cholesky(A)
    except np.linalg.LinAlgError:
        if A.ndim > 2:
            return np.stack([_chol(a) for a in A])
        w, U = np.linalg.eigh(A)
        return np.ascontiguousarray(U * np.sqrt(np.maximum(w, 0.0)))


def _phiL(phi, phi2, L):
    """``phi @ L`` with the last two axes swapped, ``(S, A, d, S)`` contiguous (the oracle's layout)."""
    S, A = phi.shape[:2]
    return np.ascontiguousarray((phi2 @ L).reshape(phi.shape).transpose(0, 1, 3, 2))


def _oracle_arrays(phi, phi2, thetas, R, Ginv_u, Ginv_v, beta, s1, n_iter=0):
    """Unvalidated oracle call; ``phi2 = phi.reshape(S*A*S, d)``."""
    S, A = phi.shape[:2]
    C, N, H = thetas.shape[0], R.shape[0], R.shape[1]
    values = np.zeros((C, N))
    raws = np.zeros((C, N))
    pis = np.zeros((C, N, H, S), dtype=np.int64)
    Vs = np.zeros((C, N, H + 1, S))
    Vh = np.zeros((C, N, H + 1, S))
    L = _chol(np.stack([Ginv_u, Ginv_v]))
    phiL_u = _phiL(phi, phi2, L[0])
    phiL_v = _phiL(phi, phi2, L[1])
    Pts = np.ascontiguousarray((phi2 @ thetas.T).T.reshape(C, S, A, S))
    _kernels.oracle_batch(phiL_u, phiL_v, Pts, R, float(beta), int(s1), int(n_iter), values, raws, pis,
                          Vs, Vh)
    return values, raws, pis, Vs, Vh


def oracle(phi, thetas, rewards, Ginv_u, Ginv_v, beta: float, s1: int = 0, improve: int = 0):
    """The backward-greedy exploration oracle over theta candidates and a reward set.

    ``thetas (C, d)``, ``rewards (N, H, S, A)``, ``Ginv_u``/``Ginv_v (d, d)`` the inverse frozen
    Gram matrices of the tilde/hat series, ``beta`` the (scaled) radius. Returns
    ``(values (C, N), pis (C, N, H, S), V (C, N, H+1, S), Vhat (C, N, H+1, S))``.
    """
    phi = as_float_array("phi", phi, ndim=4)
    S, A, _, d = phi.shape
    thetas = as_float_array("thetas", thetas, ndim=2)
    check_shape("thetas", thetas, (thetas.shape[0], d), "(C, d)")
    R = as_float_array("rewards", rewards, ndim=4)
    if R.shape[2:] != (S, A):
        fail("rewards", f"shape (N, H, S, A) with S = {S}, A = {A}", f"shape {R.shape}")
    Ginv_u = as_float_array("Ginv_u", Ginv_u, ndim=2)
    Ginv_v = as_float_array("Ginv_v", Ginv_v, ndim=2)
    check_shape("Ginv_u", Ginv_u, (d, d), "(d, d)")
    check_shape("Ginv_v", Ginv_v, (d, d), "(d, d)")
    beta = check_real("beta", beta, low=0.0)
    s1 = check_int("s1", s1, minimum=0, maximum=S - 1)
    improve = check_int("improve", improve, minimum=0)
    return _oracle_arrays(phi, phi.reshape(-1, d), thetas, R, Ginv_u, Ginv_v, beta, s1, improve)


def _all_policies(S: int, A: int, H: int) -> np.ndarray:
    n = A ** (S * H)
    if n > EXACT_ORACLE_MAX_POLICIES:
        fail("A^(S H)", f"at most {EXACT_ORACLE_MAX_POLICIES} deterministic policies", n)
    idx = np.arange(n)
    digits = np.zeros((n, H * S), dtype=np.int64)
    for j in range(H * S):
        digits[:, j] = idx % A
        idx //= A
    return digits.reshape(n, H, S)


def exact_oracle_values(phi, thetas, rewards, Ginv_u, Ginv_v, beta: float, s1: int = 0) -> np.ndarray:
    """``max_pi Vhat_1(s_1; theta, pi, r)`` by enumerating every deterministic Markov policy,
    shape ``(C, N)``; only for ``A^(S H) <= EXACT_ORACLE_MAX_POLICIES`` (NumPy, independent
    of the Numba oracle)."""
    phi = as_float_array("phi", phi, ndim=4)
    S, A, _, d = phi.shape
    thetas = as_float_array("thetas", thetas, ndim=2)
    R = as_float_array("rewards", rewards, ndim=4)
    H = R.shape[1]
    pols = _all_policies(S, A, H)  # (n, H, S)
    n = pols.shape[0]
    out = np.zeros((thetas.shape[0], R.shape[0]))
    sidx = np.arange(S)[None, :]
    N = R.shape[0]
    for c, theta in enumerate(thetas):
        V = np.zeros((N, n, S))  # pseudo-values, one per (reward, policy)
        Wn = np.zeros((N, n, S))  # Vhat, one per (reward, policy)
        for h in range(H - 1, -1, -1):
            a = pols[:, h, :]  # (n, S)
            f = phi[sidx, a]  # (n, S, S', d)
            psiV = np.einsum("psnd,rpn->rpsd", f, V, optimize=True)
            u = np.minimum(1.0, beta * np.sqrt(np.maximum(
                np.einsum("rpsi,ij,rpsj->rps", psiV, Ginv_u, psiV), 0)))
            psiW = np.einsum("psnd,rpn->rpsd", f, Wn, optimize=True)
            bon = 2.0 * beta * np.sqrt(np.maximum(np.einsum("rpsi,ij,rpsj->rps", psiW, Ginv_v, psiW), 0))
            Wn = np.clip(u + bon + psiW @ theta, 0.0, 1.0)
            rr = R[:, h][:, sidx, a]  # (N, n, S)
            V = np.clip(rr + psiV @ theta, 0.0, 1.0)
        out[c] = Wn[:, :, s1].max(axis=1)
    return out


class _ConfidenceSet:
    """Ellipsoid constraints kept at episodes 1, 2, 4, ... plus the latest ones.

    Stored in preallocated arrays (capacity doubled when full): rows ``[0, n_kept)`` are the
    kept constraints, the next ``2M`` rows the latest ones."""

    def __init__(self, d: int, m: int):
        self.d, self.m = d, m
        self.n_kept = 0
        self.n_all = 0
        self._alloc(4 * m)

    def _alloc(self, cap):
        c, G, b = np.zeros((cap, self.d)), np.zeros((cap, self.d, self.d)), np.ones(cap)
        if hasattr(self, "c"):
            c[: self.n_all], G[: self.n_all], b[: self.n_all] = (self.c[: self.n_all], self.G[: self.n_all],
                                                                 self.b[: self.n_all])
        self.c, self.G, self.b = c, G, b
        self.out = np.zeros((2, cap))

    def add(self, centres, Gs, beta, keep: bool):
        m = centres.shape[0]
        if self.n_kept + 2 * m > self.c.shape[0]:
            self._alloc(2 * self.c.shape[0])
        if keep:
            sl = slice(self.n_kept, self.n_kept + m)
            self.c[sl], self.G[sl], self.b[sl] = centres, Gs, beta
            self.n_kept += m
        sl = slice(self.n_kept, self.n_kept + m)
        self.c[sl], self.G[sl], self.b[sl] = centres, Gs, beta
        self.n_all = self.n_kept + m

    def violation(self, thetas) -> np.ndarray:
        """``max_c ||theta - centre_c||_{G_c} / beta_c`` for each row of ``thetas (n, d)``."""
        if self.n_all == 0:
            return np.zeros(thetas.shape[0])
        n = self.n_all
        out = self.out[: thetas.shape[0]]
        _kernels.ellipsoid_ratios(np.ascontiguousarray(thetas), self.c, self.G, n, out)
        return (out[:, :n] / self.b[None, :n]).max(axis=1)


def explore_hf(
    phi,
    P,
    H: int,
    K: int,
    rewards,
    rng: np.random.Generator,
    config: HFConfig = HFConfig(),
    *,
    s1: int = 0,
    theta_star=None,
    checkpoints=None,
    exact_check: bool = False,
) -> ExplorationResult:
    """Run ``K`` exploration episodes of HF-UCRL-RFE++.

    Parameters
    ----------
    phi : array ``(S, A, S, d)``
        Known basis measures.
    P : array ``(S, A, S)``
        True kernel ``<phi, theta*>``, used only to sample transitions.
    H, K : int
        Horizon and number of episodes.
    rewards : array ``(N, H, S, A)``
        The oracle's reward dictionary ``R_N``, each with total reward <= 1.
    rng : numpy.random.Generator
    config : HFConfig
        ``radius_scale`` etc.
    theta_star : array ``(d,)``, optional
        When given, coverage of every confidence ellipsoid is tracked (``c_min``).
    checkpoints : int array, optional
        Episode counts at which to record the planning parameter (default: ``K`` only).
    exact_check : bool
        Also compute the exact oracle maximum by enumeration each episode (tiny instances).
    """
    t_start = time.perf_counter()
    phi, P, s1 = _check_instance(phi, P, s1)
    S, A, _, d = phi.shape
    H = check_int("H", H, minimum=1)
    K = check_int("K", K, minimum=1)
    R = check_total_reward(rewards)
    if R.shape[1:] != (H, S, A):
        fail("rewards", f"shape (N, H, S, A) = (N, {H}, {S}, {A})", f"shape {R.shape}")
    if not isinstance(rng, np.random.Generator):
        fail("rng", "a numpy.random.Generator", repr(type(rng)), TypeError)
    if not isinstance(config, HFConfig):
        fail("config", "an HFConfig", repr(type(config)), TypeError)
    if theta_star is not None:
        theta_star = as_float_array("theta_star", theta_star, ndim=1)
        check_shape("theta_star", theta_star, (d,), "(d,)")
    cps = np.array([K]) if checkpoints is None else np.unique(np.asarray(checkpoints, dtype=np.int64))
    if cps.size == 0 or cps.min() < 1 or cps.max() > K:
        fail("checkpoints", f"episode counts in [1, K = {K}]", cps)
    p = hf_parameters(config, d, H)
    M = p.M
    beta_theory = theory_radius(np.arange(1, K + 2), d, H, p)  # beta_k for k = 1..K+1
    beta_K = p.radius_scale * float(beta_theory[K - 1])
    phi2 = phi.reshape(-1, d)

    Ginv = np.zeros((2, M, d, d))
    G = np.zeros((2, M, d, d))
    for ser in range(2):
        for m in range(M):
            Ginv[ser, m] = np.eye(d) / p.lam
            G[ser, m] = np.eye(d) * p.lam
    b = np.zeros((2, M, d))
    thetas = np.zeros((2, M, d))
    Ginv_frz = Ginv.copy()
    Pcum = np.cumsum(np.clip(P, 0.0, None), axis=2)
    Pcum /= Pcum[:, :, -1:]
    cs = _ConfidenceSet(d, 2 * M)

    theta_prev = None
    oracle_values = np.zeros(K)
    ratio_k = np.zeros(K)
    exact_ratio = np.zeros(K) if exact_check else np.zeros(0)
    cp_plan = np.zeros((cps.size, d))
    cp_est = np.zeros((cps.size, d))
    outside = 0
    t_oracle = 0.0
    t_reg = 0.0
    states = np.zeros(H + 1, dtype=np.int64)
    actions = np.zeros(H, dtype=np.int64)
    Vser = np.zeros((2, H + 1, S))
    c_ptr = 0
    q_star = np.zeros((1, 2 * M))
    for k in range(1, K + 1):
        t0 = time.perf_counter()
        cand = thetas[:, 0]  # level-0 estimates of the hat and tilde series, (2, d)
        viol = cs.violation(cand)
        inside = viol <= 1.0 + 1e-12
        if inside.any():
            cand = cand[inside]
        elif theta_prev is not None and cs.violation(theta_prev[None])[0] <= 1.0 + 1e-12:
            cand = theta_prev[None]
        else:
            outside += 1
            cand = cand[[int(np.argmin(viol))]]
        values, raws, pis, Vs, Vh = _oracle_arrays(phi, phi2, cand, R, Ginv_frz[1, 0], Ginv_frz[0, 0],
                                                   beta_K, s1, config.improve)
        # argmax of the clipped value; ties (clip at 1) broken by the unclipped recursion
        top = values >= values.max() - 1e-12
        ci, ni = np.unravel_index(int(np.argmax(np.where(top, raws, -np.inf))), values.shape)
        oracle_values[k - 1] = values[ci, ni]
        theta_k = cand[ci].copy()
        if exact_check:
            ex = exact_oracle_values(phi, cand, R, Ginv_frz[1, 0], Ginv_frz[0, 0], beta_K, s1)
            exact_ratio[k - 1] = values[ci, ni] / ex.max() if ex.max() > 0 else 1.0
        t1 = time.perf_counter()
        Vser[0] = Vh[ci, ni]
        Vser[1] = Vs[ci, ni]
        beta_k = p.radius_scale * float(beta_theory[k - 1])
        unif = rng.random(H)
        _kernels.hf_episode(phi, Pcum, s1, pis[ci, ni], Vser, thetas, Ginv, G, b, Ginv_frz,
                            beta_k, p.alpha, p.gamma, unif, states, actions)
        Ginv_frz = Ginv.copy()
        thetas = np.matmul(Ginv, b[..., None])[..., 0]
        t_reg += time.perf_counter() - t1
        t_oracle += t1 - t0
        beta_next_theory = float(beta_theory[k])
        centres = thetas.reshape(2 * M, d)
        Gs = G.reshape(2 * M, d, d)
        cs.add(centres, Gs, p.radius_scale * beta_next_theory, keep=(k & (k - 1)) == 0)
        if theta_star is not None:
            _kernels.ellipsoid_ratios(theta_star[None], centres, Gs, 2 * M, q_star)
            ratio_k[k - 1] = q_star.max() / beta_next_theory
        theta_prev = theta_k
        while c_ptr < cps.size and cps[c_ptr] == k:
            cp_plan[c_ptr] = theta_k
            cp_est[c_ptr] = thetas[0, 0]
            c_ptr += 1
    c_min = float(ratio_k.max()) if theta_star is not None else math.nan
    return ExplorationResult(
        checkpoints=cps,
        theta_plan=cp_plan,
        theta_est=cp_est,
        oracle_values=oracle_values,
        c_min=c_min,
        covered=bool(c_min <= p.radius_scale) if theta_star is not None else False,
        outside_U=outside,
        beta=beta_K,
        params=p,
        time_oracle=t_oracle,
        time_regression=t_reg,
        time_total=time.perf_counter() - t_start,
        exact_ratio=exact_ratio,
        coverage_ratio=ratio_k if theta_star is not None else np.zeros(0),
    )
