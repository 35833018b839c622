"""Equilibrium LPs: coarse correlated (CCE) and correlated (CE) equilibria of any normal-form
game, and the value of a two-player zero-sum game.

CCE (Hannan 1957; Moulin & Vial 1978): ``mu`` on the simplex over pure profiles with, for every
player ``i`` and deviation ``a'_i``, ``sum_a mu(a) [u_i(a'_i, a_{-i}) - u_i(a)] <= 0``.
CE (Aumann 1974): for every ``i`` and pair ``a_i != a'_i``,
``sum_{a_{-i}} mu(a_i, a_{-i}) [u_i(a'_i, a_{-i}) - u_i(a_i, a_{-i})] <= 0``.
Both sets are polytopes; the solvers return a vertex maximising ``objective`` (``"welfare"``:
the sum of payoffs; ``"none"``: any feasible point; or an array ``c`` of the joint's shape,
maximising ``c . mu``).

Back ends. The default builds the constraint matrix in one vectorised pass (sparse for the
CE) and solves it with HiGHS through ``scipy.optimize.linprog``; the CVXPY formulations
(``backend="cvxpy"``) are the readable reference, written constraint by constraint, and the
tests check that both agree. Failures raise :class:`SolverError` (the status is kept), never
``None``.

Zero-sum: ``max_x min_j (x^T A)_j`` and ``min_y max_i (A y)_i`` by two LPs; von Neumann's
minimax theorem makes the values equal (checked, and returned with both strategies).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.optimize
import scipy.sparse as sp

from mdps._lp import SolverError
from mdps._validation import as_float_array, fail

from ._normal import NormalFormGame, check_game

__all__ = ["EquilibriumResult", "ZeroSumSolution", "SolverError", "cce", "ce", "zero_sum",
           "cce_constraints", "ce_constraints"]

BACKENDS = ("highs", "cvxpy")


@dataclass(frozen=True)
class EquilibriumResult:
    """``joint (A_1, ..., A_n)``, the objective ``value`` at it, the solver ``status`` and
    the certificate ``gap`` (``cce_gap`` or ``ce_gap`` of ``joint``, computed independently)."""

    joint: np.ndarray
    value: float
    status: str
    gap: float


@dataclass(frozen=True)
class ZeroSumSolution:
    """Value of the zero-sum game ``A`` (row player's payoff) and optimal ``x``, ``y``."""

    value: float
    x: np.ndarray
    y: np.ndarray


def _moved(u_i: np.ndarray, i: int) -> np.ndarray:
    """``u_i`` with player ``i``'s axis first, the others flattened: ``(A_i, R)``."""
    return np.moveaxis(u_i, i, 0).reshape(u_i.shape[i], -1)


def _back(M: np.ndarray, shape: tuple[int, ...], i: int) -> np.ndarray:
    """Rows of ``M (rows, A_i, R)`` (joint columns in the moved layout) as ``(rows, N)`` in the
    joint's own C order."""
    rest = shape[:i] + shape[i + 1:]
    t = M.reshape((M.shape[0], shape[i]) + rest)
    return np.moveaxis(t, 1, i + 1).reshape(M.shape[0], -1)


def cce_constraints(game: NormalFormGame) -> np.ndarray:
    """``G (sum_i A_i, N)`` with ``G @ mu.ravel() <= 0`` the CCE constraints (one row per
    player and deviation)."""
    game = check_game(game)
    rows = []
    for i in range(game.n):
        u = _moved(game.payoffs[i], i)  # (A_i, R)
        # M[a', a, r] = u(a', r) - u(a, r)
        M = u[:, None, :] - u[None, :, :]
        rows.append(_back(M, game.actions, i))
    return np.vstack(rows)


def ce_constraints(game: NormalFormGame) -> sp.csr_matrix:
    """``G (sum_i A_i (A_i - 1), N)`` sparse, ``G @ mu.ravel() <= 0`` the CE constraints (one
    row per player and ordered pair ``a_i != a'_i``)."""
    game = check_game(game)
    N = int(np.prod(game.actions))
    flat = np.arange(N).reshape(game.actions)
    blocks = []
    for i in range(game.n):
        k = game.actions[i]
        u = _moved(game.payoffs[i], i)  # (k, R)
        cols = _moved(flat, i)  # joint index of (a_i, r)
        R = u.shape[1]
        pairs = [(a, b) for a in range(k) for b in range(k) if a != b]
        if not pairs:
            continue
        a_idx = np.array([p[0] for p in pairs])
        b_idx = np.array([p[1] for p in pairs])
        data = (u[b_idx] - u[a_idx]).ravel()  # row (a, a'): u(a', r) - u(a, r) at (a, r)
        row = np.repeat(np.arange(len(pairs)), R)
        col = cols[a_idx].ravel()
        blocks.append(sp.csr_matrix((data, (row, col)), shape=(len(pairs), N)))
    if not blocks:
        return sp.csr_matrix((0, N))
    return sp.vstack(blocks).tocsr()


def _objective(game: NormalFormGame, objective) -> np.ndarray:
    if isinstance(objective, str):
        if objective == "welfare":
            return game.welfare().ravel()
        if objective == "none":
            return np.zeros(int(np.prod(game.actions)))
        fail("objective", "'welfare', 'none' or an array of the joint's shape", repr(objective))
    c = as_float_array("objective", objective)
    if c.shape != game.actions:
        fail("objective", f"an array of shape {game.actions}", f"shape {c.shape}")
    return c.ravel()


def _solve_highs(G, c, shape, name):
    N = c.size
    res = scipy.optimize.linprog(-c, A_ub=G, b_ub=np.zeros(G.shape[0]),
                                 A_eq=np.ones((1, N)), b_eq=[1.0], bounds=(0, None),
                                 method="highs")
    if res.status != 0:
        status = {2: "infeasible", 3: "unbounded", 1: "iteration_limit"}.get(res.status, "error")
        raise SolverError(f"{name}: HiGHS returned status {status!r} ({res.message})", status, "HIGHS")
    mu = np.clip(res.x, 0.0, None)
    mu /= mu.sum()
    return mu.reshape(shape), float(c @ mu), "optimal"


def _solve_cvxpy(game: NormalFormGame, c, correlated: bool, name):
    """The readable reference: one CVXPY constraint per deviation, written out."""
    import cvxpy as cp

    shape = game.actions
    N = int(np.prod(shape))
    mu = cp.Variable(N, nonneg=True)
    cons = [cp.sum(mu) == 1]
    idx = np.arange(N).reshape(shape)
    for i in range(game.n):
        u = game.payoffs[i]
        for a in range(shape[i]):
            for b in range(shape[i]):
                if a == b:
                    continue
                # switching a -> b: the gain at every profile that recommends a
                take = np.take(idx, a, axis=i).ravel()
                gain = (np.take(u, b, axis=i) - np.take(u, a, axis=i)).ravel()
                if correlated:
                    cons.append(gain @ mu[take] <= 0)
        if not correlated:
            for b in range(shape[i]):
                # always play b: sum_a mu(a) (u(b, a_-i) - u(a))
                dev = np.broadcast_to(np.expand_dims(np.take(u, b, axis=i), i), shape)
                cons.append((dev - u).ravel() @ mu <= 0)
    prob = cp.Problem(cp.Maximize(c @ mu), cons)
    prob.solve(solver="CLARABEL")
    if prob.status not in ("optimal", "optimal_inaccurate"):
        raise SolverError(f"{name}: CVXPY/Clarabel returned status {prob.status!r}", str(prob.status),
                          "CLARABEL")
    m = np.clip(np.asarray(mu.value), 0.0, None)
    m /= m.sum()
    return m.reshape(shape), float(c @ m), str(prob.status)


def _equilibrium(game, objective, backend, correlated):
    from ._normal import ce_gap, cce_gap

    game = check_game(game)
    if backend not in BACKENDS:
        fail("backend", f"one of {BACKENDS}", repr(backend))
    c = _objective(game, objective)
    name = "CE LP" if correlated else "CCE LP"
    if backend == "highs":
        G = ce_constraints(game) if correlated else cce_constraints(game)
        joint, value, status = _solve_highs(G, c, game.actions, name)
    else:
        joint, value, status = _solve_cvxpy(game, c, correlated, name)
    gap = (ce_gap if correlated else cce_gap)(game, joint)
    joint.setflags(write=False)
    return EquilibriumResult(joint, value, status, gap)


def cce(game: NormalFormGame, objective="welfare", backend: str = "highs") -> EquilibriumResult:
    """A coarse correlated equilibrium maximising ``objective`` (module docstring)."""
    return _equilibrium(game, objective, backend, correlated=False)


def ce(game: NormalFormGame, objective="welfare", backend: str = "highs") -> EquilibriumResult:
    """A correlated equilibrium maximising ``objective`` (module docstring)."""
    return _equilibrium(game, objective, backend, correlated=True)


def zero_sum(A) -> ZeroSumSolution:
    """Value and optimal strategies of the zero-sum game with row payoffs ``A (m, k)``."""
    A = as_float_array("A", A, ndim=2)
    m, k = A.shape
    if m < 1 or k < 1:
        fail("A", "at least one row and one column", f"shape {A.shape}")

    def side(M):
        # max v s.t. M^T x >= v, sum x = 1, x >= 0 ; variables (x, v)
        r, q = M.shape
        c = np.r_[np.zeros(r), -1.0]
        A_ub = np.hstack([-M.T, np.ones((q, 1))])
        A_eq = np.r_[np.ones(r), 0.0][None]
        res = scipy.optimize.linprog(c, A_ub=A_ub, b_ub=np.zeros(q), A_eq=A_eq, b_eq=[1.0],
                                     bounds=[(0, None)] * r + [(None, None)], method="highs")
        if res.status != 0:
            raise SolverError(f"zero-sum LP: HiGHS returned {res.message}", "error", "HIGHS")
        x = np.clip(res.x[:r], 0.0, None)
        return x / x.sum(), float(res.x[r])

    x, v_row = side(A)
    y, v_col = side(-A.T)  # the column player maximises -A
    if abs(v_row + v_col) > 1e-7 * (1.0 + abs(v_row)):
        raise SolverError(f"zero-sum LP: the two values disagree ({v_row!r} vs {-v_col!r})",
                          "inconsistent", "HIGHS")
    return ZeroSumSolution(value=v_row, x=x, y=y)
