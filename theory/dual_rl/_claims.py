"""The six registered claims of the Dual RL paper (issue 4; notes D9).

Each ``run`` is pure given its ``rng``; each ``analyse`` reduces the tidy table to one
verdict. Multi-part claims report the worst error *in units of its tolerance* (so one bound,
1, applies), with every part in ``details``. The errors are exact computations (no sampling),
so their intervals are points, except claim 6's divergence frequencies (Clopper-Pearson).
Tolerances: HiGHS LPs are exact to ~1e-9 (the issue's 1e-8); Clarabel's interior point
stops at a 1e-8 relative gap, so conic values agree to ~1e-7 and recovered occupancies
(errors in V amplified by 1/alpha) to ~1e-5.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from mdps import (SolverError, get_divergence, occupancy, policy_iteration, solve_lp,
                  solve_lp_linprog)
from mdps._validation import fail
from theory._claim import Claim, Control, Grid, Paper, Status, Verdict, combine
from theory._stats import clopper_pearson

from ._core import (dual_q, dual_q_bfgs, dual_v, dual_v_bfgs, flow_residual, in_support_lp,
                    regularised_primal, regularised_value)
from ._fdvl import (FDVL_LOSSES, fdvl_training, implicit_maximiser, limit_gap_bound,
                    numerical_minimiser, value_loss)
from ._imitation import mixture_divergence, recoil_dual_q, recoil_primal, smodice_primal
from ._instances import behaviour_policy, make_mdp, optimal_policy

__all__ = ["PAPER", "CLAIMS"]

PAPER = Paper(
    title="Dual RL: Unification and New Methods for Reinforcement and Imitation Learning",
    authors="H. Sikchi, Q. Zheng, A. Zhang, S. Niekum",
    venue="ICLR 2024",
    arxiv="2302.08560",
)


def _point(x: float) -> tuple[float, float]:
    return (x, x)


def _worst(table: pd.DataFrame, cols_tols: dict[str, float],
           required: tuple[str, ...] = ()) -> tuple[float, tuple[float, float], dict[str, float]]:
    """max over rows and columns of |value| / tolerance, its interval, and details per column.

    NaN cells of optional columns are ignored (metrics a cell does not compute); an infinite
    value counts. A NaN (or absent) value in a ``required`` column, or an empty table, leaves
    part of the check undone: the interval is then ``(worst, inf)`` (INCONCLUSIVE) unless the
    measured cells already exceed the tolerance (a point: FAIL)."""
    worst, details, undone = 0.0, {}, len(table) == 0
    for col, tol in cols_tols.items():
        vals = table[col].to_numpy(dtype=float) if col in table else np.full(len(table), np.nan)
        if col in required and np.isnan(vals).any():
            undone = True
            details[f"missing_{col}"] = float(np.isnan(vals).sum())
        vals = np.abs(vals[~np.isnan(vals)])
        m = float(vals.max()) if vals.size else math.nan
        details[f"max_{col}"] = m
        if vals.size:
            worst = max(worst, m / tol)
    return worst, ((worst, math.inf) if undone and worst <= 1.0 else _point(worst)), details


def _ax(ax):
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(5.5, 3.8))
    return ax


TINY = 1e-18  # exact zeros drawn at the bottom of log axes


# == 1. strong duality ============================================================================
LP_TOL = 1e-8


def run_strong_duality(params, rng):
    mdp = make_mdp(params["env"], params["gamma"], rng)
    vi = policy_iteration(mdp)  # exact evaluation (value iteration at 1e-11 is below round-off)
    opt = float((1 - mdp.gamma) * mdp.init @ vi.V)
    values = {}
    sols = {}
    for form in ("primal", "dual"):
        sols[f"cvxpy_{form}"] = solve_lp(mdp, form=form)
        sols[f"linprog_{form}"] = solve_lp_linprog(mdp, form=form)
    for name, sol in sols.items():
        values[name] = sol.primal_value
        values[f"{name}_dualobj"] = sol.dual_value
    rel = max(abs(v - opt) for v in values.values()) / abs(opt)
    d = sols["cvxpy_dual"].d  # the occupancy read off the dual LP's multipliers
    d_pi = occupancy(mdp, sols["cvxpy_dual"].pi)
    return {
        "opt_vi": opt,
        "opt_primal": values["cvxpy_primal"],
        "opt_dual": values["cvxpy_dual_dualobj"],
        "rel_gap": float(rel),
        "occupancy_error": float(np.abs(d_pi - d).sum()),
        "recovered_value_gap": float(abs(np.sum(mdp.r * d_pi) - opt) / abs(opt)),
        "V_error": float(np.max(np.abs(sols["cvxpy_primal"].V - vi.V)) * (1 - mdp.gamma)),
        "flow_residual": flow_residual(mdp, d),
    }


def analyse_strong_duality(table):
    cols = {"rel_gap": LP_TOL, "occupancy_error": LP_TOL, "recovered_value_gap": LP_TOL,
            "flow_residual": LP_TOL}
    worst, interval, details = _worst(table, cols, required=tuple(cols))
    details["cells"] = float(len(table))
    return Verdict.at_most(
        "worst of |LP - PI|/PI (CVXPY and linprog, both forms; PI = policy iteration), ||d^pi_d - d*||_1, flow residual, "
        "in units of 1e-8", worst, interval, 1.0,
        reason="exact LP solves vs policy iteration (exact evaluation)", details=details)


def plot_strong_duality(table, ax=None):
    ax = _ax(ax)
    labels = [f"{e}\nγ={g}" for e, g in zip(table["env"], table["gamma"])]
    x = np.arange(len(table))
    for col, marker in (("rel_gap", "o"), ("occupancy_error", "s"), ("flow_residual", "^")):
        ax.scatter(x, np.maximum(table[col].to_numpy(float), TINY), marker=marker, label=col)
    ax.axhline(LP_TOL, ls="--", color="k", lw=1, label="tolerance 1e-8")
    ax.set_yscale("log")
    ax.set_xticks(x, labels, fontsize=7)
    ax.set_ylabel("error")
    ax.set_title("dual_rl/strong_duality: primal LP = dual LP = policy iteration")
    ax.legend(fontsize=7)
    return ax


STRONG_DUALITY = Claim(
    id="dual_rl/strong_duality",
    paper=PAPER,
    theorem="Sec. 2 (occupancy LP and its dual; notes D2, D9 items 1-2)",
    statement=("For a discounted tabular MDP, max_{d>=0} r^T d over the Bellman-flow polytope "
               "equals min_V (1-gamma) init^T V s.t. V >= r + gamma P V, equals the value "
               "iteration optimum (relative 1e-8); the occupancy read off the dual LP's "
               "multipliers is feasible and is the occupancy of the policy it induces, which "
               "is optimal."),
    provenance="derived",
    kind="identity",
    grids={
        "smoke": Grid({"env": ("grid5",), "gamma": (0.9,)}, 1),
        "quick": Grid({"env": ("grid5", "grid8", "random"), "gamma": (0.9, 0.99)}, 2),
        "full": Grid({"env": ("grid5", "grid8", "random"), "gamma": (0.9, 0.95, 0.99)}, 10),
    },
    version=2,
    run=run_strong_duality,
    analyse=analyse_strong_duality,
    plot=plot_strong_duality,
    notes="Standard LP duality (Puterman 1994, Sec. 6.9); checked by CVXPY (HiGHS) and scipy "
          "linprog(HiGHS) independently.",
)


# == 2. regularised duality ======================================================================
REG_GAP_TOL = 1e-6   # Clarabel stops at a 1e-8 relative gap of its scaled problem
FLOW_TOL = 1e-8      # the dual is Newton-polished to a 1e-13 gradient (= flow residual of d)
RECOVERY_TOL = 1e-3  # ||d_dual - d_primal||_1: the independently solved conic primal's d is
                     # itself accurate to ~1e-5 (1e-8 objective gap, locally quadratic)


def _behaviour_occupancy(mdp, kind, rng):
    return occupancy(mdp, behaviour_policy(mdp, kind, rng))


def run_regularised_duality(params, rng):
    mdp = make_mdp(params["env"], params["gamma"], rng)
    f = get_divergence(params["f"])
    alpha = params["alpha"]
    dO = _behaviour_occupancy(mdp, params["behaviour"], rng)
    p = regularised_primal(mdp, dO, alpha, f)
    q = dual_v(mdp, dO, alpha, f)
    out = {
        "primal": p.value,
        "dual": q.value,
        "rel_gap": abs(p.value - q.value) / max(abs(p.value), 1e-12),
        "flow_residual": math.nan,
        "recovery_l1": math.nan,
        "flow_residual_unpolished": math.nan,
        "polish_steps": math.nan,
        "bfgs_gap": math.nan,
    }
    if f.strictly_convex:  # TV's w* is set-valued: no recovery from V alone
        out["flow_residual"] = flow_residual(mdp, q.d)
        out["recovery_l1"] = float(np.abs(q.d - p.d).sum())
        raw = dual_v(mdp, dO, alpha, f, polish=False)
        out["flow_residual_unpolished"] = flow_residual(mdp, raw.d)
        out["polish_steps"] = float(q.polish_steps)
    if f.name in ("kl", "chi2"):
        _, val = dual_v_bfgs(mdp, dO, alpha, f)
        out["bfgs_gap"] = abs(val - q.value) / max(abs(q.value), 1e-12)
    return out


def analyse_regularised_duality(table):
    worst, interval, details = _worst(table, {"rel_gap": REG_GAP_TOL, "bfgs_gap": REG_GAP_TOL,
                                              "flow_residual": FLOW_TOL,
                                              "recovery_l1": RECOVERY_TOL},
                                      required=("rel_gap",))
    details["cells"] = float(len(table))
    if "flow_residual_unpolished" in table:
        raw = table["flow_residual_unpolished"].to_numpy(float)
        details["max_flow_residual_unpolished"] = float(np.nanmax(raw)) if np.isfinite(raw).any() else math.nan
    return Verdict.at_most(
        "worst of |primal - dual-V| (rel, 1e-6), |BFGS - CVXPY| (rel, 1e-6), flow residual of "
        "d = dO w* (1e-8), ||d_dual - d_primal||_1 (1e-3), in units of tolerance",
        worst, interval, 1.0, details=details)


def plot_regularised_duality(table, ax=None):
    ax = _ax(ax)
    for f, sub in table.groupby("f"):
        ax.scatter(sub["alpha"], np.maximum(sub["rel_gap"].to_numpy(float), TINY), label=f"{f}: |P-D|/|P|")
    ax.axhline(REG_GAP_TOL, ls="--", color="k", lw=1, label="tolerance")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("alpha")
    ax.set_ylabel("relative primal-dual gap")
    ax.set_title("dual_rl/regularised_duality")
    ax.legend(fontsize=7)
    return ax


REGULARISED_DUALITY = Claim(
    id="dual_rl/regularised_duality",
    paper=PAPER,
    theorem="Sec. 3, dual-V (Eq. 6-8 in our reading; notes D4, D9 item 4)",
    statement=("For f in {KL, chi2, squared Hellinger, TV} and alpha > 0, "
               "max_{d in flow polytope} r^T d - alpha D_f(d||dO) equals min_V (1-gamma) "
               "init^T V + alpha E_dO[f*_p(delta_V/alpha)]; for strictly convex f the "
               "occupancy d = dO w*(delta_V*/alpha) recovered from the dual is feasible and "
               "equals the primal solution; BFGS on the smooth duals (KL, chi2) agrees. The "
               "conic dual is Newton-polished before recovery (the unpolished residual is "
               "reported alongside)."),
    provenance="derived",
    kind="identity",
    grids={
        "smoke": Grid({"env": ("grid5",), "gamma": (0.9,), "f": ("kl", "chi2"), "alpha": (0.1,),
                       "behaviour": ("uniform",)}, 1),
        "quick": Grid({"env": ("grid5", "grid8"), "gamma": (0.9,),
                       "f": ("kl", "chi2", "hellinger", "tv"), "alpha": (0.03, 0.1, 1.0),
                       "behaviour": ("uniform", "medium")}, 1),
        "full": Grid({"env": ("grid5", "grid8", "random"), "gamma": (0.9, 0.99),
                      "f": ("kl", "chi2", "hellinger", "tv"), "alpha": (0.03, 0.1, 1.0, 10.0),
                      "behaviour": ("uniform", "medium", "partial")}, 2),
    },
    run=run_regularised_duality,
    analyse=analyse_regularised_duality,
    plot=plot_regularised_duality,
    version=3,
    notes="Squared Hellinger at alpha <= 0.01 ends 'optimal_inaccurate' in Clarabel (8x8 "
          "gridworld), so alpha starts at 0.03.",
)


# == 3. vanishing regularisation (sandwich) ========================================================
SANDWICH_TOL = 1e-6


def _instance_rng(params):
    """The instance (MDP, behaviour) depends on ``params["instance"]`` only, so the cells of
    one instance that differ in alpha or beta see the same MDP and data."""
    return np.random.default_rng([int(params["instance"]), 4])


def run_vanishing_regularisation(params, rng):
    irng = _instance_rng(params)
    mdp = make_mdp(params["env"], params["gamma"], irng)
    f = get_divergence(params["f"])
    alpha = params["alpha"]
    dO = _behaviour_occupancy(mdp, params["behaviour"], irng)
    lp = solve_lp(mdp)
    J_lp = lp.primal_value
    J_in, d_in = in_support_lp(mdp, dO > 0)
    D_star = f.divergence(lp.d, dO)
    D_in = f.divergence(d_in, dO)
    sol = regularised_primal(mdp, dO, alpha, f)
    opt = sol.value
    lower = J_lp - alpha * D_star if np.isfinite(D_star) else -math.inf
    lower_in = J_in - alpha * D_in
    viol = max(lower - opt, lower_in - opt, opt - J_lp)
    if np.isinf(f.f_inf):  # d << dO forced: the best in-support policy is the ceiling
        viol = max(viol, opt - J_in)
    return {
        "opt": opt, "J_lp": J_lp, "J_in": J_in, "lower": lower, "lower_in": lower_in,
        "reward": sol.reward, "divergence": sol.divergence,
        "sandwich_violation": float(max(viol, 0.0)) / max(abs(J_lp), 1e-12),
        "support_gap": (J_lp - J_in) / max(abs(J_lp), 1e-12),
    }


def _monotone_violation(table):
    keys = [c for c in ("env", "gamma", "f", "behaviour", "instance", "replicate") if c in table]
    worst = 0.0
    for _, sub in table.groupby(keys):
        sub = sub.sort_values("alpha")
        opt = sub["opt"].to_numpy(float)
        if opt.size > 1:
            worst = max(worst, float(np.max(np.diff(opt))) / max(abs(opt).max(), 1e-12))
    return max(worst, 0.0)


def analyse_vanishing_regularisation(table):
    sand_units, sand_interval, _ = _worst(table, {"sandwich_violation": SANDWICH_TOL},
                                          required=("sandwich_violation",))
    sand = sand_units * SANDWICH_TOL
    mono = _monotone_violation(table)
    worst = max(sand, mono) / SANDWICH_TOL
    undone = not math.isfinite(sand_interval[1]) or table["opt"].isna().any()
    interval = (worst, math.inf) if undone and worst <= 1.0 else _point(worst)
    # the limit: the smallest alpha's OPT relative to the ceiling (J_in when f_inf = inf)
    smallest = table[table["alpha"] == table["alpha"].min()]
    ceiling = np.where(smallest["f"].isin(["kl", "chi2"]), smallest["J_in"], smallest["J_lp"])
    details = {
        "max_sandwich_violation": sand, "max_monotonicity_violation": mono,
        "cells": float(len(table)),
        "max_rel_gap_to_ceiling_at_min_alpha": float(np.max((ceiling - smallest["opt"]) / ceiling)),
        "cells_lacking_optimal_support": float(np.sum(table["support_gap"] > 1e-9)),
    }
    return Verdict.at_most(
        "worst of (sandwich violation, increase of OPT_alpha in alpha), relative, in units of 1e-6",
        worst, interval, 1.0,
        reason="J*_LP - alpha D_f(d*||dO) <= OPT_alpha <= J*_LP (and <= J_in-support for KL/chi2)",
        details=details)


def plot_vanishing_regularisation(table, ax=None, env=None, behaviour=None):
    """The sandwich: OPT_alpha against alpha per f with the LP optimum, the in-support LP
    optimum and the lower bounds J - alpha D_f."""
    ax = _ax(ax)
    env = env or table["env"].iloc[0]
    behaviour = behaviour or ("partial" if "partial" in set(table["behaviour"]) else table["behaviour"].iloc[0])
    sub = table[(table["env"] == env) & (table["behaviour"] == behaviour)]
    sub = sub[sub["replicate"] == sub["replicate"].min()] if "replicate" in sub else sub
    sub = sub[sub["gamma"] == sub["gamma"].min()]
    for k, (f, g) in enumerate(sub.groupby("f")):
        g = g.sort_values("alpha")
        c = f"C{k}"
        ax.plot(g["alpha"], g["opt"], "o-", color=c, label=f"OPT_α ({f})")
        low = np.where(np.isfinite(g["lower"]), g["lower"], g["lower_in"])
        ax.plot(g["alpha"], low, ":", color=c, label=f"J - α D_f ({f})")
    ax.axhline(float(sub["J_lp"].iloc[0]), color="k", lw=1, label="J*_LP")
    ax.axhline(float(sub["J_in"].iloc[0]), color="grey", ls="--", lw=1, label="best in-support")
    ax.set_xscale("log")
    lo = float(sub["opt"].min())
    ax.set_ylim(lo - 0.1 * abs(lo), float(sub["J_lp"].iloc[0]) * 1.05)
    ax.set_xlabel("alpha")
    ax.set_ylabel("regularised optimum (r^T d scale)")
    ax.set_title(f"dual_rl/vanishing_regularisation ({env}, {behaviour} data)")
    ax.legend(fontsize=6)
    return ax


VANISHING_REGULARISATION = Claim(
    id="dual_rl/vanishing_regularisation",
    paper=PAPER,
    theorem="Sec. 3, regularised policy learning as alpha -> 0 (notes D9 item 7)",
    statement=("For every alpha > 0: J*_LP - alpha D_f(d*||dO) <= OPT_alpha <= J*_LP, with "
               "OPT_alpha non-increasing in alpha; for f with f'(inf) = inf (KL, chi2) also "
               "J_in - alpha D_f(d_in||dO) <= OPT_alpha <= J_in, the best in-support policy's "
               "value, which is therefore the limit when dO lacks support on optimal actions."),
    provenance="derived",
    kind="identity",
    grids={
        "smoke": Grid({"env": ("grid5",), "gamma": (0.9,), "f": ("kl",),
                       "behaviour": ("partial",), "instance": (0,), "alpha": (0.01, 1.0)}, 1),
        "quick": Grid({"env": ("grid5", "grid8"), "gamma": (0.9,), "f": ("kl", "chi2", "tv"),
                       "behaviour": ("uniform", "partial"), "instance": (0,),
                       "alpha": (0.001, 0.01, 0.1, 1.0, 10.0)}, 1),
        "full": Grid({"env": ("grid5", "grid8", "random"), "gamma": (0.9, 0.99),
                      "f": ("kl", "chi2", "tv"), "behaviour": ("uniform", "medium", "partial"),
                      "instance": (0, 1),
                      "alpha": (0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)}, 1),
    },
    version=2,
    run=run_vanishing_regularisation,
    analyse=analyse_vanishing_regularisation,
    plot=plot_vanishing_regularisation,
)


# == 4. dual-Q for a fixed policy ===============================================================
DUALQ_TOL = 1e-6


def run_dual_q(params, rng):
    mdp = make_mdp(params["env"], params["gamma"], rng)
    f = get_divergence(params["f"])
    alpha = params["alpha"]
    dO = _behaviour_occupancy(mdp, params["behaviour"], rng)
    pi = rng.dirichlet(np.ones(mdp.A), size=mdp.S)
    closed = regularised_value(mdp, pi, dO, alpha, f)
    q = dual_q(mdp, pi, dO, alpha, f)
    scale = max(abs(closed), 1e-12)
    out = {"closed": closed, "dual_q": q.value, "rel_gap": abs(q.value - closed) / scale,
           "bfgs_gap": math.nan}
    if f.name in ("kl", "chi2"):
        _, val = dual_q_bfgs(mdp, pi, dO, alpha, f)
        out["bfgs_gap"] = abs(val - closed) / scale
    return out


def analyse_dual_q(table):
    worst, interval, details = _worst(table, {"rel_gap": DUALQ_TOL, "bfgs_gap": DUALQ_TOL},
                                      required=("rel_gap",))
    details["cells"] = float(len(table))
    return Verdict.at_most(
        "worst relative |dual-Q - (E_{d^pi} r - alpha D_f(d^pi||dO))| (CVXPY and BFGS), in units of 1e-6",
        worst, interval, 1.0, details=details)


def plot_dual_q(table, ax=None):
    ax = _ax(ax)
    for f, sub in table.groupby("f"):
        ax.scatter(sub["alpha"], np.maximum(sub["rel_gap"].to_numpy(float), TINY), label=f"{f} (CVXPY)")
        if np.isfinite(sub["bfgs_gap"]).any():
            ax.scatter(sub["alpha"], np.maximum(sub["bfgs_gap"].to_numpy(float), TINY), marker="x",
                       label=f"{f} (BFGS)")
    ax.axhline(DUALQ_TOL, ls="--", color="k", lw=1, label="tolerance")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("alpha")
    ax.set_ylabel("relative gap")
    ax.set_title("dual_rl/dual_q_fixed_policy")
    ax.legend(fontsize=7)
    return ax


DUAL_Q = Claim(
    id="dual_rl/dual_q_fixed_policy",
    paper=PAPER,
    theorem="Sec. 3, dual-Q (Eq. 9 with f* in place of f*_p; notes D4, D9 item 5)",
    statement=("For a fixed policy pi, min_Q (1-gamma) E_{init,pi}[Q] + alpha E_dO[f*((r + "
               "gamma P^pi Q - Q)/alpha)] equals E_{d^pi}[r] - alpha D_f(d^pi||dO) for f in "
               "{KL, chi2, squared Hellinger, TV}."),
    provenance="derived",
    kind="identity",
    grids={
        "smoke": Grid({"env": ("grid5",), "gamma": (0.9,), "f": ("chi2",), "alpha": (0.1,),
                       "behaviour": ("uniform",)}, 1),
        "quick": Grid({"env": ("grid5", "random"), "gamma": (0.9,),
                       "f": ("kl", "chi2", "hellinger", "tv"), "alpha": (0.01, 0.1, 1.0),
                       "behaviour": ("uniform", "medium")}, 1),
        "full": Grid({"env": ("grid5", "grid8", "random"), "gamma": (0.9, 0.99),
                      "f": ("kl", "chi2", "hellinger", "tv"), "alpha": (0.01, 0.1, 1.0, 10.0),
                      "behaviour": ("uniform", "medium")}, 3),
    },
    version=2,
    run=run_dual_q,
    analyse=analyse_dual_q,
    plot=plot_dual_q,
    notes="The paper's Eq. 9 writes f*_p; with f*_p the identity fails where the optimal "
          "multiplier would be negative (erratum recorded in the notes, D1/D3).",
)


# == 5. ReCOIL vs SMODICE ========================================================================
RECOIL_TOL = 1e-5     # dE-weighted policy error; Clarabel's d is accurate to ~1e-8 per entry
SMODICE_EPS = (1e-1, 1e-2, 1e-3)  # Clarabel ends 'optimal_inaccurate' from 1e-4 on (8x8)


def _weighted_policy_error(pi_hat, pi_E, dE):
    mu = dE.sum(axis=1)
    return float(np.sum(mu * 0.5 * np.abs(pi_hat - pi_E).sum(axis=1)))


#: Theorem 1's dual-Q identity and the primal/dual-Q consistency: both are conic solves of
#: objectives of size ~1 stopped at Clarabel's 1e-8 relative gap, so 1e-6 leaves two decades.
RECOIL_DUAL_TOL = 1e-6
#: Policies the dual form is evaluated at besides the expert's: pi_E mixed with a random
#: policy at these weights (the expert must maximise the dual-Q value among them).
RECOIL_PERTURBATIONS = (0.05, 0.3, 1.0)
RECOIL_METHODS = ("recoil", "smodice")


def _smodice_policy(mdp, dE, dS):
    """SMODICE-style policy: the exact (eps = 0) objective when feasible, else the smallest
    smoothing eps; plus whether eps = 0 was infeasible and the optimum's growth in 1/eps."""
    exact = None
    try:
        exact = smodice_primal(mdp, dE, dS, eps=0.0)
    except SolverError as err:
        if err.status not in ("infeasible", "infeasible_inaccurate"):
            raise
    values, sm = [], None
    for eps in SMODICE_EPS:
        sm = smodice_primal(mdp, dE, dS, eps=eps)
        values.append(sm.value)
    growth = (values[-1] - values[0]) / math.log10(SMODICE_EPS[0] / SMODICE_EPS[-1])
    return (exact if exact is not None else sm).pi, float(exact is None), float(growth)


