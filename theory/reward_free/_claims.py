"""The five claims of HF-UCRL-RFE++ (issue 5; notes C2, C5).

The theoretical confidence radius is ~1e3 and would need ~1e12 d^2/eps^2 episodes (notes
A2.5), so every simulation multiplies it by an explicit ``radius_scale`` (default
``SIMULATED_RADIUS_SCALE``), every verdict reports that scale in ``Verdict.details``, and only
scaling laws are tested, never the constants. Rates are fitted with ``bounds.fit_rate``
(least squares on log-log data, cluster bootstrap over replicates; ``fit_rate_censored``
where cells are censored at K_max).

Shared definitions.
* *Test rewards* on a random instance: the reward dictionary of ``_planning.reward_dictionary``
  (uniform, terminal and running goals, per-(s, a) rewards) plus the segments between every
  pair of the first ``2S + 1`` of them at 9 mixing weights (mixtures stay in the class
  "total reward <= 1" and create near-ties between policies, where model errors cost most).
  The worst suboptimality over this finite set is computed exactly (backward induction in the
  true kernel).
* *Episodes needed* ``K_eps``: on a geometric grid of checkpoints (ratio 2^(1/4)), the first
  checkpoint from which the worst-case suboptimality stays <= eps up to ``K_max``; NaN
  (censored) if it is above eps at ``K_max``. On the hard instance one cell averages the
  suboptimality curves of ``n_runs`` independent runs first (one run's first-passage time is
  dominated by luck on the few sign coordinates).
* *Hard instance* (notes A5): ``mdps.hard_instance(d, H, Delta)`` with
  ``Delta = 2 eps / (d - 1)`` and random signs; then every sign mismatch costs
  ``2 Delta (H-1)/H`` and the ideal learner needs ``K ~ (d-1)^2 / eps^2`` (the lower-bound
  family reparametrised by eps instead of K). The d-rate is fitted against ``d - 1``, the
  number of unknown sign coordinates; the slope against ``d`` is reported beside it.
* Oracle: the greedy backward pass (``HFConfig.improve = 0``), the paper's
  ``M = ceil(log2(7 K H))`` moment levels (:func:`hf_config`), ``delta = 0.1``; the oracle's
  reward dictionary is the first ``2S + 1`` dictionary rewards.
* Horizon claim instances use near-sparse base kernels (Dirichlet 0.1): with Dirichlet(1)
  many instances were already eps-optimal at the first checkpoint (K_eps unmeasurable).
* Rate verdicts need >= ``MIN_CLUSTERS`` replicate clusters, else INCONCLUSIVE (smoke grids).
* Controls (issue 9): every rate claim has an ``explorer`` parameter (``hf`` in its grids);
  its controls run uniform exploration, UCRL-RFE at its covering scale ``UCRL_COVERING_SCALE``
  and (k_rate) a frozen learner through the same sweep and the same analysis. A baseline that
  PASSes makes the claim UNDISCRIMINATING; horizon_free's UCRL-RFE control must FAIL (its
  K_eps grows in H), else the claim is at best INCONCLUSIVE.
* Censoring: a cell whose K_eps exceeds K_max is kept in the fit as right-censored
  (``bounds.fit_rate_censored``, Tobit), never dropped.
* Good event: cells where theta* left the confidence set (``c_min > radius_scale``) are
  counted; above ``DELTA`` of the cells the verdict is INCONCLUSIVE. Explorers without a
  confidence set (uniform, frozen) have ``c_min`` NaN.
* Calibration: ``SIMULATED_RADIUS_SCALE`` was read off version-1 coverage cells; the coverage
  claim (version >= 2) is judged on fresh cells, and its control (an undersized radius) must FAIL.
  ``UCRL_COVERING_SCALE`` was read off version-2 horizon runs: the same instances (seeded by
  ``instance``) with other exploration seeds, so it is not held out; it only decides where
  UCRL-RFE's control runs (the good-event count on the control's own cells is reported).
* Quick-scale power: more replicate clusters rather than more runs per cell: the cluster
  bootstrap's interval is limited by the number of clusters.
* Plots: the bound curves are multiplied by a constant so that they pass through the geometric
  mean of the HF-UCRL-RFE++ data at the smallest abscissa; only their shape is compared.
"""

from __future__ import annotations

import math

import numpy as np

from bounds import fit_rate, fit_rate_censored
from bounds import reward_free as rfb
from mdps._linear import hard_instance, random_linear_mixture_mdp
from mdps._validation import fail
from theory._claim import Claim, Control, Grid, Paper, Status, Verdict
from theory._stats import clopper_pearson

from ._baselines import explore_ucrl_rfe, explore_uniform, plan_ucrl_rfe
from ._explore import HFConfig, explore_hf, geometric_checkpoints
from ._planning import plan_in_model, reward_dictionary, suboptimality

__all__ = ["CLAIMS", "SIMULATED_RADIUS_SCALE", "random_test_rewards", "hard_test_rewards",
           "episodes_needed"]

PAPER = Paper(
    title="Optimal Horizon-Free Reward-Free Exploration for Linear Mixture MDPs",
    authors="Junkai Zhang, Weitong Zhang, Quanquan Gu",
    venue="ICML 2023",
    arxiv="2303.10165",
)

#: The radius scale c_beta used by the rate claims: the smallest round value at which the
#: coverage claim measured theta* inside every confidence ellipsoid (c_min ~ 0.0015-0.002 on
#: the C1 instances), so the simulated algorithm runs on its good event.
SIMULATED_RADIUS_SCALE = 0.003
#: UCRL-RFE's own radius scale, chosen by the same rule as ``SIMULATED_RADIUS_SCALE``: the
#: smallest round value (1-2-5 sequence) above the largest ``c_min`` of UCRL-RFE measured on
#: 16 runs of the quick horizon instances (H in {4, 16, 128}, K = 1024): 0.12 when run at
#: 0.003 and 0.15 when run at 0.2. UCRL-RFE's theoretical radius is nearly tight (~H sqrt(d
#: log)), HF's ~1e3 times too wide, so one shared scale of 0.003 leaves theta* far outside
#: UCRL-RFE's ellipsoids (it then plans almost greedily in its fitted model).
UCRL_COVERING_SCALE = 0.2
DELTA = 0.1
HARD_A = 2.0  # Delta = HARD_A * eps / (d - 1)
PER_OCTAVE = 4


