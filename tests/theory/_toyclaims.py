"""Cheap, deterministic test-only claims for the registry, verify, report and CLI tests.

They reach the registry through ``BOUNDLAB_EXTRA_CLAIMS=tests.theory._toyclaims`` (see
``theory/_registry.py``), never through ``PAPER_MODULES``.

Setting: ``n`` i.i.d. draws ``X_i ~ N(mu, 1)``; the sample mean is unbiased, so the error
``mean(X) - mu`` has expectation 0 (``toy/unbiased`` predicts 0 and should PASS). The other
claims are planted defects: ``toybad/false`` predicts an error of 1 (FAIL), ``toybad/raises``
has an ``analyse`` that raises (an ERROR row), ``toyplot/broken_plot`` passes but its plot
raises (an error line in the report, not a crash).
"""

from __future__ import annotations

import math

import numpy as np

from theory._claim import Claim, Grid, Paper, Verdict

PAPER = Paper("A toy paper on sample means", "Nobody", "Tests", "0000.00000")


class ToyBound:
    """A stand-in for ``bounds.Bound``: ``show`` prints ``latex()`` and ``expr``."""

    expr = "0"

    def latex(self) -> str:
        return r"\mathbb{E}[\bar X - \mu] = 0"


def run_mean(params, rng):
    """One cell: the error of the sample mean of ``n`` draws from ``N(mu, 1)``."""
    x = rng.normal(params["mu"], 1.0, size=params["n"])
    return {"error": float(x.mean() - params["mu"]), "abs_error": float(abs(x.mean() - params["mu"]))}


def _mean_interval(table):
    e = table["error"].to_numpy(dtype=float)
    m = float(e.mean())
    # 4 standard errors: a toy claim must not flip on an unlucky seed (normal tail ~6e-5).
    half = 4.0 * float(e.std(ddof=1)) / math.sqrt(len(e)) if len(e) > 1 else math.inf
    return m, (m - half, m + half)


def analyse_unbiased(table):
    m, iv = _mean_interval(table)
    # per-cell sd is 1/sqrt(n) <= 0.15 for n >= 50; a band of 0.5 is several intervals wide
    return Verdict.from_interval("mean error of the sample mean", m, iv, 0.0, 0.5)


def analyse_false(table):
    m, iv = _mean_interval(table)
    return Verdict.from_interval("mean error of the sample mean", m, iv, 1.0, 0.1,
                                 reason="planted false prediction")


def analyse_raises(table):
    raise RuntimeError("planted bug in analyse")


def plot_mean(table, ax=None):
    if ax is None:
        from matplotlib.figure import Figure

        ax = Figure().add_subplot()
    for mu, group in table.groupby("mu"):
        ax.plot(group["n"], group["error"], "o", label=f"mu={mu}")
    ax.axhline(0.0, color="k", lw=0.8)
    ax.set_xlabel("n")
    ax.set_ylabel("error")
    return ax


def plot_raises(table, ax=None):
    raise ValueError("planted bug in plot")


def _grids(reps_smoke=4):
    return {
        "smoke": Grid({"mu": (0.0, 1.0), "n": (50,)}, reps_smoke),
        "quick": Grid({"mu": (0.0, 1.0), "n": (50, 100)}, 6),
        "full": Grid({"mu": (0.0, 1.0, 2.0), "n": (50, 100, 200)}, 20),
    }


def _claim(cid, analyse, plot=plot_mean, **kw):
    return Claim(
        id=cid, paper=PAPER, theorem="Toy Lemma 1",
        statement="The sample mean of n i.i.d. N(mu, 1) draws is unbiased for mu.",
        provenance="derived", grids=_grids(), run=run_mean, analyse=analyse, plot=plot, **kw,
    )


CLAIMS = (
    _claim("toy/unbiased", analyse_unbiased, bound=ToyBound()),
    _claim("toybad/false", analyse_false),
    _claim("toybad/raises", analyse_raises),
    _claim("toyplot/broken_plot", analyse_unbiased, plot=plot_raises),
)


def use_toy_registry(monkeypatch, paper_modules=()):
    """Make the registry hold only these toy claims (plus ``paper_modules``) for one test.

    Sets ``BOUNDLAB_EXTRA_CLAIMS`` (inherited by worker processes) and replaces
    ``PAPER_MODULES``; the registry cache is keyed on the module list, so the paper
    registry of other tests is untouched.
    """
    from theory import _registry

    monkeypatch.setattr(_registry, "PAPER_MODULES", tuple(paper_modules))
    monkeypatch.setenv(_registry.EXTRA_CLAIMS_ENV, __name__)
    return {c.id: c for c in CLAIMS}