def run_recoil(params, rng):
    """One instance, one method. The learned policy is ReCOIL's primal minimiser or the
    SMODICE-style one (``params["method"]``); on it, on the expert and on perturbed expert
    policies, Theorem 1's dual-Q value is compared with ``-D_f(mix_pi || mix_E)``."""
    method = params["method"]
    if method not in RECOIL_METHODS:
        fail("params['method']", f"one of {RECOIL_METHODS}", repr(method))
    irng = _instance_rng(params)
    mdp = make_mdp(params["env"], params["gamma"], irng)
    pi_E = optimal_policy(mdp)
    dE = occupancy(mdp, pi_E)
    kind = "uniform" if params["data"] == "covered" else "partial"
    dS = occupancy(mdp, behaviour_policy(mdp, kind, irng, expert=pi_E))
    J_E = float(np.sum(mdp.r * dE))
    beta, f = params["beta"], params["f"]
    out = {"coverage_violated": float(np.any((dE > 0) & (dS <= 0))),
           "primal_dual_gap": math.nan, "smodice_infeasible": math.nan,
           "smodice_growth_per_decade": math.nan}
    if method == "recoil":
        rec = recoil_primal(mdp, dE, dS, beta, f)
        pi_hat = rec.pi
    else:
        pi_hat, out["smodice_infeasible"], out["smodice_growth_per_decade"] = _smodice_policy(mdp, dE, dS)
    visited = dE.sum(axis=1) > 1e-6
    d_hat = occupancy(mdp, pi_hat)

    def dual_and_error(pi):
        """Theorem 1 at ``pi``: the dual-Q value and |value + D_f(mix_pi || mix_E)|. Where
        mix_pi puts mass off supp mix_E the divergence is +inf and the dual is unbounded
        below (CVXPY status 'unbounded'): the identity holds as -inf = -inf."""
        div = mixture_divergence(occupancy(mdp, pi), dE, dS, beta, f)
        try:
            value, _ = recoil_dual_q(mdp, pi, dE, dS, beta, f)
        except SolverError as err:
            if err.status not in ("unbounded", "unbounded_inaccurate"):
                raise
            value = -math.inf
        if math.isinf(value) or math.isinf(div):
            return value, 0.0 if (value == -math.inf and div == math.inf) else math.inf
        return value, abs(value + div)

    # Theorem 1 (dual form) at the learned policy, at the expert and at perturbations of it.
    # The solver's policy carries ~1e-15 round-off mass off the expert's support; at beta = 1
    # that alone makes D_f infinite while the conic dual reports a finite optimum, so the
    # identity is evaluated at the policy with mass below 1e-9 removed.
    pi_clean = np.where(pi_hat < 1e-9, 0.0, pi_hat)
    pi_clean = pi_clean / pi_clean.sum(axis=1, keepdims=True)
    dq_hat, identity = dual_and_error(pi_clean)
    dq_E, err_E = dual_and_error(pi_E)
    identity = max(identity, err_E)
    prng = np.random.default_rng(irng.integers(2**32))
    excess = -math.inf
    for w in RECOIL_PERTURBATIONS:
        dq_p, err_p = dual_and_error((1 - w) * pi_E + w * prng.dirichlet(np.ones(mdp.A), size=mdp.S))
        identity = max(identity, err_p)
        excess = max(excess, dq_p - dq_E)
    if method == "recoil":
        # primal optimum = -max_pi dual-Q value, attained at the primal's policy
        out["primal_dual_gap"] = abs(rec.value + dq_hat)
    out.update({
        "policy_error": _weighted_policy_error(pi_hat, pi_E, dE),
        "argmax_agreement": float(np.mean(np.argmax(pi_hat, 1)[visited] == np.argmax(pi_E, 1)[visited])),
        "J_ratio": float(np.sum(mdp.r * d_hat)) / J_E,
        "dual_identity_error": float(identity),
        "dual_expert_excess": float(max(excess, 0.0)),
        "dual_value_expert": float(dq_E),
    })
    return out


