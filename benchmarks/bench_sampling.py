"""Benchmark: episode sampling (``mdps.sample_episodes``) against plain references, as
ratios measured in one run (issue 2, section 6: ``S = 100, A = 10``, target >= 20 million
transitions per second on one core and >= 50x a plain Python/NumPy loop).

Problem: ``mdps.instances.random_mdp(S=100, A=10, H=50)`` (Dirichlet(1) rows, dense), a
deterministic per-step policy ``pi (H, S)``, ``n`` episodes. Contenders, each producing
states, actions and rewards for every step, timed warm (compiled or loaded from cache),
best of a few *interleaved* runs so a change of machine load hits every contender alike.
Every contender is single-threaded, so the rates are computed from the process's CPU time
(``time.process_time``): on a shared machine the wall clock also counts the time other
processes hold the core. The wall-clock rate of ``ours`` (``benchmarks._common``'s
``interleaved_best``) is reported beside it as ``ours_wall_Mtps``.

* ``ours``: ``sample_episodes(Sampler(mdp), pi, n, rng)`` end to end -- drawing the
  uniforms with ``rng.random``, allocation, the guide-table kernel;
* ``ours_stationary``: the same with a stationary policy ``pi (S,)`` (only ``S`` of the
  ``S A`` kernel rows are touched, so they stay in cache: a best case beside the per-step
  worst case above);
* ``ours_kernel``: the kernel alone on pre-drawn uniforms;
* ``bisection`` / ``linear_scan``: the same kernel with the inverse CDF found by bisection /
  by a linear scan of the cumulative row (the alternatives the design considered);
* ``python_loop`` (the reference of the target): a plain Python loop over episodes and
  steps drawing ``s' = rng.choice(S, p=P[s, a])`` per step (on fewer episodes; per-
  transition rate compared);
* ``numpy_vectorised``: a NumPy loop over steps, vectorised over episodes, inverting the
  gathered cumulative rows with ``(C[s, a] <= u[:, None]).sum(1)``.

Figures: ``*_Mtps`` in million transitions per second (one transition = one ``(s, a, r, s')``
step); ``ratio_vs_<ref>`` = our end-to-end rate / the reference's rate;
``kernel_guide_over_<search>`` compares kernels alone on the same uniforms; first-call and warm-call times
in fresh interpreters, with an empty and then a filled Numba cache.

A side figure for the linear-mixture layer, whose integrated feature ``psi_V`` reward-free
exploration evaluates at every step: ``psi_over_einsum_<S>`` = time of
``np.einsum("satd,rt->rsad", phi, V)`` / time of ``LinearMixtureMDP.psi(V)`` for a batch of
``R = 32`` value functions (one GEMM on a transposed copy of ``phi``), at the size of the
notes' experiments (``S=6, A=3, d=4``) and at ``S=100, A=10, d=8``.

Run ``python -m benchmarks.bench_sampling [--quick]``; ``run(quick)`` returns the dict.
"""

from __future__ import annotations

import json
import os
import time
import shutil
import subprocess
import sys
import tempfile

import numba
import numpy as np

from benchmarks._common import interleaved_best

import mdps
from mdps import _sampling_kernels as _k
from mdps.instances import random_mdp

S, A, H = 100, 10, 50
TARGET_MTPS = 20.0
TARGET_RATIO = 50.0


@numba.njit(cache=True)
def _rollout_bisection(Pc, r3, init_c, pi, u0, u, states, actions, rewards):
    """``rollout_deterministic`` (same lockstep blocks) with bisection instead of the guide."""
    n, Hh = u.shape
    for i0 in range(0, n, _k.BLOCK):
        nb = min(_k.BLOCK, n - i0)
        for b in range(nb):
            states[i0 + b, 0] = _k._invert(init_c, u0[i0 + b])
        for h in range(Hh):
            for b in range(nb):
                i = i0 + b
                s = states[i, h]
                a = pi[h, s]
                actions[i, h] = a
                rewards[i, h] = r3[0, s, a]
                states[i, h + 1] = _k._invert(Pc[0, s, a], u[i, h])


