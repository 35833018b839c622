"""Models: every validation error path of TabularMDP, DiscountedMDP, LinearMixtureMDP, LinearMDP,
their generators and the lower-bound hard instance (one case per path, matched on the
``name: expected ...`` template); identities of the linear models; the hard instance's
derived quantities (notes A5 / C4-P10) against exact backward induction."""

from __future__ import annotations

import itertools
import math
import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import mdps
from mdps import (DiscountedMDP, LinearMDP, LinearMixtureMDP, TabularMDP, hard_instance,
                  random_linear_mdp, random_linear_mixture_mdp)
from tests.strategies import linear_mdps, linear_mixture_mdps, seeds

RNG = np.random.default_rng(12345)
S0, A0, H0, D0 = 3, 2, 4, 2
P0 = RNG.dirichlet(np.ones(S0), size=(S0, A0))
R0 = RNG.random((S0, A0))


def _raises(exc, prefix):
    """pytest.raises matching the start of the message literally."""
    return pytest.raises(exc, match="^" + re.escape(prefix))


# ---------------------------------------------------------------------------------------------
# TabularMDP
# ---------------------------------------------------------------------------------------------
TABULAR_ERRORS = {
    "H-type": (dict(H=2.0), TypeError, "H: expected an integer"),
    "H-min": (dict(H=0), ValueError, "H: expected an integer >= 1"),
    "atol-type": (dict(atol="x"), TypeError, "atol: expected a real number"),
    "atol-neg": (dict(atol=-1e-3), ValueError, "atol: expected a value in [0, inf]"),
    "P-type": (dict(P=[["a"]]), TypeError, "P: expected an array of real numbers"),
    "P-ndim": (dict(P=np.ones((3, 3))), ValueError, "P: expected a 3 or 4-dimensional array"),
    "P-finite": (dict(P=np.where(np.arange(3) == 0, np.nan, P0)), ValueError,
                 "P: expected finite entries"),
    "P-steps": (dict(P=np.stack([P0] * (H0 + 1))), ValueError,
                "P: expected a leading step axis of length H = 4"),
    "P-empty": (dict(P=np.zeros((0, 2, 0)), r=np.zeros((0, 2))), ValueError,
                "P: expected at least one state and one action"),
    "P-next": (dict(P=np.full((3, 2, 4), 0.25)), ValueError,
               "P: expected last axis of length S"),
    "P-neg": (dict(P=np.where(np.arange(3) == 0, -0.5, 0.75) + 0 * P0), ValueError,
              "P: expected non-negative entries"),
    "P-sum": (dict(P=P0 * 1.01), ValueError, "P: expected entries along the last axis summing to 1"),
    "r-ndim": (dict(r=np.zeros(3)), ValueError, "r: expected a 2 or 3-dimensional array"),
    "r-shape2": (dict(r=np.zeros((3, 3))), ValueError, "r: expected shape (S, A) = (3, 2)"),
    "r-shape3": (dict(r=np.zeros((H0 + 1, 3, 2))), ValueError,
                 "r: expected shape (H, S, A) = (4, 3, 2)"),
    "r-finite": (dict(r=np.full((3, 2), np.inf)), ValueError, "r: expected finite entries"),
    "init-ndim": (dict(init=np.ones((3, 1)) / 3), ValueError,
                  "init: expected a 1-dimensional array"),
    "init-shape": (dict(init=np.ones(4) / 4), ValueError, "init: expected shape (S,) = (3,)"),
    "init-simplex": (dict(init=np.array([0.5, 0.5, 0.5])), ValueError,
                     "init: expected entries along the last axis summing to 1"),
}


@pytest.mark.parametrize("case", list(TABULAR_ERRORS), ids=list(TABULAR_ERRORS))
def test_tabular_mdp_errors(case):
    kwargs, exc, prefix = TABULAR_ERRORS[case]
    args = dict(P=P0, r=R0, H=H0, init=None) | kwargs
    with _raises(exc, prefix):
        TabularMDP(**args)


