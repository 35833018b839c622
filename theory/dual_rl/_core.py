"""Regularised occupancy problems and their unconstrained duals (Dual RL, Sec. 3-4).

Setting: a :class:`~mdps.DiscountedMDP` ``(P, r, gamma, init)``, an offline distribution
``dO`` ``(S, A)`` (any non-negative weights summing to one, typically a behaviour policy's
occupancy), ``alpha > 0`` and an f-divergence ``f`` (:mod:`mdps._fdiv`). With ``M = E - gamma P``
(the flow matrix of :mod:`mdps._lp`) and ``delta_V = r + gamma P V - V`` ``(S, A)``::

    regularised primal:  max_{d >= 0, M^T d = (1-gamma) init}  r^T d - alpha D_f(d || dO)
    dual-V:              min_V (1-gamma) init^T V + alpha sum_{dO > 0} dO f*_p(delta_V / alpha)
                               (+ delta_V <= alpha f_inf where dO = 0, if f_inf < inf)
    recovery:            d = dO * w*(delta_V* / alpha),   pi(a|s) proportional to d(s,a)
    dual-Q (fixed pi):   min_Q (1-gamma) E_{init, pi}[Q] + alpha sum dO f*((r + gamma P^pi Q - Q)/alpha)
                         = r^T d^pi - alpha D_f(d^pi || dO)

(notes D4, [D]; the dual-Q uses f*, not f*_p -- the erratum to the paper's Eq. 9). The
regularised values are on the normalised scale ``r^T d`` (``J = r^T d / (1-gamma)``).

Every convex problem is solved by CVXPY with the solver the divergence names (Clarabel for
the exponential / second-order cones, HiGHS for TV); the status is checked
(:class:`mdps.SolverError`). :func:`dual_v_bfgs` and :func:`dual_q_bfgs` minimise the smooth
duals (KL, chi-square) with ``scipy.optimize.minimize(method="BFGS")`` as an independent path.

Reference: H. Sikchi, Q. Zheng, A. Zhang, S. Niekum, "Dual RL: Unification and New Methods
for Reinforcement and Imitation Learning", ICLR 2024, arXiv 2302.08560 (Sec. 3, Eqs. 5-9).
"""

from __future__ import annotations

from dataclasses import dataclass

import cvxpy as cp
import numpy as np
import scipy.optimize
from threadpoolctl import threadpool_limits

from mdps import DiscountedMDP, SolverError, get_divergence, policy_iteration
from mdps import occupancy as _occupancy
from mdps._lp import check_solved, flow_matrix, policy_from_occupancy, quiet_highs
from mdps._validation import as_float_array, check_nonnegative, check_real, check_shape, fail

__all__ = [
    "RegularisedSolution",
    "DualVSolution",
    "DualQSolution",
    "regularised_primal",
    "dual_v",
    "dual_v_bfgs",
    "dual_q",
    "dual_q_bfgs",
    "regularised_value",
    "recover_occupancy",
    "flow_residual",
    "policy_transition",
    "in_support_lp",
]


@dataclass(frozen=True)
class RegularisedSolution:
    """Regularised primal: ``d`` ``(S, A)``, ``pi`` ``(S, A)``, ``value = r^T d - alpha D``,
    ``reward = r^T d``, ``divergence = D_f(d || dO)``."""

    d: np.ndarray
    pi: np.ndarray
    value: float
    reward: float
    divergence: float
    status: str


@dataclass(frozen=True)
class DualVSolution:
    """dual-V: ``V`` ``(S,)``, its objective ``value``, the recovered ``d`` ``(S, A)`` and ``pi``;
    ``polish_steps`` Newton steps refined the conic solution."""

    V: np.ndarray
    value: float
    d: np.ndarray
    pi: np.ndarray
    status: str
    polish_steps: int = 0


@dataclass(frozen=True)
class DualQSolution:
    """dual-Q for a fixed policy: ``Q`` ``(S, A)`` and the objective ``value``."""

    Q: np.ndarray
    value: float
    status: str


