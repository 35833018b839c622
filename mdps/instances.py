"""Named MDP instances: random Dirichlet MDPs, RiverSwim, a combination lock and a chain.

Each constructor returns a validated :class:`mdps.TabularMDP` (finite horizon ``H``) or, with
``gamma`` given, a :class:`mdps.DiscountedMDP`. The instances with a known optimal value
document it as a formula and expose it as a function (:func:`combination_lock_value`,
:func:`chain_value`), so tests and claims can compare a solver with the closed form.

* :func:`random_mdp`, :func:`random_discounted_mdp` -- rows ``P(.|s,a) ~ Dirichlet(alpha 1_S)``,
  rewards uniform on ``[0, 1]``.
* :func:`river_swim` -- Strehl & Littman (2008), "An analysis of model-based Interval
  Estimation for Markov decision processes", J. Comput. Syst. Sci. 74(8):1309-1331
  (six states, two actions; the parameters as usually quoted from its figure).
* :func:`combination_lock` -- one correct action per position; a wrong action resets to the
  start or falls into an absorbing dead state.
* :func:`chain` -- a deterministic chain with a distractor reward at the left end and the
  real reward at the right end; optimal value in closed form.

State 0 is the start state of every instance unless said otherwise.
"""

from __future__ import annotations

import numpy as np

from ._linear import _check_rng
from ._models import DiscountedMDP, TabularMDP
from ._validation import check_int, check_real, fail

__all__ = [
    "random_mdp",
    "random_discounted_mdp",
    "river_swim",
    "combination_lock",
    "combination_lock_value",
    "chain",
    "chain_value",
    "LEFT",
    "RIGHT",
]

#: Action indices of :func:`river_swim` and :func:`chain`.
LEFT, RIGHT = 0, 1


def _start(S: int) -> np.ndarray:
    init = np.zeros(S)
    init[0] = 1.0
    return init


def _check_gamma_H(H, gamma):
    """Exactly one of ``H`` (finite horizon) and ``gamma`` (discounted)."""
    if (H is None) == (gamma is None):
        fail("H", "exactly one of H (finite horizon) and gamma (discounted)",
             f"H={H!r}, gamma={gamma!r}")
    if H is not None:
        return check_int("H", H, minimum=1), None
    return None, check_real("gamma", gamma, low=0.0, high=1.0, high_open=True)


def _make(P, r, H, gamma, init):
    if H is not None:
        return TabularMDP(P, r, H, init)
    return DiscountedMDP(P, r, gamma, init)


# ------------------------------------------------------------------------------------------
def random_mdp(S: int, A: int, H: int, rng: np.random.Generator, alpha: float = 1.0, *,
               homogeneous: bool = True) -> TabularMDP:
    """Random finite-horizon MDP: ``P(.|s,a) ~ Dirichlet(alpha)``, ``r ~ U[0, 1]``.

    ``homogeneous=False`` draws one kernel and one reward per step, shapes ``(H, S, A, S)``
    and ``(H, S, A)``; otherwise ``(S, A, S)`` and ``(S, A)``. Starts in state 0.
    """
    S = check_int("S", S, minimum=1)
    A = check_int("A", A, minimum=1)
    H = check_int("H", H, minimum=1)
    alpha = check_real("alpha", alpha, low=0.0, low_open=True)
    rng = _check_rng(rng)
    lead = () if homogeneous else (H,)
    P = rng.dirichlet(np.full(S, alpha), size=lead + (S, A))
    r = rng.random(lead + (S, A))
    return TabularMDP(P, r, H, _start(S))


def random_discounted_mdp(S: int, A: int, gamma: float, rng: np.random.Generator,
                          alpha: float = 1.0) -> DiscountedMDP:
    """Random discounted MDP: ``P(.|s,a) ~ Dirichlet(alpha)``, ``r ~ U[0, 1]``, uniform init."""
    S = check_int("S", S, minimum=1)
    A = check_int("A", A, minimum=1)
    gamma = check_real("gamma", gamma, low=0.0, high=1.0, high_open=True)
    alpha = check_real("alpha", alpha, low=0.0, low_open=True)
    rng = _check_rng(rng)
    P = rng.dirichlet(np.full(S, alpha), size=(S, A))
    r = rng.random((S, A))
    return DiscountedMDP(P, r, gamma)