def test_tabular_mdp_valid_forms_are_accepted():
    # the error table above perturbs one argument of this valid model at a time
    m = TabularMDP(P0, R0, H0)
    assert m.S == S0 and m.A == A0 and m.homogeneous
    m4 = TabularMDP(np.stack([P0] * H0), np.stack([R0] * H0), H0, np.ones(S0) / S0)
    assert not m4.homogeneous and m4.P4.shape == (H0, S0, A0, S0)
    assert not m.P.flags.writeable


DISCOUNTED_ERRORS = {
    "gamma-type": (dict(gamma="0.9"), TypeError, "gamma: expected a real number"),
    "gamma-one": (dict(gamma=1.0), ValueError, "gamma: expected a value in [0, 1)"),
    "gamma-neg": (dict(gamma=-0.1), ValueError, "gamma: expected a value in [0, 1)"),
    "gamma-nan": (dict(gamma=float("nan")), ValueError, "gamma: expected a finite real number"),
    "atol-neg": (dict(atol=-1.0), ValueError, "atol: expected a value in [0, inf]"),
    "P-ndim": (dict(P=np.stack([P0] * 2)), ValueError, "P: expected a 3-dimensional array"),
    "P-empty": (dict(P=np.zeros((0, 2, 0)), r=np.zeros((0, 2))), ValueError,
                "P: expected at least one state and one action"),
    "P-shape": (dict(P=np.full((3, 2, 4), 0.25)), ValueError,
                "P: expected shape (S, A, S) with matching state axes"),
    "P-sum": (dict(P=P0 * 0.5), ValueError, "P: expected entries along the last axis summing to 1"),
    "r-ndim": (dict(r=np.zeros((1, 3, 2))), ValueError, "r: expected a 2-dimensional array"),
    "r-shape": (dict(r=np.zeros((2, 3))), ValueError, "r: expected shape (S, A) = (3, 2)"),
    "init-shape": (dict(init=np.ones(2) / 2), ValueError, "init: expected shape (S,) = (3,)"),
}


@pytest.mark.parametrize("case", list(DISCOUNTED_ERRORS), ids=list(DISCOUNTED_ERRORS))
def test_discounted_mdp_errors(case):
    kwargs, exc, prefix = DISCOUNTED_ERRORS[case]
    args = dict(P=P0, r=R0, gamma=0.9, init=None) | kwargs
    with _raises(exc, prefix):
        DiscountedMDP(**args)


def test_discounted_mdp_valid_defaults():
    m = DiscountedMDP(P0, R0, 0.0)
    np.testing.assert_array_equal(m.init, np.full(S0, 1 / S0))


# ---------------------------------------------------------------------------------------------
# LinearMixtureMDP
# ---------------------------------------------------------------------------------------------
def _mixture_parts():
    """A valid (phi, theta): two base kernels mixed with weights (0.3, 0.7)."""
    base = np.stack([P0, np.roll(P0, 1, axis=-1)], axis=-1)  # (S, A, S, 2)
    return base, np.array([0.3, 0.7])


PHI_M, THETA_M = _mixture_parts()

