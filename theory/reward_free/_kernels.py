"""Numba kernels for horizon-free reward-free exploration (private: arrays in, arrays out).

No validation happens here; the public wrappers in ``_regression``, ``_explore``,
``_planning`` and ``_baselines`` validate and allocate. Every kernel is written so that it
also runs as plain Python under ``NUMBA_DISABLE_JIT=1`` (explicit loops, no numba-only
constructs), and each is tested against a NumPy reference in ``tests/theory``.

Shapes: ``phi (S, A, S, d)`` basis measures, ``theta (d,)``, Gram inverses ``(d, d)``,
regression state for the two HF series and ``M`` moment levels ``(2, M, d, d)`` /
``(2, M, d)``, value tables ``(H + 1, S)``, deterministic policies ``(H, S)`` (int64).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

# ----------------------------------------------------------------------------- linear algebra


@njit(cache=True)
def sm_update(Ginv, G, b, x, y, w):
    """Rank-one weighted ridge update, in place, O(d^2).

    ``G <- G + w x x^T``, ``b <- b + w y x`` and, by Sherman-Morrison,
    ``Ginv <- Ginv - w (Ginv x)(Ginv x)^T / (1 + w x^T Ginv x)``.
    """
    d = x.shape[0]
    u = np.zeros(d)
    for i in range(d):
        acc = 0.0
        for j in range(d):
            acc += Ginv[i, j] * x[j]
        u[i] = acc
    q = 0.0
    for i in range(d):
        q += x[i] * u[i]
    c = w / (1.0 + w * q)
    for i in range(d):
        b[i] += w * y * x[i]
        for j in range(d):
            Ginv[i, j] -= c * u[i] * u[j]
            G[i, j] += w * x[i] * x[j]


@njit(cache=True)
def symmetrize(A):
    d = A.shape[0]
    for i in range(d):
        for j in range(i + 1, d):
            v = 0.5 * (A[i, j] + A[j, i])
            A[i, j] = v
            A[j, i] = v


@njit(cache=True)
def matvec(A, x, out):
    d = x.shape[0]
    for i in range(A.shape[0]):
        acc = 0.0
        for j in range(d):
            acc += A[i, j] * x[j]
        out[i] = acc


@njit(cache=True)
def quad_norm(A, x):
    """``sqrt(x^T A x)`` (clipped at 0 against round-off)."""
    d = x.shape[0]
    acc = 0.0
    for i in range(d):
        row = 0.0
        for j in range(d):
            row += A[i, j] * x[j]
        acc += x[i] * row
    return math.sqrt(acc) if acc > 0.0 else 0.0


@njit(cache=True)
def dot(x, y):
    acc = 0.0
    for i in range(x.shape[0]):
        acc += x[i] * y[i]
    return acc


@njit(cache=True)
def ridge_stream(Ginv, G, b, X, y, w, theta_out, sym_every):
    """Feed samples ``(X[i], y[i], w[i])`` one at a time; after each, ``theta = Ginv b``.

    ``theta_out (n, d)`` receives the estimate after every sample (what a per-step solve
    would give). ``Ginv`` is symmetrised every ``sym_every`` samples against drift.
    """
    n, d = X.shape
    for i in range(n):
        sm_update(Ginv, G, b, X[i], y[i], w[i])
        if sym_every > 0 and (i + 1) % sym_every == 0:
            symmetrize(Ginv)
        for r in range(d):
            acc = 0.0
            for c in range(d):
                acc += Ginv[r, c] * b[c]
            theta_out[i, r] = acc


# ----------------------------------------------------------------------------- features


@njit(cache=True)
def psi_at(phi, s, a, V, power, out):
    """``out = sum_{s'} phi[s, a, s', :] * V[s'] ** power``  (the feature psi_{V^power}(s, a))."""
    S = phi.shape[2]
    d = phi.shape[3]
    for i in range(d):
        out[i] = 0.0
    for n in range(S):
        v = V[n]
        if power != 1.0:
            v = v ** power
        if v != 0.0:
            for i in range(d):
                out[i] += phi[s, a, n, i] * v


@njit(cache=True)
def clip01(x):
    return 0.0 if x < 0.0 else (1.0 if x > 1.0 else x)


# ----------------------------------------------------------------------------- oracle pass


@njit(cache=True)
def _acc_norm(phiLt, s, a, V):
    """``|| sum_n phiLt[s, a, :, n] V[n] ||_2`` = ``||psi_V(s, a)||_{L L^T}`` when
    ``phiLt[s, a, i, n] = (phi @ L)[s, a, n, i]`` (transposed so the inner sum is contiguous;
    the summation order, n ascending for each i, is that of the (S, A, S, d) layout)."""
    d = phiLt.shape[2]
    S = phiLt.shape[3]
    acc = 0.0
    for i in range(d):
        x = 0.0
        for n in range(S):
            x += phiLt[s, a, i, n] * V[n]
        acc += x * x
    return math.sqrt(acc)


@njit(cache=True)
def _acc_dot(Pt, s, a, V):
    acc = 0.0
    for n in range(Pt.shape[2]):
        acc += Pt[s, a, n] * V[n]
    return acc


@njit(cache=True)
def _same(x, y):
    for i in range(x.shape[0]):
        if x[i] != y[i]:
            return False
    return True


@njit(cache=True)
def oracle_pass(phiL_u, phiL_v, Pt, r, beta, s1, pi, V, Vhat, Wraw):
    """One backward-greedy pass of the exploration oracle for one (theta, r) pair.

    Inputs are pre-transformed so that every norm is Euclidean: ``phiL_u``/``phiL_v (S, A, d, S)``
    hold ``phi @ L_u`` / ``phi @ L_v`` (last two axes swapped) with ``L L^T`` the inverse Gram
    matrix of the tilde / hat series (Cholesky), and ``Pt = <phi, theta> (S, A, S)``. For
    h = H..1 it builds the pseudo-value ``V_h(.; theta, pi, r)`` (clipped to [0, 1]) and the
    optimistic trajectory uncertainty

        u_h(s, a)    = min(1, beta * ||psi_{V_{h+1}}(s, a)||_{Ginv_u})
        Qhat_h(s, a) = min(1, u_h + 2 beta ||psi_{Vhat_{h+1}}(s, a)||_{Ginv_v}
                              + <psi_{Vhat_{h+1}}, theta>)

    choosing ``pi_h(s) = argmax_a Qhat_h(s, a)`` given the already fixed later steps. Ties
    (frequent while ``Qhat`` is clipped at 1) are broken by the same recursion *without* the
    two clips at 1: the chosen action still maximises ``Qhat``. Writes ``pi (H, S)``,
    ``V``/``Vhat (H + 1, S)``; ``Wraw (2, S)`` is scratch; returns the unclipped tie-break
    value at ``s1``.

    Exact shortcuts (same floating-point results as the plain recursion): the unclipped value
    of an action is only computed when the action can still win (``q > best - 1e-12``), and
    when the unclipped values of step h+1 equal ``Vhat_{h+1}`` bit for bit (nothing clipped at
    1 later) it reuses the norm and inner product already computed for ``q``.
    """
    H = r.shape[0]
    S = Pt.shape[0]
    A = Pt.shape[1]
    for s in range(S):
        V[H, s] = 0.0
        Vhat[H, s] = 0.0
        Wraw[0, s] = 0.0
        Wraw[1, s] = 0.0
    cur = 0
    tb = 2.0 * beta
    for h in range(H - 1, -1, -1):
        nxt = cur
        cur = 1 - cur
        Vn = V[h + 1]
        Wn = Vhat[h + 1]
        Rn = Wraw[nxt]
        same = _same(Rn, Wn)
        for s in range(S):
            best = -1.0
            best_raw = -1.0e300
            best_a = 0
            best_v = 0.0
            for a in range(A):
                nu = beta * _acc_norm(phiL_u, s, a, Vn)
                u = nu if nu < 1.0 else 1.0
                nv = _acc_norm(phiL_v, s, a, Wn)
                dv = _acc_dot(Pt, s, a, Wn)
                q = clip01(u + tb * nv + dv)
                if q > best - 1e-12:
                    if same:
                        raw = nu + tb * nv + dv
                    else:
                        raw = nu + tb * _acc_norm(phiL_v, s, a, Rn) + _acc_dot(Pt, s, a, Rn)
                    if q > best + 1e-12 or raw > best_raw:
                        best = q if q > best else best
                        best_raw = raw
                        best_a = a
                        best_v = clip01(r[h, s, a] + _acc_dot(Pt, s, a, Vn))
            pi[h, s] = best_a
            Vhat[h, s] = best
            V[h, s] = best_v
            Wraw[cur, s] = best_raw
    return Wraw[cur, s1]


@njit(cache=True)
def evaluate_pass(phiL_u, phiL_v, Pt, r, beta, pi, V, Vhat):
    """``V`` and ``Vhat`` of a *fixed* deterministic policy ``pi (H, S)`` (same recursion as
    ``oracle_pass`` without the argmax)."""
    H = r.shape[0]
    S = Pt.shape[0]
    for s in range(S):
        V[H, s] = 0.0
        Vhat[H, s] = 0.0
    for h in range(H - 1, -1, -1):
        for s in range(S):
            a = pi[h, s]
            nu = beta * _acc_norm(phiL_u, s, a, V[h + 1])
            u = nu if nu < 1.0 else 1.0
            Vhat[h, s] = clip01(u + 2.0 * beta * _acc_norm(phiL_v, s, a, Vhat[h + 1])
                                + _acc_dot(Pt, s, a, Vhat[h + 1]))
            V[h, s] = clip01(r[h, s, a] + _acc_dot(Pt, s, a, V[h + 1]))


@njit(cache=True)
def improve_pass(phiL_u, phiL_v, Pt, r, beta, s1, n_iter, pi, V, Vhat):
    """Local search refining an oracle policy: up to ``n_iter`` sweeps over every (h, s, a)
    single-entry change of ``pi``, each evaluated exactly (``evaluate_pass``) and kept when it
    strictly increases ``Vhat_1(s1)``. (Alternating "freeze u, DP over pi" cannot help: the
    backward-greedy policy is already its fixed point.) Cost per sweep ~ H S A evaluations:
    meant for small instances. ``pi``, ``V``, ``Vhat`` are updated in place."""
    H = r.shape[0]
    S = Pt.shape[0]
    A = Pt.shape[1]
    V2 = np.zeros_like(V)
    W2 = np.zeros_like(Vhat)
    for it in range(n_iter):
        changed = False
        for h in range(H):
            for s in range(S):
                keep = pi[h, s]
                for a in range(A):
                    if a == keep:
                        continue
                    pi[h, s] = a
                    evaluate_pass(phiL_u, phiL_v, Pt, r, beta, pi, V2, W2)
                    if W2[0, s1] > Vhat[0, s1] + 1e-12:
                        keep = a
                        V[:, :] = V2
                        Vhat[:, :] = W2
                        changed = True
                pi[h, s] = keep
        if not changed:
            break


@njit(cache=True)
def oracle_batch(phiL_u, phiL_v, Pts, R, beta, s1, n_iter, values, raws, pis, Vs, Vhats):
    """``oracle_pass`` (then ``improve_pass`` with ``n_iter`` rounds) for every (theta
    candidate c, reward n): ``values[c, n] = Vhat_1(s1)`` and ``raws[c, n]`` the unclipped
    tie-break value of the greedy pass.

    ``Pts (C, S, A, S)`` the candidates' model kernels, ``R (N, H, S, A)``; outputs
    ``values``/``raws (C, N)``, ``pis (C, N, H, S)``, ``Vs``/``Vhats (C, N, H + 1, S)``.
    """
    C = Pts.shape[0]
    N = R.shape[0]
    Wraw = np.zeros((2, Pts.shape[1]))
    for c in range(C):
        for n in range(N):
            raws[c, n] = oracle_pass(phiL_u, phiL_v, Pts[c], R[n], beta, s1, pis[c, n], Vs[c, n],
                                     Vhats[c, n], Wraw)
            if n_iter > 0:
                improve_pass(phiL_u, phiL_v, Pts[c], R[n], beta, s1, n_iter, pis[c, n], Vs[c, n], Vhats[c, n])
            values[c, n] = Vhats[c, n, 0, s1]


# ----------------------------------------------------------------------------- HOME + episode


@njit(cache=True)
def home_weights(feats, thetas, Ginv_run, Ginv_frz, beta, alpha, gamma, sigma2):
    """High-order moment estimator (HOME, Alg. 5): weights ``sigma2 (M,)`` for one series.

    ``feats (M, d)`` are psi_{V^{2^m}}(s, a); ``thetas (M, d)`` the level estimates;
    ``Ginv_run``/``Ginv_frz (M, d, d)`` the running and frozen inverse Gram matrices.
    """
    M = feats.shape[0]
    a2 = alpha * alpha
    g2 = gamma * gamma
    for m in range(M - 1):
        hi = clip01(dot(feats[m + 1], thetas[m + 1]))
        lo = clip01(dot(feats[m], thetas[m]))
        var = hi - lo * lo
        e1 = 2.0 * beta * quad_norm(Ginv_frz[m], feats[m])
        e2 = beta * quad_norm(Ginv_frz[m + 1], feats[m + 1])
        err = (e1 if e1 < 1.0 else 1.0) + (e2 if e2 < 1.0 else 1.0)
        s2 = var + err
        if s2 < a2:
            s2 = a2
        ep = g2 * quad_norm(Ginv_run[m], feats[m])
        if s2 < ep:
            s2 = ep
        sigma2[m] = s2
    top = 1.0
    if top < a2:
        top = a2
    ep = g2 * quad_norm(Ginv_run[M - 1], feats[M - 1])
    if top < ep:
        top = ep
    sigma2[M - 1] = top


@njit(cache=True)
def hf_episode(phi, Pcum, s1, pi, Vser, thetas, Ginv, G, b, Ginv_frz, beta, alpha, gamma,
               unif, states, actions):
    """Roll out ``pi`` once in the true model and update both HF regression series.

    ``Pcum (S, A, S)`` cumulative true kernel (sampling by inverse CDF with ``unif (H,)``);
    ``Vser (2, H + 1, S)`` the two value targets (0 = hat/uncertainty, 1 = tilde/pseudo-value);
    ``thetas (2, M, d)`` fixed during the episode; ``Ginv``/``G`` ``(2, M, d, d)`` and
    ``b (2, M, d)`` updated in place (running matrices); ``Ginv_frz`` frozen at episode start.
    Writes the visited ``states (H + 1,)`` and ``actions (H,)``.
    """
    H = pi.shape[0]
    S = phi.shape[0]
    d = phi.shape[3]
    M = thetas.shape[1]
    feats = np.zeros((M, d))
    sigma2 = np.zeros(M)
    s = s1
    states[0] = s
    for h in range(H):
        a = pi[h, s]
        actions[h] = a
        # inverse-CDF sample of s' ~ P(. | s, a)
        nxt = S - 1
        for n in range(S):
            if unif[h] < Pcum[s, a, n]:
                nxt = n
                break
        states[h + 1] = nxt
        for ser in range(2):
            power = 1.0
            for m in range(M):
                psi_at(phi, s, a, Vser[ser, h + 1], power, feats[m])
                power *= 2.0
            home_weights(feats, thetas[ser], Ginv[ser], Ginv_frz[ser], beta, alpha, gamma, sigma2)
            v = Vser[ser, h + 1, nxt]
            power = 1.0
            for m in range(M):
                sm_update(Ginv[ser, m], G[ser, m], b[ser, m], feats[m], v ** power, 1.0 / sigma2[m])
                power *= 2.0
        s = nxt
    for ser in range(2):
        for m in range(M):
            symmetrize(Ginv[ser, m])


# ----------------------------------------------------------------------------- UCRL-RFE


@njit(cache=True)
def ucrl_max_vertex(phi, Ginv, best_norm, best_vertex):
    """For each (s, a): ``max_{f in {0,1}^S} ||sum_n phi[s,a,n] f_n||_{Ginv}`` by enumeration.

    The maximum of a convex function over the box [0, 1]^S is at a vertex. Writes
    ``best_norm (S, A)`` and ``best_vertex (S, A, S)`` (0/1 floats). Cost 2^S * S * d^2 per
    (s, a): only for small S.
    """
    S = phi.shape[0]
    A = phi.shape[1]
    d = phi.shape[3]
    x = np.zeros(d)
    for s in range(S):
        for a in range(A):
            best = -1.0
            best_mask = 0
            for mask in range(1 << S):
                for i in range(d):
                    x[i] = 0.0
                for n in range(S):
                    if (mask >> n) & 1:
                        for i in range(d):
                            x[i] += phi[s, a, n, i]
                v = quad_norm(Ginv, x)
                if v > best:
                    best = v
                    best_mask = mask
            best_norm[s, a] = best
            for n in range(S):
                best_vertex[s, a, n] = 1.0 if (best_mask >> n) & 1 else 0.0


@njit(cache=True)
def ucrl_plan(phi, theta, Ginv, beta, r, vmax, pi, V):
    """UCRL-RFE's PLAN: optimistic backward induction with the per-step bonus.

    ``Q_h = clip_[0, vmax](r_h + <psi_{V_{h+1}}, theta> + beta ||psi_{V_{h+1}}||_{Ginv})``,
    ``pi_h = argmax_a Q_h``; ``r (H, S, A)``; writes ``pi (H, S)`` and ``V (H + 1, S)``.
    """
    H = r.shape[0]
    S = phi.shape[0]
    A = phi.shape[1]
    d = phi.shape[3]
    psiV = np.zeros(d)
    for s in range(S):
        V[H, s] = 0.0
    for h in range(H - 1, -1, -1):
        for s in range(S):
            best = -1.0e300
            best_a = 0
            for a in range(A):
                psi_at(phi, s, a, V[h + 1], 1.0, psiV)
                q = r[h, s, a] + dot(psiV, theta) + beta * quad_norm(Ginv, psiV)
                if q < 0.0:
                    q = 0.0
                if q > vmax:
                    q = vmax
                if q > best:
                    best = q
                    best_a = a
            pi[h, s] = best_a
            V[h, s] = best


@njit(cache=True)
def ucrl_episode(phi, Pcum, s1, pi, best_vertex, Ginv, G, b, unif, states, actions):
    """Roll out ``pi``; regress on ``u_h = (H - h) * best_vertex(s_h, a_h)`` (unweighted)."""
    H = pi.shape[0]
    S = phi.shape[0]
    d = phi.shape[3]
    x = np.zeros(d)
    s = s1
    states[0] = s
    for h in range(H):
        a = pi[h, s]
        actions[h] = a
        nxt = S - 1
        for n in range(S):
            if unif[h] < Pcum[s, a, n]:
                nxt = n
                break
        states[h + 1] = nxt
        scale = float(H - h - 1)  # f ranges over [0, H - h] with h counted from 1
        psi_at(phi, s, a, best_vertex[s, a], 1.0, x)
        for i in range(d):
            x[i] *= scale
        y = scale * best_vertex[s, a, nxt]
        sm_update(Ginv, G, b, x, y, 1.0)
        s = nxt
    symmetrize(Ginv)


@njit(cache=True)
def uniform_episode(phi, Pcum, s1, H, Ginv, G, b, unif, actions_draw, states):
    """Uniformly random actions; model regression on every indicator target 1{s' = n}.

    For each visited (s, a, s') and each next state n: feature ``phi[s, a, n]`` and target
    ``1{s' = n}`` (its mean is <phi[s, a, n], theta*>), so each step adds S samples.
    """
    S = phi.shape[0]
    s = s1
    states[0] = s
    for h in range(H):
        a = actions_draw[h]
        nxt = S - 1
        for n in range(S):
            if unif[h] < Pcum[s, a, n]:
                nxt = n
                break
        states[h + 1] = nxt
        for n in range(S):
            sm_update(Ginv, G, b, phi[s, a, n], 1.0 if n == nxt else 0.0, 1.0)
        s = nxt
    symmetrize(Ginv)


# ----------------------------------------------------------------------------- confidence set


@njit(cache=True)
def ellipsoid_ratios(thetas, centres, Gs, n, out):
    """``out[i, c] = ||thetas[i] - centres[c]||_{Gs[c]}`` for the first ``n`` constraints.

    ``thetas (m, d)``, ``centres (cap, d)``, ``Gs (cap, d, d)``, ``out (m, cap)`` (only the first
    ``n`` columns are written); the quadratic form is clipped at 0 against round-off.
    """
    d = thetas.shape[1]
    diff = np.zeros(d)
    for i in range(thetas.shape[0]):
        for c in range(n):
            for j in range(d):
                diff[j] = thetas[i, j] - centres[c, j]
            acc = 0.0
            for j in range(d):
                row = 0.0
                for l in range(d):
                    row += Gs[c, j, l] * diff[l]
                acc += row * diff[j]
            out[i, c] = math.sqrt(acc) if acc > 0.0 else 0.0
