"""Hedge (multiplicative weights) self-play and the no-regret => CCE identity.

Each player ``i`` keeps weights over its actions and plays ``x_i^t ∝ exp(eta * cumulative
payoff)`` (full-information Hedge; Freund & Schapire 1997). After ``T`` rounds of product play
``x^1, ..., x^T``, the uniform mixture of the product distributions ``mu = (1/T) sum_t
x_1^t ⊗ ... ⊗ x_n^t`` satisfies, for every player and deviation ``a'``,

    sum_a mu(a) [u_i(a', a_{-i}) - u_i(a)] = (1/T) sum_t [u_i(a', x_{-i}^t) - u_i(x^t)],

so ``cce_gap(mu) = max_i (external regret_i) / T`` exactly, with regret measured against the
expected payoffs (``max(., 0)``: staying put gains 0). Hedge's regret is at most
``ln(A_i)/eta + eta T / 8`` for payoffs in ``[0, 1]``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mdps._validation import check_int, check_real

from ._normal import NormalFormGame, _payoff_against, check_game

__all__ = ["HedgeRun", "hedge_self_play"]


@dataclass(frozen=True)
class HedgeRun:
    """``strategies``: per player ``(T, A_i)``; ``joint``: the uniform mixture of the
    product plays; ``regret``: per player, ``max_a' sum_t u_i(a', x_{-i}^t) - u_i(x^t)``
    (clipped at 0), divided by ``T``."""

    strategies: list
    joint: np.ndarray
    regret: np.ndarray


def hedge_self_play(game: NormalFormGame, T: int, eta: float | None = None) -> HedgeRun:
    """``T`` rounds of simultaneous full-information Hedge from uniform weights;
    ``eta`` defaults to ``sqrt(8 ln(max A_i) / T)`` (the rate of the regret bound)."""
    game = check_game(game)
    T = check_int("T", T, minimum=1)
    A = game.actions
    if eta is None:
        eta = float(np.sqrt(8.0 * np.log(max(max(A), 2)) / T))
    eta = check_real("eta", eta, low=0.0, low_open=True)
    cum = [np.zeros(k) for k in A]
    plays = [np.zeros((T, k)) for k in A]
    joint = np.zeros(A)
    dev = [np.zeros(k) for k in A]
    got = np.zeros(game.n)
    for t in range(T):
        x = []
        for i in range(game.n):
            z = eta * (cum[i] - cum[i].max())
            w = np.exp(z)
            x.append(w / w.sum())
        prod = x[0]
        for i in range(1, game.n):
            prod = np.multiply.outer(prod, x[i])
        joint += prod
        for i in range(game.n):
            v = _payoff_against(game.payoffs[i], i, x)  # u_i(a, x_{-i}) for each a
            plays[i][t] = x[i]
            dev[i] += v
            got[i] += v @ x[i]
            cum[i] += v
    joint /= T
    regret = np.array([max(0.0, float(dev[i].max() - got[i])) / T for i in range(game.n)])
    joint.setflags(write=False)
    return HedgeRun(plays, joint, regret)
