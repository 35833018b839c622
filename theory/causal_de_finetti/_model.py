"""Binary ICM generative processes (Guo, Tóth, Schölkopf, Huszár, NeurIPS 2023, arXiv 2203.15756).

Setting (paper Sec. 2-3; notes §2.2): a DAG G on nodes ``0..d-1``; for each node i a mechanism
parameter ``theta_i ~ Beta(alpha_i, beta_i)``, drawn once per *environment*, the theta_i mutually
independent (the ICM generative process). Within an environment, observations n = 1..N are
conditionally i.i.d. given theta:

    X_{i;n} = Ber(theta_i) XOR f_i(pa_{i;n}),

with ``f_i`` a Boolean function of the parents (AND, parity, or a random table that depends on
every parent). The sequence of observations of one environment is exchangeable, not i.i.d.
Faithfulness caveats (found by the tests, notes §2.6 C6): parity mechanisms cancel along
triangles (0->1, 0->2, 1->2 gives X_2 = N_2 ^ N_1, so X_0 ⊥ X_2 inside an observation), and
equal priors make XOR children independent of their parents inside an observation when
alpha = beta, or cancel some cross-sample paths when two AND nodes share a prior. The CI
queries CdF and PC issue are faithful under AND + Beta(1, 3) on every DAG up to 4 nodes.

The exact law of N observations of one environment integrates each theta_i out in closed form
(Beta-Bernoulli): with ``k_i = #{n : x_{i;n} != f_i(pa_{i;n})}``,

    P(x_{.;1..N}) = prod_i B(alpha_i + k_i, beta_i + N - k_i) / B(alpha_i, beta_i).

``shared`` groups of nodes share ONE theta (a violation of the ICM independence used as a
negative control: dependent mechanism parameters); within a group the counts add up.
The i.i.d. contrast draws a fresh theta for every observation: each observation has the same
marginal ``prod_i pbar(x_i | pa_i)``, ``pbar = alpha / (alpha + beta)``, and observations are
independent.

Arrays: a sample is ``(E, N, d)`` uint8 (environment, observation, node); an exact table has
``d * N`` binary axes, axis ``n * d + i`` holding ``X_{i;n}``.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import networkx as nx
import numpy as np
from scipy.special import betaln

from mdps._validation import check_int, fail

__all__ = ["BinaryICM", "binary_icm", "as_adjacency", "all_dags", "sample_exchangeable",
           "sample_iid", "exact_joint", "exact_joint_iid", "MECHANISMS"]

MECHANISMS = ("and", "xor", "random")


def as_adjacency(graph) -> np.ndarray:
    """A bool ``(d, d)`` adjacency matrix (``A[p, i]`` iff ``p -> i``) of an acyclic graph,
    from a networkx DiGraph on nodes ``0..d-1`` or a square 0/1 array."""
    if isinstance(graph, nx.DiGraph):
        d = graph.number_of_nodes()
        if sorted(graph.nodes) != list(range(d)):
            fail("graph", "a DiGraph on nodes 0..d-1", sorted(graph.nodes))
        A = np.zeros((d, d), dtype=bool)
        for u, v in graph.edges:
            A[u, v] = True
    else:
        try:
            A = np.asarray(graph)
        except (TypeError, ValueError):
            fail("graph", "a networkx DiGraph or a square adjacency array", repr(graph), TypeError)
        if A.ndim != 2 or A.shape[0] != A.shape[1] or A.shape[0] < 1:
            fail("graph", "a square (d, d) adjacency array with d >= 1", f"shape {A.shape}")
        if not np.isin(A, (0, 1)).all():
            fail("graph", "0/1 entries", A.tolist())
        A = A.astype(bool)
    if not nx.is_directed_acyclic_graph(nx.from_numpy_array(A.astype(int), create_using=nx.DiGraph)):
        fail("graph", "an acyclic graph (no self-loops)", A.astype(int).tolist())
    return A


def all_dags(d: int):
    """Every labelled DAG on ``d`` nodes as a bool adjacency matrix (1, 3, 25, 543, 29281)."""
    check_int("d", d, minimum=1, maximum=5)
    pairs = list(itertools.combinations(range(d), 2))
    out = []
    for states in itertools.product((0, 1, 2), repeat=len(pairs)):
        A = np.zeros((d, d), dtype=bool)
        for (u, v), s in zip(pairs, states):
            if s == 1:
                A[u, v] = True
            elif s == 2:
                A[v, u] = True
        if nx.is_directed_acyclic_graph(nx.from_numpy_array(A.astype(int), create_using=nx.DiGraph)):
            out.append(A)
    return out


@dataclass(frozen=True)
class BinaryICM:
    """A binary ICM process: DAG, mechanism tables, Beta priors and parameter-sharing groups.

    ``tables[i]`` has length ``2 ** len(parents[i])``; entry ``sum_b x_{parents[i][b]} << b`` is
    ``f_i`` on that parent configuration. ``groups`` partitions the nodes; nodes of one group
    share one theta (singletons = the ICM process).
    """

    A: np.ndarray
    tables: tuple
    alpha: np.ndarray
    beta: np.ndarray
    groups: tuple

    @property
    def d(self) -> int:
        return self.A.shape[0]

    @property
    def parents(self) -> tuple:
        return tuple(tuple(int(p) for p in np.flatnonzero(self.A[:, i])) for i in range(self.d))

    @property
    def order(self) -> list:
        return list(nx.topological_sort(nx.from_numpy_array(self.A.astype(int),
                                                            create_using=nx.DiGraph)))


def _table(mechanism, k, rng):
    idx = np.arange(2 ** k)
    bits = (idx[:, None] >> np.arange(k)) & 1
    if mechanism == "and":
        return (bits.all(axis=1) if k else np.zeros(1, bool)).astype(np.uint8)
    if mechanism == "xor":
        return (bits.sum(axis=1) % 2).astype(np.uint8)
    # random Boolean function that depends on every parent (else that edge is not an edge)
    while True:
        t = rng.integers(0, 2, size=2 ** k).astype(np.uint8)
        if all((t[idx] != t[idx ^ (1 << b)]).any() for b in range(k)):
            return t


def binary_icm(graph, mechanism: str = "and", alpha=1.0, beta=3.0, shared=(), rng=None) -> BinaryICM:
    """Build a :class:`BinaryICM`. ``alpha``, ``beta``: scalars or length-d arrays (> 0);
    ``shared``: groups (iterables of nodes) that share one theta (their priors must agree);
    ``rng`` is required for ``mechanism="random"``."""
    A = as_adjacency(graph)
    d = A.shape[0]
    if mechanism not in MECHANISMS:
        fail("mechanism", f"one of {MECHANISMS}", repr(mechanism))
    if mechanism == "random" and not isinstance(rng, np.random.Generator):
        fail("rng", "a numpy.random.Generator when mechanism='random'", repr(rng), TypeError)
    a = np.broadcast_to(np.asarray(alpha, dtype=float), (d,)).copy() if np.ndim(alpha) == 0 else np.asarray(alpha, float)
    b = np.broadcast_to(np.asarray(beta, dtype=float), (d,)).copy() if np.ndim(beta) == 0 else np.asarray(beta, float)
    for name, v in (("alpha", a), ("beta", b)):
        if v.shape != (d,) or not np.all(np.isfinite(v)) or not np.all(v > 0):
            fail(name, f"a positive scalar or {d} positive numbers", v.tolist())
    groups, seen = [], set()
    for g in shared:
        g = tuple(sorted(int(i) for i in g))
        if not g or any(i < 0 or i >= d or i in seen for i in g):
            fail("shared", f"disjoint non-empty groups of nodes in 0..{d - 1}", list(shared))
        if len({(a[i], b[i]) for i in g}) != 1:
            fail("shared", "groups whose nodes have equal (alpha, beta)", g)
        seen.update(g)
        groups.append(g)
    groups += [(i,) for i in range(d) if i not in seen]
    parents = [np.flatnonzero(A[:, i]) for i in range(d)]
    tables = tuple(_table(mechanism, len(p), rng) for p in parents)
    return BinaryICM(A, tables, a, b, tuple(sorted(groups)))


def _apply(model: BinaryICM, noise: np.ndarray) -> np.ndarray:
    """X from noise bits (..., d) in topological order: X_i = noise_i XOR f_i(pa_i)."""
    X = np.zeros_like(noise, dtype=np.uint8)
    for i in model.order:
        idx = np.zeros(noise.shape[:-1], dtype=np.int64)
        for b, p in enumerate(model.parents[i]):
            idx |= X[..., p].astype(np.int64) << b
        X[..., i] = noise[..., i] ^ model.tables[i][idx]
    return X


def _theta(model: BinaryICM, size, rng) -> np.ndarray:
    theta = np.empty(tuple(size) + (model.d,))
    for g in model.groups:
        t = rng.beta(model.alpha[g[0]], model.beta[g[0]], size=size)
        for i in g:
            theta[..., i] = t
    return theta


def sample_exchangeable(model: BinaryICM, n_env: int, n_obs: int, rng: np.random.Generator) -> np.ndarray:
    """``(n_env, n_obs, d)`` uint8: theta drawn once per environment, observations i.i.d. given it."""
    check_int("n_env", n_env, minimum=1)
    check_int("n_obs", n_obs, minimum=1)
    theta = _theta(model, (n_env,), rng)
    noise = (rng.random((n_env, n_obs, model.d)) < theta[:, None, :]).astype(np.uint8)
    return _apply(model, noise)


def sample_iid(model: BinaryICM, n_env: int, n_obs: int, rng: np.random.Generator) -> np.ndarray:
    """The i.i.d. contrast, same layout: a fresh theta for every observation."""
    check_int("n_env", n_env, minimum=1)
    check_int("n_obs", n_obs, minimum=1)
    theta = _theta(model, (n_env, n_obs), rng)
    noise = (rng.random((n_env, n_obs, model.d)) < theta).astype(np.uint8)
    return _apply(model, noise)


def _configs(d: int, n_obs: int) -> np.ndarray:
    """All 2**(d N) configurations as (2**(dN), N, d), in C order of the table's axes."""
    m = d * n_obs
    idx = np.arange(2 ** m)
    bits = (idx[:, None] >> np.arange(m - 1, -1, -1)) & 1   # axis 0 is the most significant
    return bits.reshape(-1, n_obs, d).astype(np.uint8)


