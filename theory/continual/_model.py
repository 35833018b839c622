"""Agents, environments and bases as finite-state transducers; "generates", "reaches" and
CRL decided exactly by graph search (Abel et al., "A Definition of Continual Reinforcement
Learning", NeurIPS 2023, arXiv 2307.11046; notes §3.2-3.5).

Histories are sequences of (action, observation) pairs over finite sets ``A`` and ``O``.

* An **agent** ``(pi (M, A), delta (M, A, O), m0)``: in memory state ``m`` it draws
  ``a ~ pi[m]``, sees ``o`` and moves to ``delta[m, a, o]``. Its action distribution at a
  history is ``pi`` of the state the history leads to.
* An **environment** ``(rho (Q, A, O), delta (Q, A, O), q0)``: in state ``q`` after action
  ``a`` it emits ``o ~ rho[q, a]`` and moves to ``delta[q, a, o]``.
* A **basis** is a list of agents.

Decisions (all exact, on product graphs):

* ``generates(basis, agent)`` (universal learning rules): ``Λ_B ⊢ {λ}`` iff at every history
  (all of ``H``, not only realizable ones) ``λ(h)`` equals some ``λ_B(h)``. Decided by a BFS
  over joint states ``(m, b_1, ..., b_K)`` along every ``(a, o)``.
* ``sometimes_reaches(agent, basis, env)``: ``∃ realizable h, ∃ λ_B ∈ Λ_B`` such that λ and
  λ_B agree on every realizable continuation of h. Per base agent: on the product graph over
  ``(q, m, b)`` reachable from the start along λ's action support and the environment's
  observation support, a node is *bad* where ``pi_λ(m) != pi_B(b)``; λ reaches λ_B iff some
  reachable node cannot reach a bad node. ``never_reaches`` is its negation.
* ``is_crl(env, optimal_agents, basis)``: every optimal agent never reaches the basis (the
  central definition; the caller states which agents are optimal, and
  :func:`average_reward` computes the performance exactly to check it).

The graph searches run on ``scipy.sparse.csgraph`` (breadth-first order from a super source);
``networkx`` gives the same answers (tested) and is slower on large products (benchmark).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import breadth_first_order, connected_components

from mdps._validation import as_float_array, check_int, check_simplex, fail

__all__ = ["Agent", "Environment", "constant_agent", "generates", "sometimes_reaches",
           "never_reaches", "is_crl", "average_reward", "product_graph"]

#: Two action distributions are "equal" within this (they are exact fractions in our models).
AGREE_ATOL = 1e-12


def _check_transition(name, delta, n_states, A, O):
    d = np.asarray(delta)
    if d.shape != (n_states, A, O):
        fail(name, f"shape (states, A, O) = {(n_states, A, O)}", f"shape {d.shape}")
    if d.dtype.kind not in "iu":
        fail(name, "integer next-state indices", f"dtype {d.dtype}", TypeError)
    if d.size and (d.min() < 0 or d.max() >= n_states):
        fail(name, f"next states in [0, {n_states})", f"range [{d.min()}, {d.max()}]")
    d = np.ascontiguousarray(d, dtype=np.int64)
    d.setflags(write=False)
    return d


@dataclass(frozen=True, eq=False)
class Agent:
    """``pi (M, A)`` action distributions, ``delta (M, A, O)`` memory updates, start ``m0``;
    ``O`` observations (``delta.shape[2]``)."""

    pi: np.ndarray
    delta: np.ndarray
    m0: int = 0
    name: str = ""

    def __post_init__(self):
        pi = as_float_array("pi", self.pi, ndim=2)
        check_simplex("pi", pi)
        M, A = pi.shape
        d = np.asarray(self.delta)
        if d.ndim != 3:
            fail("delta", "shape (M, A, O)", f"shape {d.shape}")
        d = _check_transition("delta", d, M, A, d.shape[2])
        m0 = check_int("m0", self.m0, minimum=0)
        if m0 >= M:
            fail("m0", f"a memory state below M = {M}", m0)
        pi.setflags(write=False)
        object.__setattr__(self, "pi", pi)
        object.__setattr__(self, "delta", d)
        object.__setattr__(self, "m0", m0)

    @property
    def M(self) -> int:
        return self.pi.shape[0]

    @property
    def A(self) -> int:
        return self.pi.shape[1]

    @property
    def O(self) -> int:  # noqa: E743 - the paper's name for the observation set
        return self.delta.shape[2]

    def act(self, history: Sequence[tuple[int, int]]) -> np.ndarray:
        """The action distribution after ``history`` (a sequence of ``(a, o)``)."""
        m = self.m0
        for a, o in history:
            m = int(self.delta[m, a, o])
        return self.pi[m]


@dataclass(frozen=True, eq=False)
class Environment:
    """``rho (Q, A, O)`` observation distributions, ``delta (Q, A, O)`` state updates, ``q0``."""

    rho: np.ndarray
    delta: np.ndarray
    q0: int = 0
    name: str = ""

    def __post_init__(self):
        rho = as_float_array("rho", self.rho, ndim=3)
        check_simplex("rho", rho)
        Q, A, O = rho.shape
        d = _check_transition("delta", self.delta, Q, A, O)
        q0 = check_int("q0", self.q0, minimum=0)
        if q0 >= Q:
            fail("q0", f"an environment state below Q = {Q}", q0)
        rho.setflags(write=False)
        object.__setattr__(self, "rho", rho)
        object.__setattr__(self, "delta", d)
        object.__setattr__(self, "q0", q0)

    @property
    def Q(self) -> int:
        return self.rho.shape[0]


def constant_agent(A: int, O: int, a: int | np.ndarray) -> Agent:
    """The one-state agent that always plays ``a`` (an action index, or a distribution)."""
    p = np.zeros(A)
    if np.ndim(a) == 0:
        p[int(a)] = 1.0
    else:
        p = as_float_array("a", a, ndim=1)
    return Agent(p[None], np.zeros((1, A, O), dtype=np.int64), name=f"const({a})")


def _compatible(agent: Agent, others: Sequence[Agent], env: Environment | None = None):
    A, O = agent.A, agent.O
    for k, b in enumerate(others):
        if not isinstance(b, Agent):
            fail(f"basis[{k}]", "an Agent", type(b).__name__, TypeError)
        if (b.A, b.O) != (A, O):
            fail(f"basis[{k}]", f"an agent over the same A, O = {(A, O)}", f"{(b.A, b.O)}")
    if env is not None:
        if not isinstance(env, Environment):
            fail("env", "an Environment", type(env).__name__, TypeError)
        if env.rho.shape[1:] != (A, O):
            fail("env", f"an environment over the same A, O = {(A, O)}", f"{env.rho.shape[1:]}")


def _reachable(n: int, rows, cols, sources) -> np.ndarray:
    """Boolean mask of nodes reachable from ``sources`` along edges ``rows -> cols``."""
    src = n  # a super source pointing at every source
    r = np.concatenate([np.asarray(rows, np.int64), np.full(len(sources), src)])
    c = np.concatenate([np.asarray(cols, np.int64), np.asarray(sources, np.int64)])
    G = sp.csr_matrix((np.ones(r.size, dtype=np.int8), (r, c)), shape=(n + 1, n + 1))
    order = breadth_first_order(G, src, directed=True, return_predecessors=False)
    mask = np.zeros(n + 1, bool)
    mask[order] = True
    return mask[:n]


def product_graph(agent: Agent, base: Agent, env: Environment):
    """Edges of the realizable product over ``(q, m, b)`` (flattened ``q*M*B + m*B + b``):
    actions from λ's support, observations from the environment's. Returns
    ``(n_nodes, rows, cols, start)``."""
    Q, M, B = env.Q, agent.M, base.M
    q, m, b, a, o = np.meshgrid(np.arange(Q), np.arange(M), np.arange(B), np.arange(agent.A),
                                np.arange(agent.O), indexing="ij")
    live = (agent.pi[m, a] > 0) & (env.rho[q, a, o] > 0)
    q, m, b, a, o = (x[live] for x in (q, m, b, a, o))
    src = (q * M + m) * B + b
    dst = (env.delta[q, a, o] * M + agent.delta[m, a, o]) * B + base.delta[b, a, o]
    return Q * M * B, src, dst, (env.q0 * M + agent.m0) * B + base.m0


def _reaches_one(agent: Agent, base: Agent, env: Environment) -> bool:
    n, src, dst, start = product_graph(agent, base, env)
    reach = _reachable(n, src, dst, [start])
    Q, M, B = env.Q, agent.M, base.M
    m = (np.arange(n) // B) % M
    b = np.arange(n) % B
    bad = np.abs(agent.pi[m] - base.pi[b]).max(axis=1) > AGREE_ATOL
    can_reach_bad = _reachable(n, dst, src, np.flatnonzero(bad))  # reversed edges
    return bool(np.any(reach & ~can_reach_bad))


def sometimes_reaches(agent: Agent, basis: Sequence[Agent], env: Environment) -> bool:
    """``λ ◇⇝ Λ_B`` in ``env`` (module docstring)."""
    if not isinstance(agent, Agent):
        fail("agent", "an Agent", type(agent).__name__, TypeError)
    basis = list(basis)
    if not basis:
        fail("basis", "a non-empty list of agents", "an empty list")
    _compatible(agent, basis, env)
    return any(_reaches_one(agent, b, env) for b in basis)


def never_reaches(agent: Agent, basis: Sequence[Agent], env: Environment) -> bool:
    """``λ □⇝̸ Λ_B``: the negation of :func:`sometimes_reaches`."""
    return not sometimes_reaches(agent, basis, env)


def generates(basis: Sequence[Agent], agents: Agent | Sequence[Agent]) -> bool:
    """``Λ_B ⊢ Λ`` with universal learning rules: at every history (realizable or not) each
    agent's action distribution equals some base agent's (BFS over joint memory states)."""
    basis = list(basis)
    if not basis:
        fail("basis", "a non-empty list of agents", "an empty list")
    agents = [agents] if isinstance(agents, Agent) else list(agents)
    for lam in agents:
        if not isinstance(lam, Agent):
            fail("agents", "Agent objects", type(lam).__name__, TypeError)
        _compatible(lam, basis)
        start = (lam.m0,) + tuple(b.m0 for b in basis)
        seen = {start}
        frontier = [start]
        while frontier:
            nxt = []
            for state in frontier:
                m, bs = state[0], state[1:]
                if not any(np.abs(lam.pi[m] - b.pi[j]).max() <= AGREE_ATOL for b, j in zip(basis, bs)):
                    return False
                for a in range(lam.A):
                    for o in range(lam.O):
                        s2 = (int(lam.delta[m, a, o]),) + tuple(int(b.delta[j, a, o]) for b, j in zip(basis, bs))
                        if s2 not in seen:
                            seen.add(s2)
                            nxt.append(s2)
            frontier = nxt
    return True


def average_reward(agent: Agent, env: Environment, reward) -> float:
    """Exact long-run average of ``reward (A, O)`` for the pair from its start: the Markov chain
    on ``(q, m)``; its bottom strongly connected components are the recurrent classes, each
    with its stationary distribution (a linear solve, also for periodic classes), weighted by
    the probability of being absorbed in it."""
    _compatible(agent, [], env)
    r = as_float_array("reward", reward, ndim=2)
    if r.shape != (agent.A, agent.O):
        fail("reward", f"shape (A, O) = {(agent.A, agent.O)}", f"shape {r.shape}")
    Q, M = env.Q, agent.M
    n = Q * M
    P = np.zeros((n, n))
    rew = np.zeros(n)
    for q in range(Q):
        for m in range(M):
            i = q * M + m
            for a in range(agent.A):
                for o in range(agent.O):
                    p = agent.pi[m, a] * env.rho[q, a, o]
                    if p > 0:
                        P[i, env.delta[q, a, o] * M + agent.delta[m, a, o]] += p
                        rew[i] += p * r[a, o]
    n_comp, labels = connected_components(sp.csr_matrix(P > 0), directed=True, connection="strong")
    value_of = np.zeros(n)
    bottom = np.zeros(n, bool)
    for c in range(n_comp):
        idx = np.flatnonzero(labels == c)
        out = P[np.ix_(idx, np.setdiff1d(np.arange(n), idx))].sum() if idx.size < n else 0.0
        if out > 1e-12:
            continue
        bottom[idx] = True
        Pc = P[np.ix_(idx, idx)]
        K = np.vstack([Pc.T - np.eye(idx.size), np.ones(idx.size)])
        mu = np.linalg.lstsq(K, np.r_[np.zeros(idx.size), 1.0], rcond=None)[0]
        value_of[idx] = mu @ rew[idx]
    # absorption: on transient states v = P v (values of the classes reached)
    trans = np.flatnonzero(~bottom)
    v = value_of.copy()
    if trans.size:
        Ptt = P[np.ix_(trans, trans)]
        Ptb = P[np.ix_(trans, np.flatnonzero(bottom))]
        v[trans] = np.linalg.solve(np.eye(trans.size) - Ptt, Ptb @ value_of[bottom])
    return float(v[env.q0 * M + agent.m0])


def is_crl(env: Environment, optimal_agents: Sequence[Agent], basis: Sequence[Agent]) -> bool:
    """CRL on a finite instance: every optimal agent never reaches the basis."""
    optimal_agents = list(optimal_agents)
    if not optimal_agents:
        fail("optimal_agents", "a non-empty list", "an empty list")
    return all(never_reaches(lam, basis, env) for lam in optimal_agents)
