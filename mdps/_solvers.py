"""Exact solvers for tabular MDPs: backward induction, policy evaluation, occupancy
measures, value iteration and policy iteration.

Finite horizon (:class:`~mdps.TabularMDP`, steps ``h = 0, ..., H-1``, ``V_H = 0``).
Backward induction ``Q_h = r_h + P_h V_{h+1}``, ``V_h = max_a Q_h`` gives the optimal values
and a greedy optimal policy (Puterman 1994, *Markov Decision Processes*, Thm 4.5.1 and the
backward induction algorithm of Sec. 4.5). Evaluation of a policy replaces the max by the
expectation under ``pi_h(. | s)``. The occupancy measure
``d_h(s, a) = Pr(s_h = s, a_h = a)`` obeys the flow equations
``sum_a d_0(s, a) = init(s)`` and ``sum_a d_{h+1}(s', a) = sum_{s,a} P_h(s'|s,a) d_h(s,a)``, so
that ``V_0^pi . init = sum_{h,s,a} d_h(s, a) r_h(s, a)``.

Discounted (:class:`~mdps.DiscountedMDP`, ``gamma < 1``). Policy evaluation solves
``(I - gamma P_pi) V = r_pi`` exactly. Value iteration stops at the first ``n`` with
``||V_{n+1} - V_n||_inf < eps (1 - gamma) / (2 gamma)``; then the policy greedy with respect
to ``V_{n+1}`` is ``eps``-optimal and ``||V_{n+1} - V*||_inf < eps / 2`` (Puterman 1994,
Thm 6.3.1). Policy iteration (Howard) alternates exact evaluation and greedy improvement,
keeping the current action unless another improves ``Q`` by more than a round-off
tolerance, and stops when the policy is stable (Puterman 1994, Thm 6.4.2). The normalised
discounted occupancy ``d(s, a) = (1 - gamma) sum_t gamma^t Pr(s_t = s, a_t = a)`` solves
``(I - gamma P_pi^T) mu = (1 - gamma) init``, ``d = mu * pi``.

Batches. ``backward_induction`` and ``evaluate_policy`` accept ``r`` of shape ``(S, A)`` (one
reward) or a batch ``(R, S, A)`` / ``(R, H, S, A)`` (finite horizon). A 3-dimensional ``r``
is **always a batch** of stationary rewards; a single step-dependent reward ``(H, S, A)``
belongs in the model (``mdp.with_reward(r)``) or is passed as ``r[None]``. Batched results
carry a leading ``R`` axis and ``batched=True``; the kernels read each ``P[s, a, :]`` once per
step for all ``R`` rewards.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass

import numba
import numpy as np

from . import _kernels as K
from ._models import DiscountedMDP, TabularMDP
from ._validation import as_float_array, check_int, check_real, check_simplex, fail

__all__ = [
    "FiniteHorizonSolution",
    "PolicyEvaluation",
    "DiscountedSolution",
    "ConvergenceWarning",
    "backward_induction",
    "evaluate_policy",
    "occupancy",
    "value_iteration",
    "policy_iteration",
]

#: Default iteration caps (value iteration needs about log(threshold / ||r||) / log(gamma)
#: sweeps, e.g. ~2e4 at gamma = 0.999, eps = 1e-6).
VI_MAX_ITER = 100_000
PI_MAX_ITER = 10_000


class ConvergenceWarning(UserWarning):
    """An iterative solver stopped at its iteration cap before its stopping rule held."""


def _readonly(*arrays):
    for arr in arrays:
        arr.setflags(write=False)


@dataclass(frozen=True, eq=False)
class FiniteHorizonSolution:
    """Optimal finite-horizon solution from :func:`backward_induction`.

    Attributes
    ----------
    V : ``(H+1, S)`` optimal values, ``V[H] = 0``; ``(R, H+1, S)`` for a batch.
    Q : ``(H, S, A)`` optimal action values; ``(R, H, S, A)`` for a batch.
    pi : ``(H, S)`` int greedy (first maximising) action; ``(R, H, S)`` for a batch.
    batched : True when a batch of rewards was solved (leading ``R`` axis).
    """

    V: np.ndarray
    Q: np.ndarray
    pi: np.ndarray
    batched: bool = False


@dataclass(frozen=True, eq=False)
class PolicyEvaluation:
    """Values of a fixed policy from :func:`evaluate_policy`.

    Finite horizon: ``V (H+1, S)``, ``Q (H, S, A)``; discounted: ``V (S,)``, ``Q (S, A)``.
    A batch of rewards adds a leading ``R`` axis and sets ``batched``.
    """

    V: np.ndarray
    Q: np.ndarray
    batched: bool = False


@dataclass(frozen=True, eq=False)
class DiscountedSolution:
    """Result of :func:`value_iteration` or :func:`policy_iteration`.

    Attributes
    ----------
    V : ``(S,)`` value: the last iterate ``V_{n+1}`` (value iteration; within ``eps/2`` of
        ``V*`` when converged) or the exact value of ``pi`` (policy iteration).
    Q : ``(S, A)`` ``r + gamma P V``; ``pi`` maximises it (value iteration: the first
        maximiser; policy iteration: the kept action among near-ties).
    pi : ``(S,)`` int policy (``eps``-optimal for value iteration, optimal for policy
        iteration when converged).
    iterations : sweeps (value iteration) or evaluations (policy iteration) performed.
    converged : whether the stopping rule held before the iteration cap.
    method : ``"value_iteration"`` or ``"policy_iteration"``.
    """

    V: np.ndarray
    Q: np.ndarray
    pi: np.ndarray
    iterations: int
    converged: bool
    method: str


# --------------------------------------------------------------------------------------
# Argument handling
# --------------------------------------------------------------------------------------
def _check_model(mdp, kinds, name="mdp"):
    if not isinstance(mdp, kinds):
        want = " or ".join(k.__name__ for k in kinds)
        fail(name, f"a {want}", type(mdp).__name__, TypeError)


def _policy_probs(pi, S: int, A: int, H: int | None, name: str = "pi") -> np.ndarray:
    """Validate ``pi`` and return action probabilities ``(1 or H, S, A)`` (finite horizon,
    ``H`` given) or ``(S, A)`` (discounted, ``H is None``).

    Integer arrays are deterministic policies (``(S,)`` or ``(H, S)``, entries in
    ``[0, A)``); floating arrays are stochastic (``(S, A)`` or ``(H, S, A)``, rows on the
    simplex). ``name`` labels error messages.
    """
    arr = np.asarray(pi)
    finite = H is not None
    det_shapes = {"(S,)": (S,), "(H, S)": (H, S)} if finite else {"(S,)": (S,)}
    sto_shapes = {"(S, A)": (S, A), "(H, S, A)": (H, S, A)} if finite else {"(S, A)": (S, A)}
    if arr.dtype.kind in "iu":
        if arr.shape not in det_shapes.values():
            want = " or ".join(f"{k} = {v}" for k, v in det_shapes.items())
            fail(name, f"integer actions of shape {want}", f"shape {arr.shape}")
        bad = (arr < 0) | (arr >= A)
        if np.any(bad):
            idx = tuple(int(i) for i in np.argwhere(bad)[0])
            fail(name, f"action indices in [0, {A})", f"{int(arr[idx])} at index {idx}")
        probs = np.zeros(arr.shape + (A,))
        np.put_along_axis(probs, arr[..., None].astype(np.int64), 1.0, axis=-1)
    elif arr.dtype.kind == "f":
        probs = as_float_array(name, arr)
        if probs.shape not in sto_shapes.values():
            want = " or ".join(f"{k} = {v}" for k, v in sto_shapes.items())
            fail(name, f"action probabilities of shape {want}", f"shape {probs.shape}")
        check_simplex(name, probs)
    else:
        fail(name, "an integer (deterministic) or float (stochastic) array",
             f"array of dtype {arr.dtype}", TypeError)
    if finite and probs.ndim == 2:
        probs = probs[None]
    return np.ascontiguousarray(probs)


def _finite_reward(mdp: TabularMDP, r):
    """Return ``(r3 or rT, batched)``: ``r3 (1 or H, S, A)`` for one reward, or
    ``rT (1 or H, S, A, R)`` for a batch."""
    if r is None:
        return mdp.r3, False
    S, A, H = mdp.S, mdp.A, mdp.H
    r = as_float_array("r", r, ndim=(2, 3, 4))
    if r.ndim == 2:
        if r.shape != (S, A):
            fail("r", f"shape (S, A) = {(S, A)} for one reward", f"shape {r.shape}")
        return r[None], False
    if r.ndim == 3 and (r.shape[0] < 1 or r.shape[1:] != (S, A)):
        fail("r", f"a batch of shape (R, S, A) with (S, A) = {(S, A)} and R >= 1",
             f"shape {r.shape}")
    if r.ndim == 4 and (r.shape[0] < 1 or r.shape[1:] != (H, S, A)):
        fail("r", f"a batch of shape (R, H, S, A) with (H, S, A) = {(H, S, A)} and R >= 1",
             f"shape {r.shape}")
    r4 = r[:, None] if r.ndim == 3 else r
    return np.ascontiguousarray(np.moveaxis(r4, 0, -1)), True


def _discounted_reward(mdp: DiscountedMDP, r):
    """Return ``(r (S, A) or (R, S, A), batched)``."""
    if r is None:
        return mdp.r, False
    S, A = mdp.S, mdp.A
    r = as_float_array("r", r, ndim=(2, 3))
    if r.shape[-2:] != (S, A) or r.shape[0] < 1:
        fail("r", f"shape (S, A) or (R, S, A) with (S, A) = {(S, A)}", f"shape {r.shape}")
    return r, r.ndim == 3


def _idle_cores() -> float:
    """CPUs minus the 1-minute load average (which counts this process while it runs)."""
    try:
        return (os.cpu_count() or 1) - os.getloadavg()[0]
    except (OSError, AttributeError):  # no load average on this platform
        return float(os.cpu_count() or 1)


def _parallel(work: int, parallel) -> bool:
    """Use the multi-threaded kernel? ``parallel``: None (automatic), True or False.

    Automatic: only when a step has ``>= PARALLEL_MIN_WORK`` multiply-adds, Numba may use
    more than one thread, and at least half a core is idle by the 1-minute load average
    (threads fighting other processes for the cores make per-step parallel regions several
    times slower than one thread). The choice never changes results, only speed."""
    if parallel is None:
        return (work >= K.PARALLEL_MIN_WORK and numba.get_num_threads() > 1
                and _idle_cores() >= 0.5)
    if not isinstance(parallel, (bool, np.bool_)):
        fail("parallel", "None, True or False", repr(parallel), TypeError)
    return bool(parallel)


def _finite_horizon(mdp: TabularMDP, r, pi3, optimal: bool, parallel):
    S, A, H = mdp.S, mdp.A, mdp.H
    P4 = mdp.P4
    rr, batched = _finite_reward(mdp, r)
    if pi3 is None:
        pi3 = np.zeros((1, 1, 1))
    if not batched:
        V = np.zeros((H + 1, S))
        Q = np.empty((H, S, A))
        pi = np.zeros((H, S), np.int64)
        kern = (K.finite_horizon_parallel if _parallel(S * A * S, parallel)
                else K.finite_horizon_serial)
    else:
        R = rr.shape[3]
        V = np.zeros((R, H + 1, S))
        Q = np.empty((R, H, S, A))
        pi = np.zeros((R, H, S), np.int64)
        kern = (K.finite_horizon_batch_parallel if _parallel(S * A * S * R, parallel)
                else K.finite_horizon_batch_serial)
    kern(P4, rr, pi3, optimal, V, Q, pi)
    return V, Q, pi, batched


# --------------------------------------------------------------------------------------
# Public solvers
# --------------------------------------------------------------------------------------
def backward_induction(mdp: TabularMDP, r=None, *, parallel=None) -> FiniteHorizonSolution:
    """Optimal values, action values and a greedy policy of a finite-horizon MDP.

    Parameters
    ----------
    mdp : TabularMDP
    r : array, optional
        ``None`` (the model's reward), one reward ``(S, A)``, or a batch ``(R, S, A)`` /
        ``(R, H, S, A)``; a batch is solved in one pass over ``P`` per step.
    parallel : None, True or False
        Split the states of each step over Numba's threads. ``None`` (default) does so for
        problems with ``S*A*S*R >= mdps._kernels.PARALLEL_MIN_WORK`` when Numba has more
        than one thread and the 1-minute load average leaves a core idle. Pass ``False`` (or
        call ``numba.set_num_threads(1)``) in processes that share the cores with others,
        such as sweep workers: the load average lags by up to a minute. Results do not
        depend on it.

    Returns
    -------
    FiniteHorizonSolution
        ``V (H+1, S)``, ``Q (H, S, A)``, ``pi (H, S)``; with a leading ``R`` axis and
        ``batched=True`` for a batch.
    """
    _check_model(mdp, (TabularMDP,))
    V, Q, pi, batched = _finite_horizon(mdp, r, None, True, parallel)
    _readonly(V, Q, pi)
    return FiniteHorizonSolution(V=V, Q=Q, pi=pi, batched=batched)


def evaluate_policy(mdp, pi, r=None, *, parallel=None) -> PolicyEvaluation:
    """Exact values of a policy.

    Parameters
    ----------
    mdp : TabularMDP or DiscountedMDP
    pi : array
        Deterministic: int ``(S,)`` (stationary) or ``(H, S)`` (finite horizon, per step).
        Stochastic: float ``(S, A)`` or ``(H, S, A)``, rows on the simplex.
    r : array, optional
        As in :func:`backward_induction` (finite horizon) or ``(S, A)`` / ``(R, S, A)``
        (discounted).
    parallel : None, True or False
        As in :func:`backward_induction` (finite horizon only).

    Returns
    -------
    PolicyEvaluation
        Finite horizon: ``V (H+1, S)``, ``Q (H, S, A)`` by backward recursion.
        Discounted: ``V (S,)`` solving ``(I - gamma P_pi) V = r_pi`` exactly, and
        ``Q = r + gamma P V``. A batch adds a leading ``R`` axis.
    """
    _check_model(mdp, (TabularMDP, DiscountedMDP))
    if isinstance(mdp, TabularMDP):
        pi3 = _policy_probs(pi, mdp.S, mdp.A, mdp.H)
        V, Q, _, batched = _finite_horizon(mdp, r, pi3, False, parallel)
    else:
        probs = _policy_probs(pi, mdp.S, mdp.A, None)
        rr, batched = _discounted_reward(mdp, r)
        V, Q = _discounted_evaluate(mdp.P, rr, mdp.gamma, probs)
    _readonly(V, Q)
    return PolicyEvaluation(V=V, Q=Q, batched=batched)


def _discounted_evaluate(P, r, gamma, probs):
    """``V`` solving ``(I - gamma P_pi) V = r_pi`` and ``Q = r + gamma P V``; ``r`` may be
    ``(S, A)`` or ``(R, S, A)`` (one factorisation serves every reward)."""
    S, A = probs.shape
    P_pi = np.einsum("sa,sat->st", probs, P)
    r_pi = np.einsum("sa,...sa->s...", probs, r)  # (S,) or (S, R)
    V = np.linalg.solve(np.eye(S) - gamma * P_pi, r_pi)
    PV = P.reshape(S * A, S) @ V  # (S*A,) or (S*A, R)
    if r.ndim == 2:
        return V, r + gamma * PV.reshape(S, A)
    return np.ascontiguousarray(V.T), r + gamma * np.moveaxis(PV.reshape(S, A, -1), -1, 0)


def occupancy(mdp, pi) -> np.ndarray:
    """Occupancy measure of a policy.

    Finite horizon: ``d (H, S, A)`` with ``d[h, s, a] = Pr(s_h = s, a_h = a)`` from
    ``s_0 ~ init``; each ``d[h]`` sums to one. Discounted: the normalised occupancy
    ``d (S, A) = (1 - gamma) sum_t gamma^t Pr(s_t = s, a_t = a)``, summing to one.
    ``pi`` as in :func:`evaluate_policy`.
    """
    _check_model(mdp, (TabularMDP, DiscountedMDP))
    S, A = mdp.S, mdp.A
    if isinstance(mdp, TabularMDP):
        H = mdp.H
        pi3 = _policy_probs(pi, S, A, H)
        d = np.empty((H, S, A))
        mu = mdp.init.copy()
        for h in range(H):
            d[h] = mu[:, None] * pi3[h if pi3.shape[0] > 1 else 0]
            if h + 1 < H:
                mu = d[h].reshape(S * A) @ mdp.P_at(h).reshape(S * A, S)
    else:
        probs = _policy_probs(pi, S, A, None)
        P_pi = np.einsum("sa,sat->st", probs, mdp.P)
        mu = np.linalg.solve(np.eye(S) - mdp.gamma * P_pi.T, (1.0 - mdp.gamma) * mdp.init)
        d = mu[:, None] * probs
    _readonly(d)
    return d


def value_iteration(mdp: DiscountedMDP, eps: float, max_iter: int = VI_MAX_ITER,
                    V0=None) -> DiscountedSolution:
    """Value iteration with the stopping rule of Puterman (1994), Thm 6.3.1.

    Iterates ``V_{n+1} = T V_n`` from ``V0`` (default 0) until
    ``||V_{n+1} - V_n||_inf < eps (1 - gamma) / (2 gamma)``; the policy greedy with respect
    to ``V_{n+1}`` is then ``eps``-optimal (``V^pi >= V* - eps`` in every state). If
    ``max_iter`` sweeps pass first, the result has ``converged=False`` and a
    :class:`ConvergenceWarning` is issued. For ``gamma = 0`` one sweep is exact.
    """
    _check_model(mdp, (DiscountedMDP,))
    eps = check_real("eps", eps, low=0.0, low_open=True)
    max_iter = check_int("max_iter", max_iter, minimum=1)
    S, A, gamma = mdp.S, mdp.A, mdp.gamma
    if V0 is None:
        V = np.zeros(S)
    else:
        V = as_float_array("V0", V0, ndim=1).copy()
        if V.shape != (S,):
            fail("V0", f"shape (S,) = {(S,)}", f"shape {V.shape}")
    threshold = np.inf if gamma == 0.0 else eps * (1.0 - gamma) / (2.0 * gamma)
    Q = np.empty((S, A))
    pi = np.zeros(S, np.int64)
    n, diff = K.value_iteration(mdp.P, mdp.r, gamma, V, K.VIOptions(threshold, max_iter), Q, pi)
    converged = bool(diff < threshold)
    if not converged:
        warnings.warn(
            f"value_iteration: ||TV - V||_inf = {diff:.3g} after max_iter = {max_iter} sweeps; "
            f"the stopping threshold eps(1-gamma)/(2 gamma) = {threshold:.3g} was not reached, "
            "so the policy is not certified eps-optimal",
            ConvergenceWarning,
            stacklevel=2,
        )
    _readonly(V, Q, pi)
    return DiscountedSolution(V=V, Q=Q, pi=pi, iterations=int(n), converged=converged,
                              method="value_iteration")


def policy_iteration(mdp: DiscountedMDP, max_iter: int = PI_MAX_ITER,
                     pi0=None) -> DiscountedSolution:
    """Howard's policy iteration with exact evaluation by a linear solve.

    Starts from ``pi0`` (default: greedy for the immediate reward), evaluates exactly,
    improves greedily, and stops when no action improves ``Q`` by more than
    ``1e-12 (1 + ||Q||_inf)`` (round-off of the solve; a policy stable up to this tolerance
    has Bellman residual at most that much). Non-convergence within ``max_iter``
    evaluations is recorded and warned.
    """
    _check_model(mdp, (DiscountedMDP,))
    max_iter = check_int("max_iter", max_iter, minimum=1)
    S, A = mdp.S, mdp.A
    if pi0 is None:
        pi = np.argmax(mdp.r, axis=1)
    else:
        pi = np.asarray(pi0)
        _policy_probs(pi, S, A, None, name="pi0")
        if pi.ndim != 1:
            fail("pi0", "a deterministic policy: integer actions of shape (S,)", f"shape {pi.shape}")
        pi = pi.astype(np.int64)
    rows = np.arange(S)
    converged = False
    n = 0
    while n < max_iter:
        n += 1
        probs = np.zeros((S, A))
        probs[rows, pi] = 1.0
        V, Q = _discounted_evaluate(mdp.P, mdp.r, mdp.gamma, probs)
        new = np.argmax(Q, axis=1)
        tol = 1e-12 * (1.0 + np.abs(Q).max())
        improve = Q[rows, new] > Q[rows, pi] + tol
        if not np.any(improve):
            converged = True
            break
        pi = np.where(improve, new, pi)
    if not converged:
        warnings.warn(
            f"policy_iteration: policy still changing after max_iter = {max_iter} evaluations",
            ConvergenceWarning,
            stacklevel=2,
        )
    pi = np.ascontiguousarray(pi, dtype=np.int64)
    _readonly(V, Q, pi)
    return DiscountedSolution(V=V, Q=Q, pi=pi, iterations=n, converged=converged,
                              method="policy_iteration")