# ----------------------------------------------------------------------------- helpers


def random_test_rewards(S: int, A: int, H: int, n_mix: int = 9) -> np.ndarray:
    """Dictionary + pairwise segments (see the module docstring), ``(N, H, S, A)``."""
    base = reward_dictionary(S, A, H)
    core = base[: 2 * S + 1]
    lam = np.linspace(0.0, 1.0, n_mix)[1:-1]
    segs = [l * core[i] + (1 - l) * core[j] for i in range(len(core)) for j in range(i + 1, len(core))
            for l in lam]
    return np.concatenate([base, np.stack(segs)]) if segs else base


def hard_test_rewards(A: int, H: int) -> np.ndarray:
    """Rewards on the hard instance: 1/H per step on x3, on x2, and terminal indicators."""
    R = np.zeros((4, H, 3, A))
    R[0, :, 2, :] = 1.0 / H
    R[1, :, 1, :] = 1.0 / H
    R[2, H - 1, 2, :] = 1.0
    R[3, H - 1, 1, :] = 1.0
    return R


def episodes_needed(checkpoints, subopt, eps: float) -> float:
    """First checkpoint from which ``subopt <= eps`` at every later checkpoint; NaN if none."""
    cps = np.asarray(checkpoints)
    bad = np.nonzero(np.asarray(subopt) > eps)[0]
    if bad.size == 0:
        return float(cps[0])
    if bad[-1] == cps.size - 1:
        return math.nan
    return float(cps[bad[-1] + 1])


def _worst(P, phi, thetas, R, s1=0):
    return np.array([suboptimality(P, plan_in_model(phi, th, R)[0], R, s1).max() for th in thetas])


def _worst_ucrl(P, phi, res, R):
    return np.array([suboptimality(P, plan_ucrl_rfe(phi, th, Gi, res.beta, R), R).max()
                     for th, Gi in zip(res.thetas, res.Ginvs)])


def _cols(table, prefix):
    cols = [c for c in table.columns if c.startswith(prefix)]
    return sorted(cols, key=lambda c: int(c[len(prefix):]))


def _scale(table):
    vals = np.unique(table["radius_scale"]) if "radius_scale" in table else [math.nan]
    return float(vals[0]) if len(vals) == 1 else math.nan


#: Fewest replicate clusters for a decisive rate verdict: with 2-3 clusters the cluster
#: bootstrap has only 3-10 distinct resamples, so no 95% interval exists (smoke grids).
MIN_CLUSTERS = 4


def _fit_censored(x, y, rep, budget):
    """:func:`bounds.fit_rate_censored` with NaN ``y`` censored at ``budget``."""
    ok = np.isfinite(x) & (np.isnan(y) | (y > 0))
    if np.unique(np.asarray(rep)[ok]).size < MIN_CLUSTERS:
        raise ValueError(f"fewer than {MIN_CLUSTERS} replicate clusters (a 95% cluster-bootstrap "
                         "interval needs more)")
    return fit_rate_censored(np.asarray(x)[ok], np.asarray(y)[ok], np.asarray(rep)[ok],
                             np.asarray(budget)[ok], rng=np.random.default_rng(0))


def _fit(x, y, rep):
    ok = np.isfinite(x) & np.isfinite(y) & (y > 0)
    if np.unique(np.asarray(rep)[ok]).size < MIN_CLUSTERS:
        raise ValueError(f"fewer than {MIN_CLUSTERS} replicate clusters (a 95% cluster-bootstrap "
                         "interval needs more)")
    return fit_rate(np.asarray(x)[ok], np.asarray(y)[ok], np.asarray(rep)[ok],
                    rng=np.random.default_rng(0))


#: The explorers a rate claim's ``explorer`` parameter selects: the algorithm of the theorem
#: and the baselines its controls run through the same sweep and the same analysis.
EXPLORERS = ("hf", "uniform", "ucrl", "frozen")
EXPLORER_LABELS = {"hf": "HF-UCRL-RFE++", "uniform": "uniform exploration", "ucrl": "UCRL-RFE",
                   "frozen": "frozen model (stops learning after the first checkpoint)"}


def paper_levels(K: int, H: int) -> int:
    """The paper's number of moment levels, ``M = ceil(log2(7 K H))``."""
    return int(math.ceil(math.log2(7 * K * H)))


def hf_config(c: float, K: int, H: int) -> HFConfig:
    """HF-UCRL-RFE++ as the claims run it: radius scale ``c``, ``delta = DELTA`` and the
    paper's ``M = ceil(log2(7 K H))`` levels (version 1-2 of the claims used M = 4; at
    K = 1024, H = 8 the paper's M = 16 changed the worst-case suboptimality by at most 0.016,
    in both directions over 8 seeds, for 1.3x the time)."""
    return HFConfig(radius_scale=c, delta=DELTA, M=paper_levels(K, H))


def _explore(explorer, m, H, K, R_oracle, R_test, rng, c, cps):
    """Run ``explorer`` on the instance ``m`` (``phi``, ``P``, ``theta``) for ``K`` episodes and
    return ``(worst suboptimality over R_test at each checkpoint, c_min, extra)``.

    ``c_min`` is the smallest confidence-radius scale covering theta* over the run (NaN for
    explorers without a confidence set); "frozen" is uniform exploration whose model stops
    at the first checkpoint (a learner that does not learn: the rate claims must FAIL it)."""
    if explorer not in EXPLORERS:
        fail("params['explorer']", f"one of {EXPLORERS}", repr(explorer))
    extra = {}
    if explorer == "hf":
        res = explore_hf(m.phi, m.P, H, K, R_oracle, rng, hf_config(c, K, H),
                         theta_star=m.theta, checkpoints=cps)
        extra = {"outside_U": float(res.outside_U),
                 "oracle_share": res.time_oracle / max(res.time_oracle + res.time_regression, 1e-12)}
        return _worst(m.P, m.phi, res.theta_plan, R_test), float(res.c_min), extra
    if explorer == "ucrl":
        res = explore_ucrl_rfe(m.phi, m.P, H, K, rng, radius_scale=c, delta=DELTA, checkpoints=cps,
                               theta_star=m.theta)
        return _worst_ucrl(m.P, m.phi, res, R_test), float(res.c_min), extra
    res = explore_uniform(m.phi, m.P, H, K, rng, checkpoints=cps)
    thetas = res.thetas if explorer == "uniform" else np.repeat(res.thetas[:1], len(cps), axis=0)
    return _worst(m.P, m.phi, thetas, R_test), math.nan, extra