# ------------------------------------------------------------------------------------------
def river_swim(S: int = 6, H: int | None = 20, *, gamma: float | None = None,
               r_small: float = 5.0, r_large: float = 10_000.0, init=None):
    """RiverSwim (Strehl & Littman 2008), generalised to ``S >= 2`` states.

    Action ``LEFT = 0`` (with the current) moves deterministically to ``s - 1`` (stays at 0)
    and pays ``r_small`` in state 0. Action ``RIGHT = 1`` (against the current):
    state 0 stays w.p. 0.7 and moves right w.p. 0.3; a middle state moves right w.p. 0.3,
    stays w.p. 0.6 and drifts left w.p. 0.1; the last state stays w.p. 0.3 and drifts left
    w.p. 0.7. The original pays ``r_large = 10000`` on the transition (S-1, RIGHT, S-1); since
    our rewards are functions of ``(s, a)`` we use its expectation,
    ``r(S-1, RIGHT) = 0.3 r_large`` (values and optimal policies are unchanged).
    The default ``init`` is the leftmost state (the bank). The start distribution of the
    original was not checked against the paper -- public implementations disagree on it --
    so pass another ``(S,)`` distribution to reproduce a particular convention.

    Give ``H`` for a finite-horizon :class:`TabularMDP` or ``H=None, gamma=...`` for a
    :class:`DiscountedMDP`. Rescale with ``r_small=5/10000, r_large=1`` for rewards in [0, 1].
    """
    S = check_int("S", S, minimum=2)
    H, gamma = _check_gamma_H(H, gamma)
    r_small = check_real("r_small", r_small, low=0.0)
    r_large = check_real("r_large", r_large, low=0.0)
    P = np.zeros((S, 2, S))
    for s in range(S):
        P[s, LEFT, max(s - 1, 0)] = 1.0
    P[0, RIGHT, 0], P[0, RIGHT, 1] = 0.7, 0.3
    for s in range(1, S - 1):
        P[s, RIGHT, s + 1], P[s, RIGHT, s], P[s, RIGHT, s - 1] = 0.3, 0.6, 0.1
    P[S - 1, RIGHT, S - 1], P[S - 1, RIGHT, S - 2] = 0.3, 0.7
    r = np.zeros((S, 2))
    r[0, LEFT] = r_small
    r[S - 1, RIGHT] = 0.3 * r_large
    return _make(P, r, H, gamma, _start(S) if init is None else init)


# ------------------------------------------------------------------------------------------
def _lock_goal(S: int, wrong: str) -> int:
    return S - 1 if wrong == "reset" else S - 2


def combination_lock(S: int, A: int, H: int | None = None, *, gamma: float | None = None,
                     wrong: str = "reset", key=None):
    """Combination lock: one correct action per position, reward only at the goal.

    Positions ``0, ..., g-1`` form the lock; in position ``s`` only action ``key[s]`` advances
    to ``s + 1``. The goal ``g`` is absorbing and pays 1 for every action. A wrong action
    ``wrong="reset"`` returns to 0 (states ``0..S-1``, goal ``g = S-1``) or, with
    ``wrong="absorb"``, falls into an absorbing dead state ``S-1`` paying 0 (goal ``g = S-2``).

    Known optimal value from the start (:func:`combination_lock_value`): the agent must play
    the ``g`` correct actions, then collects 1 per step, so
    ``V*_0(0) = max(0, H - g)`` (finite horizon) and ``V*(0) = gamma^g / (1 - gamma)``
    (discounted). Any other first ``g`` actions lose at least one step of reward.

    ``key`` (``(g,)`` ints in ``[0, A)``) defaults to ``key[s] = (s + 1) mod A`` so that no
    constant policy opens the lock when ``A >= 2`` and ``g >= 2``.
    """
    if wrong not in ("reset", "absorb"):
        fail("wrong", "'reset' or 'absorb'", repr(wrong))
    S = check_int("S", S, minimum=2 if wrong == "reset" else 3)
    A = check_int("A", A, minimum=1)
    H, gamma = _check_gamma_H(H, gamma)
    g = _lock_goal(S, wrong)
    if key is None:
        key = (np.arange(g) + 1) % A
    else:
        k = np.asarray(key)
        if (k.shape != (g,) or not np.issubdtype(k.dtype, np.integer)
                or (g and (k.min() < 0 or k.max() >= A))):
            fail("key", f"integers in [0, A) = [0, {A}) of shape (g,) = ({g},)", f"{k!r}")
        key = k
    P = np.zeros((S, A, S))
    fallback = 0 if wrong == "reset" else S - 1
    for s in range(g):
        P[s, :, fallback] = 1.0
        P[s, key[s], fallback] = 0.0
        P[s, key[s], s + 1] = 1.0
    P[g, :, g] = 1.0
    if wrong == "absorb":
        P[S - 1, :, S - 1] = 1.0
    r = np.zeros((S, A))
    r[g, :] = 1.0
    return _make(P, r, H, gamma, _start(S))


