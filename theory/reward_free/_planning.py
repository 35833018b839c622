"""Planning phase and exact evaluation on finite linear mixture MDPs.

Setting (notes A1, A2.6). A linear mixture MDP has basis measures ``phi (S, A, S, d)`` and a
parameter ``theta (d,)`` with ``P(s' | s, a) = <phi(s' | s, a), theta>``; for any ``V`` the
integrated feature ``psi_V(s, a) = sum_{s'} phi(s' | s, a) V(s')`` gives
``[P V](s, a) = <psi_V(s, a), theta>``. Rewards ``r (H, S, A)`` obey Assumption 2.6.1, total
reward <= 1 on every trajectory (sufficient: ``sum_h max_{s, a} r_h(s, a) <= 1``), so every
value lies in [0, 1].

Planning phase of HF-UCRL-RFE++: given any reward ``r``, return the greedy policy of backward
induction in the model ``theta_K`` chosen by the exploration oracle in the last episode,
values clipped to [0, 1] because ``P_theta`` need not be a valid kernel (notes A3.2).
The quality measure is the suboptimality ``V*_1(s_1; r) - V^{pi_r}_1(s_1; r)`` computed
exactly in the true model.
"""

from __future__ import annotations

import numpy as np

from mdps._validation import as_float_array, check_int, check_shape, fail

__all__ = [
    "model_kernel",
    "plan_in_model",
    "policy_values",
    "optimal_values",
    "suboptimality",
    "reward_dictionary",
    "check_total_reward",
]


def model_kernel(phi, theta) -> np.ndarray:
    """``P_theta[s, a, s'] = <phi[s, a, s'], theta>``, shape ``(S, A, S)`` (maybe not a kernel)."""
    phi = as_float_array("phi", phi, ndim=4)
    theta = as_float_array("theta", theta, ndim=1)
    check_shape("theta", theta, (phi.shape[3],), "(d,)")
    return np.einsum("sand,d->san", phi, theta)


def _rewards(rewards, S: int, A: int) -> np.ndarray:
    r = as_float_array("rewards", rewards, ndim=(3, 4))
    if r.ndim == 3:
        r = r[None]
    if r.shape[2:] != (S, A):
        fail("rewards", f"shape (R, H, S, A) with S = {S}, A = {A}", f"shape {r.shape}")
    return r


def check_total_reward(rewards, atol: float = 1e-9) -> np.ndarray:
    """Validate Assumption 2.6.1 through its sufficient condition
    ``sum_h max_{s, a} r_h(s, a) <= 1`` and ``r >= 0``; returns ``rewards (R, H, S, A)``."""
    r = as_float_array("rewards", rewards, ndim=(3, 4))
    if r.ndim == 3:
        r = r[None]
    if r.min() < -atol:
        fail("rewards", "non-negative entries", f"minimum {r.min()!r}")
    tot = r.reshape(r.shape[0], r.shape[1], -1).max(axis=2).sum(axis=1)
    if tot.max() > 1.0 + atol:
        fail("rewards", "sum_h max_{s,a} r_h(s, a) <= 1 (total reward <= 1)", f"{tot.max()!r}")
    return r


def plan_in_model(phi, theta, rewards) -> tuple[np.ndarray, np.ndarray]:
    """Backward induction in ``P_theta`` with values clipped to [0, 1].

    ``rewards (R, H, S, A)`` (or ``(H, S, A)``). Returns ``pi (R, H, S)`` (int64) and
    ``V (R, H + 1, S)``, the model's clipped optimal values.
    """
    Pt = model_kernel(phi, theta)
    S, A = Pt.shape[:2]
    r = _rewards(rewards, S, A)
    R, H = r.shape[:2]
    V = np.zeros((R, H + 1, S))
    pi = np.zeros((R, H, S), dtype=np.int64)
    for h in range(H - 1, -1, -1):
        Q = np.clip(r[:, h] + np.einsum("san,rn->rsa", Pt, V[:, h + 1]), 0.0, 1.0)
        pi[:, h] = Q.argmax(axis=2)
        V[:, h] = Q.max(axis=2)
    return pi, V