def _good_event(table, details):
    """The theorem's rates hold on its good event (theta* in every confidence set). Count the
    cells where theta* left the set (``c_min > radius_scale``); above ``DELTA`` of the cells
    the verdict cannot speak for the theorem. Returns a reason, or "" when the event holds
    (or the explorer has no confidence set: every ``c_min`` NaN)."""
    cm = table["c_min"].to_numpy(float) if "c_min" in table else np.array([])
    scale = table["radius_scale"].to_numpy(float) if "radius_scale" in table else np.array([])
    known = np.isfinite(cm)
    if not known.any():
        details["cells_with_theta_outside"] = math.nan
        return ""
    outside = int(np.sum(cm[known] > scale[known]))
    details["cells_with_theta_outside"] = outside
    details["share_with_theta_outside"] = outside / int(known.sum())
    if outside > DELTA * known.sum():
        return (f"theta* left the confidence set in {outside}/{int(known.sum())} cells "
                f"(> delta = {DELTA}): the run is off the theorem's good event at "
                f"radius_scale={_scale(table):g}")
    return ""


def _by_explorer(table):
    """``[(explorer, rows)]`` with HF-UCRL-RFE++ first (plots draw a claim's table together
    with its controls' tables when given their concatenation)."""
    if "explorer" not in table:
        return [("hf", table)]
    groups = dict(tuple(table.groupby("explorer", sort=False)))
    order = sorted(groups, key=lambda e: EXPLORERS.index(e) if e in EXPLORERS else len(EXPLORERS))
    return [(e, groups[e]) for e in order]


def _explorer_label(table):
    vals = np.unique(table["explorer"]) if "explorer" in table else ["hf"]
    return ", ".join(EXPLORER_LABELS.get(str(v), str(v)) for v in vals)


def _ax(ax):
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(5, 3.6))
    return ax


# ----------------------------------------------------------------------------- 1. k_rate


def run_k_rate(params, rng):
    S, A, d, H = params["S"], params["A"], params["d"], params["H"]
    K = params["K_max"]
    mdp = random_linear_mixture_mdp(S, A, d, H, rng)
    R_or = reward_dictionary(S, A, H)[: 2 * S + 1]
    R_test = random_test_rewards(S, A, H)
    cps = geometric_checkpoints(K, per_octave=1, start=8)
    sub, c_min, extra = _explore(params.get("explorer", "hf"), mdp, H, K, R_or, R_test, rng,
                                 params["radius_scale"], cps)
    out = {"c_min": c_min, **extra}
    for k, s in zip(cps, sub):
        out[f"subopt_{int(k)}"] = float(s)
    return out


def _k_points(table, prefix):
    cols = _cols(table, prefix)
    ks = np.array([int(c[len(prefix):]) for c in cols])
    return ks, table[cols].to_numpy(float)


def analyse_k_rate(table) -> Verdict:
    ks, Y = _k_points(table, "subopt_")
    K_max = ks.max()
    win = ks >= K_max / 16  # the last four octaves: "at large K" (notes C2-E1)
    x = np.tile(ks[win], Y.shape[0])
    y = Y[:, win].ravel()
    rep = np.repeat(np.arange(Y.shape[0]), win.sum())
    n_zero = int((y <= 0).sum())
    cm = table["c_min"].to_numpy(float)
    details = {"radius_scale": _scale(table), "K_max": float(K_max), "zero_points_dropped": n_zero,
               "c_min_median": float(np.nanmedian(cm)) if np.isfinite(cm).any() else math.nan,
               "c_min_max": float(np.nanmax(cm)) if np.isfinite(cm).any() else math.nan,
               "mean_subopt_at_K_max": float(Y[:, -1].mean())}
    q = f"log-log slope of worst-case suboptimality in K (last 4 octaves; {_explorer_label(table)})"
    off = _good_event(table, details)
    if off:
        return Verdict(Status.INCONCLUSIVE, q, math.nan, (math.nan, math.nan), -0.35, 0.0, off, details)
    try:
        f = _fit(x, y, rep)
    except ValueError as e:
        return Verdict(Status.INCONCLUSIVE, q, math.nan, (math.nan, math.nan), -0.35, 0.0, f"no fit: {e}", details)
    details.update(two_sided_band_contains_interval=float(-0.65 <= f.interval[0] and f.interval[1] <= -0.35))
    return Verdict.at_most(
        q, f.slope, f.interval, -0.35,
        reason=("Theorem 2.6.3 is an upper bound O~(d^2/K + d/sqrt(K)): the slope must be at most "
                "-1/2 up to 0.15 for log factors and the finite window (notes C2-E1 refutes at "
                "'shallower than -0.35'); a steeper slope is consistent (finite test set, exact "
                f"policies eventually). radius_scale={_scale(table):g}; {n_zero} zero points dropped "
                "(log scale), which biases the slope towards 0, i.e. against PASS."),
        details=details)