def combination_lock_value(S: int, H: int | None = None, *, gamma: float | None = None,
                           wrong: str = "reset") -> float:
    """``V*`` at the start of :func:`combination_lock`: ``max(0, H - g)`` or ``gamma^g/(1-gamma)``."""
    if wrong not in ("reset", "absorb"):
        fail("wrong", "'reset' or 'absorb'", repr(wrong))
    S = check_int("S", S, minimum=2 if wrong == "reset" else 3)
    H, gamma = _check_gamma_H(H, gamma)
    g = _lock_goal(S, wrong)
    if H is not None:
        return float(max(0, H - g))
    return gamma**g / (1.0 - gamma)


# ------------------------------------------------------------------------------------------
def chain(S: int, H: int | None = None, *, gamma: float | None = None,
          r_left: float = 0.1):
    """Deterministic chain with a distractor: closed-form optimal value.

    States ``0..S-1``; ``LEFT`` moves to ``max(s-1, 0)``, ``RIGHT`` to ``min(s+1, S-1)``.
    Reward ``r_left`` (in ``[0, 1]``) for ``LEFT`` in state 0, reward 1 for any action in
    state ``S-1``, zero elsewhere. Starts in state 0.

    Optimal value (:func:`chain_value`) with ``n = H - h`` steps to go:

        V*_h(s) = max( r_left * max(0, n - s),  max(0, n - (S-1-s)) ),

    discounted: ``V*(s) = max(r_left gamma^s, gamma^(S-1-s)) / (1 - gamma)``.

    Proof sketch: a reward is earned only at an end. Going straight left and staying pays
    ``r_left`` per step after ``s`` moves; straight right pays 1 per step after ``S-1-s``
    moves. A trajectory that earns at both ends must cross the whole chain, so its rewarded
    steps number at most ``n - s - (S-1)`` at rate <= 1, which is below the right-only value.
    """
    S = check_int("S", S, minimum=2)
    H, gamma = _check_gamma_H(H, gamma)
    r_left = check_real("r_left", r_left, low=0.0, high=1.0)
    P = np.zeros((S, 2, S))
    for s in range(S):
        P[s, LEFT, max(s - 1, 0)] = 1.0
        P[s, RIGHT, min(s + 1, S - 1)] = 1.0
    r = np.zeros((S, 2))
    r[0, LEFT] = r_left
    r[S - 1, :] = 1.0
    return _make(P, r, H, gamma, _start(S))


def chain_value(S: int, H: int | None = None, *, gamma: float | None = None,
                r_left: float = 0.1) -> np.ndarray:
    """Closed-form ``V*`` of :func:`chain`: ``(H+1, S)`` (finite horizon, row ``h`` = step h,
    row ``H`` = 0) or ``(S,)`` (discounted)."""
    S = check_int("S", S, minimum=2)
    H, gamma = _check_gamma_H(H, gamma)
    r_left = check_real("r_left", r_left, low=0.0, high=1.0)
    s = np.arange(S)
    if H is None:
        return np.maximum(r_left * gamma**s, gamma ** (S - 1 - s)) / (1.0 - gamma)
    n = (H - np.arange(H + 1))[:, None]
    left = r_left * np.maximum(0, n - s[None, :])
    right = np.maximum(0, n - (S - 1 - s)[None, :])
    return np.maximum(left, right).astype(float)
