"""theory.dual_rl: regularised duality, dual-Q, ReCOIL / SMODICE-style, f-DVL maximisers, the
claims (run + analyse + plot). Independent references: the linear solve for d^pi
(mdps.occupancy), scipy linprog/BFGS, and closed forms."""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import mdps
from mdps import SolverError, get_divergence, gridworld, occupancy, solve_lp_linprog
from theory import dual_rl as D
from theory.dual_rl import _core as dual_core
from theory._claim import Status, control_claim
from tests.strategies import discounted_mdps, seeds

FS = ("kl", "chi2", "hellinger", "tv")


def offline_dist(mdp, rng, floor=1e-3):
    """dO ~ Dirichlet over (s, a), mixed with `floor` of uniform (full support)."""
    w = rng.dirichlet(np.ones(mdp.S * mdp.A)).reshape(mdp.S, mdp.A)
    w = (1 - floor) * w + floor / w.size
    return w / w.sum()


alphas = st.floats(-2, 1).map(lambda e: float(10 ** e))  # log-uniform in [1e-2, 10]


# -- regularised duality -----------------------------------------------------------------------
@settings(deadline=None, max_examples=8)
@given(mdp=discounted_mdps(), seed=seeds, alpha=alphas, f=st.sampled_from(FS))
def test_regularised_strong_duality(mdp, seed, alpha, f):
    rng = np.random.default_rng(seed)
    dO = offline_dist(mdp, rng)
    p = D.regularised_primal(mdp, dO, alpha, f)
    q = D.dual_v(mdp, dO, alpha, f)
    # Clarabel stops at a 1e-8 relative gap; values are O(1)
    assert abs(p.value - q.value) <= 1e-6 * max(1.0, abs(p.value))
    assert D.flow_residual(mdp, p.d) <= 1e-7
    if get_divergence(f).strictly_convex:
        # errors in V are amplified by 1/alpha (<= 100) in d = dO w*(delta/alpha)
        assert D.flow_residual(mdp, q.d) <= 1e-4
        assert np.abs(q.d - p.d).sum() <= 1e-3
        assert np.allclose(q.pi.sum(axis=1), 1.0)
    # the regularised optimum lies below the LP optimum
    assert p.value <= solve_lp_linprog(mdp).primal_value + 1e-7


@settings(deadline=None, max_examples=6)
@given(mdp=discounted_mdps(), seed=seeds, alpha=alphas, f=st.sampled_from(("kl", "chi2")))
def test_dual_v_bfgs_matches_cvxpy(mdp, seed, alpha, f):
    dO = offline_dist(mdp, np.random.default_rng(seed))
    q = D.dual_v(mdp, dO, alpha, f)
    V, val = D.dual_v_bfgs(mdp, dO, alpha, f)
    assert abs(val - q.value) <= 1e-6 * max(1.0, abs(q.value))  # Clarabel's gap tolerance


@settings(deadline=None, max_examples=8)
@given(mdp=discounted_mdps(), seed=seeds, alpha=alphas, f=st.sampled_from(FS))
def test_dual_q_equals_regularised_value(mdp, seed, alpha, f):
    rng = np.random.default_rng(seed)
    dO = offline_dist(mdp, rng)
    pi = rng.dirichlet(np.ones(mdp.A), size=mdp.S)
    closed = D.regularised_value(mdp, pi, dO, alpha, f)
    assert D.dual_q(mdp, pi, dO, alpha, f).value == pytest.approx(closed, abs=1e-6 * max(1, abs(closed)))
    if f in ("kl", "chi2"):
        _, val = D.dual_q_bfgs(mdp, pi, dO, alpha, f)
        assert val == pytest.approx(closed, abs=1e-7 * max(1, abs(closed)))  # BFGS, gtol 1e-10