def analyse_recoil(table):
    """Worst, in units of its tolerance, of: the learned policy's dE-weighted error, Theorem
    1's dual-Q identity error, the dual value of any perturbed policy above the expert's, and
    (ReCOIL cells) the primal/dual-Q gap. Exact solves: the interval is a point."""
    cols = {"policy_error": RECOIL_TOL, "dual_identity_error": RECOIL_DUAL_TOL,
            "dual_expert_excess": RECOIL_DUAL_TOL, "primal_dual_gap": RECOIL_DUAL_TOL}
    worst, interval, details = _worst(table, cols, required=tuple(cols)[:3])
    details["cells"] = float(len(table))
    details["uncovered_cells"] = float((table["coverage_violated"] == 1.0).sum()) if len(table) else 0.0
    if "J_ratio" in table and len(table):
        details["min_J_ratio"] = float(table["J_ratio"].min())
    for col in ("smodice_infeasible", "smodice_growth_per_decade"):
        vals = table[col].to_numpy(float) if col in table else np.array([])
        if np.isfinite(vals).any():
            details[f"mean_{col}"] = float(np.nanmean(vals))
    return Verdict.at_most(
        "worst of the learned policy's dE-weighted error (units of 1e-5), Theorem 1's dual-Q "
        "identity error, the dual-Q value of perturbed policies above the expert's, and the "
        "primal/dual-Q gap (units of 1e-6)", worst, interval, 1.0, details=details)


