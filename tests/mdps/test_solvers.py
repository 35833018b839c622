"""Exact solvers: known answers, properties from the Bellman equations, kernels vs NumPy.

Tolerances. Values here are at most H * 3 <= 15 (finite horizon, rewards in [0, 2]) or
1 / (1 - gamma) <= 34 (discounted). The kernels reassociate sums (fast-math), so two
computations of the same value differ by O(S * H) ulps of the value, i.e. <= 1e-13; the
assertions use 1e-10 (the issue's Bellman-residual bound) unless stated otherwise.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import mdps
from mdps import _kernels as K
from tests.strategies import discounted_mdps, policies, seeds, tabular_mdps

TOL = 1e-10


# --------------------------------------------------------------------------------------
# Plain NumPy references (deliberately naive: no kernels, no fast-math)
# --------------------------------------------------------------------------------------
def np_backward_induction(mdp, r=None, probs=None):
    """Backward induction (``probs is None``) or evaluation of ``probs (H, S, A)`` with a
    single reward ``r (H, S, A)`` (default: the model's). Returns V (H+1, S), Q (H, S, A)."""
    S, A, H = mdp.S, mdp.A, mdp.H
    r = np.broadcast_to(mdp.r3 if r is None else r, (H, S, A))
    V = np.zeros((H + 1, S))
    Q = np.zeros((H, S, A))
    for h in reversed(range(H)):
        P = mdp.P_at(h)
        for s in range(S):
            for a in range(A):
                Q[h, s, a] = r[h, s, a] + sum(P[s, a, t] * V[h + 1, t] for t in range(S))
        V[h] = Q[h].max(axis=1) if probs is None else (probs[h] * Q[h]).sum(axis=1)
    return V, Q


def probs_of(pi, mdp):
    """Policy as probabilities (H, S, A) for a finite-horizon model."""
    pi = np.asarray(pi)
    if pi.dtype.kind in "iu":
        pi = np.eye(mdp.A)[pi]
    return np.broadcast_to(pi, (mdp.H, mdp.S, mdp.A))


def assert_greedy(Q, pi, tol=TOL):
    """``pi`` picks a maximiser of ``Q`` (ties may be broken either way by reassociation)."""
    chosen = np.take_along_axis(Q, pi[..., None], axis=-1)[..., 0]
    assert np.all(chosen >= Q.max(axis=-1) - tol)


# --------------------------------------------------------------------------------------
# Known answers
# --------------------------------------------------------------------------------------
def chain(S: int):
    """Deterministic chain: action 0 stays, action 1 moves right (the last state absorbs);
    reward 1 for every decision taken in the last state, 0 elsewhere."""
    P = np.zeros((S, 2, S))
    for s in range(S):
        P[s, 0, s] = 1.0
        P[s, 1, min(s + 1, S - 1)] = 1.0
    r = np.zeros((S, 2))
    r[S - 1] = 1.0
    return P, r


@pytest.mark.parametrize("S,H", [(1, 1), (4, 3), (4, 10), (7, 20)])
def test_chain_finite_horizon_known_answer(S, H):
    # Walk right as fast as possible, then collect 1 per remaining step:
    # V_h(s) = max(0, (H - h) - (S - 1 - s)).
    P, r = chain(S)
    sol = mdps.backward_induction(mdps.TabularMDP(P, r, H))
    h = np.arange(H + 1)[:, None]
    s = np.arange(S)[None, :]
    np.testing.assert_array_equal(sol.V, np.maximum(0, (H - h) - (S - 1 - s)))


@pytest.mark.parametrize("gamma", [0.0, 0.5, 0.9])
def test_chain_discounted_known_answer(gamma):
    # V*(s) = gamma^(S-1-s) / (1 - gamma): reach the last state, then collect 1 forever.
    S = 5
    P, r = chain(S)
    m = mdps.DiscountedMDP(P, r, gamma)
    expected = gamma ** (S - 1 - np.arange(S)) / (1 - gamma)
    np.testing.assert_allclose(mdps.policy_iteration(m).V, expected, rtol=0, atol=TOL)
    eps = 1e-8
    vi = mdps.value_iteration(m, eps)
    assert vi.converged
    assert np.abs(vi.V - expected).max() < eps / 2  # Puterman Thm 6.3.1(b)
    if gamma > 0:  # (at gamma = 0 both actions tie: the reward depends on the state only)
        np.testing.assert_array_equal(vi.pi[: S - 1], 1)  # move right off the last state


def gridworld_4x4(H: int):
    """Sutton & Barto (2018), *Reinforcement Learning: An Introduction*, 2nd ed., Example 4.1
    (p. 76): 4x4 grid, terminal corners 0 and 15, actions up/down/right/left, moves off the
    grid leave the state unchanged, reward -1 on every transition (0 once terminal)."""
    S, A = 16, 4
    P = np.zeros((S, A, S))
    r = np.full((S, A), -1.0)
    moves = [(-1, 0), (1, 0), (0, 1), (0, -1)]
    for s in range(S):
        i, j = divmod(s, 4)
        for a, (di, dj) in enumerate(moves):
            if s in (0, 15):
                P[s, a, s] = 1.0
                r[s, a] = 0.0
                continue
            ni, nj = i + di, j + dj
            t = ni * 4 + nj if (0 <= ni < 4 and 0 <= nj < 4) else s
            P[s, a, t] = 1.0
    return mdps.TabularMDP(P, r, H, init=np.full(S, 1 / S))


# Figure 4.1 (p. 77): iterative policy evaluation of the equiprobable random policy; the
# k-th sweep from v_0 = 0 is the finite-horizon value with H = k, printed to one decimal.
FIG_4_1 = {
    1: [[0.0, -1.0, -1.0, -1.0], [-1.0, -1.0, -1.0, -1.0],
        [-1.0, -1.0, -1.0, -1.0], [-1.0, -1.0, -1.0, 0.0]],
    2: [[0.0, -1.7, -2.0, -2.0], [-1.7, -2.0, -2.0, -2.0],
        [-2.0, -2.0, -2.0, -1.7], [-2.0, -2.0, -1.7, 0.0]],
    3: [[0.0, -2.4, -2.9, -3.0], [-2.4, -2.9, -3.0, -2.9],
        [-2.9, -3.0, -2.9, -2.4], [-3.0, -2.9, -2.4, 0.0]],
    10: [[0.0, -6.1, -8.4, -9.0], [-6.1, -7.7, -8.4, -8.4],
         [-8.4, -8.4, -7.7, -6.1], [-9.0, -8.4, -6.1, 0.0]],
    # k = infinity, printed as integers; H = 2000 is converged far below 1e-6.
    2000: [[0, -14, -20, -22], [-14, -18, -20, -20],
           [-20, -20, -18, -14], [-22, -20, -14, 0]],
}


@pytest.mark.parametrize("k", sorted(FIG_4_1))
def test_sutton_barto_example_4_1(k):
    m = gridworld_4x4(k)
    V = mdps.evaluate_policy(m, np.full((16, 4), 0.25)).V[0].reshape(4, 4)
    # Printed to one decimal: |V - printed| <= 0.05 (+ round-off).
    np.testing.assert_allclose(V, FIG_4_1[k], rtol=0, atol=0.05 + 1e-9)


def test_sutton_barto_example_4_1_optimal():
    # Optimal value: minus the number of steps to the nearest terminal corner.
    m = gridworld_4x4(50)
    i, j = np.divmod(np.arange(16), 4)
    dist = np.minimum(i + j, (3 - i) + (3 - j))
    np.testing.assert_array_equal(mdps.backward_induction(m).V[0], -dist)


def gridworld_5x5(gamma=0.9):
    """Sutton & Barto (2018), 2nd ed., Example 3.5 (p. 60): 5x5 grid; from A = (0, 1) every
    action gives +10 and moves to A' = (4, 1); from B = (0, 3) every action gives +5 and moves
    to B' = (2, 3); moves off the grid give -1 and leave the state unchanged; else 0."""
    S, A = 25, 4
    P = np.zeros((S, A, S))
    r = np.zeros((S, A))
    moves = [(-1, 0), (1, 0), (0, 1), (0, -1)]
    for s in range(S):
        i, j = divmod(s, 5)
        for a, (di, dj) in enumerate(moves):
            if (i, j) == (0, 1):
                P[s, a, 4 * 5 + 1], r[s, a] = 1.0, 10.0
            elif (i, j) == (0, 3):
                P[s, a, 2 * 5 + 3], r[s, a] = 1.0, 5.0
            elif 0 <= i + di < 5 and 0 <= j + dj < 5:
                P[s, a, (i + di) * 5 + (j + dj)] = 1.0
            else:
                P[s, a, s], r[s, a] = 1.0, -1.0
    return mdps.DiscountedMDP(P, r, gamma)


# Figure 3.2 (p. 60): v_pi of the equiprobable random policy; Figure 3.5 (p. 65): v*.
FIG_3_2 = [[3.3, 8.8, 4.4, 5.3, 1.5], [1.5, 3.0, 2.3, 1.9, 0.5], [0.1, 0.7, 0.7, 0.4, -0.4],
           [-1.0, -0.4, -0.4, -0.6, -1.2], [-1.9, -1.3, -1.2, -1.4, -2.0]]
FIG_3_5 = [[22.0, 24.4, 22.0, 19.4, 17.5], [19.8, 22.0, 19.8, 17.8, 16.0],
           [17.8, 19.8, 17.8, 16.0, 14.4], [16.0, 17.8, 16.0, 14.4, 13.0],
           [14.4, 16.0, 14.4, 13.0, 11.7]]


def test_sutton_barto_example_3_5():
    m = gridworld_5x5()
    V_rand = mdps.evaluate_policy(m, np.full((25, 4), 0.25)).V.reshape(5, 5)
    np.testing.assert_allclose(V_rand, FIG_3_2, rtol=0, atol=0.05 + 1e-9)  # one decimal
    V_star = mdps.policy_iteration(m).V
    np.testing.assert_allclose(V_star.reshape(5, 5), FIG_3_5, rtol=0, atol=0.05 + 1e-9)
    vi = mdps.value_iteration(m, 1e-3)
    assert np.abs(vi.V - V_star).max() < 1e-3 / 2


# --------------------------------------------------------------------------------------
# Finite horizon: properties over random models
# --------------------------------------------------------------------------------------
@given(tabular_mdps())
def test_backward_induction_bellman_residual(mdp):
    sol = mdps.backward_induction(mdp)
    assert mdps.bellman_residual(mdp, sol.V) <= TOL
    assert sol.V.shape == (mdp.H + 1, mdp.S) and sol.Q.shape == (mdp.H, mdp.S, mdp.A)
    assert sol.pi.shape == (mdp.H, mdp.S) and not sol.batched
    assert_greedy(sol.Q, sol.pi)
    np.testing.assert_allclose(sol.V[:-1], sol.Q.max(axis=-1), rtol=0, atol=0)


@settings(max_examples=20)  # the parallel kernels pay a fork/join per step
@given(tabular_mdps())
def test_kernels_equal_numpy_reference(mdp):
    V_ref, Q_ref = np_backward_induction(mdp)
    for kern in (K.finite_horizon_serial, K.finite_horizon_parallel):
        V = np.zeros((mdp.H + 1, mdp.S))
        Q = np.empty((mdp.H, mdp.S, mdp.A))
        pi = np.zeros((mdp.H, mdp.S), np.int64)
        kern(mdp.P4, mdp.r3, np.zeros((1, 1, 1)), True, 1.0, V, Q, pi)
        np.testing.assert_allclose(V, V_ref, rtol=0, atol=TOL)
        np.testing.assert_allclose(Q, Q_ref, rtol=0, atol=TOL)
        assert_greedy(Q_ref, pi)


@settings(max_examples=20)  # the parallel kernels pay a fork/join per step
@given(st.data())
def test_batch_kernels_equal_numpy_reference(data):
    mdp = data.draw(tabular_mdps())
    R = data.draw(st.integers(1, 4))
    rng = np.random.default_rng(data.draw(seeds))
    r = rng.uniform(size=(R, mdp.H, mdp.S, mdp.A))
    probs = probs_of(data.draw(policies(mdp)), mdp)
    rT = np.ascontiguousarray(np.moveaxis(r, 0, -1))
    for kern in (K.finite_horizon_batch_serial, K.finite_horizon_batch_parallel):
        for optimal in (True, False):
            V = np.zeros((R, mdp.H + 1, mdp.S))
            Q = np.empty((R, mdp.H, mdp.S, mdp.A))
            pi = np.zeros((R, mdp.H, mdp.S), np.int64)
            kern(mdp.P4, rT, np.ascontiguousarray(probs), optimal, 1.0, V, Q, pi)
            for k in range(R):
                V_ref, Q_ref = np_backward_induction(mdp, r[k], None if optimal else probs)
                np.testing.assert_allclose(V[k], V_ref, rtol=0, atol=TOL)
                np.testing.assert_allclose(Q[k], Q_ref, rtol=0, atol=TOL)
                if optimal:
                    assert_greedy(Q_ref, pi[k])


@given(st.data())
def test_batched_solve_equals_per_reward_loop(data):
    mdp = data.draw(tabular_mdps())
    R = data.draw(st.integers(1, 5))
    step = data.draw(st.booleans())
    rng = np.random.default_rng(data.draw(seeds))
    r = rng.uniform(size=(R, mdp.H, mdp.S, mdp.A) if step else (R, mdp.S, mdp.A))
    batch = mdps.backward_induction(mdp, r, batch=True)
    assert batch.batched
    assert batch.V.shape == (R, mdp.H + 1, mdp.S)
    assert batch.Q.shape == (R, mdp.H, mdp.S, mdp.A) and batch.pi.shape == (R, mdp.H, mdp.S)
    for k in range(R):
        one = mdps.backward_induction(mdp.with_reward(r[k]))
        np.testing.assert_allclose(batch.V[k], one.V, rtol=0, atol=TOL)
        np.testing.assert_allclose(batch.Q[k], one.Q, rtol=0, atol=TOL)
        assert_greedy(one.Q, batch.pi[k])
        assert mdps.bellman_residual(mdp.with_reward(r[k]), batch.V[k]) <= TOL
    pi = data.draw(policies(mdp))
    ev = mdps.evaluate_policy(mdp, pi, r, batch=True)
    for k in range(R):
        np.testing.assert_allclose(
            ev.V[k], mdps.evaluate_policy(mdp.with_reward(r[k]), pi).V, rtol=0, atol=TOL)


def test_single_reward_argument_equals_model_reward():
    P, r = chain(4)
    m = mdps.TabularMDP(P, np.zeros((4, 2)), 6)
    np.testing.assert_array_equal(mdps.backward_induction(m, r).V,
                                  mdps.backward_induction(m.with_reward(r)).V)


@given(st.data())
def test_optimal_dominates_every_policy(data):
    mdp = data.draw(tabular_mdps())
    pi = data.draw(policies(mdp))
    V_star = mdps.backward_induction(mdp).V
    V_pi = mdps.evaluate_policy(mdp, pi).V
    assert np.all(V_star >= V_pi - TOL)
    assert mdps.policy_gap(mdp, pi) >= -TOL


@given(st.data())
def test_evaluate_policy_equals_numpy_reference(data):
    mdp = data.draw(tabular_mdps())
    pi = data.draw(policies(mdp))
    ev = mdps.evaluate_policy(mdp, pi)
    V_ref, Q_ref = np_backward_induction(mdp, probs=probs_of(pi, mdp))
    np.testing.assert_allclose(ev.V, V_ref, rtol=0, atol=TOL)
    np.testing.assert_allclose(ev.Q, Q_ref, rtol=0, atol=TOL)


@given(tabular_mdps())
def test_greedy_policy_is_optimal(mdp):
    # Evaluating the greedy policy reproduces V* (certifies pi, not only V).
    sol = mdps.backward_induction(mdp)
    np.testing.assert_allclose(mdps.evaluate_policy(mdp, sol.pi).V, sol.V, rtol=0, atol=TOL)
    assert abs(mdps.policy_gap(mdp, sol.pi)) <= TOL


@given(st.data())
def test_occupancy_is_a_flow_and_gives_the_value(data):
    mdp = data.draw(tabular_mdps())
    pi = data.draw(policies(mdp))
    d = mdps.occupancy(mdp, pi)
    assert d.shape == (mdp.H, mdp.S, mdp.A)
    assert d.min() >= 0
    np.testing.assert_allclose(d.sum(axis=(1, 2)), 1.0, rtol=0, atol=1e-12)  # H matvecs
    assert mdps.occupancy_flow_residual(mdp, d) <= 1e-12
    V_pi = mdps.evaluate_policy(mdp, pi).V
    r = np.broadcast_to(mdp.r3, (mdp.H, mdp.S, mdp.A))
    assert abs(mdp.init @ V_pi[0] - (d * r).sum()) <= TOL


# --------------------------------------------------------------------------------------
# Discounted
# --------------------------------------------------------------------------------------
@given(st.data())
def test_discounted_evaluation_solves_bellman_equation(data):
    mdp = data.draw(discounted_mdps())
    pi = data.draw(policies(mdp))
    ev = mdps.evaluate_policy(mdp, pi)
    probs = np.eye(mdp.A)[pi] if np.asarray(pi).dtype.kind in "iu" else pi
    assert ev.V.shape == (mdp.S,) and ev.Q.shape == (mdp.S, mdp.A)
    np.testing.assert_allclose(ev.Q, mdp.r + mdp.gamma * mdp.P @ ev.V, rtol=0, atol=TOL)
    np.testing.assert_allclose(ev.V, (probs * ev.Q).sum(axis=1), rtol=0, atol=TOL)


@given(st.data())
def test_discounted_batch_evaluation(data):
    mdp = data.draw(discounted_mdps())
    pi = data.draw(policies(mdp))
    r = np.random.default_rng(data.draw(seeds)).uniform(size=(3, mdp.S, mdp.A))
    ev = mdps.evaluate_policy(mdp, pi, r)
    assert ev.batched and ev.V.shape == (3, mdp.S) and ev.Q.shape == (3, mdp.S, mdp.A)
    for k in range(3):
        one = mdps.evaluate_policy(mdp.with_reward(r[k]), pi)
        np.testing.assert_allclose(ev.V[k], one.V, rtol=0, atol=TOL)
        np.testing.assert_allclose(ev.Q[k], one.Q, rtol=0, atol=TOL)


@given(st.data())
def test_discounted_occupancy(data):
    mdp = data.draw(discounted_mdps())
    pi = data.draw(policies(mdp))
    d = mdps.occupancy(mdp, pi)
    assert d.shape == (mdp.S, mdp.A) and d.min() >= -1e-15
    assert abs(d.sum() - 1.0) <= 1e-12
    assert mdps.occupancy_flow_residual(mdp, d) <= 1e-12
    # (1 - gamma) init . V^pi = sum_{s,a} d(s, a) r(s, a)
    V_pi = mdps.evaluate_policy(mdp, pi).V
    assert abs((1 - mdp.gamma) * mdp.init @ V_pi - (d * mdp.r).sum()) <= TOL


@given(discounted_mdps(), st.sampled_from([1e-1, 1e-3, 1e-6]))
def test_value_iteration_policy_is_eps_optimal(mdp, eps):
    vi = mdps.value_iteration(mdp, eps)
    assert vi.converged and vi.iterations >= 1 and vi.method == "value_iteration"
    # Independent certificate: exact evaluation of the returned policy (Puterman 6.3.1(a)).
    assert mdps.policy_gap(mdp, vi.pi) <= eps
    V_star = mdps.policy_iteration(mdp).V
    assert np.all(V_star - mdps.evaluate_policy(mdp, vi.pi).V <= eps)
    assert np.abs(vi.V - V_star).max() < eps / 2  # Thm 6.3.1(b)
    assert_greedy(vi.Q, vi.pi, tol=0.0)


@given(discounted_mdps())
def test_policy_iteration_is_optimal(mdp):
    pi_sol = mdps.policy_iteration(mdp)
    assert pi_sol.converged and pi_sol.method == "policy_iteration"
    assert mdps.bellman_residual(mdp, pi_sol.V) <= TOL
    # V is the exact value of the returned policy.
    np.testing.assert_allclose(mdps.evaluate_policy(mdp, pi_sol.pi).V, pi_sol.V, rtol=0, atol=TOL)
    # Agrees with value iteration at a tiny eps (||V_VI - V*|| < eps / 2).
    eps = 1e-9
    assert np.abs(mdps.value_iteration(mdp, eps).V - pi_sol.V).max() < eps / 2


@given(discounted_mdps(), seeds)
def test_optimal_dominates_every_policy_discounted(mdp, seed):
    pi = np.random.default_rng(seed).integers(0, mdp.A, size=mdp.S)
    assert np.all(mdps.policy_iteration(mdp).V >= mdps.evaluate_policy(mdp, pi).V - TOL)
    assert mdps.policy_gap(mdp, pi) >= -TOL


def test_value_iteration_gamma_zero_is_one_sweep():
    P, r = chain(3)
    vi = mdps.value_iteration(mdps.DiscountedMDP(P, r + np.array([0.0, 0.5]), 0.0), 1e-6)
    assert vi.converged and vi.iterations == 1
    np.testing.assert_array_equal(vi.V, [0.5, 0.5, 1.5])


def test_value_iteration_warns_when_not_converged():
    P, r = chain(5)
    m = mdps.DiscountedMDP(P, r, 0.9)
    with pytest.warns(mdps.ConvergenceWarning, match="value_iteration: .*max_iter = 2"):
        vi = mdps.value_iteration(m, 1e-6, max_iter=2)
    assert not vi.converged and vi.iterations == 2


def test_policy_iteration_warns_when_not_converged():
    # Immediate reward favours staying (0.1) but moving right reaches reward 1 forever:
    # the initial greedy policy is not optimal, so one evaluation cannot certify stability.
    P, r = chain(5)
    r[:, 0] += 0.1
    m = mdps.DiscountedMDP(P, r, 0.9)
    with pytest.warns(mdps.ConvergenceWarning, match="policy_iteration: .*max_iter = 1"):
        sol = mdps.policy_iteration(m, max_iter=1)
    assert not sol.converged and sol.iterations == 1
    full = mdps.policy_iteration(m)
    assert full.converged and mdps.bellman_residual(m, full.V) <= TOL


def test_results_are_frozen():
    P, r = chain(3)
    sol = mdps.backward_induction(mdps.TabularMDP(P, r, 2))
    with pytest.raises(AttributeError):
        sol.V = None
    with pytest.raises(ValueError):
        sol.V[0, 0] = 1.0


# --------------------------------------------------------------------------------------
# Validation: one test per error path
# --------------------------------------------------------------------------------------
@pytest.fixture
def fh():
    P, r = chain(3)  # S = 3, A = 2
    return mdps.TabularMDP(P, r, 4)


@pytest.fixture
def disc():
    P, r = chain(3)
    return mdps.DiscountedMDP(P, r, 0.9)


def m(text):
    return re.escape(text)


def test_error_model_type():
    with pytest.raises(TypeError, match=m("mdp: expected a TabularMDP; got str")):
        mdps.backward_induction("not a model")


def test_error_discounted_model_type(fh):
    with pytest.raises(TypeError, match=m("mdp: expected a DiscountedMDP; got TabularMDP")):
        mdps.value_iteration(fh, 0.1)


def test_error_pi_integer_shape(fh):
    with pytest.raises(ValueError, match=m("pi: expected integer actions of shape (S,) = (3,) "
                                           "or (H, S) = (4, 3); got shape (2, 3)")):
        mdps.evaluate_policy(fh, np.zeros((2, 3), int))


def test_error_pi_action_range(fh):
    with pytest.raises(ValueError, match=m("pi: expected action indices in [0, 2); got 2 at index (1,)")):
        mdps.evaluate_policy(fh, np.array([0, 2, 1]))


def test_error_pi_negative_action(disc):
    with pytest.raises(ValueError, match=m("pi: expected action indices in [0, 2); got -1 at index (0,)")):
        mdps.occupancy(disc, np.array([-1, 0, 1]))


def test_error_pi_probability_shape(disc):
    with pytest.raises(ValueError, match=m("pi: expected action probabilities of shape (S, A) = (3, 2); got shape (4, 3, 2)")):
        mdps.evaluate_policy(disc, np.full((4, 3, 2), 0.5))


def test_error_pi_not_on_simplex(fh):
    with pytest.raises(ValueError, match=m("pi: expected entries along the last axis summing to 1")):
        mdps.evaluate_policy(fh, np.full((3, 2), 0.6))


def test_error_pi_negative_probability(fh):
    with pytest.raises(ValueError, match=m("pi: expected non-negative entries")):
        mdps.occupancy(fh, np.array([[1.5, -0.5]] * 3))


def test_error_pi_dtype(fh):
    with pytest.raises(TypeError, match=m("pi: expected an integer (deterministic) or float "
                                          "(stochastic) array; got array of dtype bool")):
        mdps.evaluate_policy(fh, np.zeros(3, bool))


def test_error_r_single_shape(fh):
    with pytest.raises(ValueError, match=m("r: expected shape (S, A) = (3, 2) for one reward; got shape (2, 3)")):
        mdps.backward_induction(fh, np.zeros((2, 3)))


def test_error_r_batch_shape(fh):
    with pytest.raises(ValueError, match=m("r: expected a batch of shape (R, S, A) with (S, A) = (3, 2)")):
        mdps.backward_induction(fh, np.zeros((5, 3, 3)), batch=True)


def test_error_r_step_batch_shape(fh):
    with pytest.raises(ValueError, match=m("r: expected a batch of shape (R, H, S, A) with (H, S, A) = (4, 3, 2)")):
        mdps.evaluate_policy(fh, np.zeros(3, int), np.zeros((5, 3, 3, 2)))


def test_error_r_empty_batch(fh):
    with pytest.raises(ValueError, match=m("and R >= 1; got shape (0, 3, 2)")):
        mdps.backward_induction(fh, np.zeros((0, 3, 2)), batch=True)


def test_error_r_ndim(fh):
    with pytest.raises(ValueError, match=m("r: expected a 2 or 3 or 4-dimensional array; got shape (3,)")):
        mdps.backward_induction(fh, np.zeros(3))


def test_error_r_not_finite(fh):
    with pytest.raises(ValueError, match=m("r: expected finite entries or -inf (an infeasible action); got nan at index (0, 1)")):
        mdps.backward_induction(fh, np.array([[0.0, np.nan], [0, 0], [0, 0]]))


def test_error_r_discounted_shape(disc):
    with pytest.raises(ValueError, match=m("r: expected shape (S, A) or (R, S, A) with (S, A) = (3, 2); got shape (3, 3)")):
        mdps.evaluate_policy(disc, np.zeros(3, int), np.zeros((3, 3)))


@pytest.mark.parametrize("eps", [0.0, -1.0])
def test_error_eps_positive(disc, eps):
    with pytest.raises(ValueError, match=m(f"eps: expected a value in (0, inf]; got {eps}")):
        mdps.value_iteration(disc, eps)


def test_error_eps_type(disc):
    with pytest.raises(TypeError, match=m("eps: expected a real number; got '0.1'")):
        mdps.value_iteration(disc, "0.1")


def test_error_max_iter(disc):
    with pytest.raises(ValueError, match=m("max_iter: expected an integer >= 1; got 0")):
        mdps.value_iteration(disc, 0.1, max_iter=0)


def test_error_max_iter_type(disc):
    with pytest.raises(TypeError, match=m("max_iter: expected an integer; got 10.0")):
        mdps.policy_iteration(disc, max_iter=10.0)


def test_error_v0_shape(disc):
    with pytest.raises(ValueError, match=m("V0: expected shape (S,) = (3,); got shape (4,)")):
        mdps.value_iteration(disc, 0.1, V0=np.zeros(4))


def test_error_pi0(disc):
    with pytest.raises(ValueError, match=m("pi0: expected a deterministic policy: integer actions of shape (S,); got shape (3, 2)")):
        mdps.policy_iteration(disc, pi0=np.full((3, 2), 0.5))


def test_error_pi0_action_range(disc):
    # The message names the caller's parameter (pi0), not the internal helper's (pi).
    with pytest.raises(ValueError, match=m("pi0: expected action indices in [0, 2); got 5 at index (1,)")):
        mdps.policy_iteration(disc, pi0=np.array([0, 5, 1]))


@settings(max_examples=20)  # the parallel kernels pay a fork/join per step
@given(st.data())
def test_parallel_flag_does_not_change_results(data):
    mdp = data.draw(tabular_mdps())
    r = None if data.draw(st.booleans()) else np.random.default_rng(
        data.draw(seeds)).uniform(size=(3, mdp.S, mdp.A))
    a = mdps.backward_induction(mdp, r, batch=r is not None, parallel=False)
    b = mdps.backward_induction(mdp, r, batch=r is not None, parallel=True)
    # Same per-state arithmetic in both kernels; only the assignment of states to threads
    # differs.
    np.testing.assert_array_equal(a.V, b.V)
    np.testing.assert_array_equal(a.Q, b.Q)
    np.testing.assert_array_equal(a.pi, b.pi)


def _random_model(S, A, H, seed):
    rng = np.random.default_rng(seed)
    P = rng.dirichlet(np.full(S, 0.3), size=(S, A))
    return mdps.TabularMDP(P, rng.uniform(size=(S, A)), H), rng


@pytest.mark.parametrize("S,A,H,R", [(37, 5, 3, 3), (64, 6, 2, 5)])
def test_parallel_flag_does_not_change_results_at_vectorised_sizes(S, A, H, R):
    # The Hypothesis test above draws S <= 6: the inner loop over s' never reaches the
    # (fast-math reassociated) SIMD body of the compiled kernels, only its scalar tail.
    # Here S spans several vector widths plus a remainder, A covers the 4-action block and
    # its tail, R the 2-reward block and its tail; optimisation and evaluation both.
    mdp, rng = _random_model(S, A, H, S)
    pi = rng.dirichlet(np.ones(A), size=(H, S))
    for r in (None, rng.uniform(size=(R, S, A))):
        for solve in (lambda par: mdps.backward_induction(mdp, r, batch=r is not None, parallel=par),
                      lambda par: mdps.evaluate_policy(mdp, pi, r, batch=r is not None, parallel=par)):
            a, b = solve(False), solve(True)
            np.testing.assert_array_equal(a.V, b.V)  # bit-identical, not merely close
            np.testing.assert_array_equal(a.Q, b.Q)
            if hasattr(a, "pi"):
                np.testing.assert_array_equal(a.pi, b.pi)


@pytest.mark.parametrize("idle", [0.0, 2.0])
def test_automatic_parallel_choice_does_not_change_results(monkeypatch, idle):
    # parallel=None reads the machine's load average (a speed heuristic). Force both of its
    # outcomes (busy / idle machine, work threshold lowered so the heuristic is consulted)
    # and check the results equal the serial kernel's bit for bit.
    from mdps import _solvers

    mdp, rng = _random_model(40, 5, 3, 1)
    r = rng.uniform(size=(3, 40, 5))
    ref = [mdps.backward_induction(mdp, parallel=False),
           mdps.backward_induction(mdp, r, batch=True, parallel=False)]
    monkeypatch.setattr(K, "PARALLEL_MIN_WORK", 0)
    monkeypatch.setattr(_solvers, "_idle_cores", lambda: idle)
    for want, got in zip(ref, [mdps.backward_induction(mdp), mdps.backward_induction(mdp, r, batch=True)]):
        np.testing.assert_array_equal(want.V, got.V)
        np.testing.assert_array_equal(want.Q, got.Q)
        np.testing.assert_array_equal(want.pi, got.pi)


def test_error_parallel_flag(fh):
    with pytest.raises(TypeError, match=m("parallel: expected None, True or False; got 'yes'")):
        mdps.backward_induction(fh, parallel="yes")
