"""Benchmark: the occupancy-measure LP layer (``mdps.OccupancyLP`` / ``mdps.solve_lp``) as
ratios measured in one run (issue 4, "Performance").

Instances: random discounted MDPs with ``gamma = 0.95`` whose rows ``P(.|s,a)`` have 10
successors (Dirichlet(1) weights on 10 random next states; the model stores ``P`` densely),
``r ~ U[0, 1]``, uniform ``init``. For ``S in {50, 200, 1000}`` and ``A in {4, 10}``:

* ``cvxpy_first``: build :class:`mdps.OccupancyLP` + first solve (canonicalisation + HiGHS);
* ``cvxpy_repeat``: a second solve with a new reward ``cp.Parameter`` value (the compiled
  problem is reused; best of a few);
* ``cvxpy_solver``: HiGHS's own time inside the repeated solve (``solver_stats``);
* ``linprog``: the same LP built directly for ``scipy.optimize.linprog(method="highs")``
  (matrix build + solve, :func:`mdps.solve_lp_linprog`);
* ``highspy``: the same LP passed to ``highspy.Highs`` directly (CSC matrix, no modelling
  layer), HiGHS's default method (dual simplex here); ``highspy_ipm``: the same with
  interior point + crossover, the method :class:`mdps.OccupancyLP` uses by default.

Reported ratios (> 1 means the first-named is slower): ``first_over_repeat``,
``repeat_over_linprog``, ``first_over_linprog``, ``linprog_over_highspy``,
``repeat_over_highspy_ipm`` (CVXPY's cost over the same method called directly), and the
compile overhead fraction ``1 - solver / repeat``. The headline: the dual LP at
``S = 1000, A = 10`` against ``mdps.value_iteration`` to ``eps = 1e-10``
(``dual_lp_first_over_vi``, target <= 3) both for a fresh solve (compile included) and a
repeated one.

Run ``python -m benchmarks.bench_lp [--quick]``; ``run(quick)`` returns the dict.

Measured (full run, idle 2-core machine, 2026-11-26): interior point + crossover, now the
default, takes 0.49x value iteration to 1e-10 for the dual LP at S = 1000, A = 10 (fresh,
compile included) and 0.31x (repeated); in the same run linprog took 4.9x and highspy's dual
simplex 4.9x (with dual simplex as the default, earlier runs measured 3.6x idle and 7.2x
under load: target missed then). CVXPY
adds 0.83-1.33x over highspy with the same method; its compile share is 44% of a repeated
solve at S = 50, A = 4 and 5-10% at S = 1000.
"""

from __future__ import annotations

import sys
import time

import numpy as np

import mdps
from benchmarks._common import best_time, interleaved_best
from mdps._lp import flow_matrix

GAMMA = 0.95
BRANCH = 10


def sparse_random_mdp(S: int, A: int, rng: np.random.Generator) -> mdps.DiscountedMDP:
    P = np.zeros((S, A, S))
    for s in range(S):
        for a in range(A):
            nxt = rng.choice(S, size=min(BRANCH, S), replace=False)
            P[s, a, nxt] = rng.dirichlet(np.ones(nxt.size))
    return mdps.DiscountedMDP(P, rng.random((S, A)), GAMMA)


def _highspy_solve(mdp, form="dual", method="simplex"):
    import highspy

    S, A = mdp.S, mdp.A
    M = flow_matrix(mdp).tocsc()
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("solver", method)  # "ipm" runs crossover by default, like OccupancyLP
    inf = highspy.kHighsInf
    lp = highspy.HighsLp()
    if form == "dual":  # min (1-g) init^T V  s.t.  M V >= r
        lp.num_col_, lp.num_row_ = S, S * A
        lp.col_cost_ = (1 - mdp.gamma) * mdp.init
        lp.col_lower_ = np.full(S, -inf)
        lp.col_upper_ = np.full(S, inf)
        lp.row_lower_ = mdp.r.reshape(-1)
        lp.row_upper_ = np.full(S * A, inf)
        A_mat = M
    else:
        raise ValueError(form)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = A_mat.indptr
    lp.a_matrix_.index_ = A_mat.indices
    lp.a_matrix_.value_ = A_mat.data
    h.passModel(lp)
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        raise mdps.SolverError("highspy: not optimal", str(h.getModelStatus()), "highspy")
    return h.getInfo().objective_function_value


