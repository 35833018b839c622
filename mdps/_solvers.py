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
reward) or a batch ``(R, S, A)`` / ``(R, H, S, A)`` (finite horizon). A 3-dimensional ``r`` is
ambiguous in finite horizon -- ``R`` stationary rewards or one reward per step ``(H, S, A)``
-- so it needs ``batch=True`` (the former) or ``batch=False`` (the latter); without it the call
raises. Batched results carry a leading ``R`` axis and ``batched=True``; the kernels read each
``P[s, a, :]`` once per step for all ``R`` rewards. ``terminal`` (``V_H``, default 0) gives
finite-horizon problems a terminal value.

Policies. One representation for all solvers' *outputs*:

=====================  ==========================================================  ==========
solver                 policy returned                                             V scale
=====================  ==========================================================  ==========
backward_induction     ``pi (H, S)`` int: greedy action per step and state         undiscounted sum
value_iteration        ``pi (S,)`` int                                             discounted sum
policy_iteration       ``pi (S,)`` int                                             discounted sum
relative_value_iter.   ``pi (S,)`` int; ``gain`` and ``bias (S,)``                 average reward
solve_lp (dual form)   ``pi (S, A)`` float (read off the occupancy ``d``)          ``(1-gamma)`` x
=====================  ==========================================================  ==========

Every solver *accepts* both deterministic (int ``(S,)`` / ``(H, S)``) and stochastic (float
``(S, A)`` / ``(H, S, A)``) policies where it takes one. The LP's values are on the
normalised scale ``(1 - gamma) init . V`` (see ``mdps._lp``). Infeasible actions: a
``-inf`` reward marks an action that may not be taken in that state (QuantEcon's
state-action-pair form); the optimal solvers never choose it, and every state needs at least
one feasible action. Policy evaluation of a policy that takes an infeasible action gives
``-inf`` values there.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass

import numba
import numpy as np

from . import _kernels as K
from ._models import DiscountedMDP, TabularMDP
from ._validation import as_float_array, check_int, check_real, check_shape, check_simplex, fail

