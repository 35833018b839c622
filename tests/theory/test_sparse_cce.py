"""theory.sparse_cce claims at smoke scale: verdicts, controls and analyses that can fail."""

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from theory._claim import Status, control_claim
from theory.sparse_cce import CLAIMS

IDENTITY, RATE = CLAIMS


def _table(claim, scale="smoke"):
    grid = claim.grids[scale]
    rows = [{**p, "replicate": r, **claim.run(p, np.random.default_rng([r, k]))}
            for r in range(grid.replicates) for k, p in enumerate(grid.points())]
    return pd.DataFrame(rows)


def test_identity_claim_passes_and_can_fail():
    t = _table(IDENTITY)
    assert IDENTITY.analyse(t).status is Status.PASS
    assert t["identity_error"].max() <= 1e-12
    bad = t.copy()
    bad.loc[0, "identity_error"] = 1e-6  # the identity broken by 1e-6
    assert IDENTITY.analyse(bad).status is Status.FAIL
    two = t.index[t["welfare_nash_max"].notna()]
    assert len(two) > 0  # the smoke grid has two-player cells
    bad = t.copy()
    bad.loc[two[0], "welfare_nash_max"] = bad.loc[two[0], "welfare_cce"] + 0.1  # Nash above max CCE
    assert IDENTITY.analyse(bad).status is Status.FAIL
    plt.close(IDENTITY.plot(t).figure)


def test_rate_claim_and_its_control():
    t = _table(RATE)
    assert RATE.analyse(t).status is Status.PASS
    (control,) = RATE.controls
    c = _table(control_claim(RATE, control))
    assert RATE.analyse(c).status is Status.FAIL
    plt.close(RATE.plot(pd.concat([t, c])).figure)
    with pytest.raises(ValueError, match=r"params\['step'\]: expected 'tuned' or 'frozen'"):
        RATE.run({"players": 2, "actions": 2, "T": 4, "step": "fast"}, np.random.default_rng(0))
