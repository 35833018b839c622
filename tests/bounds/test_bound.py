"""Tests for bounds.Bound: evaluation, validation, exponents (asymptotic, local, range), fixed points."""

from __future__ import annotations

import math
import pickle

import numpy as np
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from bounds import Bound, H, K, d, delta, epsilon, fit_rate, power_order, symbols

RATE = Bound("toy rate", d**2 * sp.log(1 / epsilon) / epsilon**2, paper="Toy", theorem="Thm 1",
             provenance="derived")


# -- construction and validation ------------------------------------------------------------

def test_symbols_are_positive_and_registered():
    assert all(s.is_positive for s in symbols.values())
    assert symbols["epsilon"] is epsilon and symbols["d"] is d


def test_expr_from_string_uses_declared_symbols():
    b = Bound("from string", "d**2/epsilon**2")
    assert b.expr == d**2 / epsilon**2
    assert b.variables == ("d", "epsilon")


def test_rejects_bad_provenance():
    with pytest.raises(ValueError, match="provenance: expected one of"):
        Bound("x", d, provenance="folklore")


def test_rejects_bad_kind():
    with pytest.raises(ValueError, match="kind: expected one of"):
        Bound("x", d, kind="sideways")


def test_rejects_empty_name():
    with pytest.raises(ValueError, match="name: expected a non-empty string"):
        Bound(" ", d)


def test_rejects_non_positive_symbol():
    x = sp.Symbol("x")
    with pytest.raises(ValueError, match="expr: expected free symbols declared positive"):
        Bound("x", x**2)


def test_rejects_non_expression():
    with pytest.raises(TypeError, match="expr: expected a SymPy expression"):
        Bound("x", object())


def test_rejects_non_string_paper():
    with pytest.raises(TypeError, match="paper: expected a string"):
        Bound("x", d, paper=3)


# -- evaluation -----------------------------------------------------------------------------

def test_evaluate_scalar_matches_formula():
    got = RATE.evaluate(d=3, epsilon=0.1)
    assert isinstance(got, float)
    assert got == pytest.approx(9 * math.log(10) / 0.01, rel=1e-14)  # same formula in floats
    assert RATE(d=3, epsilon=0.1) == got


def test_evaluate_broadcasts_arrays():
    eps = np.array([0.1, 0.01])
    dd = np.array([[2.0], [4.0]])
    got = RATE.evaluate(d=dd, epsilon=eps)
    assert got.shape == (2, 2)
    want = dd**2 * np.log(1 / eps) / eps**2
    np.testing.assert_allclose(got, want, rtol=1e-14)


def test_evaluate_names_the_missing_symbol():
    with pytest.raises(ValueError, match="values: expected a value for every symbol .*got no value for 'epsilon'"):
        RATE.evaluate(d=3)


def test_evaluate_rejects_unknown_name():
    with pytest.raises(ValueError, match="values: expected values only for the symbols .*unknown name 'eps'"):
        RATE.evaluate(d=3, epsilon=0.1, eps=0.1)


def test_evaluate_rejects_non_positive():
    with pytest.raises(ValueError, match="epsilon: expected positive finite values; got -0.1"):
        RATE.evaluate(d=3, epsilon=np.array([0.1, -0.1]))


def test_evaluate_rejects_non_numeric():
    with pytest.raises(TypeError, match="d: expected a positive real number or array"):
        RATE.evaluate(d="three", epsilon=0.1)


def test_lambdified_once_and_pickles():
    b = Bound("p", d / epsilon)
    b.evaluate(d=1, epsilon=1)
    fn = b._cache()["expr"]
    b.evaluate(d=2, epsilon=1)
    assert b._cache()["expr"] is fn  # cached on the instance
    c = pickle.loads(pickle.dumps(b))
    assert c == b and c.evaluate(d=2, epsilon=4) == 0.5


def test_latex_and_subs():
    assert "\\epsilon" in RATE.latex()
    scaled = RATE.subs({epsilon: epsilon / H}, name="scaled")
    assert scaled.name == "scaled" and scaled.provenance == "derived"
    assert scaled.evaluate(d=2, epsilon=0.2, H=2) == pytest.approx(RATE.evaluate(d=2, epsilon=0.1))


# -- asymptotic exponents -------------------------------------------------------------------