MIXTURE_ERRORS = {
    "H-min": (dict(H=0), ValueError, "H: expected an integer >= 1"),
    "phi-ndim": (dict(phi=PHI_M[..., 0]), ValueError, "phi: expected a 4-dimensional array"),
    "phi-empty": (dict(phi=np.zeros((3, 2, 3, 0)), theta=np.zeros(0)), ValueError,
                  "phi: expected at least one state, one action and one feature"),
    "phi-states": (dict(phi=PHI_M[:, :, :2]), ValueError,
                   "phi: expected shape (S, A, S, d) with matching state axes"),
    "phi-finite": (dict(phi=PHI_M * np.nan), ValueError, "phi: expected finite entries"),
    "theta-ndim": (dict(theta=THETA_M[None]), ValueError, "theta: expected a 1-dimensional array"),
    "theta-shape": (dict(theta=np.array([0.2, 0.3, 0.5])), ValueError,
                    "theta: expected shape (d,) = (2,)"),
    "theta-negative": (dict(theta=np.array([1.5, -0.5])), ValueError,
                       "theta: expected features that give a transition kernel with "
                       "non-negative entries"),
    "theta-rowsum": (dict(theta=np.array([0.3, 0.8])), ValueError,
                     "theta: expected features that give transition rows summing to 1"),
    "atol-neg": (dict(atol=-1.0), ValueError, "atol: expected a value in [0, inf]"),
    "r-ndim": (dict(r=np.zeros(3)), ValueError, "r: expected a 2 or 3-dimensional array"),
    "r-shape": (dict(r=np.zeros((2, 2))), ValueError, "r: expected shape (S, A) = (3, 2)"),
    "r-steps": (dict(r=np.zeros((H0 + 1, 3, 2))), ValueError,
                "r: expected shape (H, S, A) = (4, 3, 2)"),
    "init-simplex": (dict(init=np.array([1.0, 1.0, 0.0])), ValueError,
                     "init: expected entries along the last axis summing to 1"),
}


@pytest.mark.parametrize("case", list(MIXTURE_ERRORS), ids=list(MIXTURE_ERRORS))
def test_linear_mixture_mdp_errors(case):
    kwargs, exc, prefix = MIXTURE_ERRORS[case]
    args = dict(phi=PHI_M, theta=THETA_M, r=R0, H=H0) | kwargs
    with _raises(exc, prefix):
        LinearMixtureMDP(**args)


def test_linear_mixture_kernel_error_names_the_offending_pair():
    theta = np.array([1.0, 0.0])
    phi = PHI_M.copy()
    phi[2, 1, 0, 0] += 0.2  # row (s, a) = (2, 1) gains mass
    with pytest.raises(ValueError, match=re.escape("at (s, a) = (2, 1)")):
        LinearMixtureMDP(phi, theta, R0, H0)
    phi[2, 1, 0, 0] = -0.2  # and an entry (s, a, s') = (2, 1, 0) turns negative
    with pytest.raises(ValueError, match=re.escape("at (s, a, s') = (2, 1, 0)")):
        LinearMixtureMDP(phi, theta, R0, H0)


@pytest.mark.parametrize("V, prefix", [
    (np.zeros(4), "V: expected last axis of length S = 3"),
    (np.zeros((2, 2, 3)), "V: expected a 1 or 2-dimensional array"),
    (np.array([0.0, np.inf, 0.0]), "V: expected finite entries"),
], ids=["length", "ndim", "finite"])
def test_psi_errors(V, prefix):
    m = LinearMixtureMDP(PHI_M, THETA_M, R0, H0)
    with _raises(ValueError, prefix):
        m.psi(V)


def test_PV_errors():
    m = LinearMixtureMDP(PHI_M, THETA_M, R0, H0)
    with _raises(ValueError, "V: expected last axis of length S = 3"):
        m.PV(np.zeros((2, 4)))
    with _raises(ValueError, "V: expected a 1 or 2-dimensional array"):
        m.PV(np.zeros((1, 2, 3)))


@given(linear_mixture_mdps())
def test_to_tabular_matches_phi_theta(m):
    P = np.einsum("sand,d->san", m.phi, m.theta)
    tab = m.to_tabular()
    assert isinstance(tab, TabularMDP)
    np.testing.assert_allclose(tab.P, P, rtol=0, atol=1e-14)  # same sum, other order
    np.testing.assert_array_equal(tab.r, m.r)
    np.testing.assert_array_equal(tab.init, m.init)
    assert tab.H == m.H


