"""Numba kernels of the exact tabular solvers (private: arrays in, arrays out, no validation).

Finite horizon. With ``V_H = 0``, backward induction computes for ``h = H-1, ..., 0``

    Q_h(s, a) = r_h(s, a) + sum_s' P_h(s' | s, a) V_{h+1}(s'),
    V_h(s)    = max_a Q_h(s, a)           (optimal control), or
    V_h(s)    = sum_a pi_h(a | s) Q_h(s, a)  (evaluation of a policy ``pi``),

(Puterman 1994, Sec. 4.5, the backward induction algorithm). Each step reads the whole
kernel once: at S = 2000, A = 10 that is 320 MB, so for large S a pass is bound by memory
bandwidth and the kernels are written to stream ``P[s, a, :]`` contiguously exactly once per
step. The whole ``h`` loop runs inside one kernel so small, cache-resident problems pay no
Python overhead per step.

Batches of ``R`` rewards reuse every read of ``P`` for all rewards: per state, the block
``P[s] (A, S)`` is multiplied by ``V_{h+1}`` of all rewards (a matrix product
``P (S*A, S) @ V (S, R)`` computed one state at a time, register-blocked), so ``P`` comes
from memory once per step whatever ``R``.

Layouts (all C-contiguous float64 unless stated):

* ``P4``: ``(1 or H, S, A, S)`` -- a homogeneous kernel is passed as a view ``P[None]``;
* ``r3``: ``(1 or H, S, A)``; batched rewards ``rT``: ``(1 or H, S, A, R)``;
* ``pi3``: ``(1 or H, S, A)`` action probabilities (evaluation only);
* outputs ``V (H+1, S)``, ``Q (H, S, A)``, ``pi (H, S)`` int64; batched outputs carry a
  leading ``R`` axis.

Floating point: kernels use the LLVM fast-math flags ``reassoc`` and ``contract`` (plus
``nsz``, ``arcp``) so that the dot products vectorise with FMA; this reassociates sums and
changes results at the level of a few ulps of ``sum_s' |P V|`` (the tests' Bellman-residual
bound of 1e-10 holds with a wide margin). ``nnan``/``ninf`` are deliberately *not* enabled:
comparisons with ``inf`` thresholds stay valid.

Every kernel also runs as plain Python under ``NUMBA_DISABLE_JIT=1`` (``prange`` becomes
``range``).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit, prange

#: LLVM fast-math flags: allow reassociation and FMA contraction, keep inf/nan semantics.
FASTMATH = {"reassoc", "contract", "nsz", "arcp"}

#: Multiply-adds per step from which the public solvers may pick the prange (multi-threaded)
#: variants by default (2**18 is S*A*S at about S = 160, A = 10). Each step is one parallel
#: region: on an idle machine a region costs microseconds and two cores double the cache
#: and memory bandwidth, but when the cores are busy with other processes (a sweep running
#: one worker per core) every region waits for a descheduled thread -- measured at S = 200
#: under a load of 8 on 2 cores: 10x slower than one thread. The default therefore also
#: requires an idle core (see ``mdps._solvers._parallel``).
PARALLEL_MIN_WORK = 1 << 18


class VIOptions(NamedTuple):
    """Options of :func:`value_iteration` (passed into the jitted code as a tuple)."""

    threshold: float  # stop when ||T V - V||_inf < threshold
    max_iter: int


# --------------------------------------------------------------------------------------
# Finite horizon, one reward
# --------------------------------------------------------------------------------------
@njit(fastmath=FASTMATH, cache=True, inline="always")
def _fh_row(P4, kp, r3, kr, pi3, kpi, optimal, gamma, V, Q, pi, h, s):
    """Q_h(s, .), V_h(s) (and the greedy action when ``optimal``) for one state ``s``.

    Four actions share each load of ``V_{h+1}[t]`` (four dot products in one sweep over
    ``t``): in cache-resident problems the loads, not the multiply-adds, are the limit, and
    this was 1.1-1.5x faster than one dot product at a time at S = 50-200, A = 10."""
    S = V.shape[1]
    A = Q.shape[2]
    a = 0
    while a + 4 <= A:
        c0 = 0.0
        c1 = 0.0
        c2 = 0.0
        c3 = 0.0
        for t in range(S):
            v = V[h + 1, t]
            c0 += P4[kp, s, a, t] * v
            c1 += P4[kp, s, a + 1, t] * v
            c2 += P4[kp, s, a + 2, t] * v
            c3 += P4[kp, s, a + 3, t] * v
        Q[h, s, a] = r3[kr, s, a] + gamma * c0
        Q[h, s, a + 1] = r3[kr, s, a + 1] + gamma * c1
        Q[h, s, a + 2] = r3[kr, s, a + 2] + gamma * c2
        Q[h, s, a + 3] = r3[kr, s, a + 3] + gamma * c3
        a += 4
    while a < A:
        c0 = 0.0
        for t in range(S):
            c0 += P4[kp, s, a, t] * V[h + 1, t]
        Q[h, s, a] = r3[kr, s, a] + gamma * c0
        a += 1
    if optimal:
        best = Q[h, s, 0]
        arg = 0
        for a in range(1, A):
            if Q[h, s, a] > best:
                best = Q[h, s, a]
                arg = a
        V[h, s] = best
        pi[h, s] = arg
    else:
        acc = 0.0
        for a in range(A):
            w = pi3[kpi, s, a]
            if w > 0.0:  # skip unplayed actions: an infeasible one has Q = -inf (0 * -inf = nan)
                acc += w * Q[h, s, a]
        V[h, s] = acc


@njit(fastmath=FASTMATH, cache=True)
def finite_horizon_serial(P4, r3, pi3, optimal, gamma, V, Q, pi):
    """Backward induction (``optimal``) or policy evaluation, ``Q_h = r_h + gamma P V_{h+1}``;
    one thread. ``V[H]`` preset (the terminal value)."""
    H = Q.shape[0]
    S = V.shape[1]
    for h in range(H - 1, -1, -1):
        kp = h if P4.shape[0] > 1 else 0
        kr = h if r3.shape[0] > 1 else 0
        kpi = h if pi3.shape[0] > 1 else 0
        for s in range(S):
            _fh_row(P4, kp, r3, kr, pi3, kpi, optimal, gamma, V, Q, pi, h, s)


@njit(fastmath=FASTMATH, cache=True, parallel=True)
def finite_horizon_parallel(P4, r3, pi3, optimal, gamma, V, Q, pi):
    """As :func:`finite_horizon_serial`, states of each step split over threads."""
    H = Q.shape[0]
    S = V.shape[1]
    for h in range(H - 1, -1, -1):
        kp = h if P4.shape[0] > 1 else 0
        kr = h if r3.shape[0] > 1 else 0
        kpi = h if pi3.shape[0] > 1 else 0
        for s in prange(S):
            _fh_row(P4, kp, r3, kr, pi3, kpi, optimal, gamma, V, Q, pi, h, s)


# --------------------------------------------------------------------------------------
# Finite horizon, a batch of R rewards (one read of P per step serves all R)
# --------------------------------------------------------------------------------------
@njit(fastmath=FASTMATH, cache=True, inline="always")
def _fh_batch_row(P4, kp, rT, kr, pi3, kpi, optimal, gamma, Vn, Vc, V, Q, pi, h, s):
    """Q_h(s, .) and V_h(s) of one state for all R rewards.

    Register-blocked like a matrix product: each sweep over ``t`` computes 4 actions x 2
    rewards (8 accumulators) from 4 loads of ``P`` and 2 of ``V_{h+1}`` (layout ``(R, S)``),
    so the multiply-adds, not the loads, are the limit; the ``A x S`` block ``P[s]`` is
    re-read from cache for every pair of rewards, from memory once per step. (1.5-1.8x
    faster than an inner loop over rewards with the accumulators in memory.)"""
    S = P4.shape[1]
    A = P4.shape[2]
    R = rT.shape[3]
    acc = np.empty((A, R))
    a = 0
    while a + 4 <= A:
        k = 0
        while k + 2 <= R:
            c00 = 0.0
            c01 = 0.0
            c10 = 0.0
            c11 = 0.0
            c20 = 0.0
            c21 = 0.0
            c30 = 0.0
            c31 = 0.0
            for t in range(S):
                v0 = Vn[k, t]
                v1 = Vn[k + 1, t]
                p0 = P4[kp, s, a, t]
                p1 = P4[kp, s, a + 1, t]
                p2 = P4[kp, s, a + 2, t]
                p3 = P4[kp, s, a + 3, t]
                c00 += p0 * v0
                c01 += p0 * v1
                c10 += p1 * v0
                c11 += p1 * v1
                c20 += p2 * v0
                c21 += p2 * v1
                c30 += p3 * v0
                c31 += p3 * v1
            acc[a, k] = c00
            acc[a, k + 1] = c01
            acc[a + 1, k] = c10
            acc[a + 1, k + 1] = c11
            acc[a + 2, k] = c20
            acc[a + 2, k + 1] = c21
            acc[a + 3, k] = c30
            acc[a + 3, k + 1] = c31
            k += 2
        while k < R:
            c0 = 0.0
            c1 = 0.0
            c2 = 0.0
            c3 = 0.0
            for t in range(S):
                v = Vn[k, t]
                c0 += P4[kp, s, a, t] * v
                c1 += P4[kp, s, a + 1, t] * v
                c2 += P4[kp, s, a + 2, t] * v
                c3 += P4[kp, s, a + 3, t] * v
            acc[a, k] = c0
            acc[a + 1, k] = c1
            acc[a + 2, k] = c2
            acc[a + 3, k] = c3
            k += 1
        a += 4
    while a < A:
        for k in range(R):
            c0 = 0.0
            for t in range(S):
                c0 += P4[kp, s, a, t] * Vn[k, t]
            acc[a, k] = c0
        a += 1
    for k in range(R):
        best = 0.0
        arg = 0
        for a in range(A):
            q = rT[kr, s, a, k] + gamma * acc[a, k]
            Q[k, h, s, a] = q
            if optimal:
                if a == 0 or q > best:
                    best = q
                    arg = a
            elif pi3[kpi, s, a] > 0.0:  # unplayed actions skipped (Q may be -inf there)
                best += pi3[kpi, s, a] * q
        Vc[k, s] = best
        V[k, h, s] = best
        if optimal:
            pi[k, h, s] = arg


@njit(fastmath=FASTMATH, cache=True)
def finite_horizon_batch_serial(P4, rT, pi3, optimal, gamma, V, Q, pi):
    """Batched backward induction / evaluation. ``rT (1 or H, S, A, R)``; outputs
    ``V (R, H+1, S)`` (``V[:, H]`` preset: the terminal values), ``Q (R, H, S, A)``,
    ``pi (R, H, S)``."""
    H = Q.shape[1]
    S = P4.shape[1]
    R = rT.shape[3]
    Vn = V[:, H].copy()  # the terminal values
    Vc = np.zeros((R, S))
    for h in range(H - 1, -1, -1):
        kp = h if P4.shape[0] > 1 else 0
        kr = h if rT.shape[0] > 1 else 0
        kpi = h if pi3.shape[0] > 1 else 0
        for s in range(S):
            _fh_batch_row(P4, kp, rT, kr, pi3, kpi, optimal, gamma, Vn, Vc, V, Q, pi, h, s)
        Vn, Vc = Vc, Vn


@njit(fastmath=FASTMATH, cache=True, parallel=True)
def finite_horizon_batch_parallel(P4, rT, pi3, optimal, gamma, V, Q, pi):
    """As :func:`finite_horizon_batch_serial`, states of each step split over threads."""
    H = Q.shape[1]
    S = P4.shape[1]
    R = rT.shape[3]
    Vn = V[:, H].copy()  # the terminal values
    Vc = np.zeros((R, S))
    for h in range(H - 1, -1, -1):
        kp = h if P4.shape[0] > 1 else 0
        kr = h if rT.shape[0] > 1 else 0
        kpi = h if pi3.shape[0] > 1 else 0
        for s in prange(S):
            _fh_batch_row(P4, kp, rT, kr, pi3, kpi, optimal, gamma, Vn, Vc, V, Q, pi, h, s)
        Vn, Vc = Vc, Vn


# --------------------------------------------------------------------------------------
# Discounted
# --------------------------------------------------------------------------------------
@njit(fastmath=FASTMATH, cache=True)
def bellman_sweep(P, r, gamma, V, Vnew, Q, pi):
    """One application of the optimality operator: ``Q = r + gamma P V``, ``Vnew = max_a Q``,
    ``pi`` greedy (first maximiser). Returns ``||Vnew - V||_inf``."""
    S, A = r.shape
    diff = 0.0
    for s in range(S):
        best = 0.0
        arg = 0
        for a in range(A):
            acc = 0.0
            for t in range(S):
                acc += P[s, a, t] * V[t]
            q = r[s, a] + gamma * acc
            Q[s, a] = q
            if a == 0 or q > best:
                best = q
                arg = a
        Vnew[s] = best
        pi[s] = arg
        d = abs(best - V[s])
        if d > diff:
            diff = d
    return diff


@njit(fastmath=FASTMATH, cache=True)
def value_iteration(P, r, gamma, V, options, Q, pi):
    """Value iteration from ``V`` (overwritten by the last iterate ``V_{n+1}``) until
    ``||V_{n+1} - V_n||_inf < options.threshold`` or ``options.max_iter`` sweeps; then
    ``Q``/``pi`` are made greedy with respect to ``V_{n+1}``. Returns (sweeps, last diff)."""
    S = r.shape[0]
    Vnew = np.empty(S)
    diff = np.inf
    n = 0
    while n < options.max_iter:
        n += 1
        diff = bellman_sweep(P, r, gamma, V, Vnew, Q, pi)
        V[:] = Vnew
        if diff < options.threshold:
            break
    bellman_sweep(P, r, gamma, V, Vnew, Q, pi)  # greedy w.r.t. V_{n+1}; Vnew discarded
    return n, diff