def plot_k_rate(table, ax=None):
    ax = _ax(ax)
    for j, (name, g) in enumerate(_by_explorer(table)):
        ks_g, Y_g = _k_points(g, "subopt_")
        for i in range(Y_g.shape[0]):
            ax.plot(ks_g, np.maximum(Y_g[i], 1e-5), "o-", color=f"C{j}", alpha=0.35, ms=3,
                    label=EXPLORER_LABELS.get(name, name) if i == 0 else None)
    table = _by_explorer(table)[0][1]  # the bound is drawn through the claim's own explorer
    ks, Y = _k_points(table, "subopt_")
    anchor = np.exp(np.mean(np.log(np.maximum(Y[:, ks >= ks.max() / 16][:, 0], 1e-5))))
    k0 = ks[ks >= ks.max() / 16][0]
    ax.plot(ks, anchor * np.sqrt(k0 / ks), "k:", label="d/sqrt(K) (scaled through data at K_max/16)")
    ax.set(xscale="log", yscale="log", xlabel="exploration episodes K",
           ylabel="worst-case suboptimality (floored 1e-5)",
           title=f"reward_free/k_rate (c_beta={_scale(table):g})")
    ax.legend(fontsize=7)
    return ax


# ----------------------------------------------------------------------------- 2. eps / d rate


def run_hard(params, rng):
    """``n_runs`` independent runs of ``params["explorer"]`` (fresh random signs each);
    ``K_eps`` of the *mean* worst-case suboptimality curve over them (a single run's
    first-passage time is dominated by luck on the sign coordinates); NaN when the mean curve
    is still above eps at ``K_max`` (right-censored at ``K_max``)."""
    d, eps, H = params["d"], params["eps"], params["H"]
    K, c, n_runs = params["K_max"], params["radius_scale"], params["n_runs"]
    Delta = HARD_A * eps / (d - 1)
    cps = geometric_checkpoints(K, per_octave=PER_OCTAVE, start=4)
    subs, c_min = [], []
    for _ in range(n_runs):
        signs = rng.choice(np.array([-1, 1]), size=d - 1)
        m = hard_instance(d, H, Delta, signs=signs).mdp
        R = hard_test_rewards(m.A, H)
        sub, cm, _ = _explore(params.get("explorer", "hf"), m, H, K, R, R, rng, c, cps)
        subs.append(sub)
        c_min.append(cm)
    mean = np.mean(subs, axis=0)
    return {"Delta": Delta, "c_min": float(np.max(c_min)), "k_eps": episodes_needed(cps, mean, eps),
            "k_first": float(cps[0]), "subopt_K_max": float(mean[-1])}


def _rate_verdict(table, xcol, predicted, quantity, extra_reason, xfun=lambda v: v):
    """Slope of ``log K_eps`` on ``log x``: cells censored at ``K_max`` (NaN) enter the Tobit
    fit as "more than K_max" (``bounds.fit_rate_censored``), never dropped; cells resolved at
    the first checkpoint (left-censored: eps too loose to measure) above 20% make the verdict
    INCONCLUSIVE, as does a run off the good event."""
    x = xfun(table[xcol].to_numpy(float))
    y = table["k_eps"].to_numpy(float)
    rep = table["replicate"].to_numpy()
    censored = int(np.isnan(y).sum())
    quantity = f"{quantity}; {_explorer_label(table)}"
    cm = table["c_min"].to_numpy(float)
    details = {"radius_scale": _scale(table), "censored": censored, "cells": len(y),
               "c_min_median": float(np.nanmedian(cm)) if np.isfinite(cm).any() else math.nan,
               "c_min_max": float(np.nanmax(cm)) if np.isfinite(cm).any() else math.nan}
    first = int((y == table["k_first"].to_numpy(float)).sum())
    details["at_first_checkpoint"] = first
    tol = 0.4  # notes C2-E2: log factors of beta over a ~10x range of K move the slope by ~0.1-0.2
    off = _good_event(table, details)
    if off:
        return Verdict(Status.INCONCLUSIVE, quantity, math.nan, (math.nan, math.nan), predicted, tol,
                       off, details)
    if first > 0.2 * len(y):
        return Verdict(Status.INCONCLUSIVE, quantity, math.nan, (math.nan, math.nan), predicted, tol,
                       f"{first}/{len(y)} cells reached eps at the first checkpoint (unresolved); "
                       f"radius_scale={_scale(table):g}", details)
    try:
        f = _fit_censored(x, y, rep, table["K_max"].to_numpy(float))
    except ValueError as e:
        return Verdict(Status.INCONCLUSIVE, quantity, math.nan, (math.nan, math.nan), predicted, tol,
                       f"no fit: {e}", details)
    return Verdict.from_interval(
        quantity, f.slope, f.interval, predicted, tol,
        reason=(f"{extra_reason} radius_scale={_scale(table):g}; {censored}/{len(y)} cells censored "
                "at K_max, kept in the fit as right-censored (Tobit)."),
        details=details)


def analyse_eps_rate(table) -> Verdict:
    return _rate_verdict(table, "eps", -2.0, "log-log slope of K_eps in eps (hard instance)",
                         "Corollary 2.6.4 / Theorem 2.6.8: K_eps = Theta~(d^2 / eps^2).")


def analyse_d_rate(table) -> Verdict:
    v = _rate_verdict(table, "d", 2.0, "log-log slope of K_eps in d - 1 (hard instance)",
                      "Corollary 2.6.4 / Theorem 2.6.8: K_eps = Theta~(d^2 / eps^2); fitted against "
                      "d - 1, the number of unknown signs (slope vs d reported in details).",
                      xfun=lambda v: v - 1.0)
    try:
        f = _fit_censored(table["d"].to_numpy(float), table["k_eps"].to_numpy(float),
                          table["replicate"].to_numpy(), table["K_max"].to_numpy(float))
        det = dict(v.details)
        det["slope_vs_d"] = f.slope
        return Verdict(v.status, v.quantity, v.measured, v.interval, v.predicted, v.tolerance, v.reason, det)
    except ValueError:
        return v


