"""A researcher's own claim, outside the package: Hoeffding's inequality for Bernoulli means.

    P(|mean of n i.i.d. Bernoulli(p) - p| >= t) <= 2 exp(-2 n t^2)

Run it with the CLI (``boundlab verify hoeffding --module examples/hoeffding.py``) or from
Python (``theory.add_claims("examples/hoeffding.py")`` then ``theory.verify("hoeffding")``).
The control breaks the theorem's independence assumption: all n draws are one coin copied,
so the deviation is at least min(p, 1 - p) >= t every time and the bound must FAIL.
"""

import math

import numpy as np

from theory import Claim, Control, Grid, Paper, Verdict
from theory._stats import clopper_pearson

TRIALS = 4000  # simulated sample means per cell

PAPER = Paper("Probability inequalities for sums of bounded random variables", "W. Hoeffding",
              "J. Amer. Statist. Assoc. 58 (1963)", "")


def run(params, rng):
    n, p, t = params["n"], params["p"], params["t"]
    if params["draws"] == "iid":
        means = rng.binomial(n, p, size=TRIALS) / n
    else:  # "copies": one coin flip repeated n times (dependent draws)
        means = rng.binomial(1, p, size=TRIALS).astype(float)
    return {"exceed": float(np.sum(np.abs(means - p) >= t)), "trials": float(TRIALS),
            "bound": min(1.0, 2 * math.exp(-2 * n * t * t))}


def analyse(table):
    """Every cell: frequency <= bound. Per cell a Clopper-Pearson interval (Bonferroni over the
    cells, so jointly 95%) of frequency - bound; PASS if every upper end is <= 0, FAIL if some
    lower end is > 0."""
    alpha = 0.05 / len(table)
    gaps, lows, highs = [], [], []
    for r in table.itertuples():
        lo, hi = clopper_pearson(int(r.exceed), int(r.trials), alpha)
        gaps.append(r.exceed / r.trials - r.bound)
        lows.append(lo - r.bound)
        highs.append(hi - r.bound)
    return Verdict.at_most("exceedance frequency minus the Hoeffding bound (worst cell)",
                           max(gaps), (max(lows), max(highs)), 0.0)


def plot(table, ax=None):
    import matplotlib.pyplot as plt

    ax = ax or plt.subplots(figsize=(5, 3.5))[1]
    for (draws, n), g in table.groupby(["draws", "n"]):
        ax.plot(g["t"], g["exceed"] / g["trials"], "o", label=f"measured, n={n}, {draws}")
        ax.plot(g["t"], g["bound"], "k:", lw=1)
    ax.set(xlabel="t", ylabel="P(|mean - p| >= t)", yscale="log", title="Hoeffding (dotted: bound)")
    ax.legend(fontsize=7)
    return ax


GRID = {"n": (20, 50), "p": (0.5,), "t": (0.1, 0.2, 0.25), "draws": ("iid",)}
CLAIMS = (Claim(
    id="hoeffding/bernoulli_mean", paper=PAPER, theorem="Theorem 1 (Hoeffding 1963)",
    statement="P(|mean - p| >= t) <= 2 exp(-2 n t^2) for n i.i.d. Bernoulli(p) draws.",
    provenance="derived", kind="bound", run=run, analyse=analyse, plot=plot,
    grids={"smoke": Grid(GRID, 2), "quick": Grid(GRID, 5), "full": Grid(GRID, 20)},
    controls=(Control("dependent_draws", "one coin copied n times (independence violated)",
                      {"draws": ("copies",)}, expect="fail"),),
),)
