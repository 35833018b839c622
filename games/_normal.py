"""Normal-form games and their equilibrium certificates (plain NumPy, solver-independent).

A game of ``n`` players with ``A_i`` actions each is one array ``payoffs`` of shape
``(n, A_1, ..., A_n)``: ``payoffs[i][a_1, ..., a_n]`` is player ``i``'s payoff at the pure
profile ``a``. A *mixed profile* is a list of ``n`` distributions ``x_i`` over ``A_i``; a
*joint* (correlated) distribution is an array of shape ``(A_1, ..., A_n)`` on the simplex.

Certificates (each 0 exactly at an equilibrium, positive otherwise; Nisan et al. 2007,
*Algorithmic Game Theory*, Ch. 2 and 4):

* ``nash_gap(x) = max_i [max_{a_i} u_i(a_i, x_{-i}) - u_i(x)]``;
* ``cce_gap(mu) = max_i max_{a'_i} sum_a mu(a) [u_i(a'_i, a_{-i}) - u_i(a)]`` (coarse:
  the deviation is fixed before the recommendation);
* ``ce_gap(mu) = max_i max_{a_i, a'_i} sum_{a_{-i}} mu(a_i, a_{-i}) [u_i(a'_i, a_{-i}) -
  u_i(a_i, a_{-i})]`` (the deviation may depend on the recommended ``a_i``). A coarse
  deviation is the sum of ``A_i`` such swaps, so ``cce_gap <= A_i ce_gap``: every CE is a CCE.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from mdps._validation import SIMPLEX_ATOL, as_float_array, check_simplex, fail

__all__ = ["NormalFormGame", "nash_gap", "cce_gap", "ce_gap", "deviation_gains"]


@dataclass(frozen=True, eq=False)
class NormalFormGame:
    """``payoffs`` of shape ``(n, A_1, ..., A_n)`` (player ``i``'s tensor at index ``i``);
    finite, ``n >= 1``, every ``A_i >= 1``. Read-only after construction."""

    payoffs: np.ndarray

    def __post_init__(self):
        u = as_float_array("payoffs", self.payoffs)
        if u.ndim < 2:
            fail("payoffs", "shape (n, A_1, ..., A_n) with n >= 1 players", f"shape {u.shape}")
        if u.shape[0] != u.ndim - 1:
            fail("payoffs", f"a leading axis of length n = {u.ndim - 1} (one payoff tensor per "
                 f"player of a {u.ndim - 1}-player game)", f"shape {u.shape}")
        if min(u.shape[1:]) < 1:
            fail("payoffs", "at least one action per player", f"shape {u.shape}")
        u = u.copy()
        u.setflags(write=False)
        object.__setattr__(self, "payoffs", u)

    @classmethod
    def bimatrix(cls, A, B=None) -> "NormalFormGame":
        """Two players: row payoffs ``A (m, k)``, column payoffs ``B`` (default ``-A``)."""
        A = as_float_array("A", A, ndim=2)
        B = -A if B is None else as_float_array("B", B, ndim=2)
        if B.shape != A.shape:
            fail("B", f"the shape of A, {A.shape}", f"shape {B.shape}")
        return cls(np.stack([A, B]))

    @property
    def n(self) -> int:
        return self.payoffs.shape[0]

    @property
    def actions(self) -> tuple[int, ...]:
        return tuple(self.payoffs.shape[1:])

    def welfare(self) -> np.ndarray:
        """Sum of payoffs at each pure profile, shape ``(A_1, ..., A_n)``."""
        return self.payoffs.sum(axis=0)

    def expected(self, joint) -> np.ndarray:
        """Each player's expected payoff under a joint distribution, shape ``(n,)``."""
        mu = check_joint(self, joint)
        return np.array([float(np.sum(self.payoffs[i] * mu)) for i in range(self.n)])


def check_game(game) -> NormalFormGame:
    if not isinstance(game, NormalFormGame):
        fail("game", "a games.NormalFormGame", type(game).__name__, TypeError)
    return game


def check_joint(game: NormalFormGame, joint, name: str = "joint") -> np.ndarray:
    mu = as_float_array(name, joint)
    if mu.shape != game.actions:
        fail(name, f"shape (A_1, ..., A_n) = {game.actions}", f"shape {mu.shape}")
    if np.any(mu < -SIMPLEX_ATOL):
        idx = tuple(int(i) for i in np.argwhere(mu < -SIMPLEX_ATOL)[0])
        fail(name, "non-negative probabilities", f"{mu[idx]} at index {idx}")
    if abs(mu.sum() - 1.0) > SIMPLEX_ATOL * max(1, mu.size):
        fail(name, "probabilities summing to 1", f"sum {mu.sum()!r}")
    return mu


def check_profile(game: NormalFormGame, profile, name: str = "profile") -> list[np.ndarray]:
    if isinstance(profile, np.ndarray) and profile.dtype != object and profile.ndim != 1:
        profile = list(profile)
    if not isinstance(profile, (list, tuple)) or len(profile) != game.n:
        fail(name, f"a sequence of {game.n} mixed strategies (one per player)",
             f"{type(profile).__name__} of length {len(profile) if hasattr(profile, '__len__') else '?'}")
    out = []
    for i, (x, k) in enumerate(zip(profile, game.actions)):
        x = as_float_array(f"{name}[{i}]", x, ndim=1)
        if x.shape != (k,):
            fail(f"{name}[{i}]", f"shape (A_{i + 1},) = ({k},)", f"shape {x.shape}")
        check_simplex(f"{name}[{i}]", x)
        out.append(x)
    return out


def _payoff_against(u_i: np.ndarray, i: int, profile: Sequence[np.ndarray]) -> np.ndarray:
    """``u_i(a_i, x_{-i})`` for every ``a_i``: contract every axis but ``i``."""
    t = u_i
    for j in range(len(profile) - 1, -1, -1):  # contract from the last axis down
        if j != i:
            t = np.tensordot(t, profile[j], axes=([j], [0]))
    return t


def nash_gap(game: NormalFormGame, profile) -> float:
    """``max_i [max_{a_i} u_i(a_i, x_{-i}) - u_i(x)]`` (0 at a Nash equilibrium)."""
    game = check_game(game)
    x = check_profile(game, profile)
    gap = -np.inf
    for i in range(game.n):
        v = _payoff_against(game.payoffs[i], i, x)
        gap = max(gap, float(v.max() - v @ x[i]))
    return gap


def deviation_gains(game: NormalFormGame, joint, correlated: bool = False) -> list[np.ndarray]:
    """Per player, the gain of each deviation under ``joint``: coarse ``(A_i,)`` (switch to
    ``a'_i`` always) or, with ``correlated``, ``(A_i, A_i)`` (switch ``a_i -> a'_i`` when
    ``a_i`` is recommended)."""
    game = check_game(game)
    mu = check_joint(game, joint)
    out = []
    for i in range(game.n):
        u = np.moveaxis(game.payoffs[i], i, 0).reshape(game.actions[i], -1)  # (A_i, rest)
        m = np.moveaxis(mu, i, 0).reshape(game.actions[i], -1)
        # G[a, a'] = sum_{a_-i} mu(a, a_-i) (u(a', a_-i) - u(a, a_-i))
        G = m @ u.T - (m * u).sum(axis=1)[:, None]
        out.append(G if correlated else G.sum(axis=0))
    return out


def cce_gap(game: NormalFormGame, joint) -> float:
    """Largest gain of a coarse deviation under ``joint`` (<= 0 up to round-off at a CCE;
    staying put gains 0, so the value is >= 0)."""
    return max(0.0, max(float(g.max()) for g in deviation_gains(game, joint)))


def ce_gap(game: NormalFormGame, joint) -> float:
    """Largest gain of a recommendation-dependent deviation under ``joint`` (0 at a CE)."""
    return max(0.0, max(float(g.max()) for g in deviation_gains(game, joint, correlated=True)))
