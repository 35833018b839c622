"""The MDP API gaps of issue 15, each closed with a test against an independent reference:
terminal values, per-step vs batched rewards, a discount in TabularMDP, infeasible actions,
policy iteration's values at max_iter, value iteration's round-off guard and fixed sweeps,
v_init, relative value iteration (average reward), and the public validation helpers."""

from __future__ import annotations

import itertools
import re
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import mdps
from mdps.validation import check_rng

from ..strategies import seeds


def m(text):
    return re.escape(text)


def random_fh(seed, S=4, A=3, H=5, gamma=1.0, per_step=False):
    rng = np.random.default_rng(seed)
    P = rng.dirichlet(np.ones(S), size=(S, A))
    r = rng.uniform(size=(H, S, A) if per_step else (S, A))
    return mdps.TabularMDP(P, r, H, gamma=gamma), rng


def np_backward(P, r3, H, gamma=1.0, terminal=None, probs=None):
    """Plain NumPy reference: Q_h = r_h + gamma P V_{h+1}, V_H = terminal."""
    S, A = P.shape[:2]
    V = np.zeros((H + 1, S))
    if terminal is not None:
        V[H] = terminal
    Q = np.zeros((H, S, A))
    for h in range(H - 1, -1, -1):
        Q[h] = r3[h if len(r3) > 1 else 0] + gamma * (P @ V[h + 1])
        V[h] = Q[h].max(axis=1) if probs is None else (probs * Q[h]).sum(axis=1)
    return V, Q


# -- terminal values ---------------------------------------------------------------------------

@given(seed=seeds, gamma=st.sampled_from([1.0, 0.9, 0.0]))
def test_terminal_values_and_discount_match_numpy(seed, gamma):
    mdp, rng = random_fh(seed, gamma=gamma)
    term = rng.normal(size=mdp.S)
    sol = mdps.backward_induction(mdp, terminal=term)
    V, Q = np_backward(mdp.P, mdp.r[None], mdp.H, gamma, term)
    np.testing.assert_allclose(sol.V, V, rtol=0, atol=1e-12)
    np.testing.assert_allclose(sol.Q, Q, rtol=0, atol=1e-12)
    probs = rng.dirichlet(np.ones(mdp.A), size=mdp.S)
    ev = mdps.evaluate_policy(mdp, probs, terminal=term)
    Ve, _ = np_backward(mdp.P, mdp.r[None], mdp.H, gamma, term, probs)
    np.testing.assert_allclose(ev.V, Ve, rtol=0, atol=1e-12)
    assert mdps.bellman_residual(mdp, mdps.backward_induction(mdp).V) <= 1e-12


def test_batched_terminal_values_shared_and_per_reward():
    mdp, rng = random_fh(1)
    r = rng.uniform(size=(3, mdp.S, mdp.A))
    term = rng.normal(size=(3, mdp.S))
    batch = mdps.backward_induction(mdp, r, batch=True, terminal=term)
    shared = mdps.backward_induction(mdp, r, batch=True, terminal=term[0])
    for k in range(3):
        one = mdps.backward_induction(mdp.with_reward(r[k]), terminal=term[k])
        np.testing.assert_allclose(batch.V[k], one.V, rtol=0, atol=1e-12)
        np.testing.assert_allclose(shared.V[k], mdps.backward_induction(
            mdp.with_reward(r[k]), terminal=term[0]).V, rtol=0, atol=1e-12)
    with pytest.raises(ValueError, match=m("terminal: expected shape (S,) = (4,) or (R, S) = (3, 4)")):
        mdps.backward_induction(mdp, r, batch=True, terminal=np.zeros((2, 4)))
    with pytest.raises(ValueError, match=m("terminal: expected shape (4,); got shape (3,)")):
        mdps.backward_induction(mdp, terminal=np.zeros(3))
    disc = mdps.DiscountedMDP(mdp.P, mdp.r, 0.9)
    with pytest.raises(ValueError, match="terminal: expected None for a discounted MDP"):
        mdps.evaluate_policy(disc, np.zeros(4, int), terminal=np.zeros(4))


