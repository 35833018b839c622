"""Named instances: parameter validation (one case per error path), structure, and known
optimal values (closed forms in mdps/instances.py) against exact solvers."""

from __future__ import annotations

import re

import numpy as np
import pytest

import mdps
from mdps import DiscountedMDP, TabularMDP
from mdps.instances import (LEFT, RIGHT, chain, chain_value, combination_lock,
                            combination_lock_value, random_discounted_mdp, random_mdp,
                            river_swim)


def _raises(exc, prefix):
    return pytest.raises(exc, match="^" + re.escape(prefix))


def _backward_induction(P, r, H):
    """Plain NumPy backward induction for a homogeneous (S, A, S) kernel: V (H+1, S)."""
    V = np.zeros((H + 1, P.shape[0]))
    for h in range(H - 1, -1, -1):
        V[h] = (r + P @ V[h + 1]).max(axis=1)
    return V


def _discounted_values(P, r, gamma, pi):
    """Exact V^pi by a linear solve (S,): (I - gamma P_pi) V = r_pi."""
    S = P.shape[0]
    P_pi = P[np.arange(S), pi]
    return np.linalg.solve(np.eye(S) - gamma * P_pi, r[np.arange(S), pi])


# ---------------------------------------------------------------------------------------------
# errors
# ---------------------------------------------------------------------------------------------
def _rng():
    return np.random.default_rng(0)


INSTANCE_ERRORS = {
    "random_mdp-S": (lambda: random_mdp(0, 2, 3, _rng()), ValueError, "S: expected an integer >= 1"),
    "random_mdp-A": (lambda: random_mdp(2, 0, 3, _rng()), ValueError, "A: expected an integer >= 1"),
    "random_mdp-H": (lambda: random_mdp(2, 2, 0, _rng()), ValueError, "H: expected an integer >= 1"),
    "random_mdp-alpha": (lambda: random_mdp(2, 2, 3, _rng(), alpha=-1.0), ValueError,
                         "alpha: expected a value in (0, inf]"),
    "random_mdp-rng": (lambda: random_mdp(2, 2, 3, 0), TypeError,
                       "rng: expected a numpy.random.Generator"),
    "random_discounted-S": (lambda: random_discounted_mdp(0, 2, 0.9, _rng()), ValueError,
                            "S: expected an integer >= 1"),
    "random_discounted-A": (lambda: random_discounted_mdp(2, 0, 0.9, _rng()), ValueError,
                            "A: expected an integer >= 1"),
    "random_discounted-gamma": (lambda: random_discounted_mdp(2, 2, 1.0, _rng()), ValueError,
                                "gamma: expected a value in [0, 1)"),
    "random_discounted-alpha": (lambda: random_discounted_mdp(2, 2, 0.5, _rng(), alpha=0.0),
                                ValueError, "alpha: expected a value in (0, inf]"),
    "random_discounted-rng": (lambda: random_discounted_mdp(2, 2, 0.5, None), TypeError,
                              "rng: expected a numpy.random.Generator"),
    "river_swim-S": (lambda: river_swim(1), ValueError, "S: expected an integer >= 2"),
    "river_swim-both": (lambda: river_swim(6, 10, gamma=0.9), ValueError,
                        "H: expected exactly one of H (finite horizon) and gamma"),
    "river_swim-neither": (lambda: river_swim(6, None), ValueError,
                           "H: expected exactly one of H (finite horizon) and gamma"),
    "river_swim-H": (lambda: river_swim(6, 0), ValueError, "H: expected an integer >= 1"),
    "river_swim-gamma": (lambda: river_swim(6, None, gamma=1.5), ValueError,
                         "gamma: expected a value in [0, 1)"),
    "river_swim-r_small": (lambda: river_swim(6, r_small=-1.0), ValueError,
                           "r_small: expected a value in [0, inf]"),
    "river_swim-r_large": (lambda: river_swim(6, r_large=float("inf")), ValueError,
                           "r_large: expected a finite real number"),
    "river_swim-init": (lambda: river_swim(6, init=np.ones(5) / 5), ValueError,
                        "init: expected shape (S,) = (6,)"),
    "lock-wrong": (lambda: combination_lock(4, 2, 5, wrong="explode"), ValueError,
                   "wrong: expected 'reset' or 'absorb'"),
    "lock-S-reset": (lambda: combination_lock(1, 2, 5), ValueError,
                     "S: expected an integer >= 2"),
    "lock-S-absorb": (lambda: combination_lock(2, 2, 5, wrong="absorb"), ValueError,
                      "S: expected an integer >= 3"),
    "lock-A": (lambda: combination_lock(4, 0, 5), ValueError, "A: expected an integer >= 1"),
    "lock-horizon": (lambda: combination_lock(4, 2), ValueError,
                     "H: expected exactly one of H (finite horizon) and gamma"),
    "lock-key-shape": (lambda: combination_lock(4, 2, 5, key=[0, 1]), ValueError,
                       "key: expected integers in [0, A) = [0, 2) of shape (g,) = (3,)"),
    "lock-key-range": (lambda: combination_lock(4, 2, 5, key=[0, 1, 2]), ValueError,
                       "key: expected integers in [0, A) = [0, 2)"),
    "lock-key-dtype": (lambda: combination_lock(4, 2, 5, key=[0.0, 1.0, 1.0]), ValueError,
                       "key: expected integers in [0, A) = [0, 2)"),
    "lock_value-wrong": (lambda: combination_lock_value(4, 5, wrong="x"), ValueError,
                         "wrong: expected 'reset' or 'absorb'"),
    "lock_value-S": (lambda: combination_lock_value(2, 5, wrong="absorb"), ValueError,
                     "S: expected an integer >= 3"),
    "lock_value-horizon": (lambda: combination_lock_value(4, 5, gamma=0.5), ValueError,
                           "H: expected exactly one of H (finite horizon) and gamma"),
    "chain-S": (lambda: chain(1, 5), ValueError, "S: expected an integer >= 2"),
    "chain-horizon": (lambda: chain(3), ValueError,
                      "H: expected exactly one of H (finite horizon) and gamma"),
    "chain-r_left": (lambda: chain(3, 5, r_left=1.5), ValueError,
                     "r_left: expected a value in [0, 1]"),
    "chain_value-S": (lambda: chain_value(1, 5), ValueError, "S: expected an integer >= 2"),
    "chain_value-r_left": (lambda: chain_value(3, 5, r_left=-0.1), ValueError,
                           "r_left: expected a value in [0, 1]"),
    "chain_value-gamma": (lambda: chain_value(3, gamma=1.0), ValueError,
                          "gamma: expected a value in [0, 1)"),
}