@given(linear_mixture_mdps(), seeds, st.integers(1, 4))
def test_psi_identity_and_norms(m, seed, R):
    """Notes C4-P1: [PV](s,a) = <psi_V(s,a), theta>, ||psi_V|| <= 1 for V in [0,1],
    ||theta|| <= B = sqrt(d) (generator of notes C1-1)."""
    rng = np.random.default_rng(seed)
    V = rng.random(m.S)
    psi = m.psi(V)
    assert psi.shape == (m.S, m.A, m.d)
    expect = np.einsum("sat,t->sa", m.P, V)  # E_{s'~P(.|s,a)} V(s')
    # sums of <= S*d products of numbers in [0, 1]: rounding ~1e-16 each
    np.testing.assert_allclose(psi @ m.theta, expect, rtol=0, atol=1e-13)
    np.testing.assert_allclose(m.PV(V), expect, rtol=0, atol=1e-13)
    assert np.linalg.norm(psi, axis=-1).max() <= 1 + 1e-12
    assert np.linalg.norm(m.theta) <= math.sqrt(m.d) + 1e-12
    # a batch equals the per-V loop, and psi agrees with a direct einsum of phi
    Vb = rng.random((R, m.S))
    batch = m.psi(Vb)
    assert batch.shape == (R, m.S, m.A, m.d)
    for k in range(R):
        np.testing.assert_allclose(batch[k], np.einsum("satd,t->sad", m.phi, Vb[k]),
                                   rtol=0, atol=1e-13)
    np.testing.assert_allclose(m.PV(Vb), np.einsum("sat,rt->rsa", m.P, Vb), rtol=0, atol=1e-13)


@given(linear_mixture_mdps(), seeds)
def test_variance_identity(m, seed):
    """Notes C4-P2: [VV] = <psi_{V^2}, theta> - <psi_V, theta>^2 lies in [0, [PV^2]] <= 1."""
    V = np.random.default_rng(seed).random(m.S)
    var = m.psi(V**2) @ m.theta - (m.psi(V) @ m.theta) ** 2
    direct = np.einsum("sat,sat->sa", m.P, (V[None, None, :] - m.PV(V)[..., None]) ** 2)
    np.testing.assert_allclose(var, direct, rtol=0, atol=1e-12)
    assert var.min() >= -1e-12 and (m.psi(V**2) @ m.theta).max() <= 1 + 1e-12


def test_linear_mixture_is_read_only():
    m = LinearMixtureMDP(PHI_M, THETA_M, R0, H0)
    for arr in (m.phi, m.theta, m.r, m.P, m.init):
        assert not arr.flags.writeable
    w = m.with_reward(np.ones((S0, A0)))
    assert w.r.sum() == S0 * A0 and w.theta is not None


# ---------------------------------------------------------------------------------------------
# LinearMDP
# ---------------------------------------------------------------------------------------------
PHI_L = RNG.dirichlet(np.ones(D0), size=(S0, A0))  # (S, A, d) simplex features
MU_L = np.moveaxis(RNG.dirichlet(np.ones(S0), size=(H0, D0)), -1, 1)  # (H, S, d)
THETA_L = RNG.random((H0, D0))

LINEAR_ERRORS = {
    "H-type": (dict(H="4"), TypeError, "H: expected an integer"),
    "atol-type": (dict(atol=None), TypeError, "atol: expected a real number"),
    "phi-ndim": (dict(phi=PHI_L[0]), ValueError, "phi: expected a 3-dimensional array"),
    "phi-empty": (dict(phi=np.zeros((3, 2, 0)), mu=np.zeros((3, 0)), theta=np.zeros(0)),
                  ValueError, "phi: expected at least one state, one action and one feature"),
    "mu-ndim": (dict(mu=MU_L[None]), ValueError, "mu: expected a 2 or 3-dimensional array"),
    "mu-shape2": (dict(mu=MU_L[0, :2]), ValueError, "mu: expected shape (S, d) = (3, 2)"),
    "mu-shape3": (dict(mu=MU_L[:2]), ValueError, "mu: expected shape (H, S, d) = (4, 3, 2)"),
    "theta-ndim": (dict(theta=THETA_L[None]), ValueError,
                   "theta: expected a 1 or 2-dimensional array"),
    "theta-shape1": (dict(theta=np.zeros(3)), ValueError, "theta: expected shape (d,) = (2,)"),
    "theta-shape2": (dict(theta=np.zeros((2, 2))), ValueError,
                     "theta: expected shape (H, d) = (4, 2)"),
    "mu-negative": (dict(mu=MU_L - 0.5), ValueError,
                    "mu: expected features that give a transition kernel with non-negative"),
    "mu-rowsum": (dict(mu=MU_L * 1.1), ValueError,
                  "mu: expected features that give transition rows summing to 1"),
    "init-shape": (dict(init=np.ones(2) / 2), ValueError, "init: expected shape (S,) = (3,)"),
}