@settings(deadline=None, max_examples=5)
@given(mdp=discounted_mdps(), seed=seeds, alpha=alphas, f=st.sampled_from(("kl", "chi2", "hellinger")))
def test_dual_q_at_dual_v_policy_equals_dual_v(mdp, seed, alpha, f):
    dO = offline_dist(mdp, np.random.default_rng(seed))
    v = D.dual_v(mdp, dO, alpha, f)
    q = D.dual_q(mdp, v.pi, dO, alpha, f)
    # pi from the recovered d carries d's 1e-5-level error; the value is first-order flat
    assert q.value == pytest.approx(v.value, abs=1e-5 * max(1, abs(v.value)))


@settings(deadline=None, max_examples=5)
@given(mdp=discounted_mdps(A=st.integers(2, 4)), seed=seeds, f=st.sampled_from(("kl", "chi2", "tv")))
def test_sandwich_and_monotonicity(mdp, seed, f):
    rng = np.random.default_rng(seed)
    fo = get_divergence(f)
    dO = offline_dist(mdp, rng)
    dO[rng.random(dO.shape) < 0.3] = 0.0  # holes in the support
    dO[np.arange(mdp.S), rng.integers(0, mdp.A, mdp.S)] += 1e-3  # every state keeps an action
    dO /= dO.sum()
    lp = solve_lp_linprog(mdp)
    J_in, d_in = D.in_support_lp(mdp, dO > 0)
    prev = math.inf
    for alpha in (0.01, 0.1, 1.0):
        opt = D.regularised_primal(mdp, dO, alpha, fo).value
        assert opt <= lp.primal_value + 1e-7
        assert opt >= J_in - alpha * fo.divergence(d_in, dO) - 1e-7
        if np.isinf(fo.f_inf):
            assert opt <= J_in + 1e-7
        assert opt <= prev + 1e-7  # non-increasing in alpha
        prev = opt


@settings(deadline=None, max_examples=100)
@given(mdp=discounted_mdps(), seed=seeds, alpha=alphas)
def test_cql_chi2_dual_q_identity(mdp, seed, alpha):
    # notes D5: with dO = d^{pi_b} the chi2 dual-Q objective equals the CQL-form expression
    rng = np.random.default_rng(seed)
    S, A = mdp.S, mdp.A
    pi_b = rng.dirichlet(np.ones(A), size=S)
    dO = occupancy(mdp, pi_b)
    pi = rng.dirichlet(np.ones(A), size=S)
    Q = rng.normal(size=(S, A))
    y = mdp.r + mdp.gamma * mdp.P @ (pi * Q).sum(axis=1) - Q
    f = get_divergence("chi2")
    dual_q_obj = (1 - mdp.gamma) * np.sum(mdp.init[:, None] * pi * Q) + alpha * np.sum(dO * f.conj(y / alpha))
    V_Q = (pi * Q).sum(axis=1)
    cql = (np.sum(dO * (V_Q[:, None] - Q)) + np.sum(dO * y ** 2) / (4 * alpha) + np.sum(dO * mdp.r))
    assert dual_q_obj == pytest.approx(cql, abs=1e-10 * (1 + abs(cql)))


# -- ReCOIL / SMODICE ---------------------------------------------------------------------------
@settings(deadline=None, max_examples=8)
@given(mdp=discounted_mdps(A=st.integers(2, 4)), seed=seeds, beta=st.floats(0.05, 1.0),
       f=st.sampled_from(("chi2", "kl")))
def test_recoil_dual_identity(mdp, seed, beta, f):
    rng = np.random.default_rng(seed)
    dE = occupancy(mdp, rng.dirichlet(np.ones(mdp.A), size=mdp.S))
    dS = offline_dist(mdp, rng)
    pi = rng.dirichlet(np.ones(mdp.A), size=mdp.S)
    val, _ = D.recoil_dual_q(mdp, pi, dE, dS, beta, f)
    d_pi = occupancy(mdp, pi)
    assert val == pytest.approx(-D.mixture_divergence(d_pi, dE, dS, beta, f), abs=1e-6)