@pytest.mark.parametrize("case", list(INSTANCE_ERRORS), ids=list(INSTANCE_ERRORS))
def test_instance_errors(case):
    make, exc, prefix = INSTANCE_ERRORS[case]
    with _raises(exc, prefix):
        make()


# ---------------------------------------------------------------------------------------------
# random instances
# ---------------------------------------------------------------------------------------------
def test_random_mdp_shapes_and_reproducibility():
    m = random_mdp(5, 3, 4, np.random.default_rng(3))
    assert isinstance(m, TabularMDP) and m.P.shape == (5, 3, 5) and m.r.shape == (5, 3)
    np.testing.assert_array_equal(m.init, np.eye(5)[0])
    n = random_mdp(5, 3, 4, np.random.default_rng(3), homogeneous=False)
    assert n.P.shape == (4, 5, 3, 5) and n.r.shape == (4, 5, 3)
    again = random_mdp(5, 3, 4, np.random.default_rng(3))
    np.testing.assert_array_equal(m.P, again.P)
    np.testing.assert_array_equal(m.r, again.r)
    other = random_mdp(5, 3, 4, np.random.default_rng(4))
    assert not np.array_equal(m.P, other.P)
    d = random_discounted_mdp(5, 3, 0.9, np.random.default_rng(3))
    assert isinstance(d, DiscountedMDP) and d.gamma == 0.9 and d.P.shape == (5, 3, 5)


def test_random_mdp_concentration():
    # small alpha concentrates each row on few states: mean max-entry grows as alpha shrinks
    sharp = random_mdp(20, 4, 2, np.random.default_rng(0), alpha=0.05)
    flat = random_mdp(20, 4, 2, np.random.default_rng(0), alpha=50.0)
    assert sharp.P.max(axis=-1).mean() > 0.5 > 0.2 > flat.P.max(axis=-1).mean()


# ---------------------------------------------------------------------------------------------
# RiverSwim
# ---------------------------------------------------------------------------------------------
def test_river_swim_structure():
    m = river_swim()
    assert isinstance(m, TabularMDP) and (m.S, m.A, m.H) == (6, 2, 20)
    np.testing.assert_array_equal(m.init, [1, 0, 0, 0, 0, 0])
    np.testing.assert_array_equal(river_swim(init=np.ones(6) / 6).init, np.ones(6) / 6)
    for s in range(6):
        assert m.P[s, LEFT, max(s - 1, 0)] == 1.0
    np.testing.assert_array_equal(m.P[0, RIGHT, :2], [0.7, 0.3])
    for s in range(1, 5):
        np.testing.assert_array_equal(m.P[s, RIGHT, s - 1:s + 2], [0.1, 0.6, 0.3])
    np.testing.assert_array_equal(m.P[5, RIGHT, 4:], [0.7, 0.3])
    assert m.r[0, LEFT] == 5 and m.r[5, RIGHT] == 0.3 * 10_000 and m.r.sum() == 5 + 3000


