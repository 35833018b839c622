"""The reward_free claims: analyses decide correctly on synthetic tables (they can FAIL),
helpers, and every claim end to end at smoke scale (slow)."""

import math

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from theory._claim import Status
from theory.reward_free import CLAIMS, SIMULATED_RADIUS_SCALE, episodes_needed
from theory.reward_free import _claims as C

BY_ID = {c.id: c for c in CLAIMS}


def test_claim_ids_and_grids():
    assert set(BY_ID) == {f"reward_free/{n}" for n in
                          ("k_rate", "eps_rate", "d_rate", "horizon_free", "lower_bound_divergence", "coverage")}
    for c in CLAIMS:
        if c.id != "reward_free/lower_bound_divergence":
            for g in c.grids.values():
                assert SIMULATED_RADIUS_SCALE in g.params["radius_scale"]


def test_episodes_needed():
    cps = [4, 8, 16, 32]
    assert episodes_needed(cps, [0.5, 0.05, 0.2, 0.01], 0.1) == 32
    assert episodes_needed(cps, [0.5, 0.05, 0.01, 0.01], 0.1) == 8
    assert episodes_needed(cps, [0.01, 0.01, 0.01, 0.01], 0.1) == 4
    assert math.isnan(episodes_needed(cps, [0.5, 0.05, 0.01, 0.2], 0.1))


def _k_table(slope, n_rep=8, seed=0):
    rng = np.random.default_rng(seed)
    ks = [8, 16, 32, 64, 128, 256, 512, 1024, 2048]
    rows = []
    for r in range(n_rep):
        row = {"replicate": r, "radius_scale": SIMULATED_RADIUS_SCALE, "c_min": 0.001}
        for k in ks:
            row[f"subopt_{k}"] = 0.3 * k**slope * math.exp(0.05 * rng.normal())
            row[f"uniform_{k}"] = 0.3 * k**-0.5
        rows.append(row)
    return pd.DataFrame(rows)


def test_k_rate_analysis_pass_and_fail():
    assert C.analyse_k_rate(_k_table(-0.5)).status == Status.PASS
    v = C.analyse_k_rate(_k_table(0.0))
    assert v.status == Status.FAIL and v.details["radius_scale"] == SIMULATED_RADIUS_SCALE
    ax = C.plot_k_rate(_k_table(-0.5))
    plt.close(ax.figure)


def _rate_table(col, xs, power, n_rep=6, seed=0, extra=None):
    rng = np.random.default_rng(seed)
    rows = []
    for x in xs:
        for r in range(n_rep):
            k = 50 * x**power * math.exp(0.05 * rng.normal())
            rows.append({col: x, "replicate": r, "k_eps": k, "k_eps_uniform": k, "k_eps_ucrl": k,
                         "k_first": 4.0, "c_min": 0.001, "radius_scale": SIMULATED_RADIUS_SCALE, **(extra or {})})
    return pd.DataFrame(rows)


def test_eps_and_d_rate_analysis():
    assert C.analyse_eps_rate(_rate_table("eps", [0.08, 0.04, 0.02], -2.0, extra={"d": 3})).status == Status.PASS
    assert C.analyse_eps_rate(_rate_table("eps", [0.08, 0.04, 0.02], -1.0, extra={"d": 3})).status == Status.FAIL
    t = _rate_table("d", [3, 4, 5, 7], 2.0, extra={"eps": 0.02})
    t["k_eps"] = 50 * (t["d"] - 1.0) ** 2  # exact (d-1)^2 law
    assert C.analyse_d_rate(t).status == Status.PASS
    t["k_eps"] = 50 * (t["d"] - 1.0) ** 3.5
    assert C.analyse_d_rate(t).status == Status.FAIL
    censored = _rate_table("eps", [0.08, 0.04], -2.0, extra={"d": 3})
    censored.loc[::2, "k_eps"] = np.nan
    assert C.analyse_eps_rate(censored).status == Status.INCONCLUSIVE
    plt.close(C.plot_eps_rate(_rate_table("eps", [0.08, 0.04], -2.0, extra={"d": 3})).figure)


def test_horizon_analysis():
    def table(power):
        rows = []
        for H in (4, 16, 64, 128):
            for i in range(4):
                rows.append({"H": H, "instance": i, "k_eps": 100.0 * (H / 4) ** power * (1 + 0.05 * i),
                             "k_eps_ucrl": 100.0 * (H / 4) ** 1.5, "k_first": 4.0, "c_min": 0.001,
                             "radius_scale": SIMULATED_RADIUS_SCALE, "eps": 0.02, "d": 4})
        return pd.DataFrame(rows)

    v = C.analyse_horizon(table(0.0))
    assert v.status == Status.PASS and v.details["ucrl_slope"] == pytest.approx(1.5)
    assert v.details["ucrl_contrast_shown"] == 1.0
    assert C.analyse_horizon(table(1.0)).status == Status.FAIL
    # UCRL-RFE at its covering scale (_cov columns): flat there, so that contrast is not shown
    t = table(0.0)
    t["k_eps_ucrl_cov"] = 100.0 * (1 + 0.1 * t["instance"])
    t["c_min_ucrl_cov"] = 0.1
    v = C.analyse_horizon(t)
    assert v.details["ucrl_cov_slope"] == pytest.approx(0.0, abs=1e-9)
    assert v.details["ucrl_cov_contrast_shown"] == 0.0 and v.details["ucrl_contrast_shown"] == 1.0
    assert "c_beta=0.2" in v.reason and "contrast NOT reproduced" in v.reason
    plt.close(C.plot_horizon(t).figure)


def test_coverage_analysis():
    def table(fail_share):
        rows = []
        for c in (0.001, SIMULATED_RADIUS_SCALE):
            for r in range(40):
                covered = float(c == SIMULATED_RADIUS_SCALE and r >= fail_share * 40)
                rows.append({"radius_scale": c, "replicate": r, "covered": covered, "c_min": 0.002})
        return pd.DataFrame(rows)

    v = C.analyse_coverage(table(0.0))
    assert v.status == Status.PASS and v.details["largest_failing_scale"] == 0.001
    assert C.analyse_coverage(table(0.5)).status == Status.FAIL


def test_divergence_cells_and_tamper():
    cells = [dict(d=d, K=K, **C.run_divergence({"d": d, "K": K}, None)) for d in (2, 5) for K in (1000, 100000)]
    t = pd.DataFrame(cells)
    assert C.analyse_divergence(t).status == Status.PASS
    assert np.all(t["kl_sum"] <= t["kl_bound"])
    t.loc[0, "ratio"] = 1.2  # a KL sum above its bound must FAIL
    assert C.analyse_divergence(t).status == Status.FAIL


@pytest.mark.slow
@pytest.mark.parametrize("claim", CLAIMS, ids=[c.id for c in CLAIMS])
def test_claim_smoke_end_to_end(claim):
    grid = claim.grids["smoke"]
    rows = []
    for i, p in enumerate(grid.points()):
        for r in range(grid.replicates):
            rng = np.random.default_rng([i, r])
            rows.append({**p, "replicate": r, **claim.run(p, rng)})
    t = pd.DataFrame(rows)
    v = claim.analyse(t)
    assert v.status in (Status.PASS, Status.FAIL, Status.INCONCLUSIVE)
    assert "radius_scale" in v.details
    plt.close(claim.plot(t).figure)
