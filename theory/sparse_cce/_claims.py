"""Claims of the normal-form building blocks of Foster, Golowich & Kakade (ICML 2023), notes
§1.6 Tier A (P1-P4): the LP certificates and the no-regret => CCE route that SparseCCE
generalises (a mixture of T product policies from independent no-regret learners).

``sparse_cce/no_regret_cce`` (identity, P4): for Hedge self-play on random games, the CCE gap
of the uniform mixture of the T product plays equals the largest average external regret,
exactly; and the max-welfare CCE LP's solution is certified (P1) and at least as good as the
best Nash welfare found by support enumeration (P3, two players).

``sparse_cce/hedge_rate`` (rate): that CCE gap falls at least like T^(-1/2) (Hedge with the
tuned step sqrt(8 ln A / T): regret <= sqrt(T ln A / 2)). Control: learners that do not learn
(step 1e-12: uniform play every round), whose mixture's gap stays constant: the rate test must
FAIL it. (A constant step eta = 1 is *not* a negative control on random games: measured, its
gap fell like T^-0.96 [-1.02, -0.88] at quick -- with strict pure equilibria Hedge converges,
so its regret stays O(1); the engine reported the claim UNDISCRIMINATING with that control.)
"""

from __future__ import annotations

import math

import numpy as np

from bounds import fit_rate
from mdps._validation import fail
from theory._claim import Claim, Control, Grid, Paper, Verdict

import games

__all__ = ["PAPER", "CLAIMS"]

PAPER = Paper(
    title="Hardness of Independent Learning and Sparse Equilibrium Computation in Markov Games",
    authors="D. J. Foster, N. Golowich, S. M. Kakade",
    venue="ICML 2023",
    arxiv="2303.12287",
)

IDENTITY_TOL = 1e-10  # two float64 evaluations of the same T-term average


def _game(params, rng):
    n, k = int(params["players"]), int(params["actions"])
    return games.NormalFormGame(rng.integers(0, 10, size=(n,) + (k,) * n) / 9.0)


def run_identity(params, rng):
    g = _game(params, rng)
    run = games.hedge_self_play(g, int(params["T"]))
    out = {"identity_error": abs(games.cce_gap(g, run.joint) - float(run.regret.max())),
           "max_avg_regret": float(run.regret.max())}
    lp = games.cce(g)
    out["lp_gap"] = lp.gap
    out["welfare_cce"] = lp.value
    if g.n == 2:
        eqs = games.nash_2p(g)
        out["welfare_nash_max"] = max(float(np.sum(g.welfare() * np.multiply.outer(x, y)))
                                      for x, y in eqs)
    else:
        out["welfare_nash_max"] = math.nan
    return out


def analyse_identity(table):
    if len(table) == 0:
        return Verdict.inconclusive("no cells")
    ident = float(table["identity_error"].max()) / IDENTITY_TOL
    lp = float(table["lp_gap"].max()) / 1e-9  # HiGHS vertex, certified independently
    w = table.dropna(subset=["welfare_nash_max"])
    short = float(np.max(w["welfare_nash_max"] - w["welfare_cce"])) if len(w) else -math.inf
    worst = max(ident, lp, max(short, 0.0) / 1e-9)
    return Verdict.at_most(
        "worst of |cce_gap(Hedge mixture) - max average regret| (units of 1e-10), the CCE LP's "
        "certified gap and Nash welfare above max CCE welfare (units of 1e-9)", worst, (worst, worst), 1.0,
        details={"max_identity_error": float(table["identity_error"].max()),
                 "max_lp_gap": float(table["lp_gap"].max()), "max_nash_minus_cce_welfare": short,
                 "cells": float(len(table))})


def plot_identity(table, ax=None):
    import matplotlib.pyplot as plt

    ax = ax or plt.subplots(figsize=(5, 3.5))[1]
    ax.scatter(table["max_avg_regret"], table["max_avg_regret"] + table["identity_error"], s=12,
               label="cce_gap of the Hedge mixture")
    lim = [0, float(table["max_avg_regret"].max()) * 1.05]
    ax.plot(lim, lim, "k:", label="= max average regret (identity)")
    ax.set(xlabel="max_i average regret_i", ylabel="CCE gap", title="sparse_cce/no_regret_cce")
    ax.legend(fontsize=7)
    return ax


