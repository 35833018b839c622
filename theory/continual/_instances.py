"""The switching bandit of notes §3.6 (1) as transducers, with its agents.

Two arms, observation = the reward bit. The environment's state is a phase counter modulo
``2K``: arm 0 pays 1 in the first ``K`` steps of each period, arm 1 in the next ``K``
(``K = None``: stationary, arm 0 always pays). The basis is {always-0, always-1}.
"""

from __future__ import annotations

import numpy as np

from mdps._validation import check_int

from ._model import Agent, Environment, constant_agent

__all__ = ["switching_bandit", "phase_agent", "win_stay_lose_shift", "commit_agent",
           "bandit_basis", "BANDIT_REWARD", "supervised_stream", "classifier_basis",
           "tracking_classifier", "SUPERVISED_REWARD"]

#: reward r(a, o) = o: the observation is the reward bit
BANDIT_REWARD = np.array([[0.0, 1.0], [0.0, 1.0]])


def _best(q: int, K: int | None) -> int:
    return 0 if K is None else int((q // K) % 2)


def switching_bandit(K: int | None) -> Environment:
    Q = 1 if K is None else 2 * check_int("K", K, minimum=1)
    rho = np.zeros((Q, 2, 2))
    delta = np.zeros((Q, 2, 2), dtype=np.int64)
    for q in range(Q):
        for a in range(2):
            rho[q, a, int(a == _best(q, K))] = 1.0
            delta[q, a, :] = (q + 1) % Q
    return Environment(rho, delta, name=f"switching bandit K={K}")


def phase_agent(K: int | None) -> Agent:
    """Plays the paying arm by counting steps (the optimal agent; average reward 1)."""
    Q = 1 if K is None else 2 * K
    pi = np.zeros((Q, 2))
    delta = np.zeros((Q, 2, 2), dtype=np.int64)
    for m in range(Q):
        pi[m, _best(m, K)] = 1.0
        delta[m] = (m + 1) % Q
    return Agent(pi, delta, name=f"phase follower K={K}")


def win_stay_lose_shift() -> Agent:
    """Memory = current arm; switch after a 0 reward."""
    pi = np.eye(2)
    delta = np.zeros((2, 2, 2), dtype=np.int64)
    for m in range(2):
        delta[m, :, 1] = m
        delta[m, :, 0] = 1 - m
    return Agent(pi, delta, name="win-stay lose-shift")


def commit_agent(n: int) -> Agent:
    """Alternates arms for ``n`` steps, then plays arm 1 forever (reaches the basis)."""
    n = check_int("n", n, minimum=0)
    pi = np.zeros((n + 1, 2))
    delta = np.zeros((n + 1, 2, 2), dtype=np.int64)
    for m in range(n + 1):
        pi[m, 1 if m == n else m % 2] = 1.0
        delta[m] = min(m + 1, n)
    return Agent(pi, delta, name=f"commit after {n}")


def bandit_basis() -> list[Agent]:
    return [constant_agent(2, 2, 0), constant_agent(2, 2, 1)]


# -- continual supervised learning (notes §3.3, §3.6 (3)) --------------------------------------
#: reward r(a, o) = 1[the label a was correct]; o = 2 x' + c (next input x', correctness c)
SUPERVISED_REWARD = np.array([[0.0, 1.0, 0.0, 1.0], [0.0, 1.0, 0.0, 1.0]])


def _label(p: int, x: int, K: int | None) -> int:
    """f_t = identity in the first K steps of each period of 2K, negation in the next K."""
    return x if (K is None or (p // K) % 2 == 0) else 1 - x


def supervised_stream(K: int | None) -> Environment:
    """Inputs x ~ Bernoulli(1/2) i.i.d. (x_0 = 0); the agent labels the current x; the
    observation is ``2 x' + c`` (the next input and whether the label was right). The state is
    (phase, current x): ``Q = 2 * 2K`` (or 2 when stationary)."""
    P = 1 if K is None else 2 * check_int("K", K, minimum=1)
    Q = 2 * P
    rho = np.zeros((Q, 2, 4))
    delta = np.zeros((Q, 2, 4), dtype=np.int64)
    for p in range(P):
        for x in range(2):
            q = 2 * p + x
            for a in range(2):
                c = int(a == _label(p, x, K))
                for x2 in range(2):
                    rho[q, a, 2 * x2 + c] = 0.5
                    delta[q, a, 2 * x2 + c] = 2 * ((p + 1) % P) + x2
                for o in range(4):  # unreachable observations: any valid next state
                    if rho[q, a, o] == 0:
                        delta[q, a, o] = 2 * ((p + 1) % P) + o // 2
    return Environment(rho, delta, name=f"continual supervised K={K}")


def classifier_basis() -> list[Agent]:
    """The four classifiers x -> f(x) (memory: the last input seen, x_0 = 0)."""
    out = []
    for f in ((0, 0), (1, 1), (0, 1), (1, 0)):  # constant 0, constant 1, identity, negation
        pi = np.eye(2)[list(f)]
        delta = np.tile((np.arange(4) // 2)[None, None, :], (2, 2, 1)).astype(np.int64)
        out.append(Agent(pi, delta, name=f"classifier {f}"))
    return out


def tracking_classifier(K: int | None) -> Agent:
    """Knows the phase: labels with f_t (the optimal agent; average reward 1)."""
    P = 1 if K is None else 2 * K
    pi = np.zeros((2 * P, 2))
    delta = np.zeros((2 * P, 2, 4), dtype=np.int64)
    for p in range(P):
        for x in range(2):
            pi[2 * p + x, _label(p, x, K)] = 1.0
            for o in range(4):
                delta[2 * p + x, :, o] = 2 * ((p + 1) % P) + o // 2
    return Agent(pi, delta, name=f"phase-tracking classifier K={K}")
