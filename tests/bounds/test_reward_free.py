"""Tests for bounds.reward_free: the HF-UCRL-RFE++ bounds and the UCRL-RFE baselines.

Sources: the notes shared/papers/reward_free_and_ftpedel.md, A2.5 (parameters), A4
(Corollary 2.6.4, eq. (2.6.7); Corollary 2.6.6; Theorem 2.6.8), A7 (baselines), C4 P9
(bound-formula properties).
"""

from __future__ import annotations

import math

import pytest
import sympy as sp
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from bounds import H, K, d, epsilon, reward_free as rf

POINT = dict(epsilon=0.1, d=4.0, H=16.0, delta=0.01, B=2.0)


def m_by_hand(eps, d_, H_, delta_, B_, K_):
    """(2.6.7) typed again from the notes in plain floats (an independent transcription)."""
    alpha = H_**-0.5
    gam = d_**-0.25
    lam = d_ / B_**2
    iota = math.log(1 + K_ * H_ / (d_ * lam * alpha**2))
    tau = math.log(32 * (max(math.log(gam**2 / alpha), 0.0) + 1) * K_**2 * H_**2 / delta_)
    beta = 12 * math.sqrt(d_ * iota * tau) + 30 * tau / gam**2 + math.sqrt(lam) * B_
    M = math.log(7 * K_ * H_) / math.log(2)
    zeta = 4 * math.log(4 * math.log(K_ * H_) / delta_)
    first = (64 * max(8 * beta * math.sqrt(d_ * iota), math.sqrt(2 * zeta))
             + 120 * beta * math.sqrt(d_ * iota * H_ * alpha**2)) ** 2
    second = (2752 * max(64 * beta**2 * d_ * iota, 2 * zeta) + 24 * zeta + 240 * d_ * iota
              + 240 * beta * gam**2 * d_ * iota + 120 * beta * d_ * iota * math.sqrt(M))
    return 16 / eps**2 * first + 8 / eps * second


# -- the formula ----------------------------------------------------------------------------

@given(st.floats(1e-3, 0.5), st.integers(2, 64), st.floats(2, 1e4), st.floats(1e-6, 0.2),
       st.floats(1.01, 50), st.floats(10, 1e12))
def test_upper_matches_hand_transcription(eps, d_, H_, delta_, B_, K_):
    got = rf.UPPER.evaluate(epsilon=eps, d=d_, H=H_, delta=delta_, B=B_, K=K_)
    assert got == pytest.approx(m_by_hand(eps, d_, H_, delta_, B_, K_), rel=1e-9)  # float rounding only


def test_radius_matches_notes_example():
    # A2.5 "practical warning": d = 4, H = 50, K = 1e4, delta = 0.01 gives tau ~ 30-35 and
    # beta ~ 2e3 (with B = 2 so that sqrt(lambda) B = sqrt(d) = 2)
    beta = rf.RADIUS.evaluate(d=4, H=50, K=1e4, delta=0.01, B=2.0)
    tau = math.log(32 * (math.log(math.sqrt(50 / 4)) + 1) * 1e8 * 2500 / 0.01)
    eta = math.log(1 + 1e4 * 50 * 50 * 4 / 16)
    assert beta == pytest.approx(12 * math.sqrt(4 * eta * tau) + 30 * tau * 2 + 2, rel=1e-12)
    assert 1e3 < beta < 5e3


def test_weight_floor_makes_H_alpha_squared_one():
    # C4 P9: with alpha = H^(-1/2) the factor H alpha^2 is exactly 1 (where horizon-freeness enters)
    assert sp.simplify(H * rf.parameters()["alpha"] ** 2) == 1


def test_upper_h2_is_upper_at_eps_over_H():
    at = dict(POINT, K=1e6)
    at_h = dict(at, epsilon=POINT["epsilon"] / POINT["H"])
    assert rf.UPPER_H2.evaluate(**at) == pytest.approx(rf.UPPER.evaluate(**at_h), rel=1e-12)