@pytest.mark.parametrize("case", list(LINEAR_ERRORS), ids=list(LINEAR_ERRORS))
def test_linear_mdp_errors(case):
    kwargs, exc, prefix = LINEAR_ERRORS[case]
    args = dict(phi=PHI_L, mu=MU_L, theta=THETA_L, H=H0) | kwargs
    with _raises(exc, prefix):
        LinearMDP(**args)


def test_linear_mdp_kernel_error_names_step_and_pair():
    mu = MU_L.copy()
    mu[3, 0, :] += 0.2  # step 3: every row gains 0.2 mass on s' = 0
    with pytest.raises(ValueError, match=re.escape("at (h, s, a) = (3, 0, 0)")):
        LinearMDP(PHI_L, mu, THETA_L, H0)


@given(linear_mdps())
def test_linear_mdp_to_tabular(m):
    tab = m.to_tabular()
    for h in range(m.H):
        mu_h = m.mu if m.homogeneous else m.mu[h]
        th_h = m.theta if m.theta.ndim == 1 else m.theta[h]
        for s, a in itertools.product(range(m.S), range(m.A)):
            # P_h(.|s,a) = sum_i phi_i(s,a) mu_h(., i); r_h(s,a) = <phi(s,a), theta_h>
            np.testing.assert_allclose(tab.P_at(h)[s, a], mu_h @ m.phi[s, a], rtol=0, atol=1e-14)
            assert abs(tab.r_at(h)[s, a] - m.phi[s, a] @ th_h) <= 1e-14
    # the generator's norms (Pedel's assumptions, notes B1): ||phi|| <= 1, r in [0, 1]
    assert np.linalg.norm(m.phi, axis=-1).max() <= 1 + 1e-12
    assert 0 <= tab.r.min() and tab.r.max() <= 1 + 1e-12
    assert tab.homogeneous == m.homogeneous


# ---------------------------------------------------------------------------------------------
# generators
# ---------------------------------------------------------------------------------------------
GEN = {"mixture": random_linear_mixture_mdp, "linear": random_linear_mdp}
GENERATOR_ERRORS = [
    (dict(S=0), ValueError, "S: expected an integer >= 1"),
    (dict(A=0), ValueError, "A: expected an integer >= 1"),
    (dict(d=0), ValueError, "d: expected an integer >= 1"),
    (dict(H=0), ValueError, "H: expected an integer >= 1"),
    (dict(alpha=0.0), ValueError, "alpha: expected a value in (0, inf]"),
    (dict(rng=np.random.RandomState(0)), TypeError, "rng: expected a numpy.random.Generator"),
]


@pytest.mark.parametrize("which", list(GEN))
@pytest.mark.parametrize("kwargs, exc, prefix", GENERATOR_ERRORS,
                         ids=[e[2].split(":")[0] for e in GENERATOR_ERRORS])
def test_generator_errors(which, kwargs, exc, prefix):
    args = dict(S=3, A=2, d=2, H=3, rng=np.random.default_rng(0)) | kwargs
    with _raises(exc, prefix):
        GEN[which](**args)


def test_mixture_generator_reward_error_and_scales():
    with _raises(ValueError, "reward: expected 'horizon_free' or 'unit'"):
        random_linear_mixture_mdp(3, 2, 2, 3, np.random.default_rng(0), reward="big")
    m = random_linear_mixture_mdp(4, 3, 2, 10, np.random.default_rng(1))
    assert m.r.max() <= 1 / 10  # horizon-free: H * max r <= 1 (Assumption 2.6.1)
    u = random_linear_mixture_mdp(4, 3, 2, 10, np.random.default_rng(1), reward="unit")
    assert u.r.max() > 1 / 10