def _plot_needed(table, xcol, ax, bound_fn, xlabel, title, xfun=lambda v: v):
    ax = _ax(ax)
    for j, (name, g) in enumerate(_by_explorer(table)):
        xg = xfun(g[xcol].to_numpy(float)) * 1.03 ** j
        yg = g["k_eps"].to_numpy(float)
        ax.scatter(xg, yg, marker="o", color=f"C{j}", alpha=0.5, s=14, label=EXPLORER_LABELS.get(name, name))
        cens = np.isnan(yg)
        if cens.any():
            ax.scatter(xg[cens], g["K_max"].to_numpy(float)[cens], marker="^", color=f"C{j}", s=22,
                       label=f"{name}: censored (> K_max)")
    table = _by_explorer(table)[0][1]
    x = xfun(table[xcol].to_numpy(float))
    xs = np.unique(x)
    y = table["k_eps"].to_numpy(float)
    ok = np.isfinite(y)
    if ok.any():
        curve = bound_fn(xs)
        j = int(np.argmin(np.abs(xs - x[ok].min())))
        anchor = np.exp(np.mean(np.log(y[ok & (x == x[ok].min())])))
        ax.plot(xs, curve * anchor / curve[j], "k:",
                label="Omega(d^2/eps^2) lower bound, scaled through HF data at smallest x")
    ax.set(xscale="log", yscale="log", xlabel=xlabel, ylabel="episodes needed K_eps",
           title=f"{title} (c_beta={_scale(table):g})")
    ax.legend(fontsize=7)
    return ax


def plot_eps_rate(table, ax=None):
    d = float(np.unique(table["d"])[0])
    return _plot_needed(table, "eps", ax, lambda e: rfb.LOWER.evaluate(d=d, epsilon=e), "eps",
                        "reward_free/eps_rate")


def plot_d_rate(table, ax=None):
    eps = float(np.unique(table["eps"])[0])
    return _plot_needed(table, "d", ax, lambda dm1: rfb.LOWER.evaluate(d=dm1 + 1.0, epsilon=eps), "d - 1",
                        "reward_free/d_rate", xfun=lambda v: v - 1.0)


# ----------------------------------------------------------------------------- 3. horizon_free


def run_horizon(params, rng):
    """``params["explorer"]`` at ``params["radius_scale"]`` on the instance seeded by
    ``params["instance"]`` only (so it is the same at every H and for every explorer)."""
    S, A, d, H = params["S"], params["A"], params["d"], params["H"]
    K, eps, c = params["K_max"], params["eps"], params["radius_scale"]
    mdp = random_linear_mixture_mdp(S, A, d, H, np.random.default_rng(params["instance"]),
                                    alpha=params["alpha"])
    R_or = reward_dictionary(S, A, H)[: 2 * S + 1]
    R_test = random_test_rewards(S, A, H)
    cps = geometric_checkpoints(K, per_octave=PER_OCTAVE, start=4)
    sub, c_min, extra = _explore(params.get("explorer", "hf"), mdp, H, K, R_or, R_test, rng, c, cps)
    return {"c_min": c_min, "k_eps": episodes_needed(cps, sub, eps), "k_first": float(cps[0]),
            "subopt_K_max": float(sub[-1]), **extra}


#: "No polynomial growth in H": polylog(H) over H in [4, 128] moves the slope by <= ~0.2-0.3
#: (beta^2 ~ log^2(KH)), so the bound on the slope of log K_eps in log H is 0.3 (notes C2-E3).
HORIZON_SLOPE_BOUND = 0.3


def analyse_horizon(table) -> Verdict:
    x = table["H"].to_numpy(float)
    rep = table["instance"].to_numpy()
    y = table["k_eps"].to_numpy(float)
    cens = int(np.isnan(y).sum())
    cm = table["c_min"].to_numpy(float)
    details = {"radius_scale": _scale(table), "censored": cens, "cells": len(y),
               "c_min_median": float(np.nanmedian(cm)) if np.isfinite(cm).any() else math.nan,
               "c_min_max": float(np.nanmax(cm)) if np.isfinite(cm).any() else math.nan}
    q = f"log-log slope of K_eps in H ({_explorer_label(table)})"
    first = int((y == table["k_first"].to_numpy(float)).sum())
    details["at_first_checkpoint"] = first
    # suboptimality at K_max against H (notes C2-E3): the diagnostic that stays measurable
    # when K_eps is censored
    try:
        fs = _fit(x, table["subopt_K_max"].to_numpy(float), rep)
        details.update(subopt_slope=fs.slope, subopt_lo=fs.interval[0], subopt_hi=fs.interval[1])
    except ValueError:
        details["subopt_slope"] = math.nan
    off = _good_event(table, details)
    if off:
        return Verdict(Status.INCONCLUSIVE, q, math.nan, (math.nan, math.nan), HORIZON_SLOPE_BOUND,
                       0.0, off, details)
    if first > 0.2 * len(y):
        return Verdict(Status.INCONCLUSIVE, q, math.nan, (math.nan, math.nan), HORIZON_SLOPE_BOUND,
                       0.0, f"{first}/{len(y)} cells resolved at the first checkpoint (eps too loose "
                       f"to measure); radius_scale={_scale(table):g}", details)
    try:
        f = _fit_censored(x, y, rep, table["K_max"].to_numpy(float))
    except ValueError as e:
        return Verdict(Status.INCONCLUSIVE, q, math.nan, (math.nan, math.nan), HORIZON_SLOPE_BOUND,
                       0.0, f"no fit: {e}", details)
    return Verdict.at_most(
        q, f.slope, f.interval, HORIZON_SLOPE_BOUND,
        reason=("Horizon-free: K_eps = O~(d^2/eps^2) with H only in log factors; the slope bound "
                f"{HORIZON_SLOPE_BOUND} allows polylog(H) over H in [4, 128] (notes C2-E3). "
                f"{cens}/{len(y)} cells censored at K_max, kept as right-censored (Tobit). "
                f"Suboptimality at K_max has slope {details.get('subopt_slope', math.nan):.3g} in H. "
                f"radius_scale={_scale(table):g}."),
        details=details)