@pytest.mark.parametrize(
    "expr, x, towards",
    [
        (d**2 * sp.log(1 / epsilon) / epsilon**2, epsilon, 0),
        (sp.sqrt(d * sp.log(1 + K * H / d)), d, sp.oo),
        (sp.sqrt(d * sp.log(1 + K * H / d)), K, sp.oo),
        (K**sp.Rational(3, 2) + K * sp.log(K) ** 5, K, sp.oo),
        (K**sp.Rational(3, 2) + K * sp.log(K) ** 5, K, 0),
        (sp.log(1 + 1 / epsilon**2), epsilon, sp.oo),
        (sp.exp(1 / d) * d**3, d, sp.oo),
        (sp.exp(-1 / epsilon) + epsilon**3, epsilon, sp.oo),
    ],
)
def test_exponent_matches_sympy_limit(expr, x, towards):
    # independent certificate: SymPy's Gruntz limit of x B'/B on small expressions
    want = sp.limit(x * sp.diff(expr, x) / expr, x, towards)
    assert Bound("t", expr).exponent(x, towards) == want


def test_exponent_is_exact_with_log_factors():
    assert RATE.exponent(epsilon, 0) == -2
    assert RATE.exponent("d", "oo") == 2
    assert RATE.exponent(d, 0) == 2


def test_exponent_max_and_min():
    b = Bound("m", sp.Max(d, d**2) + sp.Min(epsilon, 1 / epsilon))
    assert power_order(sp.Max(d, d**2), d, sp.oo) == 2
    assert power_order(sp.Max(d, d**2), d, 0) == 1
    assert power_order(sp.Min(epsilon, 1 / epsilon), epsilon, sp.oo) == -1
    # Max(f, 0) with f -> -oo is identically 0: log(Max(log(H/d), 0) + 1) vanishes as d grows
    assert power_order(d * (sp.log(sp.Max(sp.log(H / d), 0) + 1) + 1), d, sp.oo) == 1
    assert b.exponent(d, sp.oo) == 2


def test_exponent_log_of_one_plus_vanishing_term():
    # log(1 + K/d^2) ~ K/d^2 as d -> oo: exponent -2, not 0
    assert power_order(sp.log(1 + K / d**2), d, sp.oo) == -2


def test_exponent_along_a_path():
    b = Bound("p", d**2 / epsilon**2 * sp.log(1 + K / d**2))
    assert b.exponent(d, sp.oo) == 0  # K fixed: the log term decays like 1/d^2
    assert b.exponent(d, sp.oo, along={K: d**2 / epsilon**2}) == 2


def test_exponent_of_absent_symbol_is_zero():
    assert RATE.exponent(H, sp.oo) == 0
    assert RATE.local_exponent("H", {"d": 2.0, "epsilon": 0.1}) == 0.0


def test_exponent_cancellation_raises():
    # d^2 (1 - exp(-1/d)) ~ d: the leading terms cancel and the analysis says so, not guesses
    with pytest.raises(NotImplementedError, match="cancel"):
        power_order(d**2 - d**2 * sp.exp(-1 / d), d, sp.oo)


def test_exponent_unsupported_function_raises():
    with pytest.raises(NotImplementedError, match="not supported"):
        power_order(sp.floor(d), d, sp.oo)


def test_exponent_depending_on_fixed_values_raises():
    # an exponent that is itself a parameter differs between the reference sets
    with pytest.raises(NotImplementedError):
        power_order(d**delta, d, sp.oo)


def test_exponent_rejects_bad_regime():
    with pytest.raises(ValueError, match="towards: expected 0 or oo"):
        RATE.exponent(epsilon, towards=1)


def test_exponent_rejects_unknown_symbol():
    with pytest.raises(TypeError, match="symbol: expected a sympy Symbol or its name"):
        RATE.exponent(3)


def test_exponent_rejects_symbol_not_in_bound_by_unknown_name():
    with pytest.raises(ValueError, match="symbol: expected one of the bound's symbols"):
        RATE.exponent("eps")


# -- local and range exponents --------------------------------------------------------------

def test_local_exponent_known_answer():
    # d log(d^2 log(1/e)/e^2) / d log e = -2 - 1/log(1/e)
    e = np.array([1e-1, 1e-3, 1e-8])
    got = RATE.local_exponent(epsilon, {"epsilon": e, "d": 3.0})
    np.testing.assert_allclose(got, -2 - 1 / np.log(1 / e), rtol=1e-12)