@numba.njit(cache=True)
def _rollout_linear(Pc, r3, init_c, pi, u0, u, states, actions, rewards):
    """``rollout_deterministic`` (same lockstep blocks) with a linear scan from 0."""
    n, Hh = u.shape
    for i0 in range(0, n, _k.BLOCK):
        nb = min(_k.BLOCK, n - i0)
        for b in range(nb):
            states[i0 + b, 0] = _k._invert(init_c, u0[i0 + b])
        for h in range(Hh):
            for b in range(nb):
                i = i0 + b
                s = states[i, h]
                a = pi[h, s]
                actions[i, h] = a
                rewards[i, h] = r3[0, s, a]
                c = Pc[0, s, a]
                uu = u[i, h]
                j = 0
                while c[j] <= uu:
                    j += 1
                states[i, h + 1] = j


def python_loop(mdp, pi, n, rng):
    """The plain reference: one ``rng.choice`` per step."""
    P, r = mdp.P, mdp.r
    states = np.empty((n, H + 1), dtype=np.int64)
    actions = np.empty((n, H), dtype=np.int64)
    rewards = np.empty((n, H))
    for i in range(n):
        s = rng.choice(S, p=mdp.init)
        states[i, 0] = s
        for h in range(H):
            a = pi[h, s]
            actions[i, h] = a
            rewards[i, h] = r[s, a]
            s = rng.choice(S, p=P[s, a])
            states[i, h + 1] = s
    return states, actions, rewards


def numpy_vectorised(C, init_c, r, pi, n, rng):
    """NumPy loop over steps, vectorised over episodes (inverse CDF by counting)."""
    states = np.empty((n, H + 1), dtype=np.int64)
    actions = np.empty((n, H), dtype=np.int64)
    rewards = np.empty((n, H))
    s = (init_c[None, :] <= rng.random(n)[:, None]).sum(1)
    states[:, 0] = s
    u = rng.random((n, H))
    for h in range(H):
        a = pi[h, s]
        actions[:, h] = a
        rewards[:, h] = r[s, a]
        s = (C[s, a] <= u[:, h, None]).sum(1)
        states[:, h + 1] = s
    return states, actions, rewards


_FIRST_CALL = r"""
import json, time
import numpy as np
t0 = time.perf_counter()
import mdps
out = {"import_s": time.perf_counter() - t0}
rng = np.random.default_rng(0)
m = mdps.instances.random_mdp(100, 10, 50, rng)
pi = rng.integers(0, 10, (50, 100))
t0 = time.perf_counter(); mdps.sample_episodes(m, pi, 1000, rng); out["first_s"] = time.perf_counter() - t0
out["warm_s"] = min(__import__("timeit").repeat(lambda: mdps.sample_episodes(m, pi, 1000, rng), number=1, repeat=5))
print(json.dumps(out))
"""


def first_call_times() -> dict:
    """First and warm call (1000 episodes incl. the Sampler set-up) in fresh interpreters,
    with an empty Numba cache (compilation) and then with the cache it left behind."""
    cache = tempfile.mkdtemp(prefix="boundlab-numba-cache-")
    env = dict(os.environ, NUMBA_CACHE_DIR=cache)
    env.pop("NUMBA_DISABLE_JIT", None)
    out = {}
    try:
        for label in ("empty_cache", "cached"):
            proc = subprocess.run([sys.executable, "-c", _FIRST_CALL], env=env, check=True,
                                  capture_output=True, text=True)
            out[label] = json.loads(proc.stdout.strip().splitlines()[-1])
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    return out


def interleaved_best_cpu(fns: dict, repeat: int = 3) -> dict:
    """Best-of-``repeat`` CPU time (``time.process_time``) of each function, round robin."""
    best = {k: np.inf for k in fns}
    for _ in range(repeat):
        for k, fn in fns.items():
            t0 = time.process_time()
            fn()
            best[k] = min(best[k], time.process_time() - t0)
    return best