def plot_recoil(table, ax=None):
    """J(pi_hat)/J(pi_E) against beta for the method(s) in the table, covered and uncovered
    data (one env, the smallest gamma, the first f and replicate)."""
    ax = _ax(ax)
    t = table[table["replicate"] == table["replicate"].min()] if "replicate" in table else table
    t = t[t["gamma"] == t["gamma"].min()]
    env = t["env"].iloc[0]
    t = t[(t["env"] == env) & (t["f"] == t["f"].iloc[0])]
    labels = {"recoil": f"ReCOIL ({t['f'].iloc[0]})", "smodice": "SMODICE-style"}
    for k, ((method, data), g) in enumerate(t.groupby(["method", "data"])):
        g = g.sort_values("beta")
        ax.plot(g["beta"], g["J_ratio"], "o-" if method == "recoil" else "s--", color=f"C{k}",
                label=f"{labels[method]}, {data} data")
    ax.axhline(1.0, color="k", lw=1, label="expert")
    ax.set_xscale("log")
    ax.set_xlabel("beta (expert weight in the mixtures)")
    ax.set_ylabel("J(pi_hat) / J(pi_E)")
    ax.set_title(f"dual_rl/recoil_coverage ({env})")
    ax.legend(fontsize=6)
    return ax


RECOIL = Claim(
    id="dual_rl/recoil_coverage",
    paper=PAPER,
    theorem="Sec. 5, ReCOIL (Theorem 1 / Eq. 10 in our reading; notes D6, D9 item 9)",
    statement=("With the expert occupancy dE and suboptimal off-policy data dS, minimising "
               "D_f(beta d + (1-beta) dS || beta dE + (1-beta) dS) over the flow polytope "
               "recovers the expert policy on expert-visited states for every beta in (0, 1], "
               "also when dS does not cover the expert's actions; and Theorem 1's dual form "
               "holds: for every policy pi the dual-Q objective's minimum equals "
               "-D_f(mix_pi || mix_E), it is maximal (zero) at the expert among perturbed "
               "policies, and equals minus the primal optimum at the recovered policy. "
               "Control: the SMODICE-style objective KL(d||dS) - E_d[log dE/dS] on the "
               "uncovered data (its policy must fail the same recovery test)."),
    provenance="reconstructed",
    kind="bound",
    controls=(Control(
        "smodice_uncovered",
        "the SMODICE-style objective (exact when feasible, else its smallest smoothing eps) "
        "on data that does not cover the expert's actions",
        {"method": ("smodice",), "data": ("uncovered",)}, expect="fail"),),
    grids={
        "smoke": Grid({"env": ("grid5",), "gamma": (0.9,), "f": ("chi2",), "beta": (0.1, 1.0),
                       "data": ("uncovered",), "instance": (0,), "method": ("recoil",)}, 1),
        "quick": Grid({"env": ("grid5", "grid8"), "gamma": (0.9,), "f": ("chi2",),
                       "beta": (0.05, 0.1, 0.3, 0.5, 1.0), "data": ("covered", "uncovered"),
                       "instance": (0,), "method": ("recoil",)}, 1),
        "full": Grid({"env": ("grid5", "grid8"), "gamma": (0.9, 0.99), "f": ("chi2",),
                      "beta": (0.05, 0.1, 0.3, 0.5, 1.0), "data": ("covered", "uncovered"),
                      "instance": (0, 1, 2), "method": ("recoil",)}, 1),
    },
    run=run_recoil,
    analyse=analyse_recoil,
    plot=plot_recoil,
    version=3,
    notes="Exact expert occupancy (not estimated from trajectories); SMODICE-style form is our "
          "reconstruction (notes D5/D6 [R]). f = chi2 only: with KL the exponential-cone solve "
          "(Clarabel) leaves ~1e-4 policy error at default tolerance and ends "
          "'optimal_inaccurate' at 1e-12, above this claim's 1e-5 tolerance. The dual-V form "
          "of ReCOIL is not implemented, so only the primal <-> dual-Q consistency is checked.",
)