def exact_joint(model: BinaryICM, n_obs: int = 2) -> np.ndarray:
    """The exact law of ``n_obs`` observations of one environment: shape ``(2,) * (d * n_obs)``."""
    check_int("n_obs", n_obs, minimum=1)
    d = model.d
    if d * n_obs > 16:
        fail("d * n_obs", "at most 16 binary variables (a table of 2**16 cells)", d * n_obs)
    X = _configs(d, n_obs)
    flips = np.zeros(X.shape, dtype=np.int64)  # x_{i;n} != f_i(pa_{i;n})
    for i in range(d):
        idx = np.zeros(X.shape[:2], dtype=np.int64)
        for b, p in enumerate(model.parents[i]):
            idx |= X[..., p].astype(np.int64) << b
        flips[..., i] = X[..., i] != model.tables[i][idx]
    logp = np.zeros(X.shape[0])
    for g in model.groups:
        a, b = model.alpha[g[0]], model.beta[g[0]]
        k = flips[..., list(g)].sum(axis=(1, 2))
        logp += betaln(a + k, b + n_obs * len(g) - k) - betaln(a, b)
    return np.exp(logp).reshape((2,) * (d * n_obs))


def exact_joint_iid(model: BinaryICM, n_obs: int = 2) -> np.ndarray:
    """The exact law of ``n_obs`` i.i.d. observations (the contrast), same layout."""
    one = exact_joint(model, 1)
    P = one
    for _ in range(n_obs - 1):
        P = np.multiply.outer(P, one)
    return P