@settings(deadline=None, max_examples=6)
@given(mdp=discounted_mdps(S=st.integers(3, 6), A=st.integers(2, 4)), seed=seeds,
       beta=st.sampled_from((0.05, 0.3, 1.0)))
def test_recoil_recovers_expert_without_coverage(mdp, seed, beta):
    rng = np.random.default_rng(seed)
    pi_E = D.optimal_policy(mdp)
    dE = occupancy(mdp, pi_E)
    dS = occupancy(mdp, D.behaviour_policy(mdp, "partial", rng, expert=pi_E))
    rec = D.recoil_primal(mdp, dE, dS, beta, "chi2")
    mu = dE.sum(axis=1)
    err = np.sum(mu * 0.5 * np.abs(rec.pi - pi_E).sum(axis=1))
    assert err <= 1e-5  # Clarabel at 1e-12: d is accurate to ~1e-6
    assert rec.value <= 1e-9


def test_smodice_infeasible_without_coverage_and_diverges():
    mdp = gridworld(5, gamma=0.9)
    rng = np.random.default_rng(0)
    pi_E = D.optimal_policy(mdp)
    dE = occupancy(mdp, pi_E)
    dS = occupancy(mdp, D.behaviour_policy(mdp, "partial", rng, expert=pi_E))
    with pytest.raises(SolverError) as info:
        D.smodice_primal(mdp, dE, dS, eps=0.0)
    assert "infeasible" in info.value.status
    vals = [D.smodice_primal(mdp, dE, dS, eps=e).value for e in (1e-1, 1e-2, 1e-3)]
    assert vals[0] < vals[1] < vals[2]  # grows without bound as eps -> 0
    # with covering data the same objective recovers the expert
    dS_cov = occupancy(mdp, D.behaviour_policy(mdp, "uniform", rng))
    sm = D.smodice_primal(mdp, dE, dS_cov, eps=0.0)
    assert np.abs(sm.d - dE).sum() <= 1e-4


# -- f-DVL --------------------------------------------------------------------------------------
bandits = st.tuples(st.integers(2, 6), seeds)


def _bandit(A, seed):
    rng = np.random.default_rng(seed)
    Q = rng.normal(size=A)
    mu = rng.dirichlet(np.ones(A)) * (rng.random(A) > 0.3)
    if mu.sum() == 0:
        mu[0] = 1.0
    return Q, mu / mu.sum()


TEMPS = {"gumbel": st.floats(0.02, 3.0), "chi2": st.floats(0.05, 0.98), "tv": st.floats(0.52, 0.99)}


@settings(deadline=None, max_examples=60)
@given(data=st.data(), b=bandits, loss=st.sampled_from(("gumbel", "chi2", "tv")))
def test_implicit_maximiser_is_the_minimiser(data, b, loss):
    Q, mu = _bandit(*b)
    T = data.draw(TEMPS[loss])
    V = D.implicit_maximiser(loss, Q, mu, T)
    L = D.value_loss(loss, V, Q, mu, T)
    grid = np.linspace(Q.min() - 5, Q.max() + 5, 4001)
    assert L <= D.value_loss(loss, grid, Q, mu, T).min() + 1e-10  # the grid cannot beat it
    Vn = D.numerical_minimiser(loss, Q, mu, T)
    assert L <= D.value_loss(loss, Vn, Q, mu, T) + 1e-10
    on = mu > 0
    if loss == "gumbel":
        assert V == pytest.approx(T * np.log(np.sum(mu[on] * np.exp(Q[on] / T))), abs=1e-10)
    if loss == "chi2":
        assert np.sum(mu * np.maximum(0, 1 + (Q - V) / 2)) == pytest.approx((1 - T) / T, abs=1e-10)
    if loss == "tv":  # subgradient optimality: P(Q < V) <= level <= P(Q <= V)
        level = (2 * T - 1) / T
        assert mu[Q < V].sum() <= level + 1e-12 and mu[Q <= V].sum() >= level - 1e-12
    limit = Q[on].max() + (2.0 if loss == "chi2" else 0.0)
    assert -1e-12 <= limit - V <= D.limit_gap_bound(loss, Q, mu, T) + 1e-12