# == 6. f-DVL implicit maximisers and stability ==================================================
TEMPERATURES = {
    "gumbel": (1.0, 0.3, 0.1, 0.03),   # beta
    "chi2": (0.6, 0.75, 0.9, 0.97),    # lambda
    "tv": (0.6, 0.75, 0.9, 0.97),      # lambda
}
CF_TOL = 1e-5        # Brent (bounded) resolves V only to ~sqrt(eps_mach / curvature); the loss
                     # curvature falls to ~1e-3 here, so ~1e-6 is the reference's own error
LOSS_GAP_TOL = 1e-9  # the closed form must not be beaten by the numerical minimiser
N_BANDITS = 30
STABLE_LOSSES = ("chi2", "tv")


def run_fdvl(params, rng):
    loss, level = params["loss"], int(params["level"])
    T = TEMPERATURES[loss][level]
    mdp = make_mdp(params["env"], params["gamma"], rng)
    problems = []
    for _ in range(N_BANDITS):
        A = int(rng.integers(2, 7))
        Q = rng.normal(size=A)
        mu = rng.dirichlet(np.ones(A)) * (rng.random(A) > 0.3)
        if mu.sum() == 0:
            mu[rng.integers(A)] = 1.0
        problems.append((Q, mu / mu.sum()))
    Qstar = policy_iteration(mdp).Q
    pi_b = behaviour_policy(mdp, "partial", rng)
    problems += [(Qstar[s], pi_b[s]) for s in range(mdp.S)]
    cf_err, loss_gap, ratio, below = 0.0, -math.inf, 0.0, 0.0
    for Q, mu in problems:
        Vc = implicit_maximiser(loss, Q, mu, T)
        Vn = numerical_minimiser(loss, Q, mu, T)
        if loss != "tv":  # TV's minimiser is an interval: compare losses only
            cf_err = max(cf_err, abs(Vc - Vn))
        loss_gap = max(loss_gap, float(value_loss(loss, Vc, Q, mu, T) - value_loss(loss, Vn, Q, mu, T)))
        limit = Q[mu > 0].max() + (2.0 if loss == "chi2" else 0.0)
        gap = limit - Vc
        bound = limit_gap_bound(loss, Q, mu, T)
        below = min(below, gap)
        ratio = max(ratio, gap / bound if bound > 0 else (0.0 if abs(gap) < 1e-12 else math.inf))
    dO = occupancy(mdp, behaviour_policy(mdp, "uniform", rng))
    tr = fdvl_training(mdp, dO, loss, T, rng, steps=params["steps"], lr=params["lr"])
    return {
        "temperature": T,
        "closed_form_error": cf_err if loss != "tv" else math.nan,
        "loss_gap": loss_gap,
        "limit_gap_ratio": ratio,
        "limit_gap_min": below,
        "diverged": float(tr.diverged),
        "steps_run": float(tr.step),
    }


