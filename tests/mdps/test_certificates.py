"""Certificates: zero on exact solutions, and they detect what they claim to detect."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import mdps
from tests.mdps.test_solvers import chain
from tests.strategies import discounted_mdps, policies, seeds, tabular_mdps

TOL = 1e-10  # round-off of an O(S)-term dot product on values <= 34


@given(tabular_mdps(), st.floats(1e-6, 10.0), st.booleans(), seeds)
def test_bellman_residual_measures_a_perturbation(mdp, delta, at_end, seed):
    # V_h(s) enters exactly one optimality equation as the left-hand side (h < H) or the
    # terminal condition V_H = 0 (h = H); perturbing it by delta at h = 0 or at h = H shows
    # up in the residual as |delta| (h = 0) or at least |delta| (h = H).
    V = mdps.backward_induction(mdp).V.copy()
    s = np.random.default_rng(seed).integers(mdp.S)
    V[mdp.H if at_end else 0, s] += delta
    res = mdps.bellman_residual(mdp, V)
    if at_end:
        assert res >= delta - TOL
    else:
        assert abs(res - delta) <= TOL


@given(discounted_mdps(), seeds)
def test_discounted_residual_bounds_the_distance_to_optimum(mdp, seed):
    # ||V - V*||_inf <= ||TV - V||_inf / (1 - gamma) (T is a gamma-contraction).
    V_star = mdps.policy_iteration(mdp).V
    assert mdps.bellman_residual(mdp, V_star) <= TOL
    V = V_star + np.random.default_rng(seed).normal(size=mdp.S)
    res = mdps.bellman_residual(mdp, V)
    assert np.abs(V - V_star).max() <= res / (1 - mdp.gamma) + TOL
    assert res > 0


def test_policy_gap_known_answer():
    # Chain with S = 4, H = 6: always staying in state 0 earns 0, the optimum earns
    # H - (S - 1) = 3; a policy that moves right only at h >= 1 loses one step: 2.
    P, r = chain(4)
    m = mdps.TabularMDP(P, r, 6)
    assert mdps.policy_gap(m, np.zeros(4, int)) == 3.0
    late = np.ones((6, 4), int)
    late[0] = 0
    assert mdps.policy_gap(m, late) == 1.0
    assert mdps.policy_gap(m, np.ones(4, int)) == 0.0


def test_policy_gap_discounted_known_answer():
    # Discounted chain: staying forever in state 0 earns 0; V*(0) = gamma^(S-1) / (1 - gamma).
    P, r = chain(3)
    init = np.array([1.0, 0.0, 0.0])
    m = mdps.DiscountedMDP(P, r, 0.5, init)
    assert abs(mdps.policy_gap(m, np.zeros(3, int)) - 0.25 / 0.5) <= 1e-14
    assert abs(mdps.policy_gap(m, np.ones(3, int))) <= 1e-14


@given(st.data())
def test_flow_residual_detects_a_moved_mass(data):
    mdp = data.draw(tabular_mdps(S=st.integers(2, 6)))
    d = mdps.occupancy(mdp, data.draw(policies(mdp))).copy()
    assert mdps.occupancy_flow_residual(mdp, d) <= 1e-12
    # Moving mass delta between two states of d_0 violates sum_a d_0(s, a) = init(s) by delta.
    delta = data.draw(st.floats(1e-6, 1.0))
    d[0, 0, 0] += delta
    d[0, 1, 0] -= delta
    assert mdps.occupancy_flow_residual(mdp, d) >= delta - 1e-12


@given(st.data())
def test_discounted_flow_residual_detects_a_scaled_measure(data):
    mdp = data.draw(discounted_mdps())
    d = mdps.occupancy(mdp, data.draw(policies(mdp)))
    assert mdps.occupancy_flow_residual(mdp, d) <= 1e-12
    # 2d violates the flow at some state by (1 - gamma) init(s) >= (1 - gamma) / S.
    assert mdps.occupancy_flow_residual(mdp, 2 * d) >= (1 - mdp.gamma) / mdp.S - 1e-12


def test_flow_residual_reports_negative_mass():
    # A signed measure can satisfy the flow equations; the residual still flags d < 0.
    P = np.full((2, 1, 2), 0.5)
    m = mdps.DiscountedMDP(P, np.zeros((2, 1)), 0.5, np.array([0.5, 0.5]))
    d = np.array([[1.5], [-0.5]])  # sums to 1; inflow = 0.25 + 0.5 * 0.5 = 0.5 per state
    assert mdps.occupancy_flow_residual(m, d) >= 0.5


def test_error_bellman_residual_shape():
    P, r = chain(3)
    with pytest.raises(ValueError, match=re.escape("V: expected shape (H+1, S) = (3, 3); got shape (2, 3)")):
        mdps.bellman_residual(mdps.TabularMDP(P, r, 2), np.zeros((2, 3)))


def test_error_bellman_residual_discounted_shape():
    P, r = chain(3)
    with pytest.raises(ValueError, match=re.escape("V: expected a 1-dimensional array; got shape (2, 3)")):
        mdps.bellman_residual(mdps.DiscountedMDP(P, r, 0.5), np.zeros((2, 3)))


def test_error_flow_residual_shape():
    P, r = chain(3)
    with pytest.raises(ValueError, match=re.escape("d: expected shape (H, S, A) = (2, 3, 2); got shape (3, 3, 2)")):
        mdps.occupancy_flow_residual(mdps.TabularMDP(P, r, 2), np.zeros((3, 3, 2)))


def test_error_flow_residual_discounted_shape():
    P, r = chain(3)
    with pytest.raises(ValueError, match=re.escape("d: expected shape (S, A) = (3, 2); got shape (2, 3)")):
        mdps.occupancy_flow_residual(mdps.DiscountedMDP(P, r, 0.5), np.zeros((2, 3)))


def test_error_certificate_model_type():
    with pytest.raises(TypeError, match=re.escape("mdp: expected a TabularMDP or DiscountedMDP; got dict")):
        mdps.policy_gap({}, np.zeros(3, int))