def test_discounted_finite_horizon_approaches_the_discounted_solution():
    mdp, _ = random_fh(2, gamma=0.8, H=80)
    vi = mdps.value_iteration(mdps.DiscountedMDP(mdp.P, mdp.r, 0.8), 1e-10)
    # |V_0^H - V*| <= gamma^H max|r| / (1 - gamma) (+ VI's eps/2)
    assert np.abs(mdps.backward_induction(mdp).V[0] - vi.V).max() <= 0.8**80 * 1.0 / 0.2 + 1e-9
    with pytest.raises(ValueError, match=m("gamma: expected a value in [0, 1]; got 1.5")):
        mdps.TabularMDP(mdp.P, mdp.r, 3, gamma=1.5)
    with pytest.raises(ValueError, match="mdp.gamma: expected 1 for the finite-horizon LP"):
        mdps.solve_lp_finite(mdp)


# -- per-step reward vs batch ------------------------------------------------------------------

def test_three_dimensional_reward_needs_an_explicit_batch():
    mdp, rng = random_fh(3)
    r = rng.uniform(size=(mdp.H, mdp.S, mdp.A))  # (H, S, A): ambiguous with R = H
    with pytest.raises(ValueError, match=m("batch: expected batch=True (r of shape (R, S, A): R "
                                           "stationary rewards) or batch=False")):
        mdps.backward_induction(mdp, r)
    with pytest.raises(ValueError, match="batch: expected batch=True"):
        mdps.evaluate_policy(mdp, np.zeros(mdp.S, int), r)
    per_step = mdps.backward_induction(mdp, r, batch=False)
    assert not per_step.batched and per_step.V.shape == (mdp.H + 1, mdp.S)
    np.testing.assert_allclose(per_step.V, np_backward(mdp.P, r, mdp.H)[0], rtol=0, atol=1e-12)
    np.testing.assert_array_equal(per_step.V, mdps.backward_induction(mdp.with_reward(r)).V)
    as_batch = mdps.backward_induction(mdp, r, batch=True)
    assert as_batch.batched and as_batch.V.shape == (mdp.H, mdp.H + 1, mdp.S)
    with pytest.raises(ValueError, match=m("r: expected one reward (S, A) or (H, S, A) with batch=False")):
        mdps.backward_induction(mdp, r[None], batch=False)
    with pytest.raises(ValueError, match=m("r: expected shape (H, S, A) = (5, 4, 3) for one per-step")):
        mdps.backward_induction(mdp, r[:2], batch=False)
    with pytest.raises(ValueError, match="r: expected a batch of shape"):
        mdps.backward_induction(mdp, r[0], batch=True)
    with pytest.raises(TypeError, match="batch: expected None, True or False"):
        mdps.backward_induction(mdp, r, batch="yes")


# -- infeasible actions ------------------------------------------------------------------------

def _masked(seed, S=5, A=3):
    rng = np.random.default_rng(seed)
    P = rng.dirichlet(np.ones(S), size=(S, A))
    r = rng.uniform(size=(S, A))
    mask = rng.random((S, A)) < 0.4
    mask[np.arange(S), rng.integers(A, size=S)] = False  # one feasible action per state
    return P, np.where(mask, -np.inf, r), np.where(mask, -1e6, r), mask


@given(seed=seeds)
@settings(max_examples=20)
def test_infeasible_actions_are_never_chosen(seed):
    """Reference: the same model with the infeasible actions' reward -1e6 (finite), which no
    optimal policy takes on these instances (rewards in [0, 1], horizon/discount small)."""
    P, r_inf, r_big, mask = _masked(seed)
    fin, ref = mdps.TabularMDP(P, r_inf, 6), mdps.TabularMDP(P, r_big, 6)
    a, b = mdps.backward_induction(fin), mdps.backward_induction(ref)
    np.testing.assert_allclose(a.V, b.V, rtol=0, atol=1e-9)
    assert not np.any(mask[np.arange(5)[None, :].repeat(6, 0), a.pi])
    disc, dref = mdps.DiscountedMDP(P, r_inf, 0.9), mdps.DiscountedMDP(P, r_big, 0.9)
    exact = mdps.policy_iteration(dref).V  # the finite reference, solved exactly
    for s1 in (mdps.value_iteration(disc, 1e-9), mdps.policy_iteration(disc)):
        np.testing.assert_allclose(s1.V, exact, rtol=0, atol=1e-8)
        assert not np.any(mask[np.arange(5), s1.pi])
    ev = mdps.evaluate_policy(disc, a.pi[0])
    assert np.all(np.isfinite(ev.V))
    probs = np.where(mask, 0.0, 1.0)
    probs /= probs.sum(axis=1, keepdims=True)  # stochastic, zero on the infeasible actions
    np.testing.assert_allclose(mdps.evaluate_policy(fin, probs).V,
                               mdps.evaluate_policy(ref, probs).V, rtol=0, atol=1e-9)
    np.testing.assert_allclose(mdps.evaluate_policy(disc, probs).V,
                               mdps.evaluate_policy(dref, probs).V, rtol=0, atol=1e-9)
    rb = np.stack([r_inf, r_inf])
    np.testing.assert_allclose(mdps.evaluate_policy(fin, probs, rb, batch=True).V[1],
                               mdps.evaluate_policy(ref, probs).V, rtol=0, atol=1e-9)