def test_upper_h2_is_H_squared_times_upper_to_leading_order():
    # C4 P9: Cor. 2.6.6 = H^2 x Cor. 2.6.4 to leading order (eps -> 0, the 1/eps^2 term wins);
    # the 1/eps term contributes a relative (H-1)/H * eps C/(2A) ~ 1e-10 at eps = 1e-8
    at = dict(POINT, K=1e6, epsilon=1e-8)
    ratio = rf.UPPER_H2.evaluate(**at) / rf.UPPER.evaluate(**at)
    assert ratio / POINT["H"] ** 2 == pytest.approx(1.0, rel=1e-6)


def test_provenance_and_sources():
    assert rf.UPPER.provenance == rf.UPPER_H2.provenance == rf.RADIUS.provenance == "reconstructed"
    assert rf.LOWER.provenance == rf.LOWER_H2.provenance == rf.UCRL_RFE_RESCALED.provenance == "derived"
    assert rf.UCRL_RFE.provenance == rf.UCRL_RFE_PLUS.provenance == "paper"
    assert "2303.10165" in rf.UPPER.paper and "2110.06394" in rf.UCRL_RFE.paper
    assert rf.LOWER.kind == "lower" and rf.UPPER.kind == "upper"
    assert rf.LOWER.evaluate(d=4, epsilon=0.1) == pytest.approx(16 / (6144 * 0.01))


# -- exponents ------------------------------------------------------------------------------

def test_upper_eps_exponent_at_fixed_K():
    assert rf.UPPER.exponent(epsilon, 0) == -2


@pytest.mark.parametrize("x, towards, want", [(epsilon, 0, -2), (d, sp.oo, 2), (H, sp.oo, 0)])
def test_upper_exponents_along_the_leading_path(x, towards, want):
    assert rf.UPPER.exponent(x, towards, along=rf.LEADING_PATH) == want


def test_upper_d_exponent_at_fixed_K_is_not_the_theorem_regime():
    # with K fixed, iota = log(1 + K H^2 B^2 / d^2) -> 0 as d grows: the formula flattens in d.
    # Documented: a claim about d must move K (LEADING_PATH, or the fixed point).
    assert rf.UPPER.exponent(d, sp.oo) == 0


def test_upper_h2_exponents():
    assert rf.UPPER_H2.exponent(H, sp.oo, along=rf.LEADING_PATH_H2) == 2
    assert rf.UPPER_H2.exponent(epsilon, 0, along=rf.LEADING_PATH_H2) == -2
    assert rf.UPPER_H2.exponent(d, sp.oo, along=rf.LEADING_PATH_H2) == 2


@pytest.mark.parametrize(
    "bound, eps_exp, d_exp, H_exp",
    [
        (rf.LOWER, -2, 2, 0),
        (rf.LOWER_H2, -2, 2, 2),
        (rf.UCRL_RFE, -2, 2, 5),
        (rf.UCRL_RFE_RESCALED, -2, 2, 3),
        (rf.UCRL_RFE_PLUS, -2, 2, 5),
    ],
)
def test_closed_form_exponents(bound, eps_exp, d_exp, H_exp):
    assert bound.exponent(epsilon, 0) == eps_exp
    assert bound.exponent(d, sp.oo) == d_exp
    assert bound.exponent(H, sp.oo) == H_exp


def test_sample_complexity_local_exponents_over_claim_ranges():
    # The fixed point K* = m(K*) over the grids of the notes' C2 E2/E3: the log factors move
    # the finite-range slopes off (-2, 2, 0) by about 0.1. These figures are what a claim
    # author should compare against when setting tolerances (their README values).
    eps_slope = rf.UPPER.range_exponent(epsilon, [0.1, 0.05, 0.025], POINT, implicit=K)
    d_slope = rf.UPPER.range_exponent(d, [3, 4, 5, 6, 7], POINT, implicit=K)
    H_slope = rf.UPPER.range_exponent(H, [4, 8, 16, 32, 64, 128], POINT, implicit=K)
    assert -2.3 < eps_slope < -2.0
    assert 2.0 < d_slope < 2.3
    assert 0.0 < H_slope < 0.3  # E3's acceptance band for "flat in H" is [-0.2, 0.3]
    assert rf.UCRL_RFE_RESCALED.range_exponent(H, [4, 8, 16, 32, 64, 128], POINT) == pytest.approx(3.0)


