"""f-divergences (mdps._fdiv): conjugates against a numerical supremum, Fenchel-Young with
equality, D_f >= 0 with equality iff equal, CVXPY atoms against the NumPy values."""

from __future__ import annotations

import cvxpy as cp
import numpy as np
import pytest
import scipy.optimize
from hypothesis import given, settings
from hypothesis import strategies as st

from mdps import F_DIVERGENCES, get_divergence
from tests.strategies import seeds, simplex_vectors

NAMES = tuple(F_DIVERGENCES)


def numerical_sup(f, y, nonneg):
    """sup_w [w y - f(w)] by a dense grid then a bounded scalar refinement (independent of
    the closed forms). The grid spans w in [0, 400] (or [-400, 400]); every test point has
    its maximiser well inside."""
    lo = 0.0 if nonneg else -400.0
    grid = np.union1d(np.linspace(lo, 400.0, 400001), [0.0, 1.0])
    vals = grid * y - f.f(grid)
    k = int(np.argmax(vals))
    a, b = grid[max(k - 1, 0)], grid[min(k + 1, grid.size - 1)]
    res = scipy.optimize.minimize_scalar(lambda w: -(w * y - float(f.f(w))), bounds=(a, b),
                                         method="bounded", options={"xatol": 1e-12})
    return max(float(vals[k]), -float(res.fun))


# y values with maximisers inside the search window for every f (w* <= 400)
Y_POINTS = (-6.0, -2.5, -1.0, -0.5, -0.2, 0.0, 0.3, 0.5, 0.9, 2.0, 5.0)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("nonneg", [False, True])
def test_conjugates_match_numerical_supremum(name, nonneg):
    f = F_DIVERGENCES[name]
    for y in Y_POINTS:
        closed = float(f.conj_p(y) if nonneg else f.conj(y))
        if not np.isfinite(closed):
            # outside the domain the supremum is unbounded: it grows with the window
            assert numerical_sup(f, y, nonneg) > 50
            continue
        # grid spacing 1e-3 plus the bounded refinement: error far below 1e-6
        assert numerical_sup(f, y, nonneg) == pytest.approx(closed, abs=1e-6), (name, y)


@pytest.mark.parametrize("name", NAMES)
def test_f_normalised_and_f_inf(name):
    f = F_DIVERGENCES[name]
    assert float(f.f(1.0)) == 0.0
    slope = float(f.f(1e8)) / 1e8
    if np.isinf(f.f_inf):
        assert slope > 15  # t log t / t = 18.4, (t-1)^2 / t = 1e8
    else:
        assert slope == pytest.approx(f.f_inf, rel=1e-3)  # Hellinger: (1 - 1e-4)^2


@settings(max_examples=500)
@given(name=st.sampled_from(NAMES), y=st.floats(-8, 8), w=st.floats(0, 50))
def test_fenchel_young(name, y, w):
    f = F_DIVERGENCES[name]
    for conj in (f.conj, f.conj_p):
        c = float(conj(y))
        if np.isfinite(c):
            assert float(f.f(w)) + c >= w * y - 1e-9 * (1 + abs(w * y))
    # equality at the maximisers
    if np.isfinite(float(f.conj(y))) and np.isfinite(float(f.conj_grad(y))):
        wg = float(f.conj_grad(y))
        assert float(f.f(wg)) + float(f.conj(y)) == pytest.approx(wg * y, abs=1e-9 * (1 + abs(wg * y)))
    if np.isfinite(float(f.conj_p(y))):
        ws = float(f.w_star(y))
        assert ws >= 0
        assert float(f.f(ws)) + float(f.conj_p(y)) == pytest.approx(ws * y, abs=1e-9 * (1 + abs(ws * y)))


@settings(max_examples=300)
@given(name=st.sampled_from(NAMES), n=st.integers(1, 6), s1=seeds, s2=seeds)
def test_divergence_nonnegative_and_zero_iff_equal(name, n, s1, s2):
    f = F_DIVERGENCES[name]
    p = np.random.default_rng(s1).dirichlet(np.ones(n))
    q = np.random.default_rng(s2).dirichlet(np.ones(n))
    D = f.divergence(p, q)
    assert D >= -1e-12
    assert f.divergence(q, q) == pytest.approx(0.0, abs=1e-12)
    if np.abs(p - q).max() > 1e-3:
        assert D > 0  # every f here is strictly convex at 1 (TV: |t-1| has a kink there)


