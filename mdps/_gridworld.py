"""A slippery n x n gridworld as a :class:`~mdps.DiscountedMDP` (the tabular testbed of the
Dual RL verification plan, Sikchi et al. 2024 notes D9).

States ``s = row * n + col``; actions ``0..3`` = up, right, down, left. With probability
``1 - slip`` the intended move is made, with probability ``slip`` a uniformly random one of
the four (so the intended move has probability ``1 - slip + slip/4``); a move into the wall
stays put. The goal cell (default: the far corner) is absorbing and pays ``goal_reward`` for
every action taken there; every other reward is 0. The episode starts at ``start``
(default: cell 0), so ``J(pi) = gamma * E[discounted hits]``-type values lie in
``[0, goal_reward / (1 - gamma)]``.
"""

from __future__ import annotations

import numpy as np

from ._models import DiscountedMDP
from ._validation import check_int, check_real, fail

__all__ = ["gridworld", "GRID_MOVES"]

#: (d_row, d_col) of actions up, right, down, left.
GRID_MOVES = ((-1, 0), (0, 1), (1, 0), (0, -1))


def gridworld(n: int, *, slip: float = 0.1, gamma: float = 0.9, goal: int | None = None,
              start: int = 0, goal_reward: float = 1.0) -> DiscountedMDP:
    """The slippery ``n x n`` gridworld (see the module docstring); ``S = n*n``, ``A = 4``."""
    n = check_int("n", n, minimum=2)
    slip = check_real("slip", slip, low=0.0, high=1.0)
    gamma = check_real("gamma", gamma, low=0.0, high=1.0, high_open=True)
    goal_reward = check_real("goal_reward", goal_reward)
    S = n * n
    goal = S - 1 if goal is None else check_int("goal", goal, minimum=0, maximum=S - 1)
    start = check_int("start", start, minimum=0, maximum=S - 1)
    if start == goal:
        fail("start", f"a cell other than the goal {goal}", start)
    A = len(GRID_MOVES)
    nxt = np.empty((S, A), dtype=np.int64)
    for s in range(S):
        row, col = divmod(s, n)
        for a, (dr, dc) in enumerate(GRID_MOVES):
            rr, cc = row + dr, col + dc
            nxt[s, a] = rr * n + cc if (0 <= rr < n and 0 <= cc < n) else s
    P = np.zeros((S, A, S))
    for s in range(S):
        for a in range(A):
            P[s, a, nxt[s, a]] += 1.0 - slip
            for b in range(A):
                P[s, a, nxt[s, b]] += slip / A
    P[goal] = 0.0
    P[goal, :, goal] = 1.0
    r = np.zeros((S, A))
    r[goal] = goal_reward
    init = np.zeros(S)
    init[start] = 1.0
    return DiscountedMDP(P, r, gamma, init)
