"""Test-only claims with negative controls (see tests/theory/test_controls.py).

``n`` draws of ``N(mu, 1)``, summarised by an ``estimator``: ``mean`` (unbiased), ``shifted``
(the mean plus 1: biased, so the unbiasedness test must FAIL on it) or ``median`` (also
unbiased for a normal: a control that PASSes the same test, so a claim that declares it is
UNDISCRIMINATING).
"""

from __future__ import annotations

import numpy as np

from theory._claim import Claim, Control, Grid, Paper

from ._toyclaims import analyse_unbiased, plot_mean

PAPER = Paper("A toy paper on estimators", "Nobody", "Tests", "0000.00001")


def run_estimator(params, rng):
    x = rng.normal(params["mu"], 1.0, size=params["n"])
    est = {"mean": x.mean(), "shifted": x.mean() + 1.0, "median": np.median(x)}[params["estimator"]]
    return {"error": float(est - params["mu"])}


def _grids():
    return {
        "smoke": Grid({"mu": (0.0,), "n": (50,), "estimator": ("mean",)}, 6),
        "quick": Grid({"mu": (0.0, 1.0), "n": (50,), "estimator": ("mean",)}, 6),
        "full": Grid({"mu": (0.0, 1.0), "n": (50, 100), "estimator": ("mean",)}, 10),
    }


SHIFTED = Control("shifted_mean", "the sample mean plus 1 (biased by construction)",
                  {"estimator": ("shifted",)}, expect="fail")
MEDIAN = Control("median", "the sample median (also unbiased: cannot be told apart)",
                 {"estimator": ("median",)})


def _claim(cid, controls):
    return Claim(id=cid, paper=PAPER, theorem="Toy Lemma 2", kind="bound",
                 statement="The sample mean is unbiased; a biased estimator is told apart.",
                 provenance="derived", grids=_grids(), run=run_estimator,
                 analyse=analyse_unbiased, plot=plot_mean, controls=controls)


CLAIMS = (
    _claim("toyctl/discriminating", (SHIFTED,)),
    _claim("toyctl/undiscriminating", (SHIFTED, MEDIAN)),
)
