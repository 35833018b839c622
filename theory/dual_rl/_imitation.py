"""Offline imitation as dual RL: ReCOIL and the SMODICE-style objective (Dual RL, Sec. 5).

Setting: a :class:`~mdps.DiscountedMDP` (its reward is ignored), expert occupancy ``dE`` and
suboptimal-data occupancy ``dS`` (both ``(S, A)``, summing to one), ``beta in (0, 1]``,
mixtures ``mix_E = beta dE + (1-beta) dS`` and ``mix_pi = beta d^pi + (1-beta) dS``.

ReCOIL (notes D6, [V] objective; [D] dual):

    primal:   min_{d in flow polytope} D_f(beta d + (1-beta) dS || mix_E)
    dual-Q (fixed pi), y_Q = gamma P^pi Q - Q (zero reward):
      -D_f(mix_pi || mix_E) = min_Q beta (1-gamma) E_{init,pi}[Q] + E_{mix_E}[f*(y_Q)] - (1-beta) E_{dS}[y_Q]

Because ``dS`` is in both arguments the ratio is finite wherever ``dS > 0`` ("relaxed
coverage"); the primal is minimised (value 0) at ``d = dE`` when ``dE`` is an occupancy of the
MDP, so the expert is recovered on the states it visits for every ``beta in (0, 1]``.

SMODICE-style (notes D5/D6, [R] form): with the discriminator reward ``R = log(dE/dS)``,

    min_{d in flow polytope} KL(d || dS) - E_d[R]

which needs ``d << dS`` (KL finite) and ``d = 0`` where ``R = -inf`` (``dE = 0 < dS``). When
``supp dE`` is not covered by ``dS`` the feasible set is typically empty (status
``infeasible``). With a smoothed discriminator ``R_eps = log((dE + eps)/(dS + eps))`` it is
feasible but its optimum diverges like ``log(1/eps)`` as ``eps -> 0``, and its policy never
takes the uncovered expert actions.

Reference: Sikchi et al., "Dual RL", ICLR 2024 (arXiv 2302.08560), Theorem 1 and Eq. 10;
Ma et al., "Versatile Offline Imitation from Observations and Examples via Regularized
State-Occupancy Matching" (SMODICE), ICML 2022.
"""

from __future__ import annotations

from dataclasses import dataclass

import cvxpy as cp
import numpy as np

from mdps import DiscountedMDP, get_divergence
from mdps._lp import flow_matrix, policy_from_occupancy
from mdps._validation import check_real

from ._core import _check_dist, _check_mdp, _check_policy, _solve, policy_transition

__all__ = ["ImitationSolution", "recoil_primal", "recoil_dual_q", "mixture_divergence",
           "smodice_primal"]


#: Clarabel tolerances for the ReCOIL primal (see recoil_primal).
RECOIL_CLARABEL_OPTS = {"tol_gap_abs": 1e-12, "tol_gap_rel": 1e-12, "tol_feas": 1e-12}


@dataclass(frozen=True)
class ImitationSolution:
    """``d`` ``(S, A)`` on the flow polytope, ``pi`` ``(S, A)`` read off it, the objective
    ``value`` and the solver ``status``."""

    d: np.ndarray
    pi: np.ndarray
    value: float
    status: str


def _check_beta(beta):
    return check_real("beta", beta, low=0.0, high=1.0, low_open=True)


def mixture_divergence(d, dE, dS, beta: float, f) -> float:
    """``D_f(beta d + (1-beta) dS || beta dE + (1-beta) dS)``."""
    f = get_divergence(f)
    beta = _check_beta(beta)
    return f.divergence(beta * np.asarray(d) + (1 - beta) * np.asarray(dS),
                        beta * np.asarray(dE) + (1 - beta) * np.asarray(dS))


def recoil_primal(mdp: DiscountedMDP, dE, dS, beta: float, f="chi2") -> ImitationSolution:
    """The ReCOIL primal over the flow polytope (CVXPY, ``f.solver``)."""
    _check_mdp(mdp)
    f = get_divergence(f)
    beta = _check_beta(beta)
    S, A = mdp.S, mdp.A
    dE = _check_dist("dE", dE, S, A)
    dS = _check_dist("dS", dS, S, A)
    d = cp.Variable(S * A, nonneg=True)
    mix_E = (beta * dE + (1 - beta) * dS).reshape(-1)
    u = beta * d + (1 - beta) * dS.reshape(-1)
    div, cons = f.cp_divergence(u, mix_E)
    cons = cons + [flow_matrix(mdp).T @ d - (1 - mdp.gamma) * mdp.init == 0]
    problem = cp.Problem(cp.Minimize(div), cons)
    # The optimum is 0 and the objective is locally quadratic, so an objective tolerance eps
    # only pins d to ~sqrt(eps): for chi2 (second-order cone) Clarabel runs to 1e-12 (the
    # default 1e-8 leaves ~1e-4 in pi); the exponential cone (KL) ends "optimal_inaccurate"
    # there, so KL keeps the defaults (policy error ~1e-4).
    opts = RECOIL_CLARABEL_OPTS if f.name == "chi2" else {}
    _solve(problem, f"ReCOIL primal ({f.name})", f.solver, **opts)
    dv = np.clip(np.asarray(d.value).reshape(S, A), 0.0, None)
    return ImitationSolution(dv, policy_from_occupancy(dv, np.zeros((S, A))),
                             float(problem.value), str(problem.status))