def plot_horizon(table, ax=None):
    ax = _ax(ax)
    for j, (name, g) in enumerate(_by_explorer(table)):
        xg = g["H"].to_numpy(float) * 1.04 ** j
        yg = g["k_eps"].to_numpy(float)
        ax.scatter(xg, yg, color=f"C{j}", s=14, alpha=0.6,
                   label=f"{EXPLORER_LABELS.get(name, name)} (c_beta={_scale(g):g})")
        cens = np.isnan(yg)
        if cens.any():
            ax.scatter(xg[cens], g["K_max"].to_numpy(float)[cens], color=f"C{j}", marker="^", s=22,
                       label=f"{name}: censored (> K_max)")
    table = _by_explorer(table)[0][1]
    x = table["H"].to_numpy(float)
    y = table["k_eps"].to_numpy(float)
    Hs = np.unique(x)
    ok = np.isfinite(y)
    if ok.any():
        eps = float(np.unique(table["eps"])[0])
        d = float(np.unique(table["d"])[0])
        up = rfb.sample_complexity(eps, d, Hs, DELTA, math.sqrt(d))
        anchor = np.exp(np.mean(np.log(y[ok & (x == x[ok].min())])))
        ax.plot(Hs, up * anchor / up[0], "k:", label="HF upper bound (2.6.7), scaled through the data at H_min")
        h3 = Hs**3
        ax.plot(Hs, h3 * anchor / h3[0], "r:", alpha=0.6, label="UCRL-RFE rate H^3 d^2/eps^2 (same anchor)")
    ax.set(xscale="log", yscale="log", xlabel="horizon H", ylabel="episodes needed K_eps",
           title="reward_free/horizon_free and its control")
    ax.legend(fontsize=7)
    return ax


# ----------------------------------------------------------------------------- 4. divergence


def run_divergence(params, rng):
    d, K = params["d"], params["K"]
    hi = hard_instance(d, 2, K=K)
    kl = max(float(hi.kl_flip(i).max()) for i in range(d - 1))  # worst coordinate and action
    bound = hi.kl_bound(K)
    lim = hi.delta / (8 * (hi.delta - (d - 1) * hi.Delta) * (1 - hi.delta - (d - 1) * hi.Delta))
    return {"kl_sum": K * kl, "kl_bound": bound, "ratio": K * kl / bound, "bound_formula_check": lim,
            "Delta": hi.Delta}


def analyse_divergence(table) -> Verdict:
    ratio = table["ratio"].to_numpy(float)
    kl = table["kl_sum"].to_numpy(float)
    bnd = table["kl_bound"].to_numpy(float)
    # bound at K >= 3 d^2: (d-1) Delta <= sqrt(delta/3)/(4 sqrt 2) =: c, so the bound is at most
    # delta / (8 (delta - c)(1 - delta - c)), a constant free of K and d (notes A5, C2-E5)
    delta = 1.0 / 6.0
    c = math.sqrt(delta / 3.0) / (4 * math.sqrt(2.0))
    const = delta / (8 * (delta - c) * (1 - delta - c))
    valid = table["K"].to_numpy(float) >= 3 * table["d"].to_numpy(float) ** 2
    details = {"max_ratio": float(ratio.max()), "kl_sum_min": float(kl.min()), "kl_sum_max": float(kl.max()),
               "bound_max": float(bnd[valid].max()) if valid.any() else math.nan, "constant": const,
               "formula_mismatch": float(np.abs(table["bound_formula_check"] - bnd / 1.0).max()),
               "radius_scale": math.nan}
    v = Verdict.at_most("max over (d, K) of K * KL_flip / bound", float(ratio.max()),
                        (float(ratio.max()), float(ratio.max())), 1.0,
                        reason=(f"exact Bernoulli KL per flipped coordinate, worst action; KL sums in "
                                f"[{kl.min():.4g}, {kl.max():.4g}] and bounds <= {details['bound_max']:.4g} "
                                f"<= constant {const:.4g} for K >= 3d^2 (independent of K and d); no radius "
                                "involved (mechanical check)."),
                        details=details)
    if v.status == Status.PASS and not (details["bound_max"] <= const + 1e-12 and kl.max() <= const):
        return Verdict(Status.FAIL, v.quantity, v.measured, v.interval, v.predicted, v.tolerance,
                       v.reason + " But the K,d-free constant is exceeded.", details)
    return v


def plot_divergence(table, ax=None):
    ax = _ax(ax)
    for i, (d, g) in enumerate(table.groupby("d")):
        ax.plot(g["K"], g["kl_sum"], "o-", color=f"C{i % 10}", ms=3, label=f"d={d}")
        ax.plot(g["K"], g["kl_bound"], ":", color=f"C{i % 10}")
    ax.set(xscale="log", xlabel="episodes K", ylabel="sum_k KL (one flipped coordinate)",
           title="reward_free/lower_bound_divergence (dotted: A5 bound)")
    ax.legend(fontsize=6, ncol=2)
    return ax


# ----------------------------------------------------------------------------- 5. coverage


def run_coverage(params, rng):
    S, A, d, H, K, c = (params[k] for k in ("S", "A", "d", "H", "K", "radius_scale"))
    mdp = random_linear_mixture_mdp(S, A, d, H, rng)
    R_or = reward_dictionary(S, A, H)[: 2 * S + 1]
    res = explore_hf(mdp.phi, mdp.P, H, K, R_or, rng, hf_config(c, K, H),
                     theta_star=mdp.theta)
    return {"covered": float(res.covered), "c_min": res.c_min, "outside_U": float(res.outside_U)}


def analyse_coverage(table) -> Verdict:
    details = {"radius_scale": SIMULATED_RADIUS_SCALE, "delta": DELTA}
    rates = {}
    for c, g in table.groupby("radius_scale"):
        fails = int((g["covered"] < 0.5).sum())
        rates[float(c)] = (fails, len(g))
        details[f"failure_rate@{c:g}"] = fails / len(g)
    details["c_min_quantile_1-delta"] = float(np.quantile(table["c_min"], 1 - DELTA))
    if SIMULATED_RADIUS_SCALE in rates:
        c = SIMULATED_RADIUS_SCALE
    else:
        c = max(rates)
    fails, n = rates[c]
    passing = [s for s, (f, m) in sorted(rates.items()) if clopper_pearson(f, m)[1] <= DELTA]
    failing = [s for s, (f, m) in sorted(rates.items()) if clopper_pearson(f, m)[0] > DELTA]
    details["smallest_passing_scale"] = passing[0] if passing else math.nan
    details["largest_failing_scale"] = failing[-1] if failing else math.nan
    details["radius_scale"] = c
    return Verdict.at_most(
        f"failure rate of theta* in every confidence ellipsoid at c_beta={c:g}", fails / n,
        clopper_pearson(fails, n), DELTA,
        reason=(f"binomial (Clopper-Pearson 95%) test of P(theta* outside some ellipsoid) <= delta={DELTA}; "
                f"failing scales {failing}, passing scales {passing}; the (1-delta)-quantile of the "
                f"smallest covering scale c_min is {details['c_min_quantile_1-delta']:.3g}. Coverage is "
                "checked against every ellipsoid added (not only the kept ones)."),
        details=details)