def test_generators_are_reproducible():
    a = random_linear_mdp(4, 3, 2, 3, np.random.default_rng(7))
    b = random_linear_mdp(4, 3, 2, 3, np.random.default_rng(7))
    np.testing.assert_array_equal(a.P, b.P)
    c = random_linear_mixture_mdp(4, 3, 2, 3, np.random.default_rng(7))
    e = random_linear_mixture_mdp(4, 3, 2, 3, np.random.default_rng(7))
    np.testing.assert_array_equal(c.phi, e.phi)


# ---------------------------------------------------------------------------------------------
# hard instance (notes A5, C4-P10)
# ---------------------------------------------------------------------------------------------
HARD_ERRORS = [
    (dict(d=1), ValueError, "d: expected an integer >= 2"),
    (dict(d=17), ValueError, "d: expected an integer <= 16"),
    (dict(H=0), ValueError, "H: expected an integer >= 1"),
    (dict(Delta=None), ValueError, "Delta: expected exactly one of Delta and K"),
    (dict(K=100), ValueError, "Delta: expected exactly one of Delta and K"),
    (dict(Delta=0.0), ValueError, "Delta: expected a value in (0, inf]"),
    (dict(Delta=0.1), ValueError, "Delta: expected (d-1) Delta <= delta"),
    (dict(Delta=0.05, delta=0.9), ValueError, "Delta: expected (d-1) Delta <= delta and "
                                              "delta + (d-1) Delta <= 1"),
    (dict(delta=1.0), ValueError, "delta: expected a value in (0, 1)"),
    (dict(signs=[1, 0, 1]), ValueError, "signs: expected a vector of shape (d-1,) = (3,)"),
    (dict(signs=[1, 1]), ValueError, "signs: expected a vector of shape (d-1,) = (3,)"),
    (dict(alpha_f=0.0), ValueError, "alpha_f: expected a value in (0, inf]"),
    (dict(beta_f=-1.0), ValueError, "beta_f: expected a value in (0, inf]"),
    (dict(r_goal=-1.0), ValueError, "r_goal: expected a value in [0, inf]"),
]


@pytest.mark.parametrize("kwargs, exc, prefix", HARD_ERRORS,
                         ids=[f"{i}-{e[2].split(':')[0]}" for i, e in enumerate(HARD_ERRORS)])
def test_hard_instance_errors(kwargs, exc, prefix):
    args = dict(d=4, H=5, Delta=0.01) | kwargs
    with _raises(exc, prefix):
        hard_instance(**args)


def test_hard_instance_K_error_and_method_errors():
    with _raises(ValueError, "K: expected an integer >= 1"):
        hard_instance(4, 5, K=0)
    inst = hard_instance(4, 5, 0.01)
    with _raises(ValueError, "i: expected an integer <= 2"):
        inst.flipped(3)
    with _raises(ValueError, "K: expected an integer >= 0"):
        inst.kl_bound(-1)