def fdvl_summary(table):
    """Per (loss, level): the divergence frequency of sampled training and the worst
    gap/bound ratio. The only place these are aggregated (``analyse_fdvl`` and the plot read it)."""
    g = table.groupby(["loss", "level"], sort=True)
    return pd.DataFrame({"divergence_freq": g["diverged"].mean(),
                         "max_limit_gap_ratio": g["limit_gap_ratio"].max()}).reset_index()


def analyse_fdvl(table):
    cf = np.nanmax(table["closed_form_error"].to_numpy(float)) if table["closed_form_error"].notna().any() else 0.0
    lg = float(table["loss_gap"].max())
    ratio_excess = float(max(table["limit_gap_ratio"].max() - 1.0, 0.0))
    below = float(max(-table["limit_gap_min"].min(), 0.0))
    exact = max(cf / CF_TOL, max(lg, 0.0) / LOSS_GAP_TOL, ratio_excess / 1e-9, below / 1e-9)
    g = table[table["loss"] == "gumbel"]["diverged"]
    kg, ng = int(g.sum()), len(g)
    details = {"closed_form_error": cf, "loss_gap": lg, "limit_ratio_excess": ratio_excess,
               "below_limit": below, "gumbel_divergence_freq": kg / ng if ng else math.nan,
               "gumbel_runs": float(ng)}
    for row in fdvl_summary(table).itertuples():
        details[f"diverged_{row.loss}_level{row.level}"] = float(row.divergence_freq)
    if exact > 1.0:
        return Verdict.at_most("closed-form implicit maximisers: worst error in units of tolerance",
                               exact, _point(exact), 1.0, details=details)
    # chi2 and TV are judged separately (issue 9): pooling them let a chi2 loss that diverged
    # in every run PASS on the strength of TV.
    parts = []
    for loss in STABLE_LOSSES:
        s = table[table["loss"] == loss]["diverged"]
        ks, ns = int(s.sum()), len(s)
        details[f"{loss}_divergence_freq"] = ks / ns if ns else math.nan
        details[f"{loss}_runs"] = float(ns)
        q = f"divergence frequency of {loss} minus Gumbel (XQL) in sampled training"
        if ng == 0 or ns == 0:
            parts.append(Verdict.inconclusive(f"the table lacks Gumbel or {loss} runs", q))
            continue
        glo, ghi = clopper_pearson(kg, ng)
        slo, shi = clopper_pearson(ks, ns)
        parts.append(Verdict.at_most(
            q, ks / ns - kg / ng, (slo - ghi, shi - glo), 0.0,
            reason=f"Gumbel diverged in {kg}/{ng} runs, {loss} in {ks}/{ns} "
                   "(95% Clopper-Pearson intervals combined)"))
    v = combine(parts, "divergence frequency of chi2 and of TV minus Gumbel (XQL), each "
                "(closed forms agree within tolerance)")
    return Verdict(v.status, v.quantity, v.measured, v.interval, v.predicted, v.tolerance,
                   v.reason, {**details, **v.details})


