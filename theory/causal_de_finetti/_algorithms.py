"""Causal de Finetti identification and the PC contrast, on any CI oracle.

CdF (Guo et al. 2023, Theorem 3 and the released ``src/models/causaldf.py``; notes §2.3-2.4),
two observations per environment (obs 0 and 1):

1. *Sink peeling.* In the remaining set R, node j is a sink of G[R] iff for every k in R\\{j}:
   ``X_{j;0} ⊥ X_{k;1} | X_{R\\{j};0}``. Layers ``S_1`` (sinks of G), ``S_2``, ... .
2. *Edges.* For j in a strictly higher layer than k: ``j -> k`` iff
   ``X_{j;0} not⊥ X_{k;0} | Pred(k) \\ {j}``, Pred(k) = all nodes in layers above k's.
   Pred(k) is a set of non-descendants of k containing its parents, so local Markov + weak
   union give CI for a non-parent and faithfulness gives dependence for a parent.

``variant="official"`` reproduces the released code's edge phase: for adjacent layers it
conditions on ``S_{>n}`` (layers above j's), otherwise on ``S_{>n}`` ∪ co-parents in ``S_n`` ∪
parents of k already found in the layers between -- but the co-parent set is computed as
``S_n.remove(j)``, which returns ``None``, so it is always empty. (The same line also mutates
``S_n``, so for d >= 4 with two nodes in layer ``n - d'`` the released code raises
``ValueError``; we do not reproduce the crash, only the empty co-parent set.) The empty set
opens colliders: in ``j' -> m <- j``, ``j' -> k``, ``m -> k``, conditioning on m but not on j'
makes ``j`` and ``k`` dependent and the official variant adds a spurious ``j -> k``.

PC (Spirtes-Glymour; own implementation) on ONE observation: the adjacency search with
separating sets, v-structures, then Meek's rules R1-R3 (R4 is not needed without background
knowledge). Output is a CPDAG matrix ``M``: ``M[i, j] and not M[j, i]`` is ``i -> j``, both
set is an undirected edge.
"""

from __future__ import annotations

import itertools

import numpy as np

from mdps._validation import check_int, fail

__all__ = ["sink_layers", "cdf_identify", "pc_cpdag", "cpdags", "dag_key", "VARIANTS"]

VARIANTS = ("correct", "official")


def sink_layers(indep, d: int) -> list:
    """The layers ``[S_1, S_2, ...]`` found by sink tests (each a sorted list of nodes).

    If a pass finds no sink (impossible with a faithful oracle), the remaining nodes are put
    into one last layer so that the output is always a partition."""
    check_int("d", d, minimum=1)
    R = list(range(d))
    layers = []
    while R:
        S = [j for j in R
             if all(indep([(j, 0)], [(k, 1)], [(m, 0) for m in R if m != j]) for k in R if k != j)]
        if not S:
            S = list(R)
        layers.append(sorted(S))
        R = [j for j in R if j not in S]
    return layers


def cdf_identify(indep, d: int, variant: str = "correct") -> np.ndarray:
    """The DAG (bool ``(d, d)``, ``A[j, k]`` iff ``j -> k``) identified from two observations."""
    if variant not in VARIANTS:
        fail("variant", f"one of {VARIANTS}", repr(variant))
    layers = sink_layers(indep, d)
    layer_of = {v: li for li, S in enumerate(layers) for v in S}
    A = np.zeros((d, d), dtype=bool)
    L = len(layers)
    if variant == "correct":
        for k in range(d):
            pred = [v for v in range(d) if layer_of[v] > layer_of[k]]
            for j in pred:
                if not indep([(j, 0)], [(k, 0)], [(m, 0) for m in pred if m != j]):
                    A[j, k] = True
        return A
    # the released code's order: gap 1 over all layers, then gap 2, ...
    for gap in range(1, L):
        for n in range(gap, L):
            above = [v for li in range(n + 1, L) for v in layers[li]]
            for j in layers[n]:
                for k in layers[n - gap]:
                    if gap == 1:
                        C = above
                    else:
                        coparents: list = []   # `S_n.remove(j)` is None: always empty
                        between = [p for p in np.flatnonzero(A[:, k])
                                   if p not in above and p not in layers[n]]
                        C = sorted(set(above) | set(coparents) | {int(p) for p in between})
                    if not indep([(j, 0)], [(k, 0)], [(m, 0) for m in C]):
                        A[j, k] = True
    return A