@pytest.mark.parametrize("d, H, K", [(2, 1, 50), (3, 4, 100), (4, 10, 1000), (6, 7, 10_000)])
def test_hard_instance_structure(d, H, K):
    rng = np.random.default_rng(d * 100 + H)
    signs = rng.choice([-1, 1], size=d - 1)
    inst = hard_instance(d, H, K=K, signs=signs)
    m = inst.mdp
    assert (m.S, m.A, m.d) == (3, 2 ** (d - 1), d)
    # Delta formula with delta = 1/6
    assert inst.Delta == pytest.approx(math.sqrt((1 / 6) / K) / (4 * math.sqrt(2)), rel=1e-15)
    # kernel: x1 -> {x2, x3} with P(x3|x1,a) = delta + <mu, a>; x2, x3 absorbing
    np.testing.assert_allclose(m.P[0, :, 2], 1 / 6 + inst.actions @ (inst.Delta * signs),
                               rtol=0, atol=1e-15)
    assert np.all(m.P[0, :, 0] == 0)
    np.testing.assert_allclose(m.P[1, :, 1], 1, atol=1e-15)
    np.testing.assert_allclose(m.P[2, :, 2], 1, atol=1e-15)
    assert m.P.min() >= 0
    # ||psi_V|| <= 1 for V in {0,1}^S (vertices suffice by convexity)
    for V in itertools.product([0.0, 1.0], repeat=3):
        assert np.linalg.norm(m.psi(np.array(V)), axis=-1).max() <= 1 + 1e-12
    # ||theta||^2 = (1 + Delta)(1 + (d-1)^2 Delta) for the recommended alpha_f, beta_f
    D = inst.Delta
    assert inst.theta_norm**2 == pytest.approx((1 + D) * (1 + (d - 1) ** 2 * D), rel=1e-12)
    # every trajectory's total reward <= (H-1)/H <= 1 (start x1 pays 0)
    assert (H - 1) * m.r.max() <= 1
    # the largest per-episode gap is <= d / (4 sqrt(3 K)) (notes A5, (2.8.16))
    assert inst.gaps().max() <= d / (4 * math.sqrt(3 * K)) + 1e-15


@pytest.mark.parametrize("d, H", [(2, 3), (3, 5), (5, 8)])
def test_hard_instance_values_against_backward_induction(d, H):
    signs = np.array([(-1) ** i for i in range(d - 1)])
    inst = hard_instance(d, H, 0.02, signs=signs)
    sol = mdps.backward_induction(inst.mdp.to_tabular())
    # V*(x1) = (H-1)/H (delta + (d-1) Delta) and the gap of each first action
    assert sol.V[0, 0] == pytest.approx(inst.V_star, abs=1e-14)
    assert inst.V_star == pytest.approx((H - 1) / H * (1 / 6 + (d - 1) * 0.02), abs=1e-15)
    np.testing.assert_allclose(sol.V[0, 0] - sol.Q[0, 0], inst.gaps(), rtol=0, atol=1e-14)
    assert inst.gaps()[np.argmin(inst.gaps())] == 0
    best = inst.actions[np.argmin(inst.gaps())]
    np.testing.assert_array_equal(best, signs)


def test_hard_instance_kl_bound():
    """Notes C2-E5: per-coordinate KL over K episodes <= 4 K Delta^2 / ((delta-(d-1)Delta)
    (1-delta-(d-1)Delta)), which tends to 1/(8(1-delta)) as K grows (Delta ~ K^-1/2)."""
    for d, K in [(3, 1000), (6, 10_000)]:
        inst = hard_instance(d, 5, K=K)
        for i in range(d - 1):
            kl = inst.kl_flip(i)
            assert kl.shape == (inst.mdp.A,) and kl.min() > 0
            assert K * kl.max() <= inst.kl_bound(K)
        # a flip changes P(x3|x1,a) by exactly 2 Delta for every action
        np.testing.assert_allclose(np.abs(inst.flipped(0).p_goal - inst.p_goal), 2 * inst.Delta,
                                   rtol=1e-12)
    big = hard_instance(3, 5, K=10**10)
    assert big.kl_bound(10**10) == pytest.approx(1 / (8 * (1 - 1 / 6)), rel=1e-3)
    assert hard_instance(3, 5, Delta=1 / 12).kl_bound(5) == math.inf  # (d-1) Delta = delta


def test_hard_instance_reward_variant():
    inst = hard_instance(3, 6, 0.01, r_goal=1.0)  # Cor. 2.6.10 variant
    assert inst.V_star == pytest.approx(5 * (1 / 6 + 2 * 0.01))
    sol = mdps.backward_induction(inst.mdp.to_tabular())
    assert sol.V[0, 0] == pytest.approx(inst.V_star, abs=1e-13)
