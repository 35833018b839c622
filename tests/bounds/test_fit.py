"""Tests for bounds.fit_rate: known answers, the cluster bootstrap, coverage, validation."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from bounds import RateFit, fit_rate

X_GRID = np.geomspace(1e2, 1e4, 6)
TRUE_SLOPE = -0.5


def synthetic(rng, R, slope=TRUE_SLOPE, sd_rep=0.3, sd_slope=0.05, sd_point=0.2, x=X_GRID):
    """R replicates, each measured at every x: log y = log 3 + slope log x + a_r + c_r (log x -
    mean) + e. a_r (level) and c_r (slope) are replicate effects shared by a replicate's points;
    e is point noise. The population slope is ``slope`` (c_r has mean 0)."""
    a = rng.normal(0, sd_rep, R)
    c = rng.normal(0, sd_slope, R)
    X = np.tile(x, R)
    rep = np.repeat(np.arange(R), x.size)
    lx = np.log(X) - np.log(x).mean()
    y = 3.0 * X**slope * np.exp(a[rep] + c[rep] * lx + rng.normal(0, sd_point, X.size))
    return X, y, rep


# -- known answers --------------------------------------------------------------------------

def test_exact_power_law_gives_exact_slope_and_collapsed_interval():
    rng = np.random.default_rng(1)
    X, _, rep = synthetic(rng, 5)
    level = np.exp(rng.normal(size=5))[rep]  # replicate-specific constant, exact exponent
    fit = fit_rate(X, 7.0 * level * X**1.5, rep, rng=np.random.default_rng(2))
    assert isinstance(fit, RateFit)
    assert fit.slope == pytest.approx(1.5, abs=1e-12)
    assert fit.interval[0] == pytest.approx(1.5, abs=1e-12) and fit.interval[1] == pytest.approx(1.5, abs=1e-12)
    assert (fit.n_points, fit.n_replicates, fit.level, fit.method) == (30, 5, 0.95, "expanded")


def test_point_estimate_is_pooled_least_squares():
    X, y, rep = synthetic(np.random.default_rng(3), 7)
    fit = fit_rate(X, y, rep, rng=np.random.default_rng(0))
    slope, intercept = np.polyfit(np.log(X), np.log(y), 1)  # independent implementation
    assert fit.slope == pytest.approx(slope, rel=1e-12)
    assert fit.intercept == pytest.approx(intercept, rel=1e-12)


def test_bootstrap_resamples_replicates_not_points():
    # No point noise: every replicate lies exactly on its own line of slope b + c_r. With one
    # common design the pooled slope of a resample is the mean of the drawn c_r, so the
    # cluster-bootstrap sd is sd(c_r, ddof=0) / sqrt(R) exactly (up to Monte Carlo error
    # ~1/sqrt(2 n_boot) = 1.1% at n_boot = 4000; tolerance 6%).
    rng = np.random.default_rng(4)
    R = 30
    X, y, rep = synthetic(rng, R, sd_point=0.0, sd_slope=0.1)
    per_rep = np.array([np.polyfit(np.log(X[rep == r]), np.log(y[rep == r]), 1)[0] for r in range(R)])
    fit = fit_rate(X, y, rep, n_boot=4000, rng=np.random.default_rng(5))
    assert fit.slope == pytest.approx(per_rep.mean(), rel=1e-10)
    assert fit.se == pytest.approx(per_rep.std(ddof=0) / np.sqrt(R), rel=0.06)
    # a point bootstrap would see 6x more independent units and a narrower spread; ours does not
    assert fit.se > 0.8 * per_rep.std(ddof=1) / np.sqrt(R)


def test_replicate_ids_may_be_strings_and_unordered():
    X, y, rep = synthetic(np.random.default_rng(6), 6)
    names = np.array([f"seed-{r}" for r in rep])
    perm = np.random.default_rng(7).permutation(X.size)
    a = fit_rate(X, y, rep, rng=np.random.default_rng(8))
    b = fit_rate(X[perm], y[perm], names[perm], rng=np.random.default_rng(8))
    assert a.slope == pytest.approx(b.slope, rel=1e-12)
    assert b.n_replicates == 6


def test_deterministic_given_rng_and_by_default():
    X, y, rep = synthetic(np.random.default_rng(9), 8)
    a = fit_rate(X, y, rep, rng=np.random.default_rng(10))
    b = fit_rate(X, y, rep, rng=np.random.default_rng(10))
    assert a == b
    assert fit_rate(X, y, rep) == fit_rate(X, y, rep)  # the default generator is fixed per call


def test_two_replicates_give_a_finite_wide_interval():
    X, y, rep = synthetic(np.random.default_rng(11), 2)
    wide = fit_rate(X, y, rep, rng=np.random.default_rng(0))
    narrow = fit_rate(X, y, rep, rng=np.random.default_rng(0), method="percentile")
    assert np.isfinite(wide.interval).all()
    # expanded with R = 2 reads the extreme draws: never narrower than the percentile interval
    assert wide.interval[0] <= narrow.interval[0] and wide.interval[1] >= narrow.interval[1]


# -- not vacuous ----------------------------------------------------------------------------

def _mean_width(R, sd_point, sd_slope=0.05, n=20, seed=12):
    rng = np.random.default_rng(seed)
    return np.mean([fit_rate(*synthetic(rng, R, sd_point=sd_point, sd_slope=sd_slope), n_boot=500,
                             rng=rng).width for _ in range(n)])


def test_width_shrinks_with_more_replicates_and_less_noise():
    # width ~ 1/sqrt(R): 5 -> 40 replicates should shrink it ~2.8x (plus the t correction);
    # ask for 2x. Less noise (point sd 0.4 -> 0.05, slope sd 0.05 -> 0.01) shrinks it > 3x.
    assert _mean_width(40, 0.2) < _mean_width(5, 0.2) / 2
    assert _mean_width(20, 0.05, sd_slope=0.01) < _mean_width(20, 0.4, sd_slope=0.05) / 3


def test_interval_excludes_slopes_far_from_the_truth():
    # R = 20: slope sd ~0.016 (see the coverage test); +-0.15 is ~9 sd away
    rng = np.random.default_rng(13)
    for _ in range(20):
        fit = fit_rate(*synthetic(rng, 20), rng=rng)
        assert not fit.covers(TRUE_SLOPE - 0.15) and not fit.covers(TRUE_SLOPE + 0.15)


# -- coverage -------------------------------------------------------------------------------

@pytest.mark.statistical
def test_coverage_is_nominal():
    """200 synthetic data sets with R = 20 replicates; count intervals covering the truth.

    Under the nominal rate, hits ~ Binomial(200, 0.95); we accept the central 99.9% region,
    [179, 198] hits = coverage in [0.895, 0.99], so a correct method fails with probability
    <= 0.1% (and the seed is fixed). Measured at this seed: expanded 0.965, percentile 0.950;
    over 1000 data sets (separate run) expanded 0.951, percentile 0.923 -- the percentile
    interval under-covers with 20 clusters. The width check guards against the expansion
    doing nothing.
    """
    n, R = 200, 20
    lo = stats.binom.ppf(0.0005, n, 0.95)
    hi = stats.binom.isf(0.0005, n, 0.95)
    data_rng = np.random.default_rng(2024)
    boot_rng = np.random.default_rng(2025)
    hits = {"expanded": 0, "percentile": 0}
    widths = {"expanded": 0.0, "percentile": 0.0}
    for _ in range(n):
        X, y, rep = synthetic(data_rng, R)
        for method in hits:
            fit = fit_rate(X, y, rep, n_boot=2000, rng=boot_rng, method=method)
            hits[method] += fit.covers(TRUE_SLOPE)
            widths[method] += fit.width
    print(f"coverage over {n} data sets, R={R}: " + ", ".join(f"{m} {h / n:.3f}" for m, h in hits.items()))
    assert lo <= hits["expanded"] <= hi, (hits, (lo, hi))
    assert widths["percentile"] < widths["expanded"]


# -- validation: one test per error path ----------------------------------------------------

X3 = np.array([1.0, 2.0, 4.0, 1.0, 2.0, 4.0])
Y3 = np.array([1.0, 0.5, 0.25, 1.1, 0.6, 0.2])
R3 = np.array([0, 0, 0, 1, 1, 1])


def test_rejects_non_positive_x():
    with pytest.raises(ValueError, match=r"x: expected positive entries \(a log-log fit\); got 0.0 at index 1"):
        fit_rate(np.array([1.0, 0.0, 4.0, 1.0, 2.0, 4.0]), Y3, R3)


def test_rejects_non_positive_y():
    with pytest.raises(ValueError, match=r"y: expected positive entries \(a log-log fit\); got -1.0"):
        fit_rate(X3, np.array([1.0, -1.0, 1.0, 1.0, 1.0, 1.0]), R3)


def test_rejects_non_finite():
    with pytest.raises(ValueError, match="y: expected finite entries"):
        fit_rate(X3, np.array([1.0, np.nan, 1.0, 1.0, 1.0, 1.0]), R3)


def test_rejects_length_mismatch():
    with pytest.raises(ValueError, match=r"y: expected shape \(n_points,\) = \(6,\)"):
        fit_rate(X3, Y3[:5], R3)


def test_rejects_replicate_length_mismatch():
    with pytest.raises(ValueError, match=r"replicate: expected shape \(n_points,\) = \(6,\)"):
        fit_rate(X3, Y3, R3[:4])


def test_rejects_replicate_not_1d():
    with pytest.raises(ValueError, match="replicate: expected a 1-dimensional array"):
        fit_rate(X3, Y3, R3.reshape(2, 3))


def test_rejects_nan_replicate():
    with pytest.raises(ValueError, match="replicate: expected finite ids"):
        fit_rate(X3, Y3, np.array([0, 0, 0, 1, 1, np.nan]))


def test_rejects_one_distinct_x():
    with pytest.raises(ValueError, match="x: expected at least 2 distinct values"):
        fit_rate(np.ones(6), Y3, R3)


def test_rejects_one_replicate():
    with pytest.raises(ValueError, match="replicate: expected at least 2 distinct replicate ids"):
        fit_rate(X3, Y3, np.zeros(6))


def test_rejects_replicates_at_one_x_each():
    with pytest.raises(ValueError, match="replicate: expected replicates spanning >= 2 distinct x values"):
        fit_rate(np.array([1.0, 2.0, 4.0]), np.array([1.0, 0.5, 0.25]), np.array([0, 1, 2]))


def test_rejects_small_n_boot():
    with pytest.raises(ValueError, match="n_boot: expected an integer >= 100"):
        fit_rate(X3, Y3, R3, n_boot=10)


def test_rejects_bad_level():
    with pytest.raises(ValueError, match=r"level: expected a value in \(0, 1\)"):
        fit_rate(X3, Y3, R3, level=1.0)


def test_rejects_bad_method():
    with pytest.raises(ValueError, match="method: expected one of"):
        fit_rate(X3, Y3, R3, method="bca")


def test_rejects_bad_rng():
    with pytest.raises(TypeError, match="rng: expected a numpy.random.Generator or None; got int"):
        fit_rate(X3, Y3, R3, rng=3)