def recoil_dual_q(mdp: DiscountedMDP, pi, dE, dS, beta: float, f="chi2") -> tuple[float, np.ndarray]:
    """The Theorem 1 right-hand side for fixed ``pi`` ``(S, A)``; returns ``(value, Q)``.

    Its value is ``-D_f(mix_pi || mix_E)``. Pairs with ``mix_E = 0`` carry no conjugate term
    (for TV / Hellinger they bound ``y_Q`` by ``[conj_low, f_inf]``).
    """
    _check_mdp(mdp)
    f = get_divergence(f)
    beta = _check_beta(beta)
    S, A = mdp.S, mdp.A
    pi = _check_policy(pi, S, A)
    dE = _check_dist("dE", dE, S, A)
    dS = _check_dist("dS", dS, S, A)
    Ppi = policy_transition(mdp, pi)
    nu0 = (mdp.init[:, None] * pi).reshape(-1)
    Q = cp.Variable(S * A)
    y = mdp.gamma * (Ppi @ Q) - Q
    m = (beta * dE + (1 - beta) * dS).reshape(-1)
    pos, zero = np.flatnonzero(m > 0), np.flatnonzero(m <= 0)
    conj, cons = f.cp_conj(y[pos])
    if zero.size:
        if np.isfinite(f.f_inf):
            cons = cons + [y[zero] <= f.f_inf]
        if np.isfinite(f.conj_low):
            cons = cons + [y[zero] >= f.conj_low]
    objective = (beta * (1 - mdp.gamma) * (nu0 @ Q) + m[pos] @ conj
                 - (1 - beta) * (dS.reshape(-1) @ y))
    problem = cp.Problem(cp.Minimize(objective), cons)
    _solve(problem, f"ReCOIL dual-Q ({f.name})", f.solver)
    return float(problem.value), np.asarray(Q.value).reshape(S, A)


def smodice_primal(mdp: DiscountedMDP, dE, dS, eps: float = 0.0) -> ImitationSolution:
    """The SMODICE-style objective ``min KL(d || dS) - E_d[R_eps]`` (module docstring).

    ``eps = 0``: ``R = log(dE/dS)`` with ``d = 0`` forced where ``dE = 0 < dS``; raises
    :class:`mdps.SolverError` (status ``infeasible``) when no occupancy fits. ``eps > 0``: the
    smoothed discriminator ``R = log((dE + eps)/(dS + eps))`` on ``supp dS``.
    """
    _check_mdp(mdp)
    eps = check_real("eps", eps, low=0.0)
    S, A = mdp.S, mdp.A
    dE = _check_dist("dE", dE, S, A).reshape(-1)
    dS = _check_dist("dS", dS, S, A).reshape(-1)
    f = get_divergence("kl")
    d = cp.Variable(S * A, nonneg=True)
    kl, cons = f.cp_divergence(d, dS)  # pins d = 0 off supp dS
    on = dS > 0
    if eps > 0:
        R = np.zeros(S * A)
        R[on] = np.log((dE[on] + eps) / (dS[on] + eps))
    else:
        keep = on & (dE > 0)
        R = np.zeros(S * A)
        R[keep] = np.log(dE[keep] / dS[keep])
        kill = np.flatnonzero(on & (dE <= 0))
        if kill.size:
            cons = cons + [d[kill] == 0]  # R = -inf there
    cons = cons + [flow_matrix(mdp).T @ d - (1 - mdp.gamma) * mdp.init == 0]
    problem = cp.Problem(cp.Minimize(kl - R @ d), cons)
    _solve(problem, f"SMODICE-style primal (eps={eps:g})", "CLARABEL")
    dv = np.clip(np.asarray(d.value).reshape(S, A), 0.0, None)
    return ImitationSolution(dv, policy_from_occupancy(dv, np.zeros((S, A))),
                             float(problem.value), str(problem.status))
