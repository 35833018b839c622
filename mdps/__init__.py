"""Tabular, linear-mixture and linear MDPs: models, exact solvers, certificates, sampling."""

from ._models import DiscountedMDP, TabularMDP
from ._linear import (HardInstance, LinearMDP, LinearMixtureMDP, hard_instance,
                      random_linear_mdp, random_linear_mixture_mdp)
from ._sampling import Episodes, Sampler, sample_episodes, sample_transitions
from . import instances
from ._fdiv import (F_DIVERGENCES, KL, Chi2, FDivergence, SquaredHellinger, TotalVariation,
                    get_divergence)
from ._solvers import (ConvergenceWarning, DiscountedSolution, FiniteHorizonSolution,
                       PolicyEvaluation, backward_induction, evaluate_policy, occupancy,
                       policy_iteration, value_iteration)
from ._certificates import bellman_residual, occupancy_flow_residual, policy_gap
from ._gridworld import GRID_MOVES, gridworld
from ._lp import (LPSolution, OccupancyLP, SolverError, solve_lp, solve_lp_finite,
                  solve_lp_linprog)

__all__ = ["TabularMDP", "DiscountedMDP"]
__all__ += ["LPSolution", "OccupancyLP", "SolverError", "solve_lp", "solve_lp_finite",
            "solve_lp_linprog"]
__all__ += ["FDivergence", "KL", "Chi2", "TotalVariation", "SquaredHellinger",
            "F_DIVERGENCES", "get_divergence"]
__all__ += ["backward_induction", "evaluate_policy", "occupancy", "value_iteration",
            "policy_iteration", "FiniteHorizonSolution", "PolicyEvaluation",
            "DiscountedSolution", "ConvergenceWarning", "bellman_residual", "policy_gap",
            "occupancy_flow_residual"]
__all__ += ["gridworld", "GRID_MOVES"]
__all__ += ["LinearMixtureMDP", "LinearMDP", "HardInstance", "hard_instance",
            "random_linear_mixture_mdp", "random_linear_mdp", "Episodes", "Sampler",
            "sample_episodes", "sample_transitions", "instances"]
