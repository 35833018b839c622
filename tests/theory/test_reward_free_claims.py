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
        rows.append(row)
    return pd.DataFrame(rows)


def test_k_rate_analysis_pass_and_fail():
    assert C.analyse_k_rate(_k_table(-0.5)).status == Status.PASS
    v = C.analyse_k_rate(_k_table(0.0))
    assert v.status == Status.FAIL and v.details["radius_scale"] == SIMULATED_RADIUS_SCALE
    ax = C.plot_k_rate(_k_table(-0.5))
    plt.close(ax.figure)
    # off the good event: theta* outside the set in more than delta of the cells
    t = _k_table(-0.5)
    t.loc[:1, "c_min"] = 1.0
    v = C.analyse_k_rate(t)
    assert v.status == Status.INCONCLUSIVE and "good event" in v.reason
    assert v.details["cells_with_theta_outside"] == 2
    # an explorer without a confidence set (c_min NaN) is judged on its rate alone
    t = _k_table(-0.5)
    t["c_min"] = math.nan
    assert C.analyse_k_rate(t).status == Status.PASS


def _rate_table(col, xs, power, n_rep=6, seed=0, extra=None):
    rng = np.random.default_rng(seed)
    rows = []
    for x in xs:
        for r in range(n_rep):
            k = 50 * x**power * math.exp(0.05 * rng.normal())
            rows.append({col: x, "replicate": r, "k_eps": k, "K_max": 1e6,
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
    # censored cells are kept as "more than K_max": a steep planted law whose slow cells are
    # censored still FAILs (dropping them would flatten the slope towards the prediction)
    t = _rate_table("d", [3, 4, 5, 7], 3.5, n_rep=8, extra={"eps": 0.02})
    K = float(np.quantile(t["k_eps"], 0.8))
    t["K_max"] = K
    t.loc[t["k_eps"] > K, "k_eps"] = np.nan
    v = C.analyse_d_rate(t)
    assert v.details["censored"] > 0 and v.status == Status.FAIL, v.reason
    # all of one x censored and the rest at a single x: no fit -> INCONCLUSIVE
    censored = _rate_table("eps", [0.08, 0.04], -2.0, extra={"d": 3})
    censored.loc[censored["eps"] == 0.04, "k_eps"] = np.nan
    assert C.analyse_eps_rate(censored).status == Status.INCONCLUSIVE
    plt.close(C.plot_eps_rate(_rate_table("eps", [0.08, 0.04], -2.0, extra={"d": 3})).figure)


def test_horizon_analysis():
    def table(power, c_min=0.001):
        rows = []
        for H in (4, 16, 64, 128):
            for i in range(4):
                k = 100.0 * (H / 4) ** power * (1 + 0.05 * i)
                rows.append({"H": H, "instance": i, "k_eps": k, "subopt_K_max": 0.01 * (1 + 0.05 * i),
                             "K_max": 1e6, "k_first": 4.0, "c_min": c_min,
                             "radius_scale": SIMULATED_RADIUS_SCALE, "eps": 0.02, "d": 4})
        return pd.DataFrame(rows)

    assert C.analyse_horizon(table(0.0)).status == Status.PASS
    assert C.analyse_horizon(table(1.0)).status == Status.FAIL
    # UCRL-RFE-like growth censored at the budget still FAILs the flatness test
    t = table(1.5)
    t["K_max"] = 2000.0
    t.loc[t["k_eps"] > 2000.0, "k_eps"] = np.nan
    v = C.analyse_horizon(t)
    assert v.details["censored"] > 0 and v.status == Status.FAIL, v.reason
    v = C.analyse_horizon(table(0.0, c_min=1.0))
    assert v.status == Status.INCONCLUSIVE and "good event" in v.reason
    plt.close(C.plot_horizon(t).figure)


def test_explorer_parameter_is_validated():
    with pytest.raises(ValueError, match=r"params\['explorer'\]: expected one of"):
        C.run_horizon({"S": 3, "A": 2, "d": 3, "alpha": 0.1, "H": 4, "K_max": 8, "eps": 0.05,
                       "radius_scale": SIMULATED_RADIUS_SCALE, "instance": 0, "explorer": "greedy"},
                      np.random.default_rng(0))


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
