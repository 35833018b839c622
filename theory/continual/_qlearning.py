"""Tabular Q-learning in a switching MDP (notes §3.6 (2)): does the learner keep adapting?

Two 2-state, 2-action MDPs share their dynamics (action ``a`` moves to state ``a``) and differ
in reward: task 0 pays 1 for arriving in state 0, task 1 for arriving in state 1, so their
optimal policies differ (always 0 / always 1). The environment switches task every ``K``
steps (``K = 0``: never). The agent observes the state and the reward only.

Q-learning with epsilon-greedy exploration (epsilon = 0.1), discount 0.9, step size either
constant (``alpha``) or ``1/n`` (``n`` = visits of the pair). A *greedy-policy switch* is a
step at which ``argmax_a Q(s, .)`` changes for some state. A continual learner keeps switching
(it never reaches the basis of Markov policies); a 1/n learner's steps vanish and its greedy
policy freezes.
"""

from __future__ import annotations

import numpy as np

from mdps._validation import check_int, fail

__all__ = ["run_q_learning"]

EPSILON = 0.1
GAMMA = 0.9


def run_q_learning(K: int, steps: int, step_size: str, rng: np.random.Generator,
                   alpha: float = 0.1, window: int = 500) -> dict[str, np.ndarray | float]:
    """Run ``steps`` steps; returns per-window greedy-switch counts and mean rewards, and the
    overall average reward."""
    K = check_int("K", K, minimum=0)
    steps = check_int("steps", steps, minimum=1)
    window = check_int("window", window, minimum=1)
    if step_size not in ("constant", "1/n"):
        fail("step_size", "'constant' or '1/n'", repr(step_size))
    Q = np.zeros((2, 2))
    n = np.zeros((2, 2))
    s = 0
    greedy = np.argmax(Q, axis=1)
    n_win = steps // window
    switches = np.zeros(n_win)
    rewards = np.zeros(n_win)
    explore = rng.random(steps) < EPSILON
    random_a = rng.integers(0, 2, size=steps)
    for t in range(steps):
        task = 0 if K == 0 else (t // K) % 2
        a = int(random_a[t]) if explore[t] else int(greedy[s])
        s2 = a
        r = 1.0 if s2 == task else 0.0
        n[s, a] += 1
        lr = alpha if step_size == "constant" else 1.0 / n[s, a]
        Q[s, a] += lr * (r + GAMMA * Q[s2].max() - Q[s, a])
        new = np.argmax(Q, axis=1)
        w = t // window
        if w < n_win:
            switches[w] += float(np.any(new != greedy))
            rewards[w] += r / window
        greedy = new
        s = s2
    return {"switches": switches, "rewards": rewards, "average_reward": float(rewards.mean())}
