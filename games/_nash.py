"""Nash equilibria of two-player games: support enumeration (all of them) and Lemke-Howson
(one, by complementary pivoting; Lemke & Howson 1964, von Stengel 2007 Sec. 3.4).

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

from mdps._validation import check_int, check_real, fail

from ._normal import NormalFormGame, check_game

__all__ = ["nash_2p", "lemke_howson"]

METHODS = ("support", "lemke_howson")


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
            degenerate: bool | None = None, init: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    """Nash equilibria ``[(x, y), ...]`` of a two-player game (module docstring).

    ``method``: ``"support"`` (support enumeration: all equilibria of a nondegenerate game) or
    ``"lemke_howson"`` (one equilibrium, by complementary pivoting from the dropped label
    ``init``; lexicographic pivoting, so degenerate games do not cycle).
    ``degenerate``: ``None`` (default) also tries unequal supports by LP when a singular
    indifference system shows the game is degenerate; ``True`` always; ``False`` never.
    """
    game = check_game(game)
    if game.n != 2:
        fail("game", "a two-player game", f"{game.n} players")
    if method not in METHODS:
        fail("method", f"one of {METHODS} (vertex enumeration is not built yet)", repr(method))
    tol = check_real("tol", tol, low=0.0, low_open=True)
    if degenerate is not None and not isinstance(degenerate, bool):
        fail("degenerate", "None, True or False", repr(degenerate), TypeError)
    A, B = game.payoffs
    m, k = A.shape
    if method == "lemke_howson":
        init = check_int("init", init, minimum=0)
        if init >= m + k:
            fail("init", f"a label below m + k = {m + k}", init)
        return [lemke_howson(A, B, init)]
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


def _pivot(T, basis, entering):
    """One lexicographic minimum-ratio pivot on tableau ``T`` (rows ``[M | I | rhs]``) bringing
    column ``entering`` into the basis; returns the leaving variable."""
    col = T[:, entering]
    rows = np.flatnonzero(col > 1e-12)
    if rows.size == 0:  # cannot happen for the Lemke-Howson polytopes (bounded)
        raise RuntimeError("Lemke-Howson: unbounded pivot column")
    # lexicographic rule: compare (rhs, then the identity block's columns) / pivot element
    n_id = T.shape[0]
    keys = np.column_stack([T[rows, -1]] + [T[rows, T.shape[1] - 1 - n_id + j] for j in range(n_id)])
    ratios = keys / col[rows, None]
    # lexicographic minimum with a tolerance: floating-point "ties" must count as ties, or
    # the rule loses its anti-cycling guarantee on degenerate games
    cand = np.arange(rows.size)
    for j in range(ratios.shape[1]):
        v = ratios[cand, j]
        cand = cand[v <= v.min() + 1e-9 * max(1.0, abs(v.min()))]
        if cand.size == 1:
            break
    r = int(rows[cand[0]])
    leaving = basis[r]
    T[r] /= T[r, entering]
    for i in range(T.shape[0]):
        if i != r and T[i, entering] != 0.0:
            T[i] -= T[i, entering] * T[r]
    basis[r] = entering
    return leaving


def lemke_howson(A, B, init: int = 0, max_pivots: int = 100_000):
    """One Nash equilibrium of the bimatrix game ``(A, B)`` by the Lemke-Howson algorithm
    (complementary pivoting on the best-response polytopes, lexicographic ratio test so that
    degenerate games do not cycle), dropping label ``init`` (0..m+k-1) first."""
    A = np.asarray(A, float)
    B = np.asarray(B, float)
    m, k = A.shape
    shift = 1.0 - min(A.min(), B.min())  # positive payoffs: the polytopes are bounded
    A, B = A + shift, B + shift
    # variables: labels 0..m-1 are x_i / slacks of A-rows; m..m+k-1 are y_j / slacks of B-cols
    # Q tableau: A y + s = 1 over columns [y (k) | s (m)]; P tableau: B^T x + t = 1 over [x | t]
    TQ = np.hstack([A, np.eye(m), np.ones((m, 1))])
    TP = np.hstack([B.T, np.eye(k), np.ones((k, 1))])
    basisQ = [k + i for i in range(m)]  # slack s_i has label i; column k + i
    basisP = [m + j for j in range(k)]  # slack t_j has label m + j; column m + j

    def qcol(label):  # the column in TQ of the variable carrying `label`
        return label - m if label >= m else k + label

    def pcol(label):
        return label if label < m else m + (label - m)

    def qlabel(c):
        return m + c if c < k else c - k

    def plabel(c):
        return c if c < m else m + (c - m)

    label = init
    in_p = label < m  # x_i enters P when dropping a row label
    for _ in range(max_pivots):
        if in_p:
            leaving = plabel(_pivot(TP, basisP, pcol(label)))
        else:
            leaving = qlabel(_pivot(TQ, basisQ, qcol(label)))
        if leaving == init:
            break
        label = leaving
        in_p = not in_p
    else:
        raise RuntimeError(f"Lemke-Howson: no equilibrium after {max_pivots} pivots")
    x = np.zeros(m)
    y = np.zeros(k)
    for r, c in enumerate(basisP):
        if c < m:
            x[c] = TP[r, -1]
    for r, c in enumerate(basisQ):
        if c < k:
            y[c] = TQ[r, -1]
    return x / x.sum(), y / y.sum()
