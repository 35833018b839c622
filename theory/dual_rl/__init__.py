"""Dual RL (Sikchi, Zheng, Zhang, Niekum, ICLR 2024, arXiv 2302.08560), solved exactly in
tabular MDPs.

The paper writes RL and imitation as convex problems over the occupancy measure d subject to
the Bellman-flow constraints, regularised by an f-divergence to an offline distribution, and
works with their unconstrained Lagrangian duals: dual-V (over V, with the non-negative
conjugate f*_p) and dual-Q (over Q for a fixed policy, with f*). Offline RL methods (XQL, CQL,
f-DVL) and imitation methods (IQ-Learn, SMODICE, ReCOIL) are instances, the method table
:data:`METHODS` says which (f, form) each one is. This package solves every problem exactly
(CVXPY with HiGHS / Clarabel, cross-checked by scipy linprog and BFGS) and registers six claims
(:data:`CLAIMS`); see the project notes, part D, for the provenance of each formula.
"""

from ._claims import CLAIMS, PAPER
from ._core import (DualQSolution, DualVSolution, RegularisedSolution, dual_q, dual_q_bfgs,
                    dual_v, dual_v_bfgs, flow_residual, in_support_lp, policy_transition,
                    recover_occupancy, regularised_primal, regularised_value)
from ._fdvl import (FDVL_LOSSES, TrainingResult, fdvl_training, implicit_maximiser,
                    limit_gap_bound, numerical_minimiser, value_loss)
from ._imitation import (ImitationSolution, mixture_divergence, recoil_dual_q, recoil_primal,
                         smodice_primal)
from ._instances import BEHAVIOURS, ENVS, behaviour_policy, make_mdp, optimal_policy
from ._methods import METHODS, MethodRow

__all__ = [
    "CLAIMS", "PAPER",
    "RegularisedSolution", "DualVSolution", "DualQSolution", "regularised_primal", "dual_v",
    "dual_v_bfgs", "dual_q", "dual_q_bfgs", "regularised_value", "recover_occupancy",
    "flow_residual", "in_support_lp", "policy_transition",
    "ImitationSolution", "recoil_primal", "recoil_dual_q", "mixture_divergence", "smodice_primal",
    "FDVL_LOSSES", "value_loss", "implicit_maximiser", "limit_gap_bound", "numerical_minimiser",
    "TrainingResult", "fdvl_training",
    "ENVS", "BEHAVIOURS", "make_mdp", "optimal_policy", "behaviour_policy",
    "METHODS", "MethodRow",
]
