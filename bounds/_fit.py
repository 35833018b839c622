"""Log-log rates with a cluster-bootstrap confidence interval.

Setting. A sweep measures ``y`` (episodes needed, suboptimality, ...) at several values of
``x`` (epsilon, d, H, K), once per replicate (an independent seed). If ``y ~ C x^b``, the
least-squares slope of ``log y`` on ``log x`` estimates ``b``. The points of one replicate
are not independent of each other in general (a replicate may share an instance, a seed
stream or a data set across its ``x`` values), but replicates are independent; so the
interval resamples *replicates*, not points (the cluster, or "pairs-cluster", bootstrap:
Cameron, Gelbach & Miller 2008, "Bootstrap-based improvements for inference with clustered
errors", Rev. Econ. Stat. 90(3)). Each bootstrap draw takes ``R`` replicate ids with
replacement out of the ``R`` observed, refits the slope on all their points, and the
interval is read from the draws' distribution.

Interval methods:

* ``"percentile"`` -- the ``(1-level)/2`` and ``(1+level)/2`` quantiles of the draws
  (Efron & Tibshirani 1993, Sec. 13.3). With few clusters it under-covers: the bootstrap
  variance of a cluster mean is ``(R-1)/R`` times the unbiased one, and the normal quantile
  is too small for ``R-1`` degrees of freedom.
* ``"expanded"`` (default) -- the expanded percentile interval (Hesterberg 2015, "What
  teachers should know about the bootstrap", Am. Stat. 69(4), Sec. 5.1): the same draws read
  at the quantiles ``Phi(-/+ sqrt(R/(R-1)) t_{R-1, (1+level)/2})``, which corrects both
  effects. With 2 replicates it is the full range of the draws -- honest, wide.

Deterministic given ``rng``; without one, a fresh ``default_rng(DEFAULT_SEED)`` per call.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from mdps._validation import as_float_array, check_int, check_real, check_shape, fail

__all__ = ["RateFit", "fit_rate", "DEFAULT_SEED", "METHODS"]

#: Seed of the generator ``fit_rate`` creates when none is given (an explicit rng is preferred).
DEFAULT_SEED = 20230310
METHODS = ("expanded", "percentile")
#: Largest share of bootstrap draws allowed to be degenerate (all drawn replicates at one x).
MAX_DEGENERATE_SHARE = 0.05


@dataclass(frozen=True)
class RateFit:
    """A fitted log-log slope: ``log y = intercept + slope * log x``.

    ``interval`` is the bootstrap confidence interval for the slope at ``level`` (method
    ``method``); ``se`` the standard deviation of the bootstrap slopes; ``n_boot`` the number
    of non-degenerate bootstrap draws used.
    """

    slope: float
    interval: tuple[float, float]
    intercept: float
    n_points: int
    n_replicates: int
    level: float
    method: str = "expanded"
    se: float = float("nan")
    n_boot: int = 0

    def __post_init__(self):
        lo, hi = (float(v) for v in self.interval)
        object.__setattr__(self, "interval", (lo, hi))

    @property
    def width(self) -> float:
        return self.interval[1] - self.interval[0]

    def covers(self, value: float) -> bool:
        return self.interval[0] <= value <= self.interval[1]


def _slopes(sums: np.ndarray) -> np.ndarray:
    """OLS slopes from summed statistics ``(n, Su, Sv, Suu, Suv)`` along the last axis."""
    n, su, sv, suu, suv = np.moveaxis(sums, -1, 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        sxx = suu - su * su / n
        sxy = suv - su * sv / n
        return sxy / sxx, sxx


def fit_rate(x, y, replicate, n_boot: int = 2000, level: float = 0.95,
             rng: np.random.Generator | None = None, method: str = "expanded") -> RateFit:
    """Least-squares slope of ``log y`` on ``log x``, with a cluster-bootstrap interval.

    Parameters
    ----------
    x, y : 1-D arrays of positive finite numbers, one entry per measured point
        (filter failed cells, NaN or zero before calling: a log-log fit cannot use them).
    replicate : 1-D array of the same length; the replicate id (int or str) of each point.
        Points with the same id are one cluster and are resampled together.
    n_boot : number of bootstrap draws (>= 100).
    level : confidence level in (0, 1).
    rng : the ``numpy.random.Generator`` driving the resampling; default a fresh
        ``default_rng(DEFAULT_SEED)`` (so the result is reproducible, but pass one).
    method : ``"expanded"`` (default) or ``"percentile"`` (see the module docstring).

    Raises ``ValueError`` when fewer than 2 distinct ``x`` values or fewer than 2 replicates
    are given (no interval is defined), or when more than 5% of bootstrap draws are
    degenerate (the drawn replicates all sit at one ``x``: give each replicate several
    ``x`` values). Callers that may hit these cases catch ``ValueError`` and report the
    claim INCONCLUSIVE.
    """
    x = as_float_array("x", x, ndim=1)
    y = as_float_array("y", y, ndim=1)
    check_shape("y", y, x.shape, "(n_points,)")
    if x.size and x.min() <= 0:
        fail("x", "positive entries (a log-log fit)", f"{float(x.min())!r} at index {int(np.argmin(x))}")
    if y.size and y.min() <= 0:
        fail("y", "positive entries (a log-log fit)", f"{float(y.min())!r} at index {int(np.argmin(y))}")
    rep = np.asarray(replicate)
    if rep.ndim != 1:
        fail("replicate", "a 1-dimensional array", f"shape {rep.shape}")
    check_shape("replicate", rep, x.shape, "(n_points,)")
    if rep.dtype.kind == "f" and not np.all(np.isfinite(rep)):
        fail("replicate", "finite ids", "NaN or inf")
    n_boot = check_int("n_boot", n_boot, minimum=100)
    level = check_real("level", level, low=0, high=1, low_open=True, high_open=True)
    if method not in METHODS:
        fail("method", f"one of {METHODS}", repr(method))
    if rng is None:
        rng = np.random.default_rng(DEFAULT_SEED)
    elif not isinstance(rng, np.random.Generator):
        fail("rng", "a numpy.random.Generator or None", type(rng).__name__, TypeError)

    n_x = np.unique(x).size
    if n_x < 2:
        fail("x", "at least 2 distinct values (a slope needs two abscissae)", f"{n_x} distinct value(s)")
    ids, inverse = np.unique(rep, return_inverse=True)
    R = ids.size
    if R < 2:
        fail("replicate", "at least 2 distinct replicate ids (no interval from one replicate)",
             f"{R} id(s)")

    u = np.log(x)
    v = np.log(y)
    u_c = u - u.mean()  # centre for numerical stability; the slope is unchanged
    v_c = v - v.mean()
    per_point = np.stack([np.ones_like(u_c), u_c, v_c, u_c * u_c, u_c * v_c], axis=-1)
    per_rep = np.zeros((R, 5))
    np.add.at(per_rep, inverse, per_point)

    slope_arr, _ = _slopes(per_rep.sum(axis=0))
    slope = float(slope_arr)
    intercept = float(v.mean() - slope * u.mean())

    counts = rng.multinomial(R, np.full(R, 1.0 / R), size=n_boot).astype(np.float64)
    boot, sxx = _slopes(counts @ per_rep)
    scale = max(float(np.sum(u_c * u_c)), np.finfo(float).tiny)
    degenerate = ~np.isfinite(boot) | (sxx <= 1e-12 * scale)
    share = float(degenerate.mean())
    if share > MAX_DEGENERATE_SHARE:
        fail("replicate", f"replicates spanning >= 2 distinct x values (at most "
             f"{MAX_DEGENERATE_SHARE:.0%} degenerate bootstrap draws)", f"{share:.1%} degenerate")
    boot = boot[~degenerate]

    alpha = 1.0 - level
    if method == "percentile":
        q_lo, q_hi = alpha / 2, 1 - alpha / 2
    else:
        z = np.sqrt(R / (R - 1)) * stats.t.ppf(1 - alpha / 2, df=R - 1)
        q_lo, q_hi = float(stats.norm.cdf(-z)), float(stats.norm.cdf(z))
    lo, hi = np.quantile(boot, [q_lo, q_hi])
    return RateFit(
        slope=slope,
        interval=(float(lo), float(hi)),
        intercept=intercept,
        n_points=int(x.size),
        n_replicates=int(R),
        level=level,
        method=method,
        se=float(np.std(boot, ddof=1)) if boot.size > 1 else float("nan"),
        n_boot=int(boot.size),
    )