# -- fixed point ----------------------------------------------------------------------------

def test_sample_complexity_is_a_fixed_point():
    ks = rf.sample_complexity(**POINT)
    assert ks == pytest.approx(m_by_hand(POINT["epsilon"], 4, 16, 0.01, 2.0, ks), rel=1e-10)
    # notes A2.5: astronomically loose constants -- at least 1e12 d^2/eps^2 episodes
    assert ks > 1e12 * 16 / 0.01


def test_sample_complexity_h2_variant():
    k1 = rf.sample_complexity(**POINT)
    kh = rf.sample_complexity(**POINT, rewards_sum_to="H")
    assert kh > k1 * POINT["H"] ** 2 * 0.9  # H^2 more episodes, a bit less in the logs' favour... >= 0.9 H^2


def test_sample_complexity_rejects_bad_reward_scale():
    with pytest.raises(ValueError, match="rewards_sum_to: expected '1' or 'H'"):
        rf.sample_complexity(**POINT, rewards_sum_to="2")


# -- monotonicity and lower <= upper (C4 P9) ------------------------------------------------

eps_st = st.floats(1e-3, 0.5)
d_st = st.integers(2, 200)
H_st = st.floats(2.0, 1e4)
delta_st = st.floats(1e-6, 0.2)
B_st = st.floats(1.01, 50.0)


@settings(max_examples=25)
@given(eps_st, st.floats(1.01, 10.0), d_st, H_st, delta_st, B_st)
def test_sample_complexity_decreasing_in_eps(eps, factor, d_, H_, delta_, B_):
    assume(eps * factor <= 1.0)
    small = rf.sample_complexity(eps, d_, H_, delta_, B_)
    large = rf.sample_complexity(eps * factor, d_, H_, delta_, B_)
    assert large < small


@settings(max_examples=25)
@given(eps_st, d_st, st.integers(1, 50), H_st, delta_st, B_st)
def test_sample_complexity_non_decreasing_in_d(eps, d_, step, H_, delta_, B_):
    assert rf.sample_complexity(eps, d_ + step, H_, delta_, B_) >= rf.sample_complexity(eps, d_, H_, delta_, B_)


@settings(max_examples=25)
@given(eps_st, d_st, H_st, delta_st, st.floats(1.01, 100.0), B_st)
def test_sample_complexity_non_decreasing_in_one_over_delta(eps, d_, H_, delta_, factor, B_):
    assert (rf.sample_complexity(eps, d_, H_, delta_ / factor, B_)
            >= rf.sample_complexity(eps, d_, H_, delta_, B_))


@settings(max_examples=25)
@given(eps_st, d_st, H_st, st.floats(1.01, 100.0), delta_st, B_st, st.floats(10, 1e12))
def test_upper_non_decreasing_in_H_and_K(eps, d_, H_, factor, delta_, B_, K_):
    at = dict(epsilon=eps, d=d_, delta=delta_, B=B_)
    assert rf.UPPER.evaluate(H=H_ * factor, K=K_, **at) >= rf.UPPER.evaluate(H=H_, K=K_, **at)
    assert rf.UPPER.evaluate(H=H_, K=K_ * factor, **at) >= rf.UPPER.evaluate(H=H_, K=K_, **at)


@settings(max_examples=40)
@given(st.floats(1e-4, 0.5), d_st, H_st, delta_st, B_st)
def test_lower_below_upper(eps, d_, H_, delta_, B_):
    ks = rf.sample_complexity(eps, d_, H_, delta_, B_)
    assert rf.LOWER.evaluate(epsilon=eps, d=d_) <= ks
    # and below the explicit formula at any K the lower-bound argument allows (K >= 3 d^2)
    assert rf.LOWER.evaluate(epsilon=eps, d=d_) <= rf.UPPER.evaluate(
        epsilon=eps, d=d_, H=H_, delta=delta_, B=B_, K=3.0 * d_**2)
    kh = rf.sample_complexity(eps, d_, H_, delta_, B_, rewards_sum_to="H")
    assert rf.LOWER_H2.evaluate(epsilon=eps, d=d_, H=H_) <= kh
