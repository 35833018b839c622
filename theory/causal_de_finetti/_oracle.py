"""Conditional-independence oracles for multi-environment binary data.

A CI query is ``indep(A, B, C)`` with ``A``, ``B``, ``C`` iterables of ``(node, observation)``
pairs (observation 0 is the first sample of an environment). Two oracles answer it:

* :class:`ExactOracle` -- the conditional mutual information ``I(A; B | C)`` computed on an
  exact probability table (:func:`theory.causal_de_finetti.exact_joint`), no sampling; CI iff
  ``I < tol``. ``tol = 1e-12`` nats: an exact zero is at the float64 rounding level of a sum of
  at most 2**16 terms (~1e-15), while the dependences of a faithful generic model are far above it.
* :func:`d_separated` -- d-separation in the *extended graph* (nodes ``theta_i`` and
  ``X_{i;n}``, edges ``theta_i -> X_{i;n}`` and ``X_{p;n} -> X_{i;n}`` for p in pa_i; notes §2.3),
  the graphical truth the exact oracle must agree with under faithfulness.
"""

from __future__ import annotations

import networkx as nx
import numpy as np

from mdps._validation import fail

__all__ = ["cmi", "ExactOracle", "extended_graph", "d_separated", "CI_TOL"]

#: CMI threshold (nats) under which the exact oracle calls CI (see the module docstring).
CI_TOL = 1e-12


def _entropy(P: np.ndarray, keep: tuple) -> float:
    other = tuple(ax for ax in range(P.ndim) if ax not in keep)
    m = P.sum(axis=other).ravel() if other else P.ravel()
    m = m[m > 0]
    return float(-(m * np.log(m)).sum())


def cmi(P: np.ndarray, A, B, C=()) -> float:
    """I(A; B | C) in nats on the table ``P`` (axes lists ``A``, ``B``, ``C``, disjoint)."""
    A, B, C = tuple(A), tuple(B), tuple(C)
    if not A or not B:
        fail("A, B", "non-empty sets of axes", (A, B))
    if len(set(A + B + C)) != len(A + B + C):
        fail("A, B, C", "disjoint sets of axes", (A, B, C))
    if any(not 0 <= ax < P.ndim for ax in A + B + C):
        fail("A, B, C", f"axes in 0..{P.ndim - 1}", (A, B, C))
    val = (_entropy(P, A + C) + _entropy(P, B + C) - _entropy(P, A + B + C)
           - (_entropy(P, C) if C else 0.0))
    return max(val, 0.0)


class ExactOracle:
    """CI by exact CMI on a table of ``d * n_obs`` binary axes (axis ``n * d + i``)."""

    def __init__(self, P: np.ndarray, d: int, tol: float = CI_TOL):
        P = np.asarray(P, dtype=float)
        if P.ndim % d or P.shape != (2,) * P.ndim:
            fail("P", f"a (2,)*(d*N) table with d = {d}", f"shape {P.shape}")
        if abs(P.sum() - 1.0) > 1e-9 or P.min() < 0:
            fail("P", "a probability table (non-negative, sums to 1)", float(P.sum()))
        self.P, self.d, self.n_obs, self.tol = P, d, P.ndim // d, tol
        self._cache: dict = {}
        self.calls = 0

    def _axes(self, nodes) -> tuple:
        out = []
        for i, n in nodes:
            if not (0 <= i < self.d and 0 <= n < self.n_obs):
                fail("query", f"(node, observation) in [0, {self.d}) x [0, {self.n_obs})", (i, n))
            out.append(n * self.d + i)
        return tuple(sorted(out))

    def cmi(self, A, B, C=()) -> float:
        key = (self._axes(A), self._axes(B), self._axes(C))
        key = (min(key[0], key[1]), max(key[0], key[1]), key[2])
        if key not in self._cache:
            self._cache[key] = cmi(self.P, *key)
        self.calls += 1
        return self._cache[key]

    def __call__(self, A, B, C=()) -> bool:
        return self.cmi(A, B, C) < self.tol


def extended_graph(A: np.ndarray, n_obs: int = 2, shared=()) -> nx.DiGraph:
    """The extended graph of an ICM process with ``n_obs`` observations; a group in ``shared``
    has one common parameter node."""
    d = A.shape[0]
    owner = {i: i for i in range(d)}
    for g in shared:
        for i in g:
            owner[i] = min(g)
    G = nx.DiGraph()
    for i in range(d):
        for n in range(n_obs):
            G.add_edge(("theta", owner[i]), (i, n))
            for p in np.flatnonzero(A[:, i]):
                G.add_edge((int(p), n), (i, n))
    return G


def d_separated(G: nx.DiGraph, A, B, C=()) -> bool:
    """d-separation of node sets in the extended graph (networkx)."""
    return nx.is_d_separator(G, set(A), set(B), set(C))