# -- validation ------------------------------------------------------------------------------
def _check_mdp(mdp):
    if not isinstance(mdp, DiscountedMDP):
        fail("mdp", "a DiscountedMDP", type(mdp).__name__, TypeError)


def _check_dist(name, d, S, A):
    d = as_float_array(name, d, ndim=2)
    check_shape(name, d, (S, A), "(S, A)")
    check_nonnegative(name, d)
    if abs(d.sum() - 1.0) > 1e-8:
        fail(name, "entries summing to 1 within 1e-8", f"sum {d.sum()!r}")
    return d


def _check_policy(pi, S, A):
    pi = as_float_array("pi", pi, ndim=2)
    check_shape("pi", pi, (S, A), "(S, A)")
    check_nonnegative("pi", pi)
    if np.max(np.abs(pi.sum(axis=1) - 1.0)) > 1e-8:
        fail("pi", "rows summing to 1 within 1e-8", f"row sums {pi.sum(axis=1)}")
    return pi


def _check_alpha(alpha):
    return check_real("alpha", alpha, low=0.0, low_open=True)


def _solve(problem, name, solver, **opts):
    quiet_highs()
    problem.solve(solver=solver, **opts)  # default tolerances unless a caller needs more
    check_solved(problem, name, solver)


# -- helpers ---------------------------------------------------------------------------------
def policy_transition(mdp: DiscountedMDP, pi: np.ndarray) -> np.ndarray:
    """``P^pi`` ``(S*A, S*A)``: ``P^pi[(s,a), (s',a')] = P(s'|s,a) pi(a'|s')``."""
    S, A = mdp.S, mdp.A
    return (mdp.P.reshape(S * A, S)[:, :, None] * pi[None, :, :]).reshape(S * A, S * A)


def flow_residual(mdp: DiscountedMDP, d) -> float:
    """``|| (E - gamma P)^T d - (1-gamma) init ||_inf`` for ``d`` ``(S, A)``."""
    d = np.asarray(d, dtype=float)
    return float(np.max(np.abs(flow_matrix(mdp).T @ d.reshape(-1) - (1 - mdp.gamma) * mdp.init)))


def regularised_value(mdp: DiscountedMDP, pi, dO, alpha: float, f) -> float:
    """``r^T d^pi - alpha D_f(d^pi || dO)`` by the linear solve for ``d^pi``."""
    _check_mdp(mdp)
    f = get_divergence(f)
    pi = _check_policy(pi, mdp.S, mdp.A)
    dO = _check_dist("dO", dO, mdp.S, mdp.A)
    d = _occupancy(mdp, pi)
    return float(np.sum(mdp.r * d) - _check_alpha(alpha) * f.divergence(d, dO))


def recover_occupancy(mdp: DiscountedMDP, V, dO, alpha: float, f) -> np.ndarray:
    """``d = dO * w*(delta_V / alpha)`` ``(S, A)`` (exact for strictly convex ``f``)."""
    f = get_divergence(f)
    delta = mdp.r + mdp.gamma * mdp.P @ np.asarray(V, dtype=float) - np.asarray(V)[:, None]
    w = f.w_star(delta / alpha)
    return np.where(dO > 0, dO * np.where(np.isfinite(w), w, 0.0), 0.0)


def _greedy_Q(mdp, V):
    return mdp.r + mdp.gamma * mdp.P @ V


# -- regularised primal ----------------------------------------------------------------------
def regularised_primal(mdp: DiscountedMDP, dO, alpha: float, f) -> RegularisedSolution:
    """``max r^T d - alpha D_f(d || dO)`` over the flow polytope (CVXPY, ``f.solver``)."""
    _check_mdp(mdp)
    f = get_divergence(f)
    alpha = _check_alpha(alpha)
    S, A = mdp.S, mdp.A
    dO = _check_dist("dO", dO, S, A)
    M = flow_matrix(mdp)
    d = cp.Variable(S * A, nonneg=True)
    div, cons = f.cp_divergence(d, dO.reshape(-1))
    cons = cons + [M.T @ d - (1 - mdp.gamma) * mdp.init == 0]
    # divided by max(1, alpha): Clarabel ends "optimal_inaccurate" on the unscaled KL problem
    # at alpha = 10 (8x8 gridworld, partial data); the scaled one solves to "optimal"
    scale = max(1.0, alpha)
    problem = cp.Problem(cp.Maximize((mdp.r.reshape(-1) @ d - alpha * div) / scale), cons)
    _solve(problem, f"regularised primal ({f.name})", f.solver)
    dv = np.clip(np.asarray(d.value).reshape(S, A), 0.0, None)
    reward = float(np.sum(mdp.r * dv))
    D = float(div.value)
    pi = policy_from_occupancy(dv, mdp.r)
    return RegularisedSolution(dv, pi, float(problem.value) * scale, reward, D, str(problem.status))


