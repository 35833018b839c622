"""Tabular, linear-mixture and linear MDPs: models, exact solvers, certificates, sampling.

Public names are loaded lazily (PEP 562): ``import mdps`` is cheap, and the heavy parts
(Numba kernels, CVXPY for the LP layer) are imported on first use of a name that needs
them. ``mdps.validation`` holds the public argument checks (one error template:
``"{name}: expected {condition}; got {value}"``) that paper modules and users share. This keeps ``boundlab --help``, worker start-up and ``theory._claim`` (which only
needs :mod:`mdps._validation`) fast.
"""

from importlib import import_module

_EXPORTS = {
    "._models": ["TabularMDP", "DiscountedMDP"],
    "._linear": ["LinearMixtureMDP", "LinearMDP", "HardInstance", "hard_instance",
                 "random_linear_mixture_mdp", "random_linear_mdp"],
    "._sampling": ["Episodes", "Sampler", "sample_episodes", "sample_transitions"],
    "._solvers": ["backward_induction", "evaluate_policy", "occupancy", "value_iteration",
                  "policy_iteration", "FiniteHorizonSolution", "PolicyEvaluation",
                  "DiscountedSolution", "ConvergenceWarning", "RoundoffWarning",
                  "relative_value_iteration", "AverageRewardSolution"],
    "._certificates": ["bellman_residual", "policy_gap", "occupancy_flow_residual"],
    "._fdiv": ["FDivergence", "KL", "Chi2", "TotalVariation", "SquaredHellinger",
               "F_DIVERGENCES", "get_divergence"],
    "._gridworld": ["gridworld", "GRID_MOVES"],
    "._lp": ["LPSolution", "OccupancyLP", "SolverError", "solve_lp", "solve_lp_finite",
             "solve_lp_linprog"],
}
_SUBMODULES = ["instances", "validation"]

_WHERE = {name: mod for mod, names in _EXPORTS.items() for name in names}
__all__ = [name for names in _EXPORTS.values() for name in names] + _SUBMODULES


def __getattr__(name):
    if name in _WHERE:
        value = getattr(import_module(_WHERE[name], __name__), name)
    elif name in _SUBMODULES:
        value = import_module(f".{name}", __name__)
    else:
        raise AttributeError(f"module 'mdps' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))
