"""Tabular, linear-mixture and linear MDPs: models, exact solvers, certificates, sampling."""

from ._models import DiscountedMDP, TabularMDP
from ._fdiv import (F_DIVERGENCES, KL, Chi2, FDivergence, SquaredHellinger, TotalVariation,
                    get_divergence)
from ._lp import (LPSolution, OccupancyLP, SolverError, solve_lp, solve_lp_finite,
                  solve_lp_linprog)

__all__ = ["TabularMDP", "DiscountedMDP"]
__all__ += ["LPSolution", "OccupancyLP", "SolverError", "solve_lp", "solve_lp_finite",
            "solve_lp_linprog"]
__all__ += ["FDivergence", "KL", "Chi2", "TotalVariation", "SquaredHellinger",
            "F_DIVERGENCES", "get_divergence"]
