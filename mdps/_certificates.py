"""Certificates for tabular MDP solutions, computed independently of the solvers.

A certificate is a number that is zero exactly when the claimed object is right, computed
from the model by plain NumPy (no solver kernel), so that tests can assert it rather than a
solver's own stopping quantity.

* :func:`bellman_residual` -- optimality residual of a value function. Finite horizon:
  ``max(||V_H||_inf, max_h ||V_h - max_a (r_h + P_h V_{h+1})||_inf)``; it is zero iff ``V`` is
  the optimal value (backward induction, Puterman 1994, Thm 4.5.1). Discounted:
  ``||T V - V||_inf`` with ``T V = max_a (r + gamma P V)``; since ``T`` is a
  ``gamma``-contraction, ``||V - V*||_inf <= ||T V - V||_inf / (1 - gamma)``
  (Puterman 1994, Thm 6.2.3 and Prop. 6.6.1).
* :func:`policy_gap` -- ``(V* - V^pi) . init``, the suboptimality of a policy from the
  initial distribution (``V*`` from backward induction / policy iteration, ``V^pi`` by exact
  evaluation).
* :func:`occupancy_flow_residual` -- the largest violation of the flow (Bellman-flow)
  constraints that characterise occupancy measures (Puterman 1994, Sec. 6.9): finite horizon
  ``sum_a d_0(s, a) = init(s)``, ``sum_a d_{h+1}(s', a) = sum_{s,a} P_h(s'|s,a) d_h(s,a)``;
  discounted ``sum_a d(s', a) = (1 - gamma) init(s') + gamma sum_{s,a} P(s'|s,a) d(s,a)``;
  plus any negative mass.
"""

from __future__ import annotations

import numpy as np

from ._models import DiscountedMDP, TabularMDP
from ._solvers import _check_model, backward_induction, evaluate_policy, policy_iteration
from ._validation import as_float_array, check_shape

__all__ = ["bellman_residual", "policy_gap", "occupancy_flow_residual"]


def bellman_residual(mdp, V) -> float:
    """Optimality (Bellman) residual of ``V``: ``(H+1, S)`` for a :class:`TabularMDP`,
    ``(S,)`` for a :class:`DiscountedMDP`. Zero iff ``V`` is the optimal value."""
    _check_model(mdp, (TabularMDP, DiscountedMDP))
    S, A = mdp.S, mdp.A
    if isinstance(mdp, TabularMDP):
        H = mdp.H
        V = as_float_array("V", V, ndim=2)
        check_shape("V", V, (H + 1, S), "(H+1, S)")
        res = float(np.abs(V[H]).max())
        for h in range(H):
            Q = mdp.r_at(h) + mdp.gamma * (mdp.P_at(h).reshape(S * A, S) @ V[h + 1]).reshape(S, A)
            res = max(res, float(np.abs(Q.max(axis=1) - V[h]).max()))
        return res
    V = as_float_array("V", V, ndim=1)
    check_shape("V", V, (S,), "(S,)")
    TV = (mdp.r + mdp.gamma * (mdp.P.reshape(S * A, S) @ V).reshape(S, A)).max(axis=1)
    return float(np.abs(TV - V).max())


def policy_gap(mdp, pi) -> float:
    """``(V* - V^pi) . init`` (>= 0 up to round-off); ``pi`` as in
    :func:`mdps.evaluate_policy`."""
    _check_model(mdp, (TabularMDP, DiscountedMDP))
    V_pi = evaluate_policy(mdp, pi).V
    if isinstance(mdp, TabularMDP):
        return float(mdp.init @ (backward_induction(mdp).V[0] - V_pi[0]))
    return float(mdp.init @ (policy_iteration(mdp).V - V_pi))


def occupancy_flow_residual(mdp, d) -> float:
    """Largest violation of the flow equations (and of ``d >= 0``) by ``d``: ``(H, S, A)``
    for a :class:`TabularMDP`, ``(S, A)`` (normalised) for a :class:`DiscountedMDP`."""
    _check_model(mdp, (TabularMDP, DiscountedMDP))
    S, A = mdp.S, mdp.A
    if isinstance(mdp, TabularMDP):
        H = mdp.H
        d = as_float_array("d", d, ndim=3)
        check_shape("d", d, (H, S, A), "(H, S, A)")
        res = float(np.abs(d[0].sum(axis=1) - mdp.init).max())
        for h in range(H - 1):
            inflow = d[h].reshape(S * A) @ mdp.P_at(h).reshape(S * A, S)
            res = max(res, float(np.abs(d[h + 1].sum(axis=1) - inflow).max()))
    else:
        d = as_float_array("d", d, ndim=2)
        check_shape("d", d, (S, A), "(S, A)")
        inflow = (1.0 - mdp.gamma) * mdp.init + mdp.gamma * (d.reshape(S * A) @ mdp.P.reshape(S * A, S))
        res = float(np.abs(d.sum(axis=1) - inflow).max())
    return max(res, float(max(0.0, -d.min())))
