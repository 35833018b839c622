"""The optimised oracle kernel (transposed layout, lazy tie-break values, reuse of the
clipped recursion when nothing is clipped) gives bit-identical outputs to the plain
recursion it replaced; the latter is kept here as a plain-Python reference only."""

import math

import numpy as np
import pytest

from mdps._linear import random_linear_mixture_mdp
from theory.reward_free import oracle, reward_dictionary


def _clip01(x):
    return 0.0 if x < 0.0 else (1.0 if x > 1.0 else x)


def _norm(phiL, s, a, V):
    # summation order of the replaced kernel: for each i, n ascending, layout (S, A, S, d)
    acc = 0.0
    for i in range(phiL.shape[3]):
        x = 0.0
        for n in range(phiL.shape[2]):
            x += phiL[s, a, n, i] * V[n]
        acc += x * x
    return math.sqrt(acc)


def _dot(Pt, s, a, V):
    acc = 0.0
    for n in range(Pt.shape[2]):
        acc += Pt[s, a, n] * V[n]
    return acc


def _old_oracle_pass(phiL_u, phiL_v, Pt, r, beta, s1):
    """The replaced kernel, verbatim in logic (every action's tie-break value computed)."""
    H, S, A = r.shape[0], Pt.shape[0], Pt.shape[1]
    pi = np.zeros((H, S), dtype=np.int64)
    V, Vhat, Wraw = np.zeros((H + 1, S)), np.zeros((H + 1, S)), np.zeros((2, S))
    cur = 0
    for h in range(H - 1, -1, -1):
        nxt, cur = cur, 1 - cur
        for s in range(S):
            best, best_raw, best_a, best_v = -1.0, -1.0e300, 0, 0.0
            for a in range(A):
                nu = beta * _norm(phiL_u, s, a, V[h + 1])
                u = nu if nu < 1.0 else 1.0
                q = _clip01(u + 2.0 * beta * _norm(phiL_v, s, a, Vhat[h + 1]) + _dot(Pt, s, a, Vhat[h + 1]))
                raw = nu + 2.0 * beta * _norm(phiL_v, s, a, Wraw[nxt]) + _dot(Pt, s, a, Wraw[nxt])
                if q > best + 1e-12 or (q > best - 1e-12 and raw > best_raw):
                    best = q if q > best else best
                    best_raw, best_a = raw, a
                    best_v = _clip01(r[h, s, a] + _dot(Pt, s, a, V[h + 1]))
            pi[h, s], Vhat[h, s], V[h, s], Wraw[cur, s] = best_a, best, best_v, best_raw
    return pi, V, Vhat, Wraw[cur, s1]


def _chol(G):
    return np.linalg.cholesky(0.5 * (G + G.T))


# beta spans the saturated regime (Vhat clipped at 1, ties broken by the unclipped values:
# the kernel's slow path) and the unsaturated one (where it reuses the clipped recursion)
@pytest.mark.parametrize("seed,beta,n_data", [(0, 3.0, 5), (1, 0.3, 300), (2, 1.0, 50), (3, 0.05, 2000)])
def test_oracle_bit_identical_to_replaced_kernel(seed, beta, n_data):
    rng = np.random.default_rng(seed)
    S, A, d, H = 4, 3, 3, 6
    mdp = random_linear_mixture_mdp(S, A, d, H, rng)
    R = reward_dictionary(S, A, H)[: 2 * S + 1]
    Gs = []
    for _ in range(2):
        X = rng.normal(size=(n_data, d)) * 0.5
        Gs.append(np.linalg.inv(np.eye(d) + X.T @ X))
    thetas = np.stack([mdp.theta, mdp.theta + 0.05 * rng.normal(size=d)])
    values, raws, pis, Vs, Vh = oracle(mdp.phi, thetas, R, Gs[0], Gs[1], beta)
    phi2 = mdp.phi.reshape(-1, d)
    phiL_u = (phi2 @ _chol(Gs[0])).reshape(mdp.phi.shape)
    phiL_v = (phi2 @ _chol(Gs[1])).reshape(mdp.phi.shape)
    Pts = (phi2 @ thetas.T).T.reshape(2, S, A, S)  # the wrapper's product (same BLAS call)
    for c in range(2):
        Pt = Pts[c]
        for n in range(R.shape[0]):
            pi, V, W, raw = _old_oracle_pass(phiL_u, phiL_v, Pt, R[n], beta, 0)
            # exact equality: the optimisation must not change a single bit
            assert np.array_equal(pis[c, n], pi)
            assert np.array_equal(Vs[c, n], V) and np.array_equal(Vh[c, n], W)
            assert raws[c, n] == raw and values[c, n] == W[0, 0]
