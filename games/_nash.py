"""Nash equilibria of two-player games by support enumeration.

For supports ``I`` (rows) and ``J`` (columns), an equilibrium with those supports solves the
indifference system ``A_{I,J} y_J = v 1``, ``1^T y_J = 1`` and ``B_{I,J}^T x_I = w 1``,
``1^T x_I = 1``, with ``x, y >= 0`` and no pure strategy outside the support doing better
(``(A y)_i <= v``, ``(B^T x)_j <= w``). In a nondegenerate game every equilibrium has
``|I| = |J|`` and is isolated, so enumerating equal-size supports with an exact solve finds
**all** of them (Shapley 1974; von Stengel 2007, *Algorithmic Game Theory* Ch. 3).

Degenerate games (a strategy with more pure best responses than its support size) have
equilibria with ``|I| != |J|`` and continua of them. When an indifference system is singular,
or with ``degenerate=True``, every support pair (any sizes) is also tried as a feasibility LP
(HiGHS), which returns a vertex of that pair's equilibrium polytope: the result then holds at
least one equilibrium of every support pair that admits one -- not every extreme point of a
continuum. Non-negativity and best-response tests use the tolerance ``tol`` (a -5.7e-17
rounding residue is a zero, not a reason to drop an equilibrium, unlike nashpy's exact
``>= 0`` test). Duplicates (within ``tol``) are removed.
"""

from __future__ import annotations

import itertools

import numpy as np
import scipy.optimize

from mdps._validation import check_real, fail

from ._normal import NormalFormGame, check_game

__all__ = ["nash_2p"]

METHODS = ("support",)


def _solve_square(M):
    """``M_sq z = e`` for the indifference system of one side; None if singular."""
    s = M.shape[1]
    K = np.zeros((s + 1, s + 1))
    K[:s, :s] = M
    K[:s, s] = -1.0
    K[s, :s] = 1.0
    rhs = np.zeros(s + 1)
    rhs[s] = 1.0
    if np.linalg.cond(K) > 1e12:
        return None
    z = np.linalg.solve(K, rhs)
    return z[:s], z[s]


def _lp_side(M_full, rows, cols, n_self):
    """Feasibility LP for the mixing player's strategy on ``cols`` making the other player
    (payoff rows ``M_full``) indifferent on ``rows`` and no better off elsewhere."""
    k = M_full.shape[1]
    # variables (y_1..y_k, v); y = 0 off cols
    A_eq, b_eq = [], []
    for i in rows:
        A_eq.append(np.r_[M_full[i], -1.0])
        b_eq.append(0.0)
    A_eq.append(np.r_[np.ones(k), 0.0])
    b_eq.append(1.0)
    others = [i for i in range(M_full.shape[0]) if i not in rows]
    A_ub = [np.r_[M_full[i], -1.0] for i in others]
    bounds = [(0, None) if j in cols else (0, 0) for j in range(k)] + [(None, None)]
    res = scipy.optimize.linprog(np.zeros(k + 1), A_ub=np.array(A_ub) if A_ub else None,
                                 b_ub=np.zeros(len(A_ub)) if A_ub else None,
                                 A_eq=np.array(A_eq), b_eq=np.array(b_eq), bounds=bounds,
                                 method="highs")
    if res.status != 0:
        return None
    return res.x[:k]


def _is_equilibrium(A, B, x, y, tol):
    if x.min() < -tol or y.min() < -tol:
        return False
    x, y = np.clip(x, 0, None), np.clip(y, 0, None)
    x, y = x / x.sum(), y / y.sum()
    return (np.max(A @ y) - x @ A @ y <= tol) and (np.max(x @ B) - x @ B @ y <= tol)


def nash_2p(game: NormalFormGame, method: str = "support", tol: float = 1e-9,
            degenerate: bool | None = None) -> list[tuple[np.ndarray, np.ndarray]]:
    """Nash equilibria ``[(x, y), ...]`` of a two-player game (module docstring).

    ``method``: ``"support"`` (support enumeration; the only method built so far).
    ``degenerate``: ``None`` (default) also tries unequal supports by LP when a singular
    indifference system shows the game is degenerate; ``True`` always; ``False`` never.
    """
    game = check_game(game)
    if game.n != 2:
        fail("game", "a two-player game", f"{game.n} players")
    if method not in METHODS:
        fail("method", f"one of {METHODS} (Lemke-Howson and vertex enumeration are not built yet)",
             repr(method))
    tol = check_real("tol", tol, low=0.0, low_open=True)
    if degenerate is not None and not isinstance(degenerate, bool):
        fail("degenerate", "None, True or False", repr(degenerate), TypeError)
    A, B = game.payoffs
    m, k = A.shape
    found: list[tuple[np.ndarray, np.ndarray]] = []

    def add(x, y):
        x = np.clip(x, 0, None)
        y = np.clip(y, 0, None)
        x, y = x / x.sum(), y / y.sum()
        for (u, w) in found:
            if np.abs(u - x).max() <= 1e-7 and np.abs(w - y).max() <= 1e-7:
                return
        found.append((x, y))

    singular = False
    for s in range(1, min(m, k) + 1):
        for I in itertools.combinations(range(m), s):
            for J in itertools.combinations(range(k), s):
                ys = _solve_square(A[np.ix_(I, J)])
                xs = _solve_square(B[np.ix_(I, J)].T)
                if ys is None or xs is None:
                    singular = True
                    continue
                x = np.zeros(m)
                y = np.zeros(k)
                x[list(I)] = xs[0]
                y[list(J)] = ys[0]
                if _is_equilibrium(A, B, x, y, tol):
                    add(x, y)
    if degenerate or (degenerate is None and singular):
        for si in range(1, m + 1):
            for I in itertools.combinations(range(m), si):
                for sj in range(1, k + 1):
                    for J in itertools.combinations(range(k), sj):
                        y = _lp_side(A, I, J, m)
                        if y is None:
                            continue
                        x = _lp_side(B.T, J, I, k)
                        if x is None:
                            continue
                        if _is_equilibrium(A, B, x, y, tol):
                            add(x, y)
    found.sort(key=lambda p: tuple(np.r_[p[0], p[1]]))
    return found
