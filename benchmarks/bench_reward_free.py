"""Benchmark of HF-UCRL-RFE++ (theory.reward_free): ratios measured in one run.

* The incremental weighted ridge update (Numba Sherman-Morrison, O(d^2) per sample, estimate
  after every sample) against NumPy ``G += w x x^T; theta = solve(G, b)`` per sample
  (O(d^3)), at d in {4, 8, 16}; target >= 10x at d = 16 (issue 5).
* Exploration throughput: episodes per second of ``explore_hf`` on a random linear mixture
  MDP (S = 6, A = 3, 13 oracle rewards) at d in {4, 8, 16} and H in {16, 128}, and the
  share of time in the exploration oracle vs the rollout + regressions.

Absolute times depend on the (shared) machine; compare ratios from the same run.
"""

from __future__ import annotations

import sys
import time

import numpy as np

from benchmarks._common import interleaved_best
from mdps._linear import random_linear_mixture_mdp
from theory.reward_free import HFConfig, explore_hf, reward_dictionary
from theory.reward_free import _kernels

__all__ = ["run", "report", "main"]


def _regression_ratio(d: int, n: int, rng: np.random.Generator, repeat: int) -> dict:
    X = rng.normal(size=(n, d)) / np.sqrt(d)
    y = rng.normal(size=n)
    w = rng.uniform(0.5, 2.0, size=n)
    out = np.empty((n, d))

    def sm():
        Ginv, G, b = np.eye(d), np.eye(d), np.zeros(d)
        _kernels.ridge_stream(Ginv, G, b, X, y, w, out, 64)

    def solve():
        G, b = np.eye(d), np.zeros(d)
        for i in range(n):
            G += w[i] * np.outer(X[i], X[i])
            b += w[i] * y[i] * X[i]
            out[i] = np.linalg.solve(G, b)

    sm()  # compile
    t = interleaved_best({"sm": sm, "solve": solve}, repeat=repeat)
    return {"d": d, "n": n, "sm_us_per_sample": 1e6 * t["sm"] / n,
            "solve_us_per_sample": 1e6 * t["solve"] / n, "ratio": t["solve"] / t["sm"]}


def _exploration(d: int, H: int, K: int, rng: np.random.Generator) -> dict:
    mdp = random_linear_mixture_mdp(6, 3, d, H, rng)
    R = reward_dictionary(6, 3, H)[:13]
    explore_hf(mdp.phi, mdp.P, H, 2, R, rng, HFConfig(radius_scale=0.003))  # compile
    t0 = time.perf_counter()
    res = explore_hf(mdp.phi, mdp.P, H, K, R, rng, HFConfig(radius_scale=0.003))
    total = time.perf_counter() - t0
    return {"d": d, "H": H, "K": K, "episodes_per_s": K / total,
            "oracle_share": res.time_oracle / total, "regression_share": res.time_regression / total,
            "other_share": 1.0 - (res.time_oracle + res.time_regression) / total}


def run(quick: bool = False) -> dict:
    """Measure everything once; returns a dict of figures (times in seconds, ratios)."""
    rng = np.random.default_rng(0)
    n = 1000 if quick else 4000
    reg = [_regression_ratio(d, n, rng, repeat=2 if quick else 3) for d in (4, 8, 16)]
    expl = []
    for d in (4, 8, 16):
        for H in (16, 128):
            K = (20 if H == 128 else 60) if quick else (100 if H == 128 else 400)
            expl.append(_exploration(d, H, K, rng))
    return {"regression": reg, "exploration": expl}


def report(res: dict) -> str:
    lines = ["Incremental weighted ridge (Sherman-Morrison, Numba) vs NumPy solve per sample:"]
    for r in res["regression"]:
        lines.append(f"  d={r['d']:>2}  SM {r['sm_us_per_sample']:.2f} us/sample  solve "
                     f"{r['solve_us_per_sample']:.2f} us/sample  ratio {r['ratio']:.1f}x")
    lines.append("HF-UCRL-RFE++ exploration (S=6, A=3, 13 oracle rewards):")
    for e in res["exploration"]:
        lines.append(f"  d={e['d']:>2} H={e['H']:>3}  {e['episodes_per_s']:8.1f} episodes/s  oracle "
                     f"{e['oracle_share']:.0%}  rollout+regressions {e['regression_share']:.0%}  "
                     f"other {e['other_share']:.0%}")
    return "\n".join(lines)


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    print(report(run(quick="--quick" in argv)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
