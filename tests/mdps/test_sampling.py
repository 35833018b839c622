"""Samplers: exact agreement with a plain NumPy inverse-CDF reference on the same uniforms,
JIT versus the kernels' pure-Python ``py_func``, goodness of fit against P (chi-square at a
fixed seed), and every validation error path."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

import mdps
from mdps import (DiscountedMDP, Episodes, Sampler, TabularMDP, sample_episodes,
                  sample_transitions)
from mdps import _sampling_kernels as K
from mdps.instances import chain, combination_lock, random_mdp
from tests.strategies import linear_mdps, linear_mixture_mdps, policies, seeds, tabular_mdps

#: Family-wise significance of each goodness-of-fit test below. The seed is fixed, so the
#: test is deterministic; 1e-3 is the probability that a correct sampler would have failed
#: for a seed chosen at random (Bonferroni over the individual chi-square tests).
ALPHA = 1e-3


def _raises(exc, prefix):
    return pytest.raises(exc, match="^" + re.escape(prefix))


def _cum(p):
    c = np.cumsum(p, axis=-1)
    return c / c[..., -1:]


def _inverse(c_rows, u):
    """Smallest j with u < c[j], row-wise: the number of entries <= u (c non-decreasing)."""
    return (c_rows <= u[:, None]).sum(axis=1)


def reference_episodes(mdp, pi, n, seed, H=None):
    """Plain NumPy rollout, vectorised over episodes, consuming the documented uniforms."""
    rng = np.random.default_rng(seed)
    if isinstance(mdp, DiscountedMDP):
        P4, r3 = mdp.P[None], mdp.r[None]
    else:
        P4, r3, H = mdp.P4, mdp.r3, mdp.H
    pi = np.asarray(pi)
    det = np.issubdtype(pi.dtype, np.integer)
    pi = pi[None] if pi.ndim == (1 if det else 2) else pi
    Pc, init_c = _cum(P4), _cum(mdp.init)
    u0 = rng.random(n)
    u = rng.random((n, H)) if det else rng.random((n, H, 2))
    states = np.empty((n, H + 1), dtype=np.int64)
    actions = np.empty((n, H), dtype=np.int64)
    rewards = np.empty((n, H))
    s = _inverse(np.broadcast_to(init_c, (n, mdp.S)), u0)
    states[:, 0] = s
    for h in range(H):
        hp, hr, hpi = (h if P4.shape[0] > 1 else 0), (h if r3.shape[0] > 1 else 0), \
            (h if pi.shape[0] > 1 else 0)
        a = pi[hpi, s] if det else _inverse(_cum(pi[hpi])[s], u[:, h, 0])
        rewards[:, h] = r3[hr, s, a]
        s = _inverse(Pc[hp, s, a], u[:, h] if det else u[:, h, 1])
        actions[:, h], states[:, h + 1] = a, s
    return states, actions, rewards


# ---------------------------------------------------------------------------------------------
# exact agreement with the NumPy reference
# ---------------------------------------------------------------------------------------------
@given(st.data(), seeds, st.integers(1, 30))
def test_episodes_equal_numpy_reference(data, seed, n):
    mdp = data.draw(tabular_mdps())
    pi = data.draw(policies(mdp))
    ep = sample_episodes(mdp, pi, n, np.random.default_rng(seed))
    ref = reference_episodes(mdp, pi, n, seed)
    np.testing.assert_array_equal(ep.states, ref[0])
    np.testing.assert_array_equal(ep.actions, ref[1])
    np.testing.assert_array_equal(ep.rewards, ref[2])


@given(st.data(), seeds)
def test_episodes_of_linear_models_equal_their_tabular_form(data, seed):
    m = data.draw(st.one_of(linear_mixture_mdps(), linear_mdps()))
    pi = data.draw(policies(m.to_tabular()))
    a = sample_episodes(m, pi, 7, np.random.default_rng(seed))
    b = sample_episodes(m.to_tabular(), pi, 7, np.random.default_rng(seed))
    np.testing.assert_array_equal(a.states, b.states)
    np.testing.assert_array_equal(a.rewards, b.rewards)


@given(st.data(), seeds, st.integers(1, 20))
def test_transitions_equal_numpy_reference(data, seed, n):
    mdp = data.draw(tabular_mdps())
    h = data.draw(st.integers(0, mdp.H - 1))
    out = sample_transitions(mdp, n, np.random.default_rng(seed), h=h)
    u = np.random.default_rng(seed).random((mdp.S, mdp.A, n))
    c = _cum(mdp.P_at(h))
    ref = np.array([[_inverse(np.broadcast_to(c[s, a], (n, mdp.S)), u[s, a])
                     for a in range(mdp.A)] for s in range(mdp.S)])
    assert out.shape == (mdp.S, mdp.A, n) and out.dtype == np.int64
    np.testing.assert_array_equal(out, ref)


def test_guide_table_edge_cases():
    """The guide table returns the bisection answer at bucket boundaries, for zero-mass
    entries and for mass far below 1/m (the rounding argument of _sampling_kernels)."""
    rows = np.array([
        [0.0, 0.0, 0.3, 0.0, 0.7, 0.0],
        [1e-300, 1e-17, 0.1 - 1e-17, 0.2, 0.0, 0.7],
        [1 / 3, 1 / 3, 1 / 3, 0.0, 0.0, 0.0],
        [0.0, 0.0, 0.0, 0.0, 0.0, 1.0],
        [0.2, 0.2, 0.2, 0.2, 0.1, 0.1],
    ])
    c = _cum(rows)
    m = rows.shape[1]
    G = np.empty(c.shape, dtype=np.int32)
    K.build_guide(c, G)
    k = np.arange(m) / m
    u = np.concatenate([k, np.nextafter(k, -1)[1:], np.nextafter(k, 2), c.ravel(),
                        np.nextafter(c.ravel(), -1), [0.0, 1 - 2**-53, 0.5]])
    u = u[(u >= 0) & (u < 1)]
    out = np.empty((1, c.shape[0], u.size), dtype=np.int64)
    K.generative(c[None], G[None], np.broadcast_to(u, (1, c.shape[0], u.size)).copy(), out)
    for i in range(c.shape[0]):
        np.testing.assert_array_equal(out[0, i], np.searchsorted(c[i], u, side="right"))
        assert np.all(rows[i, out[0, i]] > 0)  # a zero-mass state is never drawn


# ---------------------------------------------------------------------------------------------
# JIT versus pure Python (identical arrays for a fixed seed)
# ---------------------------------------------------------------------------------------------
def _py(kernel):
    if not hasattr(kernel, "py_func"):
        pytest.skip("NUMBA_DISABLE_JIT=1: the kernels already run as plain Python")
    return kernel.py_func


@pytest.mark.parametrize("deterministic", [True, False])
def test_rollout_jit_equals_py_func(deterministic):
    mdp = random_mdp(6, 3, 5, np.random.default_rng(1), alpha=0.3, homogeneous=False)
    sm = Sampler(mdp)
    rng = np.random.default_rng(2)
    n, H = 40, mdp.H
    u0 = rng.random(n)
    if deterministic:
        kernel, pol, u = K.rollout_deterministic, rng.integers(0, 3, (H, 6)), rng.random((n, H))
    else:
        kernel, u = K.rollout_stochastic, rng.random((n, H, 2))
        pol = _cum(rng.dirichlet(np.ones(3), size=(H, 6)))
    outs = []
    for f in (kernel, _py(kernel)):
        arrays = (np.empty((n, H + 1), np.int64), np.empty((n, H), np.int64), np.empty((n, H)))
        f(sm.Pc, sm.G, sm.r3, sm.init_c, pol, u0, u, *arrays)
        outs.append(arrays)
    for jit, py in zip(*outs):
        np.testing.assert_array_equal(jit, py)


def test_generative_and_guide_jit_equal_py_func():
    mdp = random_mdp(7, 2, 3, np.random.default_rng(5), alpha=0.2)
    c = _cum(mdp.P).reshape(-1, 7)
    G_jit, G_py = np.empty(c.shape, np.int32), np.empty(c.shape, np.int32)
    K.build_guide(c, G_jit)
    _py(K.build_guide)(c, G_py)
    np.testing.assert_array_equal(G_jit, G_py)
    u = np.random.default_rng(6).random((7, 2, 50))
    out_jit, out_py = np.empty(u.shape, np.int64), np.empty(u.shape, np.int64)
    Pc, G = c.reshape(7, 2, 7), G_jit.reshape(7, 2, 7)
    K.generative(Pc, G, u, out_jit)
    _py(K.generative)(Pc, G, u, out_py)
    np.testing.assert_array_equal(out_jit, out_py)


# ---------------------------------------------------------------------------------------------
# goodness of fit
# ---------------------------------------------------------------------------------------------
def _mixed_mdp(seed, S, A, H, homogeneous):
    """Dirichlet rows mixed with the uniform law so every expected count below is >= 5."""
    rng = np.random.default_rng(seed)
    lead = () if homogeneous else (H,)
    P = 0.5 * rng.dirichlet(np.ones(S), size=lead + (S, A)) + 0.5 / S
    return TabularMDP(P, rng.random(lead + (S, A)), H, np.full(S, 1.0 / S))


@pytest.mark.statistical
def test_generative_frequencies_match_P():
    mdp = _mixed_mdp(11, S=6, A=3, H=1, homogeneous=True)
    n = 20_000
    draws = sample_transitions(mdp, n, np.random.default_rng(2024))
    pvalues = []
    for s in range(6):
        for a in range(3):
            counts = np.bincount(draws[s, a], minlength=6)
            expected = n * mdp.P[s, a]
            assert expected.min() >= 5  # chi-square approximation valid
            pvalues.append(stats.chisquare(counts, expected).pvalue)
    # Bonferroni over the S * A = 18 rows: family-wise false-alarm probability <= ALPHA
    assert min(pvalues) >= ALPHA / len(pvalues), min(pvalues)


@pytest.mark.statistical
@pytest.mark.parametrize("deterministic", [True, False])
def test_episode_frequencies_match_exact_marginals(deterministic):
    """Counts of (s_h, a_h, s_{h+1}) against the exact law q_h(s, a) P_h(s'|s, a), with
    d_0 = init, q_h = d_h pi_h, d_{h+1} = sum_{s,a} q_h P_h (forward recursion)."""
    S, A, H, n = 4, 2, 3, 20_000
    mdp = _mixed_mdp(12, S, A, H, homogeneous=False)
    rng = np.random.default_rng(99)
    if deterministic:
        pi = rng.integers(0, A, (H, S))
        probs = np.eye(A)[pi]
    else:
        pi = 0.5 * rng.dirichlet(np.ones(A), size=(H, S)) + 0.5 / A
        probs = pi
    ep = sample_episodes(mdp, pi, n, np.random.default_rng(2025))
    d = mdp.init
    pvalues = []
    for h in range(H):
        q = d[:, None] * probs[h]  # (S, A)
        law = q[:, :, None] * mdp.P[h]  # (S, A, S)
        counts = np.zeros((S, A, S))
        np.add.at(counts, (ep.states[:, h], ep.actions[:, h], ep.states[:, h + 1]), 1)
        keep = law > 0  # a deterministic policy leaves some (s, a) cells empty by design
        assert counts[~keep].sum() == 0
        expected = n * law[keep]
        assert expected.min() >= 5
        pvalues.append(stats.chisquare(counts[keep], expected).pvalue)
        np.testing.assert_array_equal(ep.rewards[:, h],
                                      mdp.r[h, ep.states[:, h], ep.actions[:, h]])
        d = law.sum(axis=(0, 1))
    # Bonferroni over the H steps
    assert min(pvalues) >= ALPHA / H, pvalues


@pytest.mark.statistical
def test_episode_mean_return_matches_policy_value():
    # V^pi(init) by exact evaluation vs the sample mean of the returns: returns lie in [0, H]
    # so the standard error is <= H / (2 sqrt(n)); 4.5 standard errors ~ two-sided 7e-6.
    mdp = _mixed_mdp(13, S=5, A=3, H=4, homogeneous=True)
    pi = np.random.default_rng(3).integers(0, 3, (4, 5))
    n = 20_000
    ep = sample_episodes(mdp, pi, n, np.random.default_rng(4))
    V = mdps.evaluate_policy(mdp, pi).V[0] @ mdp.init
    se = ep.returns.std(ddof=1) / np.sqrt(n)
    assert abs(ep.returns.mean() - V) <= 4.5 * se


# ---------------------------------------------------------------------------------------------
# behaviour
# ---------------------------------------------------------------------------------------------
def test_episodes_container_and_reproducibility():
    mdp = random_mdp(5, 3, 6, np.random.default_rng(0))
    pi = np.zeros(5, dtype=np.int64)
    a = sample_episodes(mdp, pi, 9, np.random.default_rng(1))
    b = sample_episodes(Sampler(mdp), pi, 9, np.random.default_rng(1))
    c = sample_episodes(mdp, pi, 9, np.random.default_rng(2))
    assert isinstance(a, Episodes) and (a.n, a.H) == (9, 6)
    assert a.states.shape == (9, 7) and a.actions.shape == (9, 6) and a.rewards.shape == (9, 6)
    assert a.states.dtype == np.int64 and a.actions.dtype == np.int64
    for x in (a.states, a.actions, a.rewards):
        assert not x.flags.writeable
    np.testing.assert_array_equal(a.states, b.states)
    assert not np.array_equal(a.states, c.states)
    np.testing.assert_allclose(a.returns, a.rewards.sum(axis=1))
    assert np.all(a.actions == 0) and np.all(a.states[:, 0] == 0)


def test_deterministic_dynamics_are_followed_exactly():
    # the combination lock played with its key: 0, 1, ..., g, g, ...; zero-mass states never hit
    lock = combination_lock(5, 3, 7)
    pi = np.array([1, 2, 0, 1, 0])  # key[s] = (s + 1) mod 3, anything at the goal
    ep = sample_episodes(lock, pi, 50, np.random.default_rng(0))
    np.testing.assert_array_equal(ep.states, np.broadcast_to([0, 1, 2, 3, 4, 4, 4, 4], (50, 8)))
    assert np.all(ep.returns == 7 - 4)
    # the always-RIGHT policy on the chain walks to the end and stays
    ep2 = sample_episodes(chain(4, 6), np.ones(4, dtype=np.int64), 3, np.random.default_rng(0))
    np.testing.assert_array_equal(ep2.states[0], [0, 1, 2, 3, 3, 3, 3])


def test_discounted_model_needs_an_episode_length():
    d = mdps.instances.random_discounted_mdp(4, 2, 0.9, np.random.default_rng(0))
    ep = sample_episodes(d, np.ones((4, 2)) / 2, 5, np.random.default_rng(1), H=8)
    assert ep.states.shape == (5, 9)
    ref = reference_episodes(d, np.ones((4, 2)) / 2, 5, 1, H=8)
    np.testing.assert_array_equal(ep.states, ref[0])
    assert sample_transitions(d, 3, np.random.default_rng(0), h=17).shape == (4, 2, 3)


# ---------------------------------------------------------------------------------------------
# errors
# ---------------------------------------------------------------------------------------------
MDP = random_mdp(3, 2, 4, np.random.default_rng(0))
MDP_STEPS = random_mdp(3, 2, 4, np.random.default_rng(0), homogeneous=False)
DISC = mdps.instances.random_discounted_mdp(3, 2, 0.9, np.random.default_rng(0))
PI = np.zeros(3, dtype=np.int64)
GEN = np.random.default_rng(0)

SAMPLER_ERRORS = {
    "n-min": (lambda: sample_episodes(MDP, PI, 0, GEN), ValueError, "n: expected an integer >= 1"),
    "n-type": (lambda: sample_episodes(MDP, PI, 2.0, GEN), TypeError, "n: expected an integer"),
    "rng-type": (lambda: sample_episodes(MDP, PI, 2, 0), TypeError,
                 "rng: expected a numpy.random.Generator"),
    "mdp-type": (lambda: sample_episodes(np.ones((3, 2, 3)), PI, 2, GEN), TypeError,
                 "mdp: expected a TabularMDP, DiscountedMDP, or a model with .to_tabular()"),
    "pi-int-shape": (lambda: sample_episodes(MDP, np.zeros((3, 3), np.int64), 2, GEN),
                     ValueError, "pi: expected an integer array (S,) or (H, S)"),
    "pi-int-negative": (lambda: sample_episodes(MDP, np.array([0, -1, 0]), 2, GEN), ValueError,
                        "pi: expected actions in [0, A) = [0, 2); got action -1"),
    "pi-int-large": (lambda: sample_episodes(MDP, np.array([0, 2, 0]), 2, GEN), ValueError,
                     "pi: expected actions in [0, A) = [0, 2); got action 2"),
    "pi-float-ndim": (lambda: sample_episodes(MDP, np.zeros(3), 2, GEN), ValueError,
                      "pi: expected a 2 or 3-dimensional array"),
    "pi-float-shape": (lambda: sample_episodes(MDP, np.ones((3, 3)) / 3, 2, GEN), ValueError,
                       "pi: expected an integer array (S,) or (H, S)"),
    "pi-float-steps": (lambda: sample_episodes(MDP, np.ones((5, 3, 2)) / 2, 2, GEN), ValueError,
                       "pi: expected an integer array (S,) or (H, S)"),
    "pi-simplex": (lambda: sample_episodes(MDP, np.ones((3, 2)), 2, GEN), ValueError,
                   "pi: expected entries along the last axis summing to 1"),
    "pi-negative": (lambda: sample_episodes(MDP, np.array([[1.5, -0.5]] * 3), 2, GEN), ValueError,
                    "pi: expected non-negative entries"),
    "pi-finite": (lambda: sample_episodes(MDP, np.full((3, 2), np.nan), 2, GEN), ValueError,
                  "pi: expected finite entries"),
    "pi-dtype": (lambda: sample_episodes(MDP, np.array(["a", "b", "c"]), 2, GEN), ValueError,
                 "pi: expected an integer array (S,) or (H, S)"),
    "H-discounted": (lambda: sample_episodes(DISC, PI, 2, GEN), ValueError,
                     "H: expected an episode length for a discounted model"),
    "H-discounted-min": (lambda: sample_episodes(DISC, PI, 2, GEN, H=0), ValueError,
                         "H: expected an integer >= 1"),
    "H-mismatch": (lambda: sample_episodes(MDP, PI, 2, GEN, H=5), ValueError,
                   "H: expected the model's horizon H = 4 (or None)"),
    "H-type": (lambda: sample_episodes(MDP, PI, 2, GEN, H="4"), TypeError,
               "H: expected an integer"),
    "tr-n": (lambda: sample_transitions(MDP, 0, GEN), ValueError, "n: expected an integer >= 1"),
    "tr-rng": (lambda: sample_transitions(MDP, 2, None), TypeError,
               "rng: expected a numpy.random.Generator"),
    "tr-h-missing": (lambda: sample_transitions(MDP_STEPS, 2, GEN), ValueError,
                     "h: expected a step index in [0, H) = [0, 4) for a per-step kernel"),
    "tr-h-steps": (lambda: sample_transitions(MDP_STEPS, 2, GEN, h=4), ValueError,
                   "h: expected an integer <= 3"),
    "tr-h-homogeneous": (lambda: sample_transitions(MDP, 2, GEN, h=-1), ValueError,
                         "h: expected an integer >= 0"),
    "tr-h-horizon": (lambda: sample_transitions(MDP, 2, GEN, h=4), ValueError,
                     "h: expected an integer <= 3"),
}


@pytest.mark.parametrize("case", list(SAMPLER_ERRORS), ids=list(SAMPLER_ERRORS))
def test_sampler_errors(case):
    call, exc, prefix = SAMPLER_ERRORS[case]
    with _raises(exc, prefix):
        call()
