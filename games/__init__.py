"""Normal-form games: equilibrium certificates (plain NumPy), CCE / CE LPs (HiGHS direct, CVXPY
reference), the zero-sum LP, and two-player Nash equilibria by support enumeration.

Built so far (issue 10, first part): :class:`NormalFormGame`, :func:`nash_gap`,
:func:`cce_gap`, :func:`ce_gap`, :func:`cce`, :func:`ce`, :func:`zero_sum`, :func:`nash_2p` (support enumeration or Lemke-Howson),
:func:`hedge_self_play`, and the typed :class:`SolverError` (the solver's ``status`` kept).
Markov games, SparseCCE and the Nash reduction of Foster, Golowich & Kakade (2023) are not
built yet.
"""

from ._learning import HedgeRun, hedge_self_play
from ._lp import EquilibriumResult, SolverError, ZeroSumSolution, ce, cce, zero_sum
from ._nash import lemke_howson, nash_2p
from ._normal import NormalFormGame, ce_gap, cce_gap, deviation_gains, nash_gap

__all__ = ["NormalFormGame", "nash_gap", "cce_gap", "ce_gap", "deviation_gains", "cce", "ce",
           "zero_sum", "nash_2p", "EquilibriumResult", "ZeroSumSolution", "SolverError",
           "hedge_self_play", "HedgeRun", "lemke_howson"]