def test_infeasible_action_errors():
    P, r_inf, _, mask = _masked(0)
    s, a = map(int, np.argwhere(mask)[0])
    pi = np.zeros(5, int)
    pi[s] = a
    with pytest.raises(ValueError, match="pi: expected zero probability on infeasible actions"):
        mdps.evaluate_policy(mdps.DiscountedMDP(P, r_inf, 0.9), pi)
    with pytest.raises(ValueError, match="pi: expected zero probability on infeasible actions"):
        mdps.evaluate_policy(mdps.TabularMDP(P, r_inf, 3), pi)
    dead = r_inf.copy()
    dead[2] = -np.inf
    with pytest.raises(ValueError, match="r: expected at least one feasible action"):
        mdps.DiscountedMDP(P, dead, 0.9)
    with pytest.raises(ValueError, match="r: expected at least one feasible action"):
        mdps.backward_induction(mdps.TabularMDP(P, r_inf, 3), dead)
    with pytest.raises(ValueError, match="mdp.r: expected finite rewards for the occupancy LP"):
        mdps.solve_lp(mdps.DiscountedMDP(P, r_inf, 0.9))
    with pytest.raises(ValueError, match=m("r: expected finite entries or -inf")):
        mdps.DiscountedMDP(P, np.where(mask, np.inf, 0.0), 0.9)


# -- policy iteration, value iteration ---------------------------------------------------------

def test_policy_iteration_at_max_iter_returns_the_values_of_its_policy():
    rng = np.random.default_rng(4)
    mdp = mdps.DiscountedMDP(rng.dirichlet(np.ones(30), size=(30, 4)), rng.uniform(size=(30, 4)), 0.99)
    with pytest.warns(mdps.ConvergenceWarning):
        sol = mdps.policy_iteration(mdp, max_iter=1)
    exact = mdps.evaluate_policy(mdp, sol.pi)
    np.testing.assert_allclose(sol.V, exact.V, rtol=0, atol=1e-10)
    np.testing.assert_allclose(sol.Q, exact.Q, rtol=0, atol=1e-10)
    full = mdps.policy_iteration(mdp)
    warm = mdps.policy_iteration(mdp, v_init=full.V)  # greedy w.r.t. V* is optimal
    assert warm.iterations == 1 and np.array_equal(warm.pi, full.pi)
    with pytest.raises(ValueError, match="v_init: expected None when pi0 is given"):
        mdps.policy_iteration(mdp, pi0=full.pi, v_init=full.V)
    with pytest.raises(ValueError, match=m("v_init: expected shape (S,) = (30,)")):
        mdps.policy_iteration(mdp, v_init=np.zeros(3))


def test_value_iteration_fixed_sweeps_match_numpy():
    rng = np.random.default_rng(5)
    mdp = mdps.DiscountedMDP(rng.dirichlet(np.ones(6), size=(6, 2)), rng.uniform(size=(6, 2)), 0.9)
    V0 = rng.normal(size=6)
    sol = mdps.value_iteration(mdp, n_sweeps=7, V0=V0)
    V = V0.copy()
    for _ in range(7):
        V = (mdp.r + 0.9 * mdp.P @ V).max(axis=1)
    np.testing.assert_allclose(sol.V, V, rtol=0, atol=1e-12)
    assert sol.iterations == 7 and not sol.converged
    with pytest.raises(ValueError, match="eps: expected None when n_sweeps is given"):
        mdps.value_iteration(mdp, 1e-6, n_sweeps=3)
    with pytest.raises(ValueError, match="eps: expected a positive accuracy"):
        mdps.value_iteration(mdp)