def pc_cpdag(indep, d: int) -> np.ndarray:
    """PC on observation 0: the CPDAG as a bool matrix (see the module docstring)."""
    check_int("d", d, minimum=1)
    adj = np.ones((d, d), dtype=bool)
    np.fill_diagonal(adj, False)
    sepset: dict = {}
    level = 0
    while True:
        any_tested = False
        for i, j in itertools.permutations(range(d), 2):
            if not adj[i, j]:
                continue
            nbrs = [v for v in np.flatnonzero(adj[i]) if v != j]
            if len(nbrs) < level:
                continue
            any_tested = True
            for S in itertools.combinations(nbrs, level):
                if indep([(i, 0)], [(j, 0)], [(int(s), 0) for s in S]):
                    adj[i, j] = adj[j, i] = False
                    sepset[frozenset((i, j))] = set(int(s) for s in S)
                    break
        if not any_tested:
            break
        level += 1
    M = adj.copy()  # undirected: both directions
    for k in range(d):
        for i, j in itertools.combinations(np.flatnonzero(adj[k]), 2):
            if not adj[i, j] and k not in sepset.get(frozenset((int(i), int(j))), set()):
                M[k, i] = M[k, j] = False   # i -> k <- j
    return _meek(M)


def _meek(M: np.ndarray) -> np.ndarray:
    M = M.copy()
    d = M.shape[0]

    def directed(a, b):
        return M[a, b] and not M[b, a]

    def undirected(a, b):
        return M[a, b] and M[b, a]

    def adjacent(a, b):
        return M[a, b] or M[b, a]

    changed = True
    while changed:
        changed = False
        for a, b in itertools.permutations(range(d), 2):
            if not undirected(a, b):
                continue
            # R1: c -> a - b, c and b non-adjacent  =>  a -> b
            r1 = any(directed(c, a) and not adjacent(c, b) for c in range(d) if c not in (a, b))
            # R2: a -> c -> b  =>  a -> b
            r2 = any(directed(a, c) and directed(c, b) for c in range(d) if c not in (a, b))
            # R3: a - c -> b, a - e -> b, c and e non-adjacent  =>  a -> b
            r3 = any(undirected(a, c) and directed(c, b) and undirected(a, e) and directed(e, b)
                     and not adjacent(c, e)
                     for c, e in itertools.combinations([v for v in range(d) if v not in (a, b)], 2))
            if r1 or r2 or r3:
                M[b, a] = False
                changed = True
    return M


def dag_key(A: np.ndarray) -> tuple:
    """The Markov-equivalence key of a DAG: its skeleton and its v-structures (Verma-Pearl)."""
    d = A.shape[0]
    skel = A | A.T
    v = sorted((int(i), int(k), int(j)) for k in range(d)
               for i, j in itertools.combinations(np.flatnonzero(A[:, k]), 2) if not skel[i, j])
    return (skel.tobytes(), tuple(v))


def cpdags(dags) -> list:
    """The CPDAG of every DAG in ``dags`` (all DAGs on d nodes), by brute force: the union of
    the adjacency matrices of the Markov-equivalent members (an edge is directed iff every
    member of the class agrees on it). Aligned with ``dags``."""
    keys = [dag_key(A) for A in dags]
    union: dict = {}
    for k, A in zip(keys, dags):
        union[k] = union.get(k, np.zeros_like(A, dtype=bool)) | A
    return [union[k] for k in keys]