@settings(max_examples=100)
@given(b=bandits, loss=st.sampled_from(("gumbel", "chi2", "tv")))
def test_implicit_maximiser_monotone_and_converges(b, loss):
    Q, mu = _bandit(*b)
    temps = {"gumbel": (2.0, 1.0, 0.3, 0.1, 0.01, 0.001), "chi2": (0.3, 0.6, 0.9, 0.99, 0.9999),
             "tv": (0.55, 0.7, 0.9, 0.99, 0.9999)}[loss]
    V = [D.implicit_maximiser(loss, Q, mu, T) for T in temps]
    # V increases towards the limit as beta decreases (a power mean) or lambda increases
    assert np.all(np.diff(V) >= -1e-12)
    limit = Q[mu > 0].max() + (2.0 if loss == "chi2" else 0.0)
    # last temperatures: gumbel gap <= 1e-3 log(1/mu*) ; chi2 <= 2e-4/mu* ; tv exact
    assert abs(V[-1] - limit) <= D.limit_gap_bound(loss, Q, mu, temps[-1]) + 1e-12


def test_fdvl_training_gumbel_overflows_chi2_tv_finite():
    mdp = gridworld(5, gamma=0.99)
    dO = occupancy(mdp, np.full((mdp.S, mdp.A), 0.25))
    g = D.fdvl_training(mdp, dO, "gumbel", 0.1, np.random.default_rng(0), steps=300)
    assert g.diverged and np.all(np.isnan(g.V))
    for loss in ("chi2", "tv"):
        r = D.fdvl_training(mdp, dO, loss, 0.9, np.random.default_rng(0), steps=300)
        assert not r.diverged and np.all(np.isfinite(r.V)) and np.abs(r.V).max() < 1e3
    again = D.fdvl_training(mdp, dO, "tv", 0.9, np.random.default_rng(0), steps=300)
    assert np.array_equal(again.V, r.V)  # deterministic given the generator


# -- instances and the method table --------------------------------------------------------------
def test_gridworld_known_value():
    g = 0.9
    mdp = gridworld(2, slip=0.0, gamma=g)
    assert mdp.S == 4 and mdp.A == 4
    # two moves to the goal, then reward 1 forever: (1 - gamma) V(0) = gamma^2
    assert solve_lp_linprog(mdp).primal_value == pytest.approx(g ** 2, abs=1e-12)
    slippery = gridworld(5, slip=0.1)
    assert np.allclose(slippery.P.sum(axis=2), 1.0)
    assert np.all(slippery.P[24, :, 24] == 1.0)
    assert slippery.P[0, 1, 1] == pytest.approx(0.9 + 0.1 / 4)  # intended move right
    assert slippery.P[0, 1, 0] == pytest.approx(0.1 / 2)  # slips up or left into the wall


def test_behaviour_policies():
    mdp = gridworld(5)
    rng = np.random.default_rng(1)
    star = D.optimal_policy(mdp)
    for kind in D.BEHAVIOURS:
        pi = D.behaviour_policy(mdp, kind, rng)
        assert np.allclose(pi.sum(axis=1), 1.0) and pi.min() >= 0
    part = D.behaviour_policy(mdp, "partial", rng)
    removed = np.sum(part * star, axis=1) == 0
    assert removed.sum() == mdp.S // 2


def test_method_table():
    names = [m.method for m in D.METHODS]
    assert len(set(names)) == len(names)
    by = {m.method: m for m in D.METHODS}
    assert by["XQL"].form == "dual-V" and by["XQL"].f == "kl"
    assert by["ReCOIL"].form == "dual-Q" and by["CQL"].f == "chi2"
    assert by["SMODICE"].provenance == "reconstructed"
    with pytest.raises(ValueError, match="form: expected one of"):
        D.MethodRow("x", "y", "dual-W", "kl", "-", "verified", "-")