@given(st.floats(1e-6, 0.5), st.floats(1.0, 1e3))
def test_local_exponent_matches_finite_difference(e, dd):
    h = 1e-5  # central difference in log space: error O(h^2) ~ 1e-10, tolerance 1e-6
    f = lambda x: math.log(RATE.evaluate(d=dd, epsilon=x))
    fd = (f(e * math.exp(h)) - f(e * math.exp(-h))) / (2 * h)
    assert RATE.local_exponent("epsilon", {"epsilon": e, "d": dd}) == pytest.approx(fd, abs=1e-6)


def test_local_exponent_tends_to_exponent():
    e = RATE.local_exponent(epsilon, {"epsilon": 1e-100, "d": 1.0})
    assert abs(e - float(RATE.exponent(epsilon, 0))) < 1 / 230 + 1e-9  # 1/log(1e100) = 1/230.3


def test_range_exponent_equals_fit_rate_on_exact_data():
    xs = np.geomspace(1e-3, 1e-1, 5)
    pred = RATE.range_exponent(epsilon, xs, {"d": 4.0})
    y = RATE.evaluate(epsilon=xs, d=4.0)
    fit = fit_rate(np.tile(xs, 2), np.tile(y, 2), np.repeat([0, 1], 5), n_boot=200,
                   rng=np.random.default_rng(0))
    assert fit.slope == pytest.approx(pred, rel=1e-10)  # the same least squares, two code paths
    assert -2 - 1 / np.log(1 / 1e-1) < pred < -2 - 1 / np.log(1 / 1e-3)  # between the local slopes


def test_range_exponent_needs_two_values():
    with pytest.raises(ValueError, match="values: expected at least 2 distinct values"):
        RATE.range_exponent(epsilon, [0.1, 0.1], {"d": 1.0})


# -- fixed points (implicit bounds) ---------------------------------------------------------

IMPLICIT = Bound("implicit", d**2 / epsilon**2 * sp.log(K * H / delta))


def test_fixed_point_solves_the_equation():
    at = dict(d=np.array([2.0, 8.0]), epsilon=0.1, H=16.0, delta=0.01)
    ks = IMPLICIT.fixed_point(K, **at)
    np.testing.assert_allclose(IMPLICIT.evaluate(K=ks, **at), ks, rtol=1e-10)


def test_fixed_point_local_exponent_matches_finite_difference():
    at = dict(d=4.0, epsilon=0.1, H=16.0, delta=0.01)
    got = IMPLICIT.local_exponent(d, at, implicit=K)
    h = 1e-4  # central difference on the solved fixed point: O(h^2) error, tolerance 1e-6
    lo = IMPLICIT.fixed_point(K, **{**at, "d": 4.0 * math.exp(-h)})
    hi = IMPLICIT.fixed_point(K, **{**at, "d": 4.0 * math.exp(h)})
    assert got == pytest.approx((math.log(hi) - math.log(lo)) / (2 * h), abs=1e-6)
    assert 2.0 < got < 2.2  # the log factor adds a little over the leading d^2


def test_fixed_point_rejects_value_for_unknown():
    with pytest.raises(ValueError, match="values: expected no value for the unknown 'K'"):
        IMPLICIT.fixed_point(K, K=3.0, d=1.0, epsilon=0.1, H=2.0, delta=0.1)


def test_fixed_point_reports_divergence():
    grows = Bound("grows", K**2 / d)
    with pytest.raises(ValueError, match=r"fixed_point\(K\): expected"):
        grows.fixed_point(K, d=1.0, start=10.0)


def test_local_exponent_implicit_rejects_same_symbol():
    with pytest.raises(ValueError, match="symbol: expected a symbol other than the implicit one"):
        IMPLICIT.local_exponent(K, dict(d=4.0, epsilon=0.1, H=16.0, delta=0.01), implicit=K)


def test_local_exponent_implicit_rejects_path():
    with pytest.raises(ValueError, match="along: expected no path when implicit is given"):
        IMPLICIT.local_exponent(d, dict(d=4.0, epsilon=0.1, H=16.0, delta=0.01), implicit=K,
                                along={K: d})