__all__ = [
    "FiniteHorizonSolution",
    "PolicyEvaluation",
    "DiscountedSolution",
    "ConvergenceWarning",
    "RoundoffWarning",
    "relative_value_iteration",
    "AverageRewardSolution",
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


def _finite_reward(mdp: TabularMDP, r, batch=None):
    """Return ``(r3 or rT, batched)``: ``r3 (1 or H, S, A)`` for one reward, or
    ``rT (1 or H, S, A, R)`` for a batch. ``batch`` resolves a 3-dimensional ``r``."""
    if batch is not None and not isinstance(batch, (bool, np.bool_)):
        fail("batch", "None, True or False", repr(batch), TypeError)
    if r is None:
        if batch:
            fail("batch", "False or None when r is None (the model's reward is one reward)", "True")
        return mdp.r3, False
    S, A, H = mdp.S, mdp.A, mdp.H
    r = as_float_array("r", r, ndim=(2, 3, 4), allow_neginf=True)
    if r.ndim == 3 and batch is None:
        fail("batch", "batch=True (r of shape (R, S, A): R stationary rewards) or batch=False "
             f"(r of shape (H, S, A) = {(H, S, A)}: one reward per step) for a 3-dimensional r",
             f"batch=None with r of shape {r.shape}")
    if r.ndim == 2:
        if batch:
            fail("r", "a batch of shape (R, S, A) or (R, H, S, A) with batch=True", f"shape {r.shape}")
        if r.shape != (S, A):
            fail("r", f"shape (S, A) = {(S, A)} for one reward", f"shape {r.shape}")
        return r[None], False
    if r.ndim == 3 and not batch:
        if r.shape != (H, S, A):
            fail("r", f"shape (H, S, A) = {(H, S, A)} for one per-step reward (batch=False)",
                 f"shape {r.shape}")
        return np.ascontiguousarray(r), False
    if r.ndim == 4 and batch is False:
        fail("r", "one reward (S, A) or (H, S, A) with batch=False", f"shape {r.shape}")
    if r.ndim == 3 and (r.shape[0] < 1 or r.shape[1:] != (S, A)):
        fail("r", f"a batch of shape (R, S, A) with (S, A) = {(S, A)} and R >= 1",
             f"shape {r.shape}")
    if r.ndim == 4 and (r.shape[0] < 1 or r.shape[1:] != (H, S, A)):
        fail("r", f"a batch of shape (R, H, S, A) with (H, S, A) = {(H, S, A)} and R >= 1",
             f"shape {r.shape}")
    r4 = r[:, None] if r.ndim == 3 else r
    return np.ascontiguousarray(np.moveaxis(r4, 0, -1)), True


def _check_policy_feasible(r, probs, name="pi"):
    """A policy must put no probability on an infeasible action (reward -inf)."""
    neg = np.isneginf(r)
    if not neg.any():
        return
    bad = neg & (probs > 0)  # broadcasts (1 or H, S, A) / (R, 1 or H, S, A) against probs
    if np.any(bad):
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        fail(name, "zero probability on infeasible actions (reward -inf)",
             f"positive probability at index {idx}")


def _check_feasible(r, name="r"):
    """Every state keeps a feasible action (``r > -inf``) at every step."""
    bad = np.all(np.isneginf(r), axis=-1)
    if np.any(bad):
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        fail(name, "at least one feasible action (reward > -inf) in every state", f"none at index {idx}")


def _discounted_reward(mdp: DiscountedMDP, r, batch=None):
    """Return ``(r (S, A) or (R, S, A), batched)``."""
    if batch is not None and not isinstance(batch, (bool, np.bool_)):
        fail("batch", "None, True or False", repr(batch), TypeError)
    if r is None:
        return mdp.r, False
    S, A = mdp.S, mdp.A
    r = as_float_array("r", r, ndim=(2, 3), allow_neginf=True)
    if r.shape[-2:] != (S, A) or r.shape[0] < 1:
        fail("r", f"shape (S, A) or (R, S, A) with (S, A) = {(S, A)}", f"shape {r.shape}")
    if batch is not None and bool(batch) != (r.ndim == 3):
        fail("r", f"{'a batch (R, S, A)' if batch else 'one reward (S, A)'} with batch={batch}",
             f"shape {r.shape}")
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


def _terminal(terminal, S: int, R: int | None):
    """``V_H``: ``(S,)``, or for a batch ``(S,)`` (shared) or ``(R, S)``; finite."""
    if terminal is None:
        return None
    t = as_float_array("terminal", terminal, ndim=(1, 2))
    want = (S,) if R is None else f"(S,) = {(S,)} or (R, S) = {(R, S)}"
    if t.shape != (S,) and (R is None or t.shape != (R, S)):
        fail("terminal", f"shape {want}", f"shape {t.shape}")
    return t


def _finite_horizon(mdp: TabularMDP, r, pi3, optimal: bool, parallel, batch=None, terminal=None):
    S, A, H = mdp.S, mdp.A, mdp.H
    P4 = mdp.P4
    rr, batched = _finite_reward(mdp, r, batch)
    if optimal:
        _check_feasible(rr if not batched else np.moveaxis(rr, -1, 0))
    else:
        _check_policy_feasible(rr if not batched else np.moveaxis(rr, -1, 0), pi3)
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
    t = _terminal(terminal, S, rr.shape[3] if batched else None)
    if t is not None:
        V[..., H, :] = t
    kern(P4, rr, pi3, optimal, float(mdp.gamma), V, Q, pi)
    return V, Q, pi, batched


# --------------------------------------------------------------------------------------
# Public solvers
# --------------------------------------------------------------------------------------
def backward_induction(mdp: TabularMDP, r=None, *, terminal=None, batch=None,
                       parallel=None) -> FiniteHorizonSolution:
    """Optimal values, action values and a greedy policy of a finite-horizon MDP.

    Parameters
    ----------
    mdp : TabularMDP
    r : array, optional
        ``None`` (the model's reward), one reward ``(S, A)`` or ``(H, S, A)`` (per step, with
        ``batch=False``), or a batch ``(R, S, A)`` (with ``batch=True``) / ``(R, H, S, A)``;
        a batch is solved in one pass over ``P`` per step. ``-inf`` marks infeasible actions.
    terminal : array, optional
        The terminal value ``V_H``: ``(S,)`` (or ``(R, S)`` for a batch); default 0.
    batch : None, True or False
        Required for a 3-dimensional ``r`` (module docstring); optional otherwise.
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
    V, Q, pi, batched = _finite_horizon(mdp, r, None, True, parallel, batch, terminal)
    _readonly(V, Q, pi)
    return FiniteHorizonSolution(V=V, Q=Q, pi=pi, batched=batched)


def evaluate_policy(mdp, pi, r=None, *, terminal=None, batch=None, parallel=None) -> PolicyEvaluation:
    """Exact values of a policy.

    Parameters
    ----------
    mdp : TabularMDP or DiscountedMDP
    pi : array
        Deterministic: int ``(S,)`` (stationary) or ``(H, S)`` (finite horizon, per step).
        Stochastic: float ``(S, A)`` or ``(H, S, A)``, rows on the simplex.
    r : array, optional
        As in :func:`backward_induction` (finite horizon) or ``(S, A)`` / ``(R, S, A)``
        (discounted, where a 3-dimensional ``r`` is always a batch).
    terminal, batch, parallel :
        As in :func:`backward_induction` (``terminal`` and ``parallel``: finite horizon only).

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
        V, Q, _, batched = _finite_horizon(mdp, r, pi3, False, parallel, batch, terminal)
    else:
        if terminal is not None:
            fail("terminal", "None for a discounted MDP (no final step)", "an array")
        probs = _policy_probs(pi, mdp.S, mdp.A, None)
        rr, batched = _discounted_reward(mdp, r, batch)
        _check_policy_feasible(rr, probs)
        V, Q = _discounted_evaluate(mdp.P, rr, mdp.gamma, probs)
    _readonly(V, Q)
    return PolicyEvaluation(V=V, Q=Q, batched=batched)


def _discounted_evaluate(P, r, gamma, probs):
    """``V`` solving ``(I - gamma P_pi) V = r_pi`` and ``Q = r + gamma P V``; ``r`` may be
    ``(S, A)`` or ``(R, S, A)`` (one factorisation serves every reward)."""
    S, A = probs.shape
    P_pi = np.einsum("sa,sat->st", probs, P)
    # unplayed actions contribute nothing (their reward may be -inf: 0 * -inf would be nan)
    r_pi = np.einsum("sa,...sa->s...", probs, np.where(probs > 0, r, 0.0))  # (S,) or (S, R)
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


class RoundoffWarning(UserWarning):
    """A requested accuracy is below what float64 arithmetic can certify."""


#: Value iteration's stopping threshold must exceed this many ulps of ``||V||_inf`` times
#: ``1/(1-gamma)`` for the guarantee ``||V - V*|| < eps/2`` to survive rounding: each sweep
#: adds ~ulp(|V|) of error, and errors accumulate by 1/(1-gamma) like the values do.
ROUNDOFF_ULPS = 1000


def value_iteration(mdp: DiscountedMDP, eps: float | None = None, max_iter: int = VI_MAX_ITER,
                    V0=None, *, n_sweeps: int | None = None) -> DiscountedSolution:
    """Value iteration with the stopping rule of Puterman (1994), Thm 6.3.1, or a fixed
    number of sweeps.

    Iterates ``V_{n+1} = T V_n`` from ``V0`` (default 0) until
    ``||V_{n+1} - V_n||_inf < eps (1 - gamma) / (2 gamma)``; the policy greedy with respect
    to ``V_{n+1}`` is then ``eps``-optimal (``V^pi >= V* - eps`` in every state) and
    ``||V_{n+1} - V*||_inf < eps / 2`` in exact arithmetic. In float64 each sweep rounds at
    ~ulp(||V||); when the threshold is below ``ROUNDOFF_ULPS * ulp(||r||/(1-gamma)) /
    (1-gamma)`` that rounding can exceed the guarantee's slack, so a :class:`RoundoffWarning`
    says so (and by how much the bound may be off). If ``max_iter`` sweeps pass first, the
    result has ``converged=False`` and a :class:`ConvergenceWarning` is issued. For
    ``gamma = 0`` one sweep is exact.

    ``n_sweeps`` instead runs exactly that many sweeps (no stopping rule, ``eps`` must be
    None; ``converged`` is then False: nothing is certified), as in a textbook
    ``V_n = T^n V_0`` experiment.
    """
    _check_model(mdp, (DiscountedMDP,))
    S, A, gamma = mdp.S, mdp.A, mdp.gamma
    if n_sweeps is not None:
        if eps is not None:
            fail("eps", "None when n_sweeps is given (a fixed number of sweeps has no stopping rule)",
                 repr(eps))
        n_sweeps = check_int("n_sweeps", n_sweeps, minimum=1)
        threshold, max_iter = -1.0, n_sweeps  # never met: exactly n_sweeps sweeps
    else:
        if eps is None:
            fail("eps", "a positive accuracy (or n_sweeps=...)", "None")
        eps = check_real("eps", eps, low=0.0, low_open=True)
        max_iter = check_int("max_iter", max_iter, minimum=1)
        threshold = np.inf if gamma == 0.0 else eps * (1.0 - gamma) / (2.0 * gamma)
    if V0 is None:
        V = np.zeros(S)
    else:
        V = as_float_array("V0", V0, ndim=1).copy()
        if V.shape != (S,):
            fail("V0", f"shape (S,) = {(S,)}", f"shape {V.shape}")
    if n_sweeps is None and 0.0 < gamma:
        finite = mdp.r[np.isfinite(mdp.r)]
        scale = (float(np.abs(finite).max()) if finite.size else 0.0) / (1.0 - gamma)
        scale = max(scale, float(np.abs(V).max()))
        floor = ROUNDOFF_ULPS * float(np.spacing(scale)) / (1.0 - gamma)
        if threshold < floor:
            warnings.warn(
                f"value_iteration: the stopping threshold eps(1-gamma)/(2 gamma) = {threshold:.3g} "
                f"is below {ROUNDOFF_ULPS} ulp(|V| ~ {scale:.3g}) / (1-gamma) = {floor:.3g}, so "
                "float64 rounding may break the guarantee ||V - V*|| < eps/2; ask for "
                f"eps >= {2 * gamma * floor / (1.0 - gamma):.3g} for a certified result",
                RoundoffWarning, stacklevel=2)
    Q = np.empty((S, A))
    pi = np.zeros(S, np.int64)
    n, diff = K.value_iteration(mdp.P, mdp.r, gamma, V, K.VIOptions(threshold, max_iter), Q, pi)
    converged = bool(diff < threshold)
    if not converged and n_sweeps is None:
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
                     pi0=None, *, v_init=None) -> DiscountedSolution:
    """Howard's policy iteration with exact evaluation by a linear solve.

    Starts from ``pi0`` (default: greedy for the immediate reward, or greedy with respect to
    ``v_init (S,)`` when that is given), evaluates exactly, improves greedily, and stops when
    no action improves ``Q`` by more than ``1e-12 (1 + ||Q||_inf)`` (round-off of the solve;
    a policy stable up to this tolerance has Bellman residual at most that much). The
    returned ``V`` and ``Q`` are always the exact values of the returned ``pi``, also when
    ``max_iter`` evaluations pass first (then ``converged=False`` and a
    :class:`ConvergenceWarning`).
    """
    _check_model(mdp, (DiscountedMDP,))
    max_iter = check_int("max_iter", max_iter, minimum=1)
    S, A = mdp.S, mdp.A
    if v_init is not None:
        if pi0 is not None:
            fail("v_init", "None when pi0 is given (both choose the first policy)", "an array")
        v = as_float_array("v_init", v_init, ndim=1)
        check_shape("v_init", v, (S,), "(S,)")
        pi0 = np.argmax(mdp.r + mdp.gamma * (mdp.P.reshape(S * A, S) @ v).reshape(S, A), axis=1)
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
        tol = 1e-12 * (1.0 + np.abs(Q[np.isfinite(Q)]).max())  # -inf: infeasible actions
        improve = Q[rows, new] > Q[rows, pi] + tol
        if not np.any(improve):
            converged = True
            break
        pi = np.where(improve, new, pi)
    if not converged:
        # the loop improved pi after its last evaluation: evaluate the policy returned
        probs = np.zeros((S, A))
        probs[rows, pi] = 1.0
        V, Q = _discounted_evaluate(mdp.P, mdp.r, mdp.gamma, probs)
        warnings.warn(
            f"policy_iteration: policy still changing after max_iter = {max_iter} evaluations",
            ConvergenceWarning,
            stacklevel=2,
        )
    pi = np.ascontiguousarray(pi, dtype=np.int64)
    _readonly(V, Q, pi)
    return DiscountedSolution(V=V, Q=Q, pi=pi, iterations=n, converged=converged,
                              method="policy_iteration")