# -- errors ---------------------------------------------------------------------------------------
def test_errors():
    mdp = gridworld(2)
    dO = np.full((4, 4), 1 / 16)
    pi = np.full((4, 4), 0.25)
    with pytest.raises(ValueError, match="f: expected an FDivergence or one of"):
        D.dual_v(mdp, dO, 0.1, "js")
    with pytest.raises(ValueError, match="alpha: expected"):
        D.regularised_primal(mdp, dO, 0.0, "kl")
    with pytest.raises(ValueError, match=r"dO: expected shape \(S, A\)"):
        D.dual_v(mdp, np.ones((3, 4)) / 12, 0.1, "kl")
    with pytest.raises(ValueError, match="dO: expected entries summing to 1"):
        D.dual_v(mdp, dO * 2, 0.1, "kl")
    with pytest.raises(ValueError, match="pi: expected rows summing to 1"):
        D.dual_q(mdp, pi * 2, dO, 0.1, "kl")
    with pytest.raises(TypeError, match="mdp: expected a DiscountedMDP"):
        D.dual_q(mdp.P, pi, dO, 0.1, "kl")
    with pytest.raises(ValueError, match="f: expected a smooth conjugate"):
        D.dual_v_bfgs(mdp, dO, 0.1, "tv")
    with pytest.raises(ValueError, match="f: expected a smooth conjugate"):
        D.dual_q_bfgs(mdp, pi, dO, 0.1, "hellinger")
    with pytest.raises(ValueError, match="dO: expected full support"):
        D.dual_q_bfgs(mdp, pi, np.eye(4) / 4, 0.1, "kl")
    with pytest.raises(ValueError, match="beta: expected"):
        D.recoil_primal(mdp, dO, dO, 0.0)
    with pytest.raises(ValueError, match="eps: expected"):
        D.smodice_primal(mdp, dO, dO, eps=-1.0)
    with pytest.raises(ValueError, match="loss: expected one of"):
        D.implicit_maximiser("expectile", np.zeros(2), np.ones(2) / 2, 0.5)
    with pytest.raises(ValueError, match="temperature: expected"):
        D.implicit_maximiser("tv", np.zeros(2), np.ones(2) / 2, 0.4)
    with pytest.raises(ValueError, match="env: expected one of"):
        D.make_mdp("grid9", 0.9, np.random.default_rng(0))
    with pytest.raises(ValueError, match="kind: expected one of"):
        D.behaviour_policy(mdp, "expert", np.random.default_rng(0))
    with pytest.raises(ValueError, match="n: expected an integer >= 2"):
        gridworld(1)
    with pytest.raises(ValueError, match="start: expected a cell other than the goal"):
        gridworld(3, start=8)


# -- claims ---------------------------------------------------------------------------------------
def _table(claim, scale="smoke"):
    grid = claim.grids[scale]
    rows = []
    for rep in range(grid.replicates):
        for k, p in enumerate(grid.points()):
            m = claim.run(p, np.random.default_rng([rep, k]))
            assert all(isinstance(v, float) for v in m.values()), claim.id
            rows.append({**p, "replicate": rep, **m})
    return pd.DataFrame(rows)


@pytest.mark.slow
@pytest.mark.parametrize("claim", D.CLAIMS, ids=lambda c: c.id)
def test_claims_smoke_pass_and_plot(claim):
    table = _table(claim)
    verdict = claim.analyse(table)
    assert verdict.status is Status.PASS, verdict.reason
    ax = claim.plot(table)
    assert ax is not None
    plt.close("all")