def plot_fdvl(table, ax=None):
    """Divergence frequency and worst gap/bound ratio per loss and temperature level; rows of
    a control (a ``control`` column, as :func:`theory.table` adds) are drawn as open squares."""
    ax = _ax(ax)
    own = table[table["control"] == ""] if "control" in table else table
    for k, (loss, sub) in enumerate(fdvl_summary(own).groupby("loss")):
        ax.plot(sub["level"], sub["divergence_freq"], "o-", color=f"C{k}",
                label=f"{loss}: divergence frequency")
        ax.plot(sub["level"], sub["max_limit_gap_ratio"], "x:", color=f"C{k}",
                label=f"{loss}: max gap/bound")
    if "control" in table:
        for name, ctl in table[table["control"] != ""].groupby("control"):
            for k, (loss, sub) in enumerate(fdvl_summary(ctl).groupby("loss")):
                ax.plot(sub["level"], sub["divergence_freq"], "s", mfc="none", color=f"C{k}",
                        label=f"{loss}: divergence frequency, control {name}")
    ax.set_xlabel("temperature level (gumbel beta 1 -> 0.03; chi2/TV lambda 0.6 -> 0.97)")
    ax.set_ylabel("frequency / ratio")
    ax.set_ylim(-0.05, 1.1)
    ax.set_title("dual_rl/fdvl_implicit_max")
    ax.legend(fontsize=6)
    return ax


