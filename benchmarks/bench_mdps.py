"""Benchmark: finite-horizon backward induction (``mdps.backward_induction``) against
references, as ratios measured in one run (issue 2, section 6).

Problem: random dense ``P (S, A, S)`` (time-homogeneous), ``r (S, A)``, ``A = 10``,
``H = 50``. Contenders (each computes optimal values and a greedy policy for every step):

* ``numpy``: ``Q = r + (P.reshape(S*A, S) @ V).reshape(S, A)``, ``V = Q.max(1)`` per step;
* ``quantecon``: ``quantecon.markov.backward_induction(DiscreteDP(r, P, 1.0), H)``;
* ``mdptoolbox``: ``mdptoolbox.mdp.FiniteHorizon(P (A, S, S), r, 1, H).run()`` (optional;
  skipped with a printed reason if it does not import).

Model construction is outside every timing. Figures:

* ``ratio_<ref>`` = time of ``<ref>`` / time of ours (> 1: ours faster), best of a few
  interleaved runs;
* ``roofline_fraction`` = (bytes of ``P`` read per pass / measured bandwidth) / our time,
  where a pass reads ``S*A*S*8`` bytes per step for ``H`` steps and the bandwidth is the
  best of a NumPy and a Numba-parallel sum over 1 GiB (``benchmarks._common``); reported
  where ``P`` exceeds the last-level cache;
* batch: ``throughput_ratio`` = ``R * t(one reward) / t(batch of R)``; its machine ceiling
  is set by the multiply-add rate (a batch does ``S*A*S*R*H`` multiply-adds, compute-bound),
  reported as ``compute_fraction`` and ``throughput_ceiling``;
* first call vs warm call: in fresh processes with an empty and then a filled Numba cache,
  after Numba's own one-off start-up (timed separately on a trivial function).

Run ``python -m benchmarks.bench_mdps [--quick]``; ``run(quick)`` returns the dict.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import warnings

import numpy as np

from benchmarks._common import interleaved_best, measure_bandwidth, measure_fma_rate

import mdps

A, H = 10, 50
R_BATCH = 64
LLC_BYTES = 32 << 20  # P larger than this is streamed from DRAM every step


def _random_model(S: int, rng: np.random.Generator):
    P = rng.random((S, A, S))
    P /= P.sum(axis=-1, keepdims=True)
    return P, rng.random((S, A))


def numpy_backward_induction(P, r, H):
    """The plain-NumPy reference: one reshape-matmul per step."""
    S, A_ = r.shape
    P2 = P.reshape(S * A_, S)
    V = np.zeros((H + 1, S))
    pi = np.empty((H, S), np.int64)
    for h in range(H - 1, -1, -1):
        Q = r + (P2 @ V[h + 1]).reshape(S, A_)
        pi[h] = Q.argmax(axis=1)
        V[h] = Q.max(axis=1)
    return V, pi


def _references(P, r):
    """Callables of the available references, and reasons for the missing ones."""
    refs, skipped = {}, {}
    refs["numpy"] = lambda: numpy_backward_induction(P, r, H)
    try:
        from quantecon.markov import DiscreteDP, backward_induction

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "infinite horizon methods disabled with beta=1"
            ddp = DiscreteDP(r, P, 1.0)
        refs["quantecon"] = lambda: backward_induction(ddp, H)
    except Exception as exc:  # optional dependency: report why, never fail the benchmark
        skipped["quantecon"] = f"{type(exc).__name__}: {exc}"
    try:
        import mdptoolbox.mdp

        with contextlib.redirect_stdout(io.StringIO()):  # it prints a beta=1 warning
            fh = mdptoolbox.mdp.FiniteHorizon(np.ascontiguousarray(P.transpose(1, 0, 2)), r,
                                              1.0, H)

        def run_fh():
            with contextlib.redirect_stdout(io.StringIO()):
                fh.run()

        refs["mdptoolbox"] = run_fh
    except Exception as exc:
        skipped["mdptoolbox"] = f"{type(exc).__name__}: {exc}"
    return refs, skipped


_FIRST_CALL = r"""
import json, time
import numpy as np
t0 = time.perf_counter()
import mdps
out = {"import_s": time.perf_counter() - t0}
import numba
t0 = time.perf_counter()
numba.njit(lambda x: x + 1)(1)  # Numba's own start-up (LLVM initialisation), paid once
out["numba_startup_s"] = time.perf_counter() - t0
rng = np.random.default_rng(0)
for S in (50, 200):
    P = rng.random((S, 10, S)); P /= P.sum(-1, keepdims=True)
    m = mdps.TabularMDP(P, rng.random((S, 10)), 50)
    t0 = time.perf_counter(); mdps.backward_induction(m); first = time.perf_counter() - t0
    warm = min(__import__("timeit").repeat(lambda: mdps.backward_induction(m), number=1, repeat=5))
    out[f"S{S}"] = {"first_s": first, "warm_s": warm}