def psi_ratios(rng, repeat: int = 5) -> dict:
    out = {}
    for S_, A_, d_ in ((6, 3, 4), (100, 10, 8)):
        m = mdps.random_linear_mixture_mdp(S_, A_, d_, 10, rng)
        V = rng.random((32, S_))
        number = max(1, 20_000 // (S_ * S_ * A_))

        def ours():
            for _ in range(number):
                m.psi(V)

        def einsum():
            for _ in range(number):
                np.einsum("satd,rt->rsad", m.phi, V)

        np.testing.assert_allclose(m.psi(V), np.einsum("satd,rt->rsad", m.phi, V), atol=1e-12)
        t = interleaved_best_cpu({"ours": ours, "einsum": einsum}, repeat=repeat)
        out[f"psi_over_einsum_S{S_}"] = t["einsum"] / t["ours"]
    return out


def run(quick: bool = False) -> dict:
    """Measure once; returns a dict of rates (million transitions/s), ratios and times."""
    rng = np.random.default_rng(0)
    mdp = random_mdp(S, A, H, rng)
    pi = rng.integers(0, A, (H, S))
    sampler = mdps.Sampler(mdp)
    n = 20_000 if quick else 50_000
    n_py = 200 if quick else 1_000
    repeat = 3

    # pre-drawn inputs for the kernel-only contenders
    u0, u = rng.random(n), rng.random((n, H))
    out = (np.empty((n, H + 1), np.int64), np.empty((n, H), np.int64), np.empty((n, H)))
    pol = pi.astype(np.int64)
    C = sampler.Pc[0]
    args = (sampler.r3, sampler.init_c, pol, u0, u) + out

    def ours():
        mdps.sample_episodes(sampler, pi, n, rng)

    pi_stationary = pi[0]

    def ours_stationary():
        mdps.sample_episodes(sampler, pi_stationary, n, rng)

    def kernel():
        _k.rollout_deterministic(sampler.Pc, sampler.G, *args)

    def bisection():
        _rollout_bisection(sampler.Pc, *args)

    def linear():
        _rollout_linear(sampler.Pc, *args)

    def vectorised():
        numpy_vectorised(C, sampler.init_c, mdp.r, pi, n, rng)

    def loop():
        python_loop(mdp, pi, n_py, rng)

    for fn in (ours, kernel, bisection, linear):  # compile or load from cache
        fn()
    # the kernels must agree exactly on the same uniforms
    kernel()
    ref_states = out[0].copy()
    bisection()
    same_bisection = bool(np.array_equal(ref_states, out[0]))
    linear()
    same_linear = bool(np.array_equal(ref_states, out[0]))

    times = interleaved_best_cpu({"ours": ours, "ours_stationary": ours_stationary,
                                  "ours_kernel": kernel, "bisection": bisection,
                                  "linear_scan": linear, "numpy_vectorised": vectorised},
                                 repeat=repeat)
    times.update(interleaved_best_cpu({"python_loop": loop}, repeat=1 if quick else 2))
    wall = interleaved_best({"ours": ours}, repeat=repeat)["ours"]
    counts = {k: n * H for k in times}
    counts["python_loop"] = n_py * H
    rates = {k: counts[k] / t / 1e6 for k, t in times.items()}
    result = {"S": S, "A": A, "H": H, "n": n, "n_python_loop": n_py,
              "policy": "deterministic (H, S)"}
    result.update({f"{k}_Mtps": v for k, v in rates.items()})
    result["ours_wall_Mtps"] = n * H / wall / 1e6
    for ref in ("python_loop", "numpy_vectorised"):
        result[f"ratio_vs_{ref}"] = rates["ours"] / rates[ref]
    # kernel against kernel: the choice of the inverse-CDF search
    result["kernel_guide_over_bisection"] = rates["ours_kernel"] / rates["bisection"]
    result["kernel_guide_over_linear_scan"] = rates["ours_kernel"] / rates["linear_scan"]
    result["identical_to_bisection"] = same_bisection and same_linear
    result["meets_20M"] = rates["ours"] >= TARGET_MTPS
    result["meets_50x_python_loop"] = result["ratio_vs_python_loop"] >= TARGET_RATIO
    result.update(psi_ratios(rng))
    if not quick:
        fc = first_call_times()
        result["first_call_empty_cache_s"] = fc["empty_cache"]["first_s"]
        result["first_call_cached_s"] = fc["cached"]["first_s"]
        result["warm_call_s"] = fc["cached"]["warm_s"]
    return result


def main(argv=None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    quick = "--quick" in argv
    res = run(quick=quick)
    print(f"episode sampling, S={S}, A={A}, H={H}, n={res['n']} "
          f"({'quick' if quick else 'full'}), {res['policy']} policy")
    for key, value in res.items():
        if key in ("S", "A", "H", "n", "policy"):
            continue
        text = f"{value:.4g}" if isinstance(value, float) else str(value)
        print(f"  {key}: {text}")


if __name__ == "__main__":
    main()
