"""Instances of the Dual RL verification plan (notes D9): gridworlds, random MDPs and the
behaviour policies (uniform, "medium" = 0.5-greedy towards pi*, "partial" = optimal actions
removed in half of the states)."""

from __future__ import annotations

import numpy as np

from mdps import DiscountedMDP, gridworld, policy_iteration
from mdps._validation import fail
from mdps.instances import random_discounted_mdp

__all__ = ["ENVS", "BEHAVIOURS", "make_mdp", "optimal_policy", "behaviour_policy"]

ENVS = ("grid5", "grid8", "random")
BEHAVIOURS = ("uniform", "medium", "partial")
#: Gridworld slip (notes D9) and the size of the random MDPs.
SLIP = 0.1
RANDOM_SA = (10, 4)


def make_mdp(env: str, gamma: float, rng: np.random.Generator) -> DiscountedMDP:
    """``grid5``/``grid8``: the slippery gridworld (deterministic); ``random``: a random
    10-state 4-action MDP with Dirichlet(1) rows drawn from ``rng``."""
    if env == "grid5":
        return gridworld(5, slip=SLIP, gamma=gamma)
    if env == "grid8":
        return gridworld(8, slip=SLIP, gamma=gamma)
    if env == "random":
        return random_discounted_mdp(*RANDOM_SA, gamma, rng)
    fail("env", f"one of {ENVS}", repr(env))


def optimal_policy(mdp: DiscountedMDP) -> np.ndarray:
    """A deterministic optimal policy as a one-hot ``(S, A)`` (policy iteration: exact
    evaluation, so no value-iteration tolerance below float64's round-off floor)."""
    sol = policy_iteration(mdp)
    pi = np.zeros((mdp.S, mdp.A))
    pi[np.arange(mdp.S), sol.pi] = 1.0
    return pi


def behaviour_policy(mdp: DiscountedMDP, kind: str, rng: np.random.Generator,
                     expert: np.ndarray | None = None) -> np.ndarray:
    """A behaviour policy ``(S, A)``: ``uniform``; ``medium`` = ``0.5 pi* + 0.5 uniform``;
    ``partial`` = uniform over the actions other than ``expert``'s (default ``pi*``) in a
    random half of the states (chosen by ``rng``), uniform elsewhere."""
    S, A = mdp.S, mdp.A
    uniform = np.full((S, A), 1.0 / A)
    if kind == "uniform":
        return uniform
    star = optimal_policy(mdp) if expert is None else np.asarray(expert, float)
    if kind == "medium":
        return 0.5 * star + 0.5 * uniform
    if kind == "partial":
        if A < 2:
            fail("mdp", "at least two actions for a partial-support behaviour", A)
        pi = uniform.copy()
        states = rng.choice(S, size=S // 2, replace=False)
        for s in states:
            row = (star[s] <= 0).astype(float)
            pi[s] = row / row.sum()
        return pi
    fail("kind", f"one of {BEHAVIOURS}", repr(kind))
