"""Smoke test of the reward-free benchmark: quick mode runs end to end, finite ratios.

No timing assertion: times on a shared machine are not a test (see benchmarks/)."""

import math

import pytest

bench = pytest.importorskip("benchmarks.bench_reward_free")


@pytest.mark.slow
def test_bench_reward_free_quick_smoke():
    res = bench.run(quick=True)
    assert [r["d"] for r in res["regression"]] == [4, 8, 16]
    assert all(math.isfinite(r["ratio"]) and r["ratio"] > 0 for r in res["regression"])
    assert {(e["d"], e["H"]) for e in res["exploration"]} == {(d, H) for d in (4, 8, 16) for H in (16, 128)}
    for e in res["exploration"]:
        assert e["episodes_per_s"] > 0 and 0 <= e["oracle_share"] <= 1
    assert "episodes/s" in bench.report(res)