@dataclass(frozen=True)
class AverageRewardSolution:
    """Relative value iteration's result: the optimal ``gain`` (average reward per step,
    the midpoint of ``gain_bounds``), a ``bias (S,)`` (relative values, ``bias[ref] = 0``),
    a greedy ``pi (S,)`` whose gain is within ``eps`` of optimal when ``converged``."""

    gain: float
    gain_bounds: tuple[float, float]
    bias: np.ndarray
    pi: np.ndarray
    iterations: int
    converged: bool


#: The aperiodicity transformation's weight: ``P_tau = tau P + (1 - tau) I`` has the gains of
#: ``P`` and biases scaled by ``1/tau`` (Puterman 1994, Sec. 8.5.4) and makes relative value
#: iteration converge on periodic unichain models.
RVI_TAU = 0.5


def relative_value_iteration(mdp, eps: float, max_iter: int = VI_MAX_ITER, ref: int = 0
                             ) -> AverageRewardSolution:
    """Average-reward optimal gain and bias of a unichain model by relative value iteration.

    ``mdp``: a :class:`DiscountedMDP` (its ``gamma`` is ignored) or a homogeneous
    :class:`TabularMDP` with a stationary reward (its ``H`` and ``gamma`` are ignored).
    Iterates ``h <- T h - (T h)[ref]`` on the aperiodicity-transformed model (``RVI_TAU``)
    until the span of ``T h - h`` is below ``eps``; the gain then lies in
    ``[min(T h - h), max(T h - h)]`` and the greedy policy is ``eps``-optimal in gain
    (Puterman 1994, Thm 8.5.5). The unichain assumption is not checked: on a multichain
    model the span need not fall and the result is ``converged=False`` with a warning.
    """
    _check_model(mdp, (DiscountedMDP, TabularMDP))
    if isinstance(mdp, TabularMDP):
        if not mdp.homogeneous or mdp.r.ndim != 2:
            fail("mdp", "a homogeneous TabularMDP with a stationary reward (S, A)",
                 f"P of shape {mdp.P.shape}, r of shape {mdp.r.shape}")
    eps = check_real("eps", eps, low=0.0, low_open=True)
    max_iter = check_int("max_iter", max_iter, minimum=1)
    S, A = mdp.S, mdp.A
    ref = check_int("ref", ref, minimum=0)
    if ref >= S:
        fail("ref", f"a state index below S = {S}", ref)
    P = RVI_TAU * np.asarray(mdp.P) + (1.0 - RVI_TAU) * np.eye(S)[:, None, :]
    P2 = P.reshape(S * A, S)
    r = np.asarray(mdp.r)
    h = np.zeros(S)
    lo, hi, n = -np.inf, np.inf, 0
    converged = False
    while n < max_iter:
        n += 1
        TQ = r + (P2 @ h).reshape(S, A)
        Th = TQ.max(axis=1)
        diff = Th - h
        lo, hi = float(diff.min()), float(diff.max())
        h = Th - Th[ref]
        if hi - lo < eps:
            converged = True
            break
    if not converged:
        warnings.warn(f"relative_value_iteration: span(Th - h) = {hi - lo:.3g} after max_iter = "
                      f"{max_iter} sweeps (not below eps = {eps:g}); the model may be multichain",
                      ConvergenceWarning, stacklevel=2)
    pi = np.ascontiguousarray(np.argmax(r + (P2 @ h).reshape(S, A), axis=1), dtype=np.int64)
    bias = RVI_TAU * h  # back to the untransformed model's bias
    _readonly(bias, pi)
    return AverageRewardSolution(gain=0.5 * (lo + hi), gain_bounds=(lo, hi), bias=bias, pi=pi,
                                 iterations=n, converged=converged)