def test_value_iteration_round_off_guard():
    """At gamma = 0.999, eps = 1e-8 the stopping threshold is ~20 ulp of |V|: the documented
    ||V - V*|| < eps/2 is no longer certified, so the call warns; at a safe eps it does not,
    and the guarantee holds against the exact V* of policy iteration."""
    rng = np.random.default_rng(6)
    mdp = mdps.DiscountedMDP(rng.dirichlet(np.ones(8), size=(8, 3)), rng.uniform(size=(8, 3)), 0.999)
    with pytest.warns(mdps.RoundoffWarning, match="float64 rounding may break the guarantee"):
        mdps.value_iteration(mdp, 1e-8)
    exact = mdps.policy_iteration(mdp).V
    with warnings.catch_warnings():
        warnings.simplefilter("error", mdps.RoundoffWarning)
        sol = mdps.value_iteration(mdp, 1e-3)  # above the eps >= 2.3e-4 the warning names
    assert np.abs(sol.V - exact).max() < 1e-3 / 2


# -- average reward ----------------------------------------------------------------------------

def _gain(P, r, pi):
    """Exact gain of a deterministic policy on an ergodic chain: stationary distribution."""
    S = P.shape[0]
    Ppi = P[np.arange(S), pi]
    A_ = np.vstack([Ppi.T - np.eye(S), np.ones(S)])
    mu = np.linalg.lstsq(A_, np.r_[np.zeros(S), 1.0], rcond=None)[0]
    return float(mu @ r[np.arange(S), pi])


@given(seed=seeds)
@settings(max_examples=15)
def test_relative_value_iteration_against_enumeration(seed):
    rng = np.random.default_rng(seed)
    S, A = 3, 2
    P = rng.dirichlet(np.ones(S), size=(S, A))  # dense: every policy ergodic (unichain)
    r = rng.uniform(size=(S, A))
    sol = mdps.relative_value_iteration(mdps.DiscountedMDP(P, r, 0.5), 1e-10)
    best = max(_gain(P, r, np.array(pi)) for pi in itertools.product(range(A), repeat=S))
    assert sol.converged and abs(sol.gain - best) <= 1e-9
    assert sol.gain_bounds[0] - 1e-12 <= best <= sol.gain_bounds[1] + 1e-12
    assert _gain(P, r, sol.pi) >= best - 1e-9
    # bias solves the average-reward optimality equation g + h = max_a (r + P h)
    resid = sol.gain + sol.bias - (r + P @ sol.bias).max(axis=1)
    assert np.abs(resid).max() <= 1e-8 and sol.bias[0] == 0.0


def test_relative_value_iteration_on_a_periodic_chain():
    # two states that swap deterministically (period 2): plain RVI oscillates, the
    # aperiodicity transformation converges; gain = mean of the two rewards
    P = np.array([[[0.0, 1.0]], [[1.0, 0.0]]])
    r = np.array([[1.0], [0.0]])
    sol = mdps.relative_value_iteration(mdps.TabularMDP(P, r, 1), 1e-12)
    assert sol.converged and sol.gain == pytest.approx(0.5, abs=1e-12)
    with pytest.raises(ValueError, match="mdp: expected a homogeneous TabularMDP with a stationary reward"):
        mdps.relative_value_iteration(mdps.TabularMDP(P, np.zeros((2, 2, 1)), 2), 1e-6)
    with pytest.raises(ValueError, match="ref: expected a state index below S = 2"):
        mdps.relative_value_iteration(mdps.TabularMDP(P, r, 1), 1e-6, ref=2)


# -- public validation -------------------------------------------------------------------------

def test_public_validation_helpers():
    g = np.random.default_rng(0)
    assert check_rng("rng", g) is g and check_rng("rng", None, allow_none=True) is None
    with pytest.raises(TypeError, match=m("rng: expected a numpy.random.Generator (use numpy.random.default_rng(seed)); got int")):
        check_rng("rng", 3)
    with pytest.raises(TypeError, match="rng: expected a numpy.random.Generator or None; got str"):
        check_rng("rng", "x", allow_none=True)
    from mdps import _validation

    assert mdps.validation.fail is _validation.fail  # one implementation, two names
    with pytest.raises(ValueError, match=m("n: expected an integer >= 1")):
        mdps.validation.check_int("n", 0, minimum=1)