def test_divergence_support_conventions():
    p, q = np.array([0.5, 0.5]), np.array([1.0, 0.0])
    assert F_DIVERGENCES["kl"].divergence(p, q) == np.inf
    assert F_DIVERGENCES["chi2"].divergence(p, q) == np.inf
    assert F_DIVERGENCES["tv"].divergence(p, q) == pytest.approx(0.5)
    # Hellinger: 1*(sqrt(.5)-1)^2 + 0.5 * f_inf(=1)
    assert F_DIVERGENCES["hellinger"].divergence(p, q) == pytest.approx((np.sqrt(0.5) - 1) ** 2 + 0.5)
    # known value: KL((1/2,1/2) || (1/4,3/4)) = 1/2 log 2 + 1/2 log(2/3)
    assert F_DIVERGENCES["kl"].divergence(p, np.array([0.25, 0.75])) == pytest.approx(
        0.5 * np.log(2) + 0.5 * np.log(2 / 3), abs=1e-15)


@settings(deadline=None, max_examples=30)
@given(name=st.sampled_from(NAMES), p=simplex_vectors(st.integers(2, 5)), seed=seeds)
def test_cvxpy_atoms_match_numpy(name, p, seed):
    f = F_DIVERGENCES[name]
    rng = np.random.default_rng(seed)
    q = rng.dirichlet(np.ones(p.size))
    d = cp.Variable(p.size)
    d.value = p
    expr, cons = f.cp_divergence(d, q)
    assert float(expr.value) == pytest.approx(f.divergence(p, q), rel=1e-9, abs=1e-12)
    assert all(c.value() for c in cons)
    y_val = rng.uniform(f.conj_low if np.isfinite(f.conj_low) else -5,
                        min(f.conj_high, 5) - 1e-3, size=4)
    y = cp.Variable(4)
    y.value = y_val
    for closed, atom in ((f.conj, f.cp_conj), (f.conj_p, f.cp_conj_p)):
        e, cons = atom(y)
        assert np.allclose(e.value, closed(y_val), rtol=1e-12, atol=1e-12)
        assert all(c.value() for c in cons)
        assert e.is_convex()


@pytest.mark.parametrize("name", NAMES)
def test_cvxpy_minimum_divergence_is_zero(name):
    # min_d D_f(d || q) over the simplex is 0 at d = q: exercises the cone with the named solver
    f = F_DIVERGENCES[name]
    q = np.array([0.2, 0.3, 0.5, 0.0])
    d = cp.Variable(4, nonneg=True)
    expr, cons = f.cp_divergence(d, q)
    prob = cp.Problem(cp.Minimize(expr), cons + [cp.sum(d) == 1])
    prob.solve(solver=f.solver)
    assert prob.status == "optimal"
    assert prob.value == pytest.approx(0.0, abs=1e-7)  # interior-point accuracy
    assert np.allclose(d.value, q, atol=1e-4)


def test_get_divergence_errors():
    assert get_divergence("kl") is F_DIVERGENCES["kl"]
    assert get_divergence(F_DIVERGENCES["tv"]) is F_DIVERGENCES["tv"]
    with pytest.raises(ValueError, match="f: expected an FDivergence or one of"):
        get_divergence("js")
    with pytest.raises(ValueError, match=r"q: expected shape p.shape"):
        F_DIVERGENCES["kl"].divergence(np.ones(2) / 2, np.ones(3) / 3)
    with pytest.raises(ValueError, match="p: expected non-negative entries"):
        F_DIVERGENCES["kl"].divergence(np.array([-0.1, 1.1]), np.ones(2) / 2)


@settings(max_examples=300)
@given(name=st.sampled_from(NAMES), y=st.floats(-6, 0.9))
def test_w_star_prime_is_the_derivative(name, y):
    f = F_DIVERGENCES[name]
    h = 1e-6
    if name == "chi2" and abs(1 + y / 2) < 1e-5:
        return  # the kink of max(0, 1 + y/2)
    if name == "tv" and (abs(y + 0.5) < 1e-5 or y > 0.5 - 1e-5):
        return  # TV's w* jumps at -1/2 and is +inf beyond 1/2
    fd = (float(f.w_star(y + h)) - float(f.w_star(y - h))) / (2 * h)
    # central difference: O(h^2 w''') truncation + O(eps/h) rounding, relative to the scale
    assert float(f.w_star_prime(y)) == pytest.approx(fd, rel=1e-5, abs=1e-6)
