"""Shared benchmark helpers: interleaved best-of timing, the machine's memory bandwidth and
its double-precision multiply-add rate, measured by the benchmark itself.

Rooflines. A memory-bound kernel that must read ``B`` bytes cannot finish faster than
``B / bandwidth``; a compute-bound one doing ``F`` fused multiply-adds cannot beat
``F / fma_rate``. Both denominators are measured here, best of a few runs, on the machine and
at the moment of the benchmark (on a shared machine they vary from run to run, so
benchmarks report ratios measured in the same run).
"""

from __future__ import annotations

import time
from typing import Callable

import numpy as np
from numba import njit, prange

__all__ = ["interleaved_best", "best_time", "measure_bandwidth", "measure_fma_rate", "GIB"]

GIB = 1 << 30


def best_time(fn: Callable[[], object], repeat: int = 3) -> float:
    """Smallest wall time of ``repeat`` calls of ``fn`` (seconds)."""
    best = np.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def interleaved_best(fns: dict[str, Callable[[], object]], repeat: int = 3) -> dict[str, float]:
    """Best-of-``repeat`` wall time of each function, calling them in turn (round robin) so
    that a change of machine load affects every contender alike."""
    best = {k: np.inf for k in fns}
    for _ in range(repeat):
        for k, fn in fns.items():
            t0 = time.perf_counter()
            fn()
            best[k] = min(best[k], time.perf_counter() - t0)
    return best


@njit(parallel=True, cache=True, fastmath=True)
def _parallel_sum(x):
    acc = 0.0
    for i in prange(x.size):
        acc += x[i]
    return acc


def measure_bandwidth(nbytes: int = GIB, repeat: int = 3) -> dict[str, float]:
    """Read bandwidth in GB/s (1e9 bytes/s) of a float64 array of ``nbytes`` (>= 1 GiB by
    default, far beyond any cache): NumPy ``arr.sum()`` (one thread) and a Numba parallel sum
    reduction (all threads), best of ``repeat``. ``best`` is the larger: the roofline."""
    x = np.ones(nbytes // 8)
    _parallel_sum(x[:1024])  # compile / load from cache outside the timing
    t = interleaved_best({"numpy": x.sum, "numba": lambda: _parallel_sum(x)}, repeat)
    out = {"numpy": x.nbytes / t["numpy"] / 1e9, "numba_parallel": x.nbytes / t["numba"] / 1e9}
    out["best"] = max(out.values())
    return out


def measure_fma_rate(n: int = 1000, repeat: int = 3) -> float:
    """Double-precision fused multiply-adds per second (in units of 1e9) achieved by the BLAS
    matrix product ``(n, n) @ (n, n)`` (n^3 multiply-adds), best of ``repeat``."""
    rng = np.random.default_rng(0)
    a, b = rng.random((n, n)), rng.random((n, n))
    a @ b
    return n**3 / best_time(lambda: a @ b, repeat) / 1e9
