"""Smoke test of benchmarks/bench_games_continual: quick mode runs and returns finite ratios
(the backends agree inside the benchmark, or it raises). No timing assertion."""

import math

import pytest


@pytest.mark.slow
def test_bench_games_continual_quick_smoke():
    from benchmarks import bench_games_continual as bench

    res = bench.run(quick=True)
    assert any(k.startswith("cce_") for k in res) and any(k.startswith("reaches_") for k in res)
    assert all(math.isfinite(v) and v > 0 for v in res.values())