def run_rate(params, rng):
    g = _game(params, rng)
    T = int(params["T"])
    if params["step"] == "tuned":
        eta = None
    elif params["step"] == "frozen":
        eta = 1e-12  # weights never move: uniform play every round
    else:
        fail("params['step']", "'tuned' or 'frozen'", repr(params["step"]))
    run = games.hedge_self_play(g, T, eta=eta)
    return {"cce_gap": games.cce_gap(g, run.joint),
            "bound": math.sqrt(math.log(max(g.actions)) / (2 * T))}


def analyse_rate(table):
    t = table[table["cce_gap"] > 0]
    dropped = len(table) - len(t)
    try:
        f = fit_rate(t["T"].to_numpy(float), t["cce_gap"].to_numpy(float), t["replicate"].to_numpy(),
                     rng=np.random.default_rng(0))
    except ValueError as e:
        return Verdict.inconclusive(f"no fit: {e}", "log-log slope of the CCE gap in T")
    above = float(np.mean(table["cce_gap"] > table["bound"] + 1e-12))
    return Verdict.at_most(
        "log-log slope of the Hedge mixture's CCE gap in T", f.slope, f.interval, -0.35,
        reason=("Hedge's regret bound sqrt(ln A / (2T)) per round: slope -1/2, one-sided (a "
                "steeper fall is consistent: games with a pure equilibrium converge faster); "
                f"bound exceeded in {above:.0%} of cells; {dropped} cells with gap 0 dropped "
                "(the log scale cannot hold them; dropping them flattens the slope, against PASS)."),
        details={"share_above_bound": above, "zero_gap_cells": float(dropped)})


def plot_rate(table, ax=None):
    import matplotlib.pyplot as plt

    ax = ax or plt.subplots(figsize=(5, 3.5))[1]
    for k, (step, g) in enumerate(table.groupby("step")):
        mean = g.groupby("T")["cce_gap"].mean()
        ax.plot(mean.index, mean.values, "o-", color=f"C{k}", label=f"Hedge, {step} step (mean)")
    b = table.groupby("T")["bound"].first()
    ax.plot(b.index, b.values, "k:", label="sqrt(ln A / 2T) (regret bound)")
    ax.set(xscale="log", yscale="log", xlabel="rounds T", ylabel="CCE gap of the mixture",
           title="sparse_cce/hedge_rate")
    ax.legend(fontsize=7)
    return ax


_ID = {"players": (2, 3), "actions": (2, 3), "T": (10, 100)}
_RATE = {"players": (2,), "actions": (3,), "T": (64, 256, 1024, 4096), "step": ("tuned",)}
CLAIMS = (
    Claim(
        id="sparse_cce/no_regret_cce", paper=PAPER,
        theorem="Sec. 2, no-regret => SparseCCE (notes 1.2 lemma; 1.6 P1, P3, P4)",
        statement=("For independent Hedge learners on random games, the uniform mixture of the T "
                   "product plays is an eps-CCE with eps equal to the largest average external "
                   "regret (exactly); the max-welfare CCE LP returns a certified CCE whose welfare "
                   "is at least that of every Nash equilibrium (two players)."),
        provenance="derived", kind="identity",
        grids={"smoke": Grid(_ID, 2), "quick": Grid(_ID, 10), "full": Grid(_ID, 50)},
        run=run_identity, analyse=analyse_identity, plot=plot_identity,
        notes="A standard lemma the paper states in one line; our derivation, tested exactly.",
    ),
    Claim(
        id="sparse_cce/hedge_rate", paper=PAPER,
        theorem="Sec. 2, no-regret => SparseCCE with T = O(ln A / eps^2) components",
        statement=("The CCE gap of the Hedge self-play mixture falls at least like T^(-1/2) "
                   "(fitted slope at most -1/2 + 0.15), so T = O(ln A / eps^2) product policies "
                   "give an eps-CCE; players that do not learn (a control) do not."),
        provenance="derived", kind="rate",
        controls=(Control("frozen", "players that never update (uniform play): the mixture's "
                          "CCE gap does not fall with T", {"step": ("frozen",)}, expect="fail"),),
        grids={"smoke": Grid(_RATE, 4), "quick": Grid(_RATE, 12), "full": Grid(_RATE, 40)},
        run=run_rate, analyse=analyse_rate, plot=plot_rate,
    ),
)