FDVL = Claim(
    id="dual_rl/fdvl_implicit_max",
    paper=PAPER,
    theorem="Sec. 6, f-DVL (Prop. 3, implicit maximiser; notes D7, D9 item 10)",
    statement=("Per state, the minimisers of the XQL Gumbel loss, the chi2 lambda-loss and the "
               "TV (pinball) lambda-loss equal their closed forms (beta log E_mu e^{Q/beta}; "
               "E_mu[max(0, 1 + (Q-V)/2)] = (1-lambda)/lambda; the (2 lambda - 1)/lambda "
               "quantile), lie below max_{supp mu} Q (+2 for chi2) within explicit gaps that "
               "vanish as the temperature goes to 0; and in sampled tabular training the Gumbel "
               "loss diverges (overflow) more often than chi2, and more often than TV (each "
               "judged on its own)."),
    kind="bound",
    controls=(Control(
        "gumbel_high_temperature",
        "Gumbel at its highest temperature (beta = 1) with the small step 0.02, where its "
        "exponential does not overflow: the frequency comparison must not PASS there",
        {"level": (0,), "lr": (0.02,)}),),
    provenance="reconstructed",
    grids={
        # 4 replicates: 8 runs per loss, the fewest at which 8/8 vs 0/8 separates the 95%
        # Clopper-Pearson intervals (chi2 and TV are judged separately).
        "smoke": Grid({"env": ("grid5",), "gamma": (0.9,), "loss": FDVL_LOSSES, "level": (2, 3),
                       "lr": (0.5,), "steps": (300,)}, 4),
        "quick": Grid({"env": ("grid8",), "gamma": (0.99,), "loss": FDVL_LOSSES,
                       "level": (0, 1, 2, 3), "lr": (0.05, 0.5), "steps": (1000,)}, 3),
        "full": Grid({"env": ("grid5", "grid8"), "gamma": (0.9, 0.99), "loss": FDVL_LOSSES,
                      "level": (0, 1, 2, 3), "lr": (0.01, 0.05, 0.5), "steps": (3000,)}, 5),
    },
    version=2,
    run=run_fdvl,
    analyse=analyse_fdvl,
    plot=plot_fdvl,
    notes="Temperature levels are paired by index, not by an exact equivalence; the trainer "
          "uses the raw (unclipped, un-normalised) Gumbel loss, as the stability claim concerns.",
)


CLAIMS = (STRONG_DUALITY, REGULARISED_DUALITY, VANISHING_REGULARISATION, DUAL_Q, RECOIL, FDVL)