def _time_case(S, A, rng, form, repeat):
    mdp = sparse_random_mdp(S, A, rng)
    t0 = time.perf_counter()
    lp = mdps.OccupancyLP(mdp, form=form)
    first = lp.solve()
    t_first = time.perf_counter() - t0
    rewards = [rng.random((S, A)) for _ in range(repeat)]
    times, solver_times = [], []
    for r in rewards:
        t0 = time.perf_counter()
        lp.solve(r)
        times.append(time.perf_counter() - t0)
        solver_times.append(lp.problem.solver_stats.solve_time or np.nan)
    k = int(np.argmin(times))
    best = interleaved_best({
        "linprog": lambda: mdps.solve_lp_linprog(mdp, form=form),
        "highspy": lambda: _highspy_solve(mdp, "dual"),
        "highspy_ipm": lambda: _highspy_solve(mdp, "dual", "ipm"),
    }, repeat) if form == "dual" else {
        "linprog": best_time(lambda: mdps.solve_lp_linprog(mdp, form=form), repeat)}
    ref = mdps.solve_lp_linprog(mdp, form=form)
    if abs(ref.primal_value - first.primal_value) > 1e-7:  # the contenders must solve one LP
        raise RuntimeError(f"CVXPY and linprog disagree at S={S}, A={A}: "
                           f"{first.primal_value} vs {ref.primal_value}")
    return mdp, {
        "cvxpy_first": t_first, "cvxpy_repeat": times[k], "cvxpy_solver": solver_times[k],
        "linprog": best["linprog"], "highspy": best.get("highspy", np.nan),
        "highspy_ipm": best.get("highspy_ipm", np.nan),
    }


def run(quick: bool = False) -> dict:
    rng = np.random.default_rng(2024)
    sizes = [(50, 4), (200, 10), (1000, 10)] if quick else [(50, 4), (50, 10), (200, 4), (200, 10), (1000, 4), (1000, 10)]
    repeat = 2 if quick else 3
    out: dict[str, float | str] = {"instance": f"random, {BRANCH} successors per (s,a), gamma={GAMMA}"}
    big_mdp = None
    for S, A in sizes:
        mdp, t = _time_case(S, A, rng, "dual", repeat)
        key = f"S{S}_A{A}"
        out[f"{key}_first_over_repeat"] = t["cvxpy_first"] / t["cvxpy_repeat"]
        out[f"{key}_repeat_over_linprog"] = t["cvxpy_repeat"] / t["linprog"]
        out[f"{key}_first_over_linprog"] = t["cvxpy_first"] / t["linprog"]
        out[f"{key}_linprog_over_highspy"] = t["linprog"] / t["highspy"]
        out[f"{key}_repeat_over_highspy_ipm"] = t["cvxpy_repeat"] / t["highspy_ipm"]
        out[f"{key}_compile_overhead_fraction"] = 1.0 - t["cvxpy_solver"] / t["cvxpy_repeat"]
        if (S, A) == (1000, 10):
            big_mdp, big = mdp, t
    # primal form at one size, for the record
    _, tp = _time_case(200, 10, rng, "primal", repeat)
    out["S200_A10_primal_repeat_over_linprog"] = tp["cvxpy_repeat"] / tp["linprog"]
    out["S200_A10_primal_first_over_repeat"] = tp["cvxpy_first"] / tp["cvxpy_repeat"]
    # headline: dual LP vs value iteration to 1e-10 at S = 1000, A = 10
    mdps.value_iteration(big_mdp, 1e-10)  # JIT compile / cache load outside the timing
    t_vi = best_time(lambda: mdps.value_iteration(big_mdp, 1e-10), repeat)
    out["dual_lp_first_over_vi"] = big["cvxpy_first"] / t_vi
    out["dual_lp_repeat_over_vi"] = big["cvxpy_repeat"] / t_vi
    out["linprog_over_vi"] = big["linprog"] / t_vi
    out["highspy_over_vi"] = big["highspy"] / t_vi
    out["highspy_ipm_over_vi"] = big["highspy_ipm"] / t_vi
    out["dual_lp_target_met"] = str(big["cvxpy_first"] / t_vi <= 3.0)
    return out


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    result = run(quick="--quick" in argv)
    for k, v in result.items():
        print(f"{k}: {v:.4g}" if isinstance(v, float) else f"{k}: {v}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
