"""theory._stats: intervals checked against their defining equations, and error paths."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.stats
from hypothesis import given, strategies as st

from theory._stats import clopper_pearson, mean_interval, worst_in_units


@given(n=st.integers(1, 200), data=st.data(), alpha=st.sampled_from([0.01, 0.05, 0.1]))
def test_clopper_pearson_solves_its_tail_equations(n, data, alpha):
    k = data.draw(st.integers(0, n))
    lo, hi = clopper_pearson(k, n, alpha)
    assert 0.0 <= lo <= k / n <= hi <= 1.0
    # the interval's ends are where the binomial tails equal alpha / 2 (definition)
    if k < n:
        assert math.isclose(scipy.stats.binom.cdf(k, n, hi), alpha / 2, rel_tol=1e-6)
    if k > 0:
        assert math.isclose(scipy.stats.binom.sf(k - 1, n, lo), alpha / 2, rel_tol=1e-6)


def test_clopper_pearson_known_value():
    # 0 failures in 40 runs: upper end 1 - 0.025^(1/40)
    assert clopper_pearson(0, 40) == (0.0, pytest.approx(1 - 0.025 ** (1 / 40)))


def test_mean_interval_matches_scipy_t_interval():
    x = np.random.default_rng(0).normal(size=17)
    m, lo, hi = mean_interval(x, 0.1)
    ref = scipy.stats.t.interval(0.9, len(x) - 1, loc=x.mean(), scale=scipy.stats.sem(x))
    assert m == pytest.approx(x.mean()) and (lo, hi) == pytest.approx(ref)
    assert mean_interval([3.0])[1:] == (-math.inf, math.inf)


def test_worst_in_units():
    worst, per = worst_in_units({"a": [0.1, -0.4], "b": [2.0]}, {"a": 0.1, "b": 4.0})
    assert worst == pytest.approx(4.0) and per == {"a": pytest.approx(4.0), "b": 0.5}
    assert math.isnan(worst_in_units({"a": [np.nan]}, {"a": 1.0})[0])


@pytest.mark.parametrize("call, match", [
    (lambda: clopper_pearson(5, 4), "k: expected at most n = 4"),
    (lambda: clopper_pearson(1, 0), "n: expected"),
    (lambda: clopper_pearson(1, 4, alpha=1.5), r"alpha: expected a level in \(0, 1\)"),
    (lambda: mean_interval([]), "x: expected at least one value"),
    (lambda: mean_interval([1.0, np.nan]), "x: expected finite values"),
    (lambda: worst_in_units({"a": [1.0]}, {"a": 0.0}), r"tolerances\['a'\]: expected a positive"),
])
def test_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()
