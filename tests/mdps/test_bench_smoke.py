"""Smoke test of the MDP benchmark: quick mode runs end to end and returns finite ratios.

No timing assertion: times on a shared machine are not a test (see benchmarks/)."""

import math

import pytest

pytest.importorskip("numba")
bench = pytest.importorskip("benchmarks.bench_mdps")


@pytest.mark.slow
def test_bench_mdps_quick_smoke():
    res = bench.run(quick=True)
    assert {"bandwidth_GBps", "fma_rate_G", "sizes", "batch", "first_call", "skipped"} <= set(res)
    assert res["bandwidth_GBps"]["best"] > 0 and res["fma_rate_G"] > 0
    for row in res["sizes"].values():
        for key in ("ratio_numpy", "ratio_quantecon", "ratio_mdptoolbox"):
            name = key.removeprefix("ratio_")
            if name in res["skipped"]:
                continue
            assert math.isfinite(row[key]) and row[key] > 0
    for b in res["batch"].values():
        assert math.isfinite(b["throughput_ratio"]) and b["throughput_ratio"] > 0
    for fc in res["first_call"].values():
        assert all(v["first_s"] > 0 and v["warm_s"] > 0 for k, v in fc.items() if k.startswith("S"))
    assert "Backward induction" in bench.report(res)