print(json.dumps(out))
"""


def first_call_times(quick: bool = False) -> dict:
    """First-call and warm-call times in fresh interpreters: once with an empty Numba cache
    (includes compilation) and once with the cache it left behind. ``quick``: only one
    fresh process using the package's own cache (compiled there if it is empty)."""
    cache = tempfile.mkdtemp(prefix="boundlab-numba-cache-")
    env = dict(os.environ) if quick else dict(os.environ, NUMBA_CACHE_DIR=cache)
    env.pop("NUMBA_DISABLE_JIT", None)
    out = {}
    try:
        for label in (("package_cache",) if quick else ("empty_cache", "cached")):
            proc = subprocess.run([sys.executable, "-c", _FIRST_CALL], env=env, check=True,
                                  capture_output=True, text=True)
            out[label] = json.loads(proc.stdout.strip().splitlines()[-1])
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    return out


def run(quick: bool = False) -> dict:
    """Measure everything once; returns a dict of figures (times in seconds, ratios)."""
    rng = np.random.default_rng(0)
    sizes = [50, 200] if quick else [50, 200, 1000, 2000]
    repeat = 3
    bw = measure_bandwidth(repeat=2 if quick else 3)
    fma = measure_fma_rate(repeat=3)
    result = {"A": A, "H": H, "bandwidth_GBps": bw, "fma_rate_G": fma, "sizes": {},
              "skipped": {}}

    single = {}
    for S in sizes:
        P, r = _random_model(S, rng)
        model = mdps.TabularMDP(P, r, H)
        refs, skipped = _references(P, r)
        result["skipped"].update(skipped)
        mdps.backward_induction(model)  # warm (compiled or loaded from cache)
        for fn in refs.values():
            fn()
        n = repeat
        fns = {"ours": lambda: mdps.backward_induction(model),
               "ours_one_thread": lambda: mdps.backward_induction(model, parallel=False),
               "ours_threads": lambda: mdps.backward_induction(model, parallel=True), **refs}
        fns["ours_threads"]()
        fns["ours_one_thread"]()
        t = interleaved_best(fns, n)
        row = {"ours_s": t["ours"], "ours_one_thread_s": t["ours_one_thread"],
               "ours_threads_s": t["ours_threads"], "load_average": os.getloadavg()[0]}
        for k in refs:
            row[f"{k}_s"] = t[k]
            row[f"ratio_{k}"] = t[k] / t["ours"]
        nbytes = P.nbytes * H
        row["P_bytes_per_pass"] = nbytes
        row["roofline_s"] = nbytes / (bw["best"] * 1e9)
        row["roofline_fraction"] = row["roofline_s"] / t["ours"] if P.nbytes > LLC_BYTES else math.nan
        result["sizes"][S] = row
        single[S] = (model, t["ours"])

    batch_sizes = [50] if quick else [200, 1000]
    result["batch"] = {}
    for S in batch_sizes:
        if S in single:
            model, t_one = single[S]
        else:
            P, r = _random_model(S, rng)
            model = mdps.TabularMDP(P, r, H)
            mdps.backward_induction(model)
            t_one = interleaved_best({"one": lambda: mdps.backward_induction(model)}, repeat)["one"]
        rR = rng.random((R_BATCH, S, A))
        mdps.backward_induction(model, rR[:2], batch=True)  # warm
        t_batch = interleaved_best({"b": lambda: mdps.backward_induction(model, rR, batch=True)},
                                   2 if S >= 1000 else repeat)["b"]
        fmas = S * A * S * R_BATCH * H
        t_compute = fmas / (fma * 1e9)
        result["batch"][S] = {
            "R": R_BATCH,
            "single_s": t_one,
            "batch_s": t_batch,
            "throughput_ratio": R_BATCH * t_one / t_batch,
            "compute_fraction": t_compute / t_batch,
            "throughput_ceiling": min(R_BATCH, R_BATCH * t_one / t_compute),
        }

    result["first_call"] = first_call_times(quick)
    return result