def test_claims_registered_ids_and_provenance():
    ids = [c.id for c in D.CLAIMS]
    assert ids == ["dual_rl/strong_duality", "dual_rl/regularised_duality",
                   "dual_rl/vanishing_regularisation", "dual_rl/dual_q_fixed_policy",
                   "dual_rl/recoil_coverage", "dual_rl/fdvl_implicit_max"]
    from theory._registry import registry

    assert set(ids) <= set(registry())


def test_analyses_can_fail():
    # injected errors above tolerance must turn each exact claim into FAIL
    sd = pd.DataFrame({"rel_gap": [1e-12, 1e-6], "occupancy_error": [0.0, 0.0],
                       "recovered_value_gap": [0.0, 0.0], "flow_residual": [0.0, 0.0]})
    assert D.CLAIMS[0].analyse(sd).status is Status.FAIL
    rd = pd.DataFrame({"rel_gap": [1e-4], "bfgs_gap": [np.nan], "flow_residual": [np.nan],
                       "recovery_l1": [np.nan]})
    assert D.CLAIMS[1].analyse(rd).status is Status.FAIL
    vr = pd.DataFrame({"env": ["grid5"] * 2, "gamma": [0.9] * 2, "f": ["kl"] * 2,
                       "behaviour": ["uniform"] * 2, "replicate": [0, 0], "alpha": [0.1, 1.0],
                       "opt": [0.3, 0.35], "J_in": [0.4, 0.4], "J_lp": [0.4, 0.4],
                       "sandwich_violation": [0.0, 0.0], "support_gap": [0.0, 0.0]})
    assert D.CLAIMS[2].analyse(vr).status is Status.FAIL  # OPT increased with alpha
    rc = pd.DataFrame({"policy_error": [0.0, 0.0], "J_ratio": [1.0, 1.0],
                       "coverage_violated": [1.0, 1.0], "dual_identity_error": [0.0, 0.0],
                       "dual_expert_excess": [0.0, 0.0], "primal_dual_gap": [0.0, 0.0]})
    assert D.CLAIMS[4].analyse(rc).status is Status.PASS
    for col, bad in (("policy_error", 1e-4), ("dual_identity_error", 1e-5),
                     ("dual_expert_excess", 1e-5), ("primal_dual_gap", 1e-5)):
        broken = rc.copy()
        broken.loc[1, col] = bad
        assert D.CLAIMS[4].analyse(broken).status is Status.FAIL, col
    broken = rc.copy()
    broken.loc[1, "dual_identity_error"] = np.nan  # a required part not done
    assert D.CLAIMS[4].analyse(broken).status is Status.INCONCLUSIVE
    fd = pd.DataFrame({"loss": ["gumbel"] * 10 + ["chi2"] * 10, "level": [0] * 20,
                       "closed_form_error": [0.0] * 20, "loss_gap": [0.0] * 20,
                       "limit_gap_ratio": [0.5] * 20, "limit_gap_min": [0.0] * 20,
                       "diverged": [0.0] * 10 + [1.0] * 10})
    assert D.CLAIMS[5].analyse(fd).status is Status.FAIL  # the stable loss diverged instead
    # chi2 and TV are judged separately: TV never diverging must not rescue a chi2 that always does
    fd3 = pd.DataFrame({"loss": ["gumbel"] * 10 + ["chi2"] * 10 + ["tv"] * 10, "level": [0] * 30,
                        "closed_form_error": [0.0] * 30, "loss_gap": [0.0] * 30,
                        "limit_gap_ratio": [0.5] * 30, "limit_gap_min": [0.0] * 30,
                        "diverged": [1.0] * 10 + [1.0] * 10 + [0.0] * 10})
    assert D.CLAIMS[5].analyse(fd3).status is not Status.PASS
    fd3["diverged"] = [1.0] * 10 + [0.0] * 20
    assert D.CLAIMS[5].analyse(fd3).status is Status.PASS


def test_recoil_control_smodice_fails_recovery_on_uncovered_data():
    claim = D.CLAIMS[4]
    (control,) = claim.controls
    table = _table(control_claim(claim, control))
    assert claim.analyse(table).status is Status.FAIL
    assert table["policy_error"].min() > 100 * D._claims.RECOIL_TOL


