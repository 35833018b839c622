"""Tests of theory.copg: the paper's identities exactly, Theorem 1 as a property, the toy's limits.

References are to Flet-Berliac et al., arXiv 2406.19185, and the project notes
(shared/papers/other_seed_papers.md, section 1).
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import minimize
from scipy.special import expit

from theory._claim import Claim, Status, Verdict, control_claim
from theory.copg import (
    CLAIMS,
    METHODS,
    AdamOptions,
    RegularisedBandit,
    TOY_MU1,
    TOY_MU2,
    adam_step,
    checkpoint_steps,
    copg_gradient,
    copg_objective,
    copg_pair_gradient,
    copg_pair_loss,
    copg_squared_error,
    draw_instance,
    empirical_pair_distribution,
    expected_flow,
    final_regret_summary,
    ipo_gradient,
    ipo_pair_gradient,
    limit_point,
    maximise_copg,
    mean_interval,
    objective_gradient,
    pair_distribution,
    pairs_connected,
    pg_gradient,
    plot_fixed_point,
    plot_toy_bandit,
    preference_distribution,
    regret_curves,
    sample_pairs,
    softmax,
    toy_bandit,
    train,
)
from theory.copg._claims import analyse_fixed_point, analyse_toy_bandit

from ..strategies import seeds, simplex_vectors


@pytest.fixture(autouse=True, scope="module")
def _single_thread_blas():
    # L-BFGS-B calls BLAS on tiny matrices; on a loaded machine a multi-threaded BLAS makes
    # each call ~25x slower (measured), so these tests run it single-threaded like the engine.
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        yield

# Central finite differences with step 1e-6 on O(1) smooth functions: truncation ~1e-12,
# round-off ~1e-16/1e-6 = 1e-10 per unit of function scale, so 1e-7 is a safe tolerance.
FD_STEP = 1e-6
FD_TOL = 1e-7


def fd_gradient(fun, theta):
    grad = np.empty_like(theta)
    for k in range(theta.size):
        e = np.zeros_like(theta)
        e[k] = FD_STEP
        grad[k] = (fun(theta + e) - fun(theta - e)) / (2 * FD_STEP)
    return grad


@st.composite
def bandits(draw, K=st.integers(2, 6)):
    """A random bandit with full-support pi_ref, and random logits to evaluate at."""
    size = draw(K)
    rng = np.random.default_rng(draw(seeds))
    R = rng.normal(size=size)
    beta = float(10 ** rng.uniform(-1, 1))
    pi_ref = draw(simplex_vectors(size, min_mass=0.2))
    theta = rng.normal(size=size)
    return RegularisedBandit(R, beta, pi_ref), theta, rng


# ----------------------------------------------------------------------------------------------
# J and its closed-form maximiser


@given(bandits())
def test_regret_is_beta_kl_to_optimum(case):
    # J(pi*) - J(pi) = beta KL(pi || pi*) exactly (Gibbs); an independent route to both sides.
    bandit, theta, _ = case
    pi, pi_star = softmax(theta), bandit.optimal_policy()
    kl = float(np.sum(pi * np.log(pi / pi_star)))
    assert bandit.regret(pi) == pytest.approx(bandit.beta * kl, abs=1e-10)
    assert bandit.regret(pi) >= -1e-12
    assert bandit.value(pi_star) == pytest.approx(bandit.optimal_value(), abs=1e-10)


@given(bandits(K=st.integers(2, 4)))
@settings(max_examples=15)
def test_closed_form_matches_brute_force_maximisation_of_J(case):
    bandit, _, _ = case
    # Nelder-Mead on J (no gradients of ours involved) from pi_ref.
    res = minimize(lambda th: -bandit.value(softmax(th)), bandit.theta_ref, method="Nelder-Mead",
                   options={"xatol": 1e-10, "fatol": 1e-14, "maxiter": 20_000, "maxfev": 40_000})
    # J is strongly concave near pi* with curvature ~beta/pi: a 1e-12 value gap -> ~1e-5 in pi.
    assert np.abs(softmax(res.x) - bandit.optimal_policy()).max() < 1e-4
    assert -res.fun <= bandit.optimal_value() + 1e-12


def test_optimal_value_is_stable_for_large_rewards():
    bandit = RegularisedBandit(np.array([1000.0, 0.0]), 0.01, np.array([0.5, 0.5]))
    # beta ln(½ e^{1e5} + ½) = 1000 + beta ln ½ up to e^{-1e5}.
    assert bandit.optimal_value() == pytest.approx(1000 + 0.01 * math.log(0.5), rel=1e-14)


@given(bandits())
def test_value_gradient_matches_finite_differences(case):
    bandit, theta, _ = case
    fd = fd_gradient(lambda th: bandit.value(softmax(th)), theta)
    assert np.abs(bandit.value_gradient(theta) - fd).max() < FD_TOL * (1 + np.abs(bandit.R).max())


# ----------------------------------------------------------------------------------------------
# CoPG loss, least squares form, gradients


@given(bandits())
def test_least_squares_identity(case):
    # beta * l = ½ ΔR² - ½ (ΔR - beta h)² (App. A), with l written literally from Eq. 7.
    bandit, theta, rng = case
    K = bandit.K
    y, yp = rng.integers(0, K, 50), rng.integers(0, K, 50)
    loss = copg_pair_loss(bandit, theta, y, yp)
    f = np.log(softmax(theta) / bandit.pi_ref)
    h, dR = f[y] - f[yp], bandit.R[y] - bandit.R[yp]
    np.testing.assert_allclose(bandit.beta * loss, 0.5 * dR**2 - 0.5 * (dR - bandit.beta * h) ** 2,
                               atol=1e-10 * (1 + bandit.beta) * (1 + np.abs(dR).max()) ** 2)


@given(bandits())
def test_objective_is_the_pair_average_and_the_squared_form(case):
    bandit, theta, rng = case
    K = bandit.K
    y, yp = rng.integers(0, K, 200), rng.integers(0, K, 200)
    W = empirical_pair_distribution(y, yp, K)
    L = copg_objective(bandit, W, theta)
    assert L == pytest.approx(copg_pair_loss(bandit, theta, y, yp).mean(), abs=1e-10)
    dR2 = float(np.mean((bandit.R[y] - bandit.R[yp]) ** 2))
    sq = copg_squared_error(bandit, W, theta)
    assert bandit.beta * L == pytest.approx(0.5 * dR2 - 0.5 * sq, abs=1e-9 * (1 + dR2))


@given(bandits(), st.data())
def test_copg_gradient_matches_finite_differences_of_L(case, data):
    # The full beta in the gradient's weights (Eq. 18-19) against the beta/2 of the loss (Eq. 7).
    bandit, theta, _ = case
    W = pair_distribution(data.draw(simplex_vectors(bandit.K)), data.draw(simplex_vectors(bandit.K)))
    fd = fd_gradient(lambda th: copg_objective(bandit, W, th), theta)
    scale = (1 + np.abs(bandit.R).max() + bandit.beta * np.abs(theta).max() * 4) ** 2
    assert np.abs(copg_gradient(bandit, W, theta) - fd).max() < FD_TOL * scale


@given(bandits())
def test_pair_gradient_matches_finite_differences_and_averages_to_exact_gradient(case):
    bandit, theta, rng = case
    K = bandit.K
    y, yp = rng.integers(0, K, 30), rng.integers(0, K, 30)
    grads = copg_pair_gradient(bandit, theta, y, yp)
    for i in range(3):
        fd = fd_gradient(lambda th: copg_pair_loss(bandit, th, y[i:i + 1], yp[i:i + 1])[0], theta)
        scale = (1 + np.abs(bandit.R).max() + bandit.beta * np.abs(theta).max() * 4) ** 2
        assert np.abs(grads[i] - fd).max() < FD_TOL * scale
    W = empirical_pair_distribution(y, yp, K)
    np.testing.assert_allclose(grads.mean(axis=0), copg_gradient(bandit, W, theta), atol=1e-12 * 30 * (1 + np.abs(grads).max()))


@given(bandits())
def test_property_1_on_policy_expected_gradient_is_twice_grad_J(case):
    # E_{y,y'~pi}[∇l] = 2 ∇J (Property 1): brute-force enumeration of the K² pairs.
    bandit, theta, _ = case
    K, pi = bandit.K, softmax(theta)
    y, yp = np.repeat(np.arange(K), K), np.tile(np.arange(K), K)
    weights = (pi[:, None] * pi[None, :]).reshape(-1)
    expected = weights @ copg_pair_gradient(bandit, theta, y, yp)
    fd = fd_gradient(lambda th: bandit.value(softmax(th)), theta)
    assert np.abs(expected - 2 * fd).max() < 2 * FD_TOL * (1 + np.abs(bandit.R).max())


def rloo_gradient(bandit, theta, ys):
    """RLOO with k samples, written independently: (1/k) Σ_i (r_i - mean_{j!=i} r_j) ∇ln pi(y_i)
    with the regularised reward r = R^pi_beta."""
    pi = softmax(theta)
    r = bandit.R[ys] - bandit.beta * np.log(pi[ys] / bandit.pi_ref[ys])
    k = len(ys)
    total = np.zeros(bandit.K)
    for i, y in enumerate(ys):
        loo = (r.sum() - r[i]) / (k - 1)
        total += (r[i] - loo) * (np.eye(bandit.K)[y] - pi)
    return total / k


@given(bandits(), st.data())
def test_property_2_on_policy_pair_gradient_is_rloo_with_two_samples(case, data):
    # Property 2: for two on-policy samples the per-pair CoPG gradient is (twice) RLOO, k = 2.
    bandit, theta, _ = case
    y, yp = data.draw(st.lists(st.integers(0, bandit.K - 1), min_size=2, max_size=2))
    copg = copg_pair_gradient(bandit, theta, np.array([y]), np.array([yp]))[0]
    rloo = rloo_gradient(bandit, theta, np.array([y, yp]))
    np.testing.assert_allclose(copg, 2 * rloo, atol=1e-12 * (1 + np.abs(copg).max()))


@given(bandits(), st.data())
def test_property_3_copg_gradient_is_the_ipo_gradient(case, data):
    # If y is preferred and R(y) = -R(y') = 1/4: ∇l = -(1/(2 beta)) ∇(½ - beta h)², i.e. IPO
    # with tau = beta, whose loss (h - 1/(2 beta))² = (½ - beta h)² / beta².
    bandit, theta, _ = case
    K = bandit.K
    i, j = data.draw(st.lists(st.integers(0, K - 1), min_size=2, max_size=2, unique=True))
    R = bandit.R.copy()
    R[i], R[j] = 0.25, -0.25
    b = RegularisedBandit(R, bandit.beta, bandit.pi_ref)
    copg = copg_pair_gradient(b, theta, np.array([i]), np.array([j]))[0]
    ipo = ipo_pair_gradient(b, theta, np.array([i]), np.array([j]), tau=b.beta)[0]
    np.testing.assert_allclose(copg, -(b.beta / 2) * ipo, atol=1e-12 * (1 + np.abs(copg).max()))


def test_property_3_fails_without_the_reward_condition():
    # The identity needs ΔR = 1/2: with ΔR = 1 the two gradients differ (the test can fail).
    b = RegularisedBandit(np.array([0.5, -0.5]), 0.7, np.array([0.5, 0.5]))
    theta = np.array([0.3, -0.1])
    copg = copg_pair_gradient(b, theta, np.array([0]), np.array([1]))[0]
    ipo = ipo_pair_gradient(b, theta, np.array([0]), np.array([1]), tau=b.beta)[0]
    assert np.abs(copg + (b.beta / 2) * ipo).max() > 0.1


# ----------------------------------------------------------------------------------------------
# baselines


@given(bandits(), st.data())
def test_pg_gradient_matches_brute_force_and_is_grad_J_on_policy(case, data):
    bandit, theta, _ = case
    K, pi = bandit.K, softmax(theta)
    mu = data.draw(simplex_vectors(K))
    b = data.draw(st.floats(-3, 3))
    g = bandit.R - bandit.beta * np.log(pi / bandit.pi_ref)
    brute = sum(mu[y] * (g[y] - b) * (np.eye(K)[y] - pi) for y in range(K))
    np.testing.assert_allclose(pg_gradient(bandit, mu, theta, b), brute, atol=1e-12 * (1 + np.abs(brute).max() + abs(b)))
    # On-policy any constant baseline is unbiased: E_pi[∇ln pi] = 0.
    np.testing.assert_allclose(pg_gradient(bandit, pi, theta, b), bandit.value_gradient(theta),
                               atol=1e-12 * (1 + np.abs(g).max() + abs(b)))


@given(bandits(K=st.integers(2, 5)), st.data())
def test_constant_baseline_fixed_point_is_pi_star_only_for_b_equal_optimal_value(case, data):
    # At pi*, R^pi*_beta is the constant beta ln Z = J(pi*): the PG direction vanishes at pi*
    # for b = J(pi*) and is non-zero for any other b when mu != pi*.
    bandit, _, _ = case
    mu = data.draw(simplex_vectors(bandit.K, min_mass=0.2))
    theta_star = np.log(bandit.optimal_policy())
    scale = 1 + np.abs(bandit.R).max()
    assert np.abs(pg_gradient(bandit, mu, theta_star, bandit.optimal_value())).max() < 1e-12 * scale
    gap = np.abs(mu - bandit.optimal_policy()).max()
    if gap > 1e-3:
        off = pg_gradient(bandit, mu, theta_star, bandit.optimal_value() - 1.0)
        assert np.abs(off).max() > 0.5 * gap * min(1.0, bandit.optimal_policy().max())


@given(bandits(), st.data())
def test_ipo_gradient_matches_finite_differences_of_expected_ipo_loss(case, data):
    bandit, theta, _ = case
    K = bandit.K
    W = pair_distribution(data.draw(simplex_vectors(K)), data.draw(simplex_vectors(K)))
    V = preference_distribution(W, bandit.R)
    tau = bandit.beta

    def loss(th):
        f = np.log(softmax(th) / bandit.pi_ref)
        return float(np.sum(V * (f[:, None] - f[None, :] - 0.5 / tau) ** 2))

    fd = fd_gradient(loss, theta)
    scale = (1 + 1 / tau + 4 * np.abs(theta).max()) ** 2
    assert np.abs(ipo_gradient(bandit, V, theta, tau) + fd).max() < FD_TOL * scale


def test_preference_distribution_is_bradley_terry():
    R = np.array([1.0, 0.0, -2.0])
    W = pair_distribution(np.array([0.2, 0.3, 0.5]), np.array([0.6, 0.3, 0.1]))
    V = preference_distribution(W, R)
    # winner 0, loser 2: pairs (0, 2) won by 0, plus pairs (2, 0) won by 0.
    expected = W[0, 2] * expit(3.0) + W[2, 0] * expit(3.0)
    assert V[0, 2] == pytest.approx(expected, abs=1e-15)
    assert V.sum() == pytest.approx(1.0, abs=1e-15)


# ----------------------------------------------------------------------------------------------
# Theorem 1 as a property (claim (c))


@st.composite
def theorem_instances(draw):
    K = draw(st.integers(2, 6))
    rng = np.random.default_rng(draw(seeds))
    R = rng.normal(size=K) * draw(st.sampled_from([0.5, 1.0, 3.0]))
    beta = draw(st.sampled_from([0.2, 0.5, 1.0, 3.0]))
    pi_ref = draw(simplex_vectors(K, min_mass=0.3))
    mus = [draw(simplex_vectors(K, min_mass=0.3)) for _ in range(4)]
    return RegularisedBandit(R, beta, pi_ref), mus, rng


@given(theorem_instances())
@settings(max_examples=30)
def test_theorem_1_maximiser_is_pi_star_whatever_mu(instance):
    bandit, (mu1, mu2, nu1, nu2), rng = instance
    pi_star = bandit.optimal_policy()
    # L is a concave quadratic in the logits and L-BFGS stops at |∇L| <= 1e-12: the error in
    # pi is ~1e-12 / (beta² min W) << 1e-6 on these floored instances (the notes' tolerance).
    fit_a = maximise_copg(bandit, pair_distribution(mu1, mu2))
    fit_b = maximise_copg(bandit, pair_distribution(nu1, nu2))
    assert np.abs(fit_a.pi - pi_star).max() < 1e-6
    assert np.abs(fit_b.pi - fit_a.pi).max() < 2e-6  # independent of the data distributions
    # a finite dataset whose pair graph is connected (redrawn until it is)
    K = bandit.K
    while True:
        y, yp = rng.choice(K, 4 * K, p=mu1), rng.choice(K, 4 * K, p=mu2)
        W = empirical_pair_distribution(y, yp, K)
        if pairs_connected(W):
            break
    fit_c = maximise_copg(bandit, W)
    assert np.abs(fit_c.pi - pi_star).max() < 1e-6


def test_disconnected_dataset_breaks_uniqueness_even_when_every_arm_appears():
    # Pairs only within {0, 1} and within {2, 3}: every arm appears, pi* maximises L, but moving
    # mass between the two components leaves L unchanged -- the maximiser is not unique.
    bandit = RegularisedBandit(np.array([1.0, 0.0, 0.5, -1.0]), 0.5, np.full(4, 0.25))
    W = empirical_pair_distribution(np.array([0, 1, 2, 3]), np.array([1, 0, 3, 2]), 4)
    assert not pairs_connected(W)
    theta_star = np.log(bandit.optimal_policy())
    shifted = theta_star + np.array([0.0, 0.0, 1.0, 1.0])
    assert copg_objective(bandit, W, shifted) == pytest.approx(copg_objective(bandit, W, theta_star), abs=1e-12)
    assert np.abs(softmax(shifted) - bandit.optimal_policy()).max() > 0.1
    # and the objective at pi* is the global maximum ½ E[ΔR²] / beta
    dR2 = np.mean((bandit.R[[0, 1, 2, 3]] - bandit.R[[1, 0, 3, 2]]) ** 2)
    assert copg_objective(bandit, W, theta_star) == pytest.approx(0.5 * dR2 / bandit.beta, abs=1e-12)


def test_naive_pg_fixed_point_is_not_pi_star():
    bandit, mu1, mu2 = draw_instance(4, np.random.default_rng(3))
    W = pair_distribution(mu1, mu2)
    pg = limit_point("pg_zero", bandit, W)
    copg = limit_point("copg", bandit, W)
    assert pg.converged and copg.converged
    assert np.abs(copg.pi - bandit.optimal_policy()).max() < 1e-9
    assert np.abs(pg.pi - bandit.optimal_policy()).max() > 1e-3


# ----------------------------------------------------------------------------------------------
# toy experiment: limits against the notes' [OURS] numbers


def toy_population():
    bandit = toy_bandit()
    W = pair_distribution(np.array(TOY_MU1), np.array(TOY_MU2))
    return bandit, W, preference_distribution(W, bandit.R)


def test_toy_optimum_matches_notes():
    bandit = toy_bandit()
    # the notes quote 4 decimals: half a unit in the last place
    np.testing.assert_allclose(bandit.optimal_policy(), [0.7054, 0.2595, 0.0351], atol=5e-5)
    assert bandit.optimal_value() == pytest.approx(2.1252, abs=5e-5)
    assert bandit.regret(bandit.pi_ref) == pytest.approx(0.2919, abs=5e-5)


@pytest.mark.parametrize("method, policy, regret, tol", [
    # the notes quote "≈" limits to 3 significant figures, not always rounded (0.1525 -> 0.152):
    # tolerance one unit of the last quoted digit
    ("copg", (0.7054, 0.2595, 0.0351), 0.0, 1e-4),
    ("pg_zero", (0.194, 0.250, 0.556), 0.638, 1e-3),
    ("pg_value", (0.812, 0.168, 0.021), 0.0148, 1e-4),
    ("ipo", (0.424, 0.353, 0.223), 0.152, 1e-3),
])
def test_toy_limits_match_notes(method, policy, regret, tol):
    bandit, W, V = toy_population()
    lim = limit_point(method, bandit, W, V)
    assert lim.converged
    np.testing.assert_allclose(lim.pi, policy, atol=1e-3)
    assert lim.regret == pytest.approx(regret, abs=tol)


# ----------------------------------------------------------------------------------------------
# Adam and training


def test_first_adam_step_is_lr_times_sign():
    theta, grad = np.zeros(3), np.array([2.0, -0.5, 0.0])
    m, v = np.zeros(3), np.zeros(3)
    adam_step(theta, grad, m, v, 1, AdamOptions(lr=0.1))
    # m_hat = g, v_hat = g²: step = lr g / (|g| + eps)
    np.testing.assert_allclose(theta, 0.1 * grad / (np.abs(grad) + 1e-8), atol=1e-15)


@pytest.mark.parametrize("method", METHODS)
def test_full_batch_training_equals_exact_flow_on_the_dataset(method):
    # With one batch per epoch, minibatch Adam is Adam on the dataset's exact gradient.
    bandit = toy_bandit()
    data = sample_pairs(bandit, np.array(TOY_MU1), np.array(TOY_MU2), 300, np.random.default_rng(1))
    sampled = train(method, bandit, data, lr=0.05, epochs=40, rng=np.random.default_rng(2),
                    batch_size=300)
    exact = expected_flow(method, bandit, data.pair_distribution(), data.preference_distribution(),
                          lr=0.05, steps=40)
    np.testing.assert_array_equal(sampled.steps, exact.steps)
    np.testing.assert_allclose(sampled.regret, exact.regret, atol=1e-12)


def test_training_reaches_limits_on_the_toy():
    bandit, W, V = toy_population()
    data = sample_pairs(bandit, np.array(TOY_MU1), np.array(TOY_MU2), 10_000, np.random.default_rng(0))
    copg = train("copg", bandit, data, lr=0.05, epochs=10, rng=np.random.default_rng(1))
    assert copg.regret[-1] < 1e-6  # every per-pair gradient vanishes at pi*: no minibatch noise
    assert copg.regret[0] == pytest.approx(bandit.regret(bandit.pi_ref), abs=1e-14)
    pg = train("pg_zero", bandit, data, lr=0.05, epochs=10, rng=np.random.default_rng(1))
    assert pg.regret[-1] > bandit.regret(bandit.pi_ref)  # PG without baseline makes things worse


def test_checkpoint_steps():
    np.testing.assert_array_equal(checkpoint_steps(10, 3), [0, 5, 10])
    np.testing.assert_array_equal(checkpoint_steps(0, 2), [0, 0])


# ----------------------------------------------------------------------------------------------
# validation: one test per error path


@pytest.mark.parametrize("make, exc, match", [
    (lambda: RegularisedBandit(np.array([1.0]), 1.0, np.array([1.0])), ValueError, "R: expected at least 2 arms"),
    (lambda: RegularisedBandit(np.array([1.0, 0.0]), 0.0, np.array([0.5, 0.5])), ValueError, "beta: expected a value in"),
    (lambda: RegularisedBandit(np.array([1.0, 0.0]), 1.0, np.array([0.5, 0.6])), ValueError, "pi_ref: expected entries along"),
    (lambda: RegularisedBandit(np.array([1.0, 0.0]), 1.0, np.array([1.0, 0.0])), ValueError, "pi_ref: expected full support"),
    (lambda: RegularisedBandit(np.array([1.0, 0.0]), 1.0, np.array([1.0])), ValueError, r"pi_ref: expected shape \(K,\)"),
    (lambda: RegularisedBandit(np.array([1.0, np.nan]), 1.0, np.array([0.5, 0.5])), ValueError, "R: expected finite entries"),
    (lambda: empirical_pair_distribution(np.array([0, 3]), np.array([0, 1]), 3), ValueError, r"y: expected arm indices in \[0, 2\]"),
    (lambda: empirical_pair_distribution(np.array([0.0, 1.0]), np.array([0, 1]), 3), ValueError, "y: expected a 1-dimensional integer array"),
    (lambda: empirical_pair_distribution(np.array([0, 1]), np.array([0]), 3), ValueError, "y_prime: expected a non-empty array"),
    (lambda: pair_distribution(np.array([0.5, 0.5]), np.array([1.0, 0.0, 0.0])), ValueError, "mu2: expected shape"),
    (lambda: copg_objective(toy_bandit(), np.full((3, 3), 0.2), np.zeros(3)), ValueError, "W: expected entries along"),
    (lambda: copg_gradient(toy_bandit(), np.full((3, 3), 1 / 9), np.zeros(2)), ValueError, r"theta: expected shape \(K,\)"),
    (lambda: pg_gradient(toy_bandit(), np.full(3, 1 / 3), np.zeros(3), "mean"), ValueError, "baseline: expected a real number or 'value'"),
    (lambda: ipo_gradient(toy_bandit(), np.full((3, 3), 1 / 9), np.zeros(3), 0.0), ValueError, "tau: expected a value in"),
    (lambda: objective_gradient("dpo", toy_bandit(), np.full((3, 3), 1 / 9), np.full((3, 3), 1 / 9), np.zeros(3), 0.5), ValueError, "method: expected one of"),
    (lambda: train("dpo", toy_bandit(), None, lr=0.1, epochs=1, rng=np.random.default_rng()), ValueError, "method: expected one of"),
    (lambda: sample_pairs(toy_bandit(), np.full(3, 1 / 3), np.full(3, 1 / 3), 10, 0), TypeError, "rng: expected a numpy.random.Generator"),
    (lambda: sample_pairs(toy_bandit(), np.full(2, 1 / 2), np.full(3, 1 / 3), 10, np.random.default_rng()), ValueError, r"mu1: expected shape \(K,\)"),
    (lambda: mean_interval([1.0, 2.0], level=1.0), ValueError, "level: expected a value in"),
    (lambda: checkpoint_steps(10, 1), ValueError, "n_checkpoints: expected an integer >= 2"),
])
def test_validation_errors(make, exc, match):
    with pytest.raises(exc, match=match):
        make()


# ----------------------------------------------------------------------------------------------
# claims: analysis on planted tables, end-to-end at smoke scale, plots


def test_claims_are_well_formed():
    assert [c.id for c in CLAIMS] == ["copg/fixed_point", "copg/toy_bandit"]
    for claim in CLAIMS:
        assert isinstance(claim, Claim)
        assert claim.provenance == "paper"
        assert claim.notes


def run_grid(claim, scale="smoke"):
    grid = claim.grids[scale]
    rows = []
    for point in grid.points():
        for r in range(grid.replicates):
            rng = np.random.default_rng([r, len(rows)])
            rows.append({**point, "replicate": r, **claim.run(point, rng)})
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def smoke_tables():
    return {claim.id: run_grid(claim) for claim in CLAIMS}


def test_fixed_point_smoke_passes(smoke_tables):
    verdict = CLAIMS[0].analyse(smoke_tables["copg/fixed_point"])
    assert isinstance(verdict, Verdict)
    assert verdict.status is Status.PASS, verdict.reason
    assert verdict.measured <= 1e-6


def test_toy_control_best_arm_unseen_fails():
    # outside Theorem 1's support condition CoPG's own exact limit keeps positive regret, and
    # the claim's analysis must say FAIL on that control's cells
    claim = CLAIMS[1]
    (control,) = claim.controls
    verdict = claim.analyse(run_grid(control_claim(claim, control)))
    assert verdict.status is Status.FAIL, verdict.reason
    assert "contradict" in verdict.reason


def test_toy_smoke_does_not_fail(smoke_tables):
    table = smoke_tables["copg/toy_bandit"]
    verdict = CLAIMS[1].analyse(table)
    assert verdict.status in (Status.PASS, Status.INCONCLUSIVE), verdict.reason
    assert set(table["method"]) == set(METHODS)
    assert {"regret_at_0", "regret_at_20", "limit_regret", "flow_final_regret"} <= set(table.columns)


def planted_toy_table(means, limits, sd=1e-4, replicates=5, flow=None):
    rng = np.random.default_rng(0)
    rows = []
    for m in METHODS:
        for r in range(replicates):
            final = means[m] + sd * rng.standard_normal()
            rows.append({"method": m, "lr": 0.01, "epochs": 100, "batch_size": 512,
                         "n_pairs": 10_000, "data": "paper", "replicate": r, "final_regret": final,
                         "limit_regret": limits[m], "dataset_limit_regret": limits[m],
                         "flow_final_regret": limits[m] if flow is None else flow[m],
                         "steps": 2000.0, "regret_at_0": 0.29, "regret_at_1": final})
    return pd.DataFrame(rows)


LIMITS = {"copg": 0.0, "pg_zero": 0.638, "pg_value": 0.0148, "ipo": 0.152}


def test_toy_analysis_pass_fail_inconclusive_on_planted_tables():
    assert analyse_toy_bandit(planted_toy_table(LIMITS, LIMITS)).status is Status.PASS
    # CoPG stuck at a biased value: FAIL
    biased = dict(LIMITS, copg=0.05)
    assert analyse_toy_bandit(planted_toy_table(biased, LIMITS)).status is Status.FAIL
    # a baseline that reaches 0 contradicts "biased": FAIL
    unbiased = dict(LIMITS, ipo=0.0)
    assert analyse_toy_bandit(planted_toy_table(unbiased, LIMITS)).status is Status.FAIL
    # two noisy replicates cannot decide: INCONCLUSIVE, never PASS
    noisy = planted_toy_table(LIMITS, LIMITS, sd=0.01, replicates=2)
    assert analyse_toy_bandit(noisy).status is Status.INCONCLUSIVE
    # a budget too short for the exact flow: a mismatch is INCONCLUSIVE, not FAIL
    short = planted_toy_table(dict(LIMITS, copg=0.05), LIMITS, flow=dict(LIMITS, copg=0.05))
    assert analyse_toy_bandit(short).status is Status.INCONCLUSIVE


def planted_fixed_point_table(errors, pg, connected=None):
    n = len(errors)
    return pd.DataFrame({"K": [3] * n, "data": ["population"] * n, "replicate": range(n),
                         "sup_error": errors, "grad_norm": [1e-12] * n, "pg_distance": pg,
                         "connected": connected or [1.0] * n, "all_arms": [1.0] * n})


def test_fixed_point_analysis_on_planted_tables():
    ok = planted_fixed_point_table([1e-10, 3e-9], [0.1, 0.2])
    assert analyse_fixed_point(ok).status is Status.PASS
    wrong = planted_fixed_point_table([1e-10, 3e-3], [0.1, 0.2])
    assert analyse_fixed_point(wrong).status is Status.FAIL
    powerless = planted_fixed_point_table([1e-10, 3e-9], [1e-9, 1e-8])
    assert analyse_fixed_point(powerless).status is Status.INCONCLUSIVE
    # a disconnected dataset is outside the theorem: excluded, reported in the details
    excluded = planted_fixed_point_table([1e-10, 0.3], [0.1, 0.2], connected=[1.0, 0.0])
    verdict = analyse_fixed_point(excluded)
    assert verdict.status is Status.PASS
    assert verdict.details["all_arms_but_disconnected_cells"] == 1.0


def test_mean_interval_known_values():
    mean, lo, hi = mean_interval([1.0, 2.0, 3.0])
    # t_{0.975, 2} = 4.302653; sd = 1; half width = 4.302653 / sqrt(3)
    assert mean == 2.0
    assert hi - mean == pytest.approx(4.302653 / math.sqrt(3), rel=1e-6)
    assert mean_interval([1.0])[1:] == (-math.inf, math.inf)


def test_summaries(smoke_tables):
    table = smoke_tables["copg/toy_bandit"]
    summary = final_regret_summary(table)
    assert len(summary) == len(METHODS)
    copg = table[table["method"] == "copg"]["final_regret"]
    assert summary.set_index("method").loc["copg", "mean"] == pytest.approx(copg.mean(), abs=1e-15)
    curves = regret_curves(table)
    assert len(curves) == len(METHODS) * 21
    assert curves["step"].max() == table["steps"].iloc[0]


def test_plots(smoke_tables):
    for claim in CLAIMS:
        ax = claim.plot(smoke_tables[claim.id])
        assert ax.lines or ax.collections
        plt.close(ax.figure)
    fig, ax = plt.subplots()
    assert plot_toy_bandit(smoke_tables["copg/toy_bandit"], ax=ax) is ax
    assert plot_fixed_point(smoke_tables["copg/fixed_point"], ax=ax) is ax
    plt.close(fig)


@pytest.mark.slow
def test_toy_quick_scale_passes():
    claim = CLAIMS[1]
    verdict = claim.analyse(run_grid(claim, "quick"))
    assert verdict.status is Status.PASS, verdict.reason