def plot_coverage(table, ax=None):
    ax = _ax(ax)
    g = table.groupby("radius_scale")["covered"]
    ax.plot(g.mean().index, g.mean().values, "o-", label="coverage rate")
    ax.axhline(1 - DELTA, color="k", ls=":", label="1 - delta")
    ax.axvline(SIMULATED_RADIUS_SCALE, color="C3", ls="--", label="simulated c_beta")
    ax.set(xscale="log", xlabel="radius scale c_beta", ylabel="P(theta* in all ellipsoids)",
           title="reward_free/coverage", ylim=(-0.05, 1.05))
    ax.legend(fontsize=7)
    return ax


# ----------------------------------------------------------------------------- registry

_C = SIMULATED_RADIUS_SCALE

#: The baselines every rate claim runs through its own sweep and analysis (issue 9).
UNIFORM = Control("uniform", "uniform exploration (random actions, ridge model) on the same instances",
                  {"explorer": ("uniform",)})
FROZEN = Control("frozen", "a learner that stops learning after the first checkpoint (its "
                 "suboptimality cannot fall): the test must be able to FAIL it",
                 {"explorer": ("frozen",)}, expect="fail")
UCRL_COVERED = Control("ucrl_rfe", "UCRL-RFE (per-step bonus, not horizon-free) at its own covering "
                       f"radius scale {UCRL_COVERING_SCALE:g}",
                       {"explorer": ("ucrl",), "radius_scale": (UCRL_COVERING_SCALE,)})

