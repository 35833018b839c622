"""Each theorem's bound as one SymPy expression, and rate fitting with confidence intervals.

* :class:`Bound` -- a bound over positive symbols (``bounds.d``, ``bounds.epsilon``, ...)
  with its paper, theorem and provenance; ``evaluate``; exponents (asymptotic, local, over a
  finite range); LaTeX.
* :func:`fit_rate` -> :class:`RateFit` -- the log-log slope of measured data with a cluster
  bootstrap interval over replicates.
* Paper modules: :mod:`bounds.reward_free` (HF-UCRL-RFE++ and its baselines).

Which exponent a claim uses: ``predicted`` = :meth:`Bound.exponent` (the asymptotic
slope, what an ``O~(.)`` theorem states; exact, log factors ignored); the tolerance is
reasoned with :meth:`Bound.range_exponent` over the swept grid (how far log factors move
the finite-range slope). Decide with ``theory.Verdict.from_interval(q, fit.slope,
fit.interval, predicted, tol)``; ``fit_rate`` raises ``ValueError`` when no interval
exists (one replicate, one x value): report INCONCLUSIVE then.

``bounds`` knows formulas, not simulators, and does not import ``theory``.
"""

from ._bound import (
    KINDS,
    PROVENANCES,
    A,
    B,
    Bound,
    H,
    K,
    N,
    S,
    T,
    beta,
    d,
    delta,
    epsilon,
    gamma,
    n,
    power_order,
    symbols,
)
from ._fit import RateFit, fit_rate, fit_rate_censored

__all__ = [
    "Bound",
    "RateFit",
    "fit_rate",
    "fit_rate_censored",
    "power_order",
    "symbols",
    "PROVENANCES",
    "KINDS",
    "d",
    "epsilon",
    "H",
    "K",
    "n",
    "N",
    "T",
    "delta",
    "gamma",
    "S",
    "A",
    "beta",
    "B",
]