# -- dual-V ----------------------------------------------------------------------------------
def dual_v(mdp: DiscountedMDP, dO, alpha: float, f, polish: bool = True) -> DualVSolution:
    """The dual-V problem (module docstring) by CVXPY; ``d`` recovered by ``dO * w*``.

    With ``polish`` (default) the conic solution of a smooth dual (KL, chi2, Hellinger;
    unless zero-``dO`` pairs carry constraints) is refined by damped Newton steps, see
    :func:`_newton_polish`; ``DualVSolution.polish_steps`` says how many were taken.
    """
    _check_mdp(mdp)
    f = get_divergence(f)
    alpha = _check_alpha(alpha)
    S, A = mdp.S, mdp.A
    dO = _check_dist("dO", dO, S, A)
    V = cp.Variable(S)
    delta = mdp.r.reshape(-1) - flow_matrix(mdp) @ V  # r + gamma P V - V
    w = dO.reshape(-1)
    pos = np.flatnonzero(w > 0)
    zero = np.flatnonzero(w <= 0)
    conj, cons = f.cp_conj_p(delta[pos] / alpha)
    if zero.size and np.isfinite(f.f_inf):
        cons = cons + [delta[zero] <= alpha * f.f_inf]
    objective = (1 - mdp.gamma) * (mdp.init @ V) + alpha * (w[pos] @ conj)
    problem = cp.Problem(cp.Minimize(objective), cons)
    _solve(problem, f"dual-V ({f.name})", f.solver)
    Vv = np.asarray(V.value, dtype=float)
    value = float(problem.value)
    steps = 0
    if polish and f.strictly_convex and not (zero.size and np.isfinite(f.f_inf)):
        Vv, value, steps = _newton_polish(mdp, Vv, w, alpha, f)
    d = recover_occupancy(mdp, Vv, dO, alpha, f)
    pi = policy_from_occupancy(d, _greedy_Q(mdp, Vv))
    return DualVSolution(Vv, value, d, pi, str(problem.status), steps)


#: Newton polish: stop when the gradient (= the flow residual of the recovered d) is below this.
POLISH_GTOL = 1e-13
POLISH_MAX_STEPS = 30


def _newton_polish(mdp, V, w, alpha, f):
    """Damped Newton steps on the smooth unconstrained dual-V from the conic solution.

    The gradient ``(1-gamma) init - M^T d(V)`` is the flow residual of the recovered
    occupancy, so an interior-point stop at a 1e-8 objective gap (which leaves ~sqrt(1e-8)
    in V along flat directions) is refined to machine precision. Only steps that decrease
    the objective are taken; the Hessian ``M^T diag(dO w*'(delta/alpha)/alpha) M`` may be
    singular (unvisited states), so the step is a least-squares solve.
    """
    M = flow_matrix(mdp)

    def evaluate(V):
        return _dual_v_eval(mdp, M, V, w, alpha, f)

    val, g, y = evaluate(V)
    steps = 0
    with threadpool_limits(limits=1):
        while steps < POLISH_MAX_STEPS and np.max(np.abs(g)) > POLISH_GTOL:
            h = w * np.where(w > 0, f.w_star_prime(y), 0.0) / alpha
            H = (M.T @ M.multiply(h[:, None])).toarray()
            step = np.linalg.lstsq(H, g, rcond=None)[0]
            t = 1.0
            while t > 1e-8:
                new_val, new_g, new_y = evaluate(V - t * step)
                if new_val <= val:
                    break
                t /= 2
            else:
                break
            if new_val == val and np.max(np.abs(new_g)) >= np.max(np.abs(g)):
                break
            V, val, g, y = V - t * step, new_val, new_g, new_y
            steps += 1
    return V, val, steps