def _fmt(x, spec=".2f"):
    return "n/a" if x is None or (isinstance(x, float) and math.isnan(x)) else format(x, spec)


def report(res: dict) -> str:
    """The figures of :func:`run` as a text table."""
    bw = res["bandwidth_GBps"]
    lines = [
        f"Backward induction, A = {res['A']}, H = {res['H']}, random dense P (float64).",
        f"Bandwidth (1 GiB read): numpy {bw['numpy']:.1f} GB/s, numba parallel "
        f"{bw['numba_parallel']:.1f} GB/s -> roofline uses {bw['best']:.1f} GB/s. "
        f"BLAS multiply-add rate: {res['fma_rate_G']:.1f} G/s.",
        "",
        "Columns: times (best of a few, interleaved); 'x ref' = t(ref) / t(ours, default);"
        " '1thr'/'2thr' = ours with parallel=False/True; roofline = "
        "(P bytes per pass / bandwidth) / t(ours); load = 1-min load average.",
        f"{'S':>6} {'ours ms':>9} {'1thr ms':>9} {'2thr ms':>9} {'numpy ms':>9} {'qe ms':>9} {'mdpt ms':>9}"
        f" {'x numpy':>8} {'x qe':>7} {'x mdpt':>7} {'roofline':>9} {'load':>5}",
    ]
    for S, row in res["sizes"].items():
        ms = lambda k: _fmt(row.get(k, math.nan) * 1e3, ".3f")  # noqa: E731
        lines.append(
            f"{S:>6} {ms('ours_s'):>9} {ms('ours_one_thread_s'):>9} {ms('ours_threads_s'):>9} {ms('numpy_s'):>9} {ms('quantecon_s'):>9} "
            f"{ms('mdptoolbox_s'):>9} {_fmt(row.get('ratio_numpy')):>8} "
            f"{_fmt(row.get('ratio_quantecon')):>7} {_fmt(row.get('ratio_mdptoolbox')):>7} "
            f"{_fmt(row['roofline_fraction']):>9} {row['load_average']:>5.1f}")
    for name, why in res["skipped"].items():
        lines.append(f"  {name} skipped: {why}")
    lines.append("")
    for S, b in res["batch"].items():
        lines.append(
            f"Batch R = {b['R']}, S = {S}: one reward {b['single_s']*1e3:.2f} ms, batch "
            f"{b['batch_s']*1e3:.1f} ms -> throughput x{b['throughput_ratio']:.1f} "
            f"(compute-bound ceiling x{b['throughput_ceiling']:.1f}; "
            f"{b['compute_fraction']:.2f} of the BLAS multiply-add rate)")
    lines.append("")
    for label, fc in res["first_call"].items():
        parts = ", ".join(
            f"S={k[1:]}: first {v['first_s']*1e3:.1f} ms, warm {v['warm_s']*1e3:.2f} ms"
            for k, v in fc.items() if k.startswith("S"))
        lines.append(f"Fresh process, {label.replace('_', ' ')} (import mdps {fc['import_s']:.2f} s, "
                     f"Numba start-up {fc['numba_startup_s']:.2f} s, then): {parts}")
    return "\n".join(lines)


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    print(report(run(quick="--quick" in argv)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