def policy_values(P, pi, rewards) -> np.ndarray:
    """Exact values ``V^pi (R, H + 1, S)`` of deterministic policies ``pi (R, H, S)`` in the
    valid kernel ``P (S, A, S)``."""
    P = as_float_array("P", P, ndim=3)
    S, A = P.shape[:2]
    r = _rewards(rewards, S, A)
    R, H = r.shape[:2]
    pi = np.asarray(pi)
    check_shape("pi", pi, (R, H, S), "(R, H, S)")
    V = np.zeros((R, H + 1, S))
    for h in range(H - 1, -1, -1):
        a = pi[:, h]  # (R, S)
        Q = r[:, h] + np.einsum("san,rn->rsa", P, V[:, h + 1])
        V[:, h] = np.take_along_axis(Q, a[:, :, None], axis=2)[:, :, 0]
    return V


def optimal_values(P, rewards) -> np.ndarray:
    """Exact optimal values ``V* (R, H + 1, S)`` in ``P (S, A, S)`` by backward induction."""
    P = as_float_array("P", P, ndim=3)
    S, A = P.shape[:2]
    r = _rewards(rewards, S, A)
    R, H = r.shape[:2]
    V = np.zeros((R, H + 1, S))
    for h in range(H - 1, -1, -1):
        V[:, h] = (r[:, h] + np.einsum("san,rn->rsa", P, V[:, h + 1])).max(axis=2)
    return V


def suboptimality(P, pi, rewards, s1: int = 0) -> np.ndarray:
    """``V*_1(s1; r) - V^{pi_r}_1(s1; r)`` for every reward, shape ``(R,)``, exact."""
    s1 = check_int("s1", s1, minimum=0)
    Vs = optimal_values(P, rewards)
    Vp = policy_values(P, pi, rewards)
    return Vs[:, 0, s1] - Vp[:, 0, s1]


def reward_dictionary(S: int, A: int, H: int, rng: np.random.Generator | None = None,
                      n_random: int = 0) -> np.ndarray:
    """A finite reward set inside Assumption 2.6.1 (notes A3.1), shape ``(N, H, S, A)``.

    Contents, all with total reward <= 1 on every trajectory:
    - the uniform reward ``r_h = 1 / H``;
    - per state ``g``: a terminal goal ``r_H(g, .) = 1`` and a running goal ``r_h(g, .) = 1/H``;
    - per (s, a): a running reward ``r_h(s, a) = 1 / H``;
    - ``n_random`` random sparse rewards (10% of the (h, s, a) entries, normalised so that
      ``sum_h max_{s,a} r_h = 1``), drawn from ``rng``.
    """
    S = check_int("S", S, minimum=1)
    A = check_int("A", A, minimum=1)
    H = check_int("H", H, minimum=1)
    n_random = check_int("n_random", n_random, minimum=0)
    out = [np.full((H, S, A), 1.0 / H)]
    for g in range(S):
        r = np.zeros((H, S, A))
        r[H - 1, g, :] = 1.0
        out.append(r)
        r = np.zeros((H, S, A))
        r[:, g, :] = 1.0 / H
        out.append(r)
    for s in range(S):
        for a in range(A):
            r = np.zeros((H, S, A))
            r[:, s, a] = 1.0 / H
            out.append(r)
    if n_random:
        if rng is None:
            fail("rng", "a numpy.random.Generator when n_random > 0", None, TypeError)
        for _ in range(n_random):
            r = rng.uniform(size=(H, S, A)) * (rng.uniform(size=(H, S, A)) < 0.1)
            tot = r.reshape(H, -1).max(axis=1).sum()
            if tot == 0:
                r[rng.integers(H), rng.integers(S), rng.integers(A)] = 1.0
                tot = 1.0
            out.append(r / tot)
    return np.stack(out)