def _dual_v_eval(mdp, M, V, w, alpha, f):
    """The smooth dual-V objective, its gradient and ``y = delta/alpha`` at ``V``: the one
    evaluation the Newton polish compares steps with (``inf`` where ``f*`` is infinite)."""
    c = (1 - mdp.gamma) * mdp.init
    y = (mdp.r.reshape(-1) - M @ V) / alpha
    if np.any(~np.isfinite(f.conj_p(y[w > 0]))):
        return np.inf, None, None
    val = c @ V + alpha * np.sum(w[w > 0] * f.conj_p(y[w > 0]))
    g = c - M.T @ (w * np.where(w > 0, f.w_star(y), 0.0))
    return float(val), g, y


def _dual_v_objective(V, mdp, w, alpha, f):
    S, A = mdp.S, mdp.A
    delta = (mdp.r + mdp.gamma * mdp.P @ V - V[:, None]).reshape(-1)
    y = delta / alpha
    val = (1 - mdp.gamma) * mdp.init @ V + alpha * np.sum(w * f.conj_p(y))
    g_delta = w * f.w_star(y)  # d/d delta of alpha * w f*_p(delta/alpha)
    G = g_delta.reshape(S, A)
    grad = (1 - mdp.gamma) * mdp.init + mdp.gamma * np.einsum("sa,sat->t", G, mdp.P) - G.sum(axis=1)
    return val, grad


def dual_v_bfgs(mdp: DiscountedMDP, dO, alpha: float, f, V0=None, gtol: float = 1e-10):
    """dual-V by ``scipy.optimize.minimize(method="BFGS")`` for the smooth ``kl``/``chi2``.

    Returns ``(V, value)``; raises :class:`mdps.SolverError` if BFGS reports failure with a
    gradient norm above ``1e-6`` (its "precision loss" exit at a stationary point is accepted).
    """
    _check_mdp(mdp)
    f = get_divergence(f)
    if f.name not in ("kl", "chi2"):
        fail("f", "a smooth conjugate ('kl' or 'chi2') for BFGS", repr(f.name))
    alpha = _check_alpha(alpha)
    dO = _check_dist("dO", dO, mdp.S, mdp.A)
    w = dO.reshape(-1)
    if V0 is None:  # start at V* (value iteration): delta <= 0, away from exp overflow
        V0 = policy_iteration(mdp).V
    V0 = np.asarray(V0, dtype=float)
    with threadpool_limits(limits=1):  # tiny dense products: BLAS threads only contend
        res = scipy.optimize.minimize(_dual_v_objective, V0, args=(mdp, w, alpha, f), jac=True,
                                      method="BFGS", options={"gtol": gtol, "maxiter": 10000})
    if not res.success and np.max(np.abs(res.jac)) > 1e-6:
        raise SolverError(f"dual-V BFGS: {res.message}", "bfgs_failed", "BFGS")
    return np.asarray(res.x), float(res.fun)