CLAIMS = (
    Claim(
        id="reward_free/k_rate",
        paper=PAPER,
        theorem="Theorem 2.6.3 (dissertation numbering): subopt = O~(d^2/K + d/sqrt(K)) for every r in R",
        statement=("After K exploration episodes of HF-UCRL-RFE++ on a random linear mixture MDP, the "
                   "planning-phase suboptimality, worst case over a finite test set of rewards with total "
                   "reward <= 1 (computed exactly), falls at least like K^(-1/2): the fitted log-log slope "
                   "over the last four octaves of K is at most -1/2 + 0.15."),
        provenance="reconstructed",
        grids={
            "smoke": Grid({"S": 3, "A": 2, "d": 3, "H": 4, "K_max": 128, "radius_scale": _C, "explorer": "hf"}, 2),
            "quick": Grid({"S": 5, "A": 3, "d": 4, "H": 8, "K_max": 2048, "radius_scale": _C, "explorer": "hf"}, 16),
            "full": Grid({"S": 6, "A": 3, "d": 4, "H": 16, "K_max": 16384, "radius_scale": _C, "explorer": "hf"}, 20),
        },
        run=run_k_rate, analyse=analyse_k_rate, plot=plot_k_rate, bound=rfb.UPPER,
        kind="rate", controls=(UNIFORM, FROZEN), version=3,
        notes=("Controls: uniform exploration (must not PASS) and a frozen learner (must FAIL). "
               "UCRL-RFE is not a control here: its theory gives the same K^(-1/2) rate. The run "
               "must be on the good event (theta* outside the set in at most delta of the cells)."),
    ),
    Claim(
        id="reward_free/eps_rate",
        paper=PAPER,
        theorem="Corollary 2.6.4 and Theorem 2.6.8: K_eps = Theta~(d^2 / eps^2)",
        statement=("On the hard instance of the lower bound (Delta = 2 eps / (d-1), random signs), the "
                   "episodes HF-UCRL-RFE++ needs for eps-optimal planning scale like eps^-2: fitted slope of "
                   "log K_eps on log eps equals -2 within 0.4."),
        provenance="reconstructed",
        grids={
            "smoke": Grid({"d": 3, "eps": (0.08, 0.04), "H": 4, "K_max": 256, "radius_scale": _C,
                           "n_runs": 2, "explorer": "hf"}, 2),
            "quick": Grid({"d": 3, "eps": (0.04, 0.02, 0.01), "H": 4, "K_max": 4096, "radius_scale": _C,
                           "n_runs": 4, "explorer": "hf"}, 12),
            "full": Grid({"d": 4, "eps": (0.08, 0.04, 0.02, 0.01), "H": 4, "K_max": 32768,
                          "radius_scale": _C, "n_runs": 8, "explorer": "hf"}, 10),
        },
        run=run_hard, analyse=analyse_eps_rate, plot=plot_eps_rate, bound=rfb.LOWER,
        kind="rate", controls=(UNIFORM, UCRL_COVERED), version=3,
        notes=("Controls: uniform exploration and UCRL-RFE at its covering scale, through the same "
               "analysis; the instance fixes Delta = 2 eps/(d-1), so part of the eps law is built in "
               "and a baseline that PASSes makes the claim UNDISCRIMINATING. Censored cells enter the "
               "fit as right-censored (Tobit)."),
    ),
    Claim(
        id="reward_free/d_rate",
        paper=PAPER,
        theorem="Corollary 2.6.4 and Theorem 2.6.8: K_eps = Theta~(d^2 / eps^2)",
        statement=("On the hard instance (Delta = 2 eps / (d-1)), the episodes HF-UCRL-RFE++ needs for "
                   "eps-optimal planning scale like d^2: fitted slope of log K_eps on log(d - 1) equals 2 "
                   "within 0.4."),
        provenance="reconstructed",
        grids={
            "smoke": Grid({"d": (3, 4), "eps": 0.08, "H": 4, "K_max": 256, "radius_scale": _C,
                           "n_runs": 2, "explorer": "hf"}, 2),
            "quick": Grid({"d": (3, 4, 5, 7), "eps": 0.02, "H": 4, "K_max": 2048, "radius_scale": _C,
                           "n_runs": 3, "explorer": "hf"}, 8),
            "full": Grid({"d": (3, 4, 5, 7, 9), "eps": 0.02, "H": 4, "K_max": 32768,
                          "radius_scale": _C, "n_runs": 8, "explorer": "hf"}, 10),
        },
        run=run_hard, analyse=analyse_d_rate, plot=plot_d_rate, bound=rfb.LOWER,
        kind="rate", controls=(UNIFORM, UCRL_COVERED), version=3,
        notes=("Controls as eps_rate; the instance fixes Delta = 2 eps/(d-1), which builds the "
               "(d-1)^2 factor of the law into the instance."),
    ),
    Claim(
        id="reward_free/horizon_free",
        paper=PAPER,
        theorem="Corollary 2.6.4 (H only in logs) vs UCRL-RFE Theorem 2.4.3 (H^5 d^2/eps^2 for r in [0,1])",
        notes=("Instances: random linear mixture MDPs with near-sparse base kernels (Dirichlet 0.1), the "
               "same instance (seeded by 'instance') at every H; with Dirichlet(1) kernels many instances "
               "were eps-optimal at the first checkpoint, which makes K_eps unmeasurable."),
        statement=("At fixed total reward <= 1, the episodes HF-UCRL-RFE++ needs for eps-optimal planning "
                   "do not grow polynomially in H over H in [4, 128]: the fitted slope of log K_eps on log H "
                   "is at most 0.3, while UCRL-RFE at its own covering scale, on the same instances, fails "
                   "that test (its control, expected FAIL; if it does not FAIL the claim cannot PASS)."),
        version=4, kind="rate",
        controls=(Control("ucrl_rfe", "UCRL-RFE (theory H^3 d^2/eps^2 at total reward <= 1) at its own "
                          f"covering radius scale {UCRL_COVERING_SCALE:g}, on the same instances: its "
                          "K_eps must grow polynomially in H, so the flatness test must FAIL it",
                          {"explorer": ("ucrl",), "radius_scale": (UCRL_COVERING_SCALE,)},
                          expect="fail"),),
        provenance="reconstructed",
        grids={
            "smoke": Grid({"S": 3, "A": 2, "d": 3, "alpha": 0.1, "H": (4, 8), "K_max": 128, "eps": 0.05,
                           "radius_scale": _C, "instance": (0, 1), "explorer": "hf"}, 1),
            "quick": Grid({"S": 4, "A": 2, "d": 4, "alpha": 0.1, "H": (4, 16, 64, 128), "K_max": 1024,
                           "eps": 0.02, "radius_scale": _C, "instance": (0, 1, 2, 3), "explorer": "hf"}, 1),
            "full": Grid({"S": 6, "A": 3, "d": 4, "alpha": 0.1, "H": (4, 8, 16, 32, 64, 128), "K_max": 8192,
                          "eps": 0.01, "radius_scale": _C, "instance": tuple(range(10)), "explorer": "hf"}, 1),
        },
        run=run_horizon, analyse=analyse_horizon, plot=plot_horizon, bound=rfb.UPPER,
    ),
    Claim(
        id="reward_free/lower_bound_divergence",
        paper=PAPER,
        theorem="Theorem 2.6.8, proof (A5): per-coordinate KL <= 4 K Delta^2 / ((delta-(d-1)Delta)(1-delta-(d-1)Delta))",
        statement=("On the hard instance with Delta = sqrt(delta/K)/(4 sqrt 2), the KL divergence of K episodes "
                   "between two instances differing in one sign coordinate (worst action) is at most the A5 "
                   "bound, which stays below a constant independent of K and d for K >= 3 d^2."),
        provenance="derived",
        grids={
            "smoke": Grid({"d": (2, 4), "K": (1000, 10000)}, 1),
            "quick": Grid({"d": tuple(range(2, 11)), "K": (1000, 10000, 100000)}, 1),
            "full": Grid({"d": tuple(range(2, 13)), "K": (300, 1000, 10000, 100000, 1000000)}, 1),
        },
        run=run_divergence, analyse=analyse_divergence, plot=plot_divergence, bound=rfb.LOWER,
        kind="identity",
    ),
    Claim(
        id="reward_free/coverage",
        paper=PAPER,
        theorem="Lemma 2.8.6 (good event): ||theta_hat_{k,m} - theta*||_{Sigma_{k,m}} <= beta_k for all k, m",
        statement=("theta* lies in every confidence ellipsoid of both series and all moment levels for all "
                   "episodes with frequency >= 1 - delta at the simulated radius scale (binomial test); the "
                   "verdict names the scales at which coverage fails."),
        provenance="reconstructed",
        grids={
            "smoke": Grid({"S": 3, "A": 2, "d": 3, "H": 4, "K": 32, "radius_scale": (0.001, _C)}, 4),
            "quick": Grid({"S": 4, "A": 2, "d": 4, "H": 8, "K": 256,
                           "radius_scale": (0.001, 0.002, _C)}, 40),
            "full": Grid({"S": 6, "A": 3, "d": 4, "H": 16, "K": 2048,
                          "radius_scale": (0.0005, 0.001, 0.002, _C, 0.01)}, 100),
        },
        run=run_coverage, analyse=analyse_coverage, plot=plot_coverage, bound=rfb.RADIUS,
        kind="bound", version=3,
        controls=(Control("undersized_radius", "a radius scale 0.0002, below every c_min measured: the "
                          "binomial test must FAIL it", {"radius_scale": (0.0002,)}, expect="fail"),),
        notes=("SIMULATED_RADIUS_SCALE was calibrated on version-1 cells; versions >= 2 draw fresh "
               "instances and seeds (the cell seed hashes the claim version), so coverage is judged "
               "on held-out data, not on the calibration cells."),
    ),
)