def test_analyses_undecided_when_a_required_error_is_missing():
    # a NaN (or infinite) error in a required column, or no cells, must never PASS
    sd = pd.DataFrame({"rel_gap": [1e-12, np.nan], "occupancy_error": [0.0, 0.0],
                       "recovered_value_gap": [0.0, 0.0], "flow_residual": [0.0, 0.0]})
    assert D.CLAIMS[0].analyse(sd).status is Status.INCONCLUSIVE
    sd["rel_gap"] = [1e-12, np.inf]
    assert D.CLAIMS[0].analyse(sd).status is not Status.PASS
    assert D.CLAIMS[0].analyse(sd.iloc[:0]).status is Status.INCONCLUSIVE
    sd["rel_gap"] = [1e-12, 1e-13]
    assert D.CLAIMS[0].analyse(sd).status is Status.PASS
    dq = pd.DataFrame({"rel_gap": [np.nan], "bfgs_gap": [0.0]})
    assert D.CLAIMS[3].analyse(dq).status is Status.INCONCLUSIVE
    vr = pd.DataFrame({"env": ["grid5"] * 2, "gamma": [0.9] * 2, "f": ["kl"] * 2,
                       "behaviour": ["uniform"] * 2, "replicate": [0, 0], "alpha": [0.1, 1.0],
                       "opt": [0.35, np.nan], "J_in": [0.4, 0.4], "J_lp": [0.4, 0.4],
                       "sandwich_violation": [0.0, np.nan], "support_gap": [0.0, 0.0]})
    assert D.CLAIMS[2].analyse(vr).status is Status.INCONCLUSIVE


# The case a fresh-clone CI run drew (issue 9): CVXPY's value of the raw solution sat 1.6e-14
# below the polish's own evaluation of the same point.
_POLISH_CASE = mdps.DiscountedMDP(
    P=np.array([[[0.09808381, 0.04250651, 0.09364433, 0.76576535]],
                [[0.37762765, 0.20366214, 0.0081984, 0.41051181]],
                [[0.85553537, 0.0773453, 0.06346077, 0.00365856]],
                [[0.30167777, 0.00433473, 0.06943542, 0.62455208]]]),
    r=np.array([[0.95257486], [0.30635403], [0.39266767], [0.03837661]]),
    gamma=0.8615503239189843, init=np.array([0.0261154, 0.36489964, 0.0984805, 0.51050446]))


@settings(deadline=None, max_examples=8)
@given(mdp=discounted_mdps(), seed=seeds, alpha=alphas, f=st.sampled_from(("kl", "chi2", "hellinger")))
@example(mdp=_POLISH_CASE, seed=9468, alpha=1.0, f="chi2")
def test_newton_polish_never_worsens_the_dual(mdp, seed, alpha, f):
    dO = offline_dist(mdp, np.random.default_rng(seed))
    raw = D.dual_v(mdp, dO, alpha, f, polish=False)
    pol = D.dual_v(mdp, dO, alpha, f)
    assert raw.polish_steps == 0
    # Only non-increasing steps are taken, as judged by the polish's own evaluation of the
    # objective. (CVXPY's reported value of the raw solution is a different floating-point
    # evaluation: it may sit an ulp below, which is what a 1e-15 absolute margin once missed.)
    M, w, div = dual_core.flow_matrix(mdp), dO.reshape(-1), get_divergence(f)
    assert (dual_core._dual_v_eval(mdp, M, pol.V, w, alpha, div)[0]
            <= dual_core._dual_v_eval(mdp, M, raw.V, w, alpha, div)[0])
    assert pol.value <= raw.value + 1e-12 * abs(raw.value)
    assert D.flow_residual(mdp, pol.d) <= max(1e-10, D.flow_residual(mdp, raw.d))