def test_river_swim_optimal_policies():
    # discounted, gamma = 0.95: swimming right is optimal in every state (the point of the
    # instance: the small reward at the bank is a trap)
    d = river_swim(gamma=0.95, H=None)
    sol = mdps.policy_iteration(d)
    np.testing.assert_array_equal(sol.pi, np.full(6, RIGHT))
    # exact evaluation of "always LEFT" from state 0 is 5 / (1 - gamma) = 100, far below V*
    V_left = _discounted_values(d.P, d.r, 0.95, np.full(6, LEFT))
    assert V_left[0] == pytest.approx(100.0)
    assert sol.V[0] > 10 * V_left[0]
    # finite horizon H = 1: only the immediate reward counts, LEFT at the bank is optimal
    fh = mdps.backward_induction(river_swim(H=1))
    assert fh.pi[0, 0] == LEFT and fh.V[0, 0] == 5.0


# ---------------------------------------------------------------------------------------------
# combination lock
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("wrong", ["reset", "absorb"])
@pytest.mark.parametrize("S, A, H", [(3, 2, 2), (4, 3, 10), (6, 4, 5), (6, 1, 7), (5, 2, 3)])
def test_combination_lock_value(wrong, S, A, H):
    m = combination_lock(S, A, H, wrong=wrong)
    V = _backward_induction(m.P, m.r, H)
    assert V[0, 0] == combination_lock_value(S, H, wrong=wrong)
    assert np.array_equal(V, mdps.backward_induction(m).V)
    g = S - 1 if wrong == "reset" else S - 2
    assert combination_lock_value(S, H, wrong=wrong) == max(0, H - g)


@pytest.mark.parametrize("wrong", ["reset", "absorb"])
def test_combination_lock_discounted_and_key(wrong):
    key = [1, 0, 2, 2]
    S = 5 if wrong == "reset" else 6
    m = combination_lock(S, 3, gamma=0.8, wrong=wrong, key=key)
    assert isinstance(m, DiscountedMDP)
    sol = mdps.policy_iteration(m)
    assert sol.V[0] == pytest.approx(combination_lock_value(S, gamma=0.8, wrong=wrong), abs=1e-10)
    assert sol.V[0] == pytest.approx(0.8**4 / 0.2, abs=1e-10)
    np.testing.assert_array_equal(sol.pi[:4], key)  # the optimal policy plays the key
    # a constant policy never opens the default lock (key[s] = (s+1) mod A), value 0
    d = combination_lock(S, 3, gamma=0.8, wrong=wrong)
    for a in range(3):
        assert _discounted_values(d.P, d.r, 0.8, np.full(S, a))[0] == pytest.approx(0.0)


# ---------------------------------------------------------------------------------------------
# chain
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("S, H, r_left", [(2, 1, 0.1), (2, 4, 1.0), (4, 3, 0.5), (5, 12, 0.3),
                                          (7, 9, 0.9), (6, 20, 0.0)])
def test_chain_value_finite_horizon(S, H, r_left):
    m = chain(S, H, r_left=r_left)
    closed = chain_value(S, H, r_left=r_left)
    assert closed.shape == (H + 1, S)
    np.testing.assert_allclose(_backward_induction(m.P, m.r, H), closed, rtol=0, atol=1e-12)
    np.testing.assert_allclose(mdps.backward_induction(m).V, closed, rtol=0, atol=1e-12)


@pytest.mark.parametrize("S, gamma, r_left", [(2, 0.5, 0.1), (5, 0.9, 0.5), (8, 0.7, 0.9),
                                              (6, 0.95, 0.05)])
def test_chain_value_discounted(S, gamma, r_left):
    m = chain(S, gamma=gamma, r_left=r_left)
    closed = chain_value(S, gamma=gamma, r_left=r_left)
    sol = mdps.policy_iteration(m)
    np.testing.assert_allclose(sol.V, closed, rtol=1e-12, atol=1e-12)


def test_chain_distractor_wins_near_the_left_end():
    # with few steps left the distractor is optimal at state 0, with many the right end is
    V = chain_value(6, 12, r_left=0.5)
    assert V[10, 0] == 1.0 and V[0, 0] == 12 - 5  # n = 2: 0.5 * 2; n = 12: 12 - 5