# -- dual-Q ----------------------------------------------------------------------------------
def dual_q(mdp: DiscountedMDP, pi, dO, alpha: float, f) -> DualQSolution:
    """dual-Q for a fixed ``pi`` ``(S, A)`` by CVXPY (module docstring).

    Pairs with ``dO = 0`` carry no conjugate term; where ``f`` has finite slopes at
    infinity (TV, Hellinger) they constrain the residual to ``alpha [conj_low, f_inf]``. The
    value is ``-inf`` (status unbounded, :class:`mdps.SolverError`) when ``d^pi`` is not
    absolutely continuous w.r.t. ``dO`` and ``f_inf = inf``.
    """
    _check_mdp(mdp)
    f = get_divergence(f)
    alpha = _check_alpha(alpha)
    S, A = mdp.S, mdp.A
    pi = _check_policy(pi, S, A)
    dO = _check_dist("dO", dO, S, A)
    Ppi = policy_transition(mdp, pi)
    nu0 = (mdp.init[:, None] * pi).reshape(-1)
    Q = cp.Variable(S * A)
    y = mdp.r.reshape(-1) + mdp.gamma * (Ppi @ Q) - Q
    w = dO.reshape(-1)
    pos = np.flatnonzero(w > 0)
    zero = np.flatnonzero(w <= 0)
    conj, cons = f.cp_conj(y[pos] / alpha)
    if zero.size:
        if np.isfinite(f.f_inf):
            cons = cons + [y[zero] <= alpha * f.f_inf]
        if np.isfinite(f.conj_low):
            cons = cons + [y[zero] >= alpha * f.conj_low]
    problem = cp.Problem(cp.Minimize((1 - mdp.gamma) * (nu0 @ Q) + alpha * (w[pos] @ conj)), cons)
    _solve(problem, f"dual-Q ({f.name})", f.solver)
    return DualQSolution(np.asarray(Q.value).reshape(S, A), float(problem.value),
                         str(problem.status))


def dual_q_bfgs(mdp: DiscountedMDP, pi, dO, alpha: float, f, gtol: float = 1e-10):
    """dual-Q for fixed ``pi`` by BFGS (``kl``/``chi2``, ``dO > 0`` everywhere). Returns
    ``(Q, value)``."""
    _check_mdp(mdp)
    f = get_divergence(f)
    if f.name not in ("kl", "chi2"):
        fail("f", "a smooth conjugate ('kl' or 'chi2') for BFGS", repr(f.name))
    alpha = _check_alpha(alpha)
    S, A = mdp.S, mdp.A
    pi = _check_policy(pi, S, A)
    dO = _check_dist("dO", dO, S, A)
    if np.any(dO <= 0):
        fail("dO", "full support for the unconstrained BFGS dual-Q", f"{int(np.sum(dO <= 0))} zeros")
    Ppi = policy_transition(mdp, pi)
    nu0 = (mdp.init[:, None] * pi).reshape(-1)
    w = dO.reshape(-1)
    r = mdp.r.reshape(-1)
    B = mdp.gamma * Ppi - np.eye(S * A)

    def fun(Q):
        y = (r + B @ Q) / alpha
        val = (1 - mdp.gamma) * nu0 @ Q + alpha * np.sum(w * f.conj(y))
        grad = (1 - mdp.gamma) * nu0 + B.T @ (w * f.conj_grad(y))
        return val, grad

    Q0 = np.linalg.solve(-B, r)  # Q^pi: the residual starts at 0, away from exp overflow
    with threadpool_limits(limits=1):  # tiny dense products: BLAS threads only contend
        res = scipy.optimize.minimize(fun, Q0, jac=True, method="BFGS",
                                      options={"gtol": gtol, "maxiter": 20000})
    if not res.success and np.max(np.abs(res.jac)) > 1e-6:
        raise SolverError(f"dual-Q BFGS: {res.message}", "bfgs_failed", "BFGS")
    return res.x.reshape(S, A), float(res.fun)


# -- restricted LP ---------------------------------------------------------------------------
def in_support_lp(mdp: DiscountedMDP, support) -> tuple[float, np.ndarray]:
    """``max r^T d`` over the flow polytope with ``d = 0`` off ``support`` (bool ``(S, A)``):
    the best policy that only takes in-support actions. Returns ``(value, d)`` (HiGHS)."""
    _check_mdp(mdp)
    support = np.asarray(support, dtype=bool)
    check_shape("support", support, (mdp.S, mdp.A), "(S, A)")
    S, A = mdp.S, mdp.A
    d = cp.Variable(S * A, nonneg=True)
    cons = [flow_matrix(mdp).T @ d - (1 - mdp.gamma) * mdp.init == 0]
    off = np.flatnonzero(~support.reshape(-1))
    if off.size:
        cons.append(d[off] == 0)
    problem = cp.Problem(cp.Maximize(mdp.r.reshape(-1) @ d), cons)
    _solve(problem, "in-support LP", "HIGHS")
    return float(problem.value), np.clip(np.asarray(d.value).reshape(S, A), 0.0, None)
