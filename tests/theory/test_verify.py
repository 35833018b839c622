"""theory._verify: sweep + analyse + record, the engine's ERROR / "no cells" rules."""

import json
import math

import pandas as pd
import pytest

from tests.theory._toyclaims import use_toy_registry
from theory._claim import Status, Verdict
from theory._store import Store
from theory._verify import (
    grid_table,
    judge,
    resolve_scale,
    scale_label,
    verdict_from_record,
    verdict_record,
    verify,
    verify_outcomes,
)


@pytest.fixture
def toy(monkeypatch):
    return use_toy_registry(monkeypatch)


def test_judge_empty_table_is_inconclusive_no_cells(toy):
    v, err = judge(toy["toy/unbiased"], pd.DataFrame())
    assert v.status is Status.INCONCLUSIVE and v.reason == "no cells" and err is None


def test_judge_raising_analyse_is_an_error_with_traceback(toy):
    table = pd.DataFrame({"replicate": [0, 1], "error": [0.1, -0.1]})
    v, err = judge(toy["toybad/raises"], table)
    assert v.status is Status.ERROR
    assert v.reason == "analyse raised RuntimeError: planted bug in analyse"
    assert "Traceback" in err and "analyse_raises" in err


def test_judge_non_verdict_is_an_error(toy):
    import dataclasses

    claim = dataclasses.replace(toy["toy/unbiased"], analyse=len)
    v, err = judge(claim, pd.DataFrame({"replicate": [0]}))
    assert v.status is Status.ERROR and "analyse returned int; expected a Verdict" in v.reason


def test_grid_table_keeps_exactly_the_cells_of_the_scale(toy):
    claim = toy["toy/unbiased"]  # smoke: mu in (0.0, 1.0), n = 50, 4 replicates
    rows = [
        (mu, n, r)
        for mu in (0.0, 1.0, 2.0)      # 2.0 is not a smoke point
        for n in (50, 100)             # 100 is not a smoke point
        for r in range(6)              # replicates 4, 5 are beyond the smoke grid
    ]
    table = pd.DataFrame(rows, columns=["mu", "n", "replicate"])
    table["mu"] = table["mu"].astype(object)
    table.loc[0, "mu"] = 0  # an int 0 is the grid's 0.0 (the store keeps JSON types)
    kept = grid_table(table, claim, "smoke")
    assert len(kept) == 2 * 1 * 4
    assert set(kept["n"]) == {50} and kept["replicate"].max() == 3
    assert sorted(set(kept["mu"].astype(float))) == [0.0, 1.0]


@pytest.mark.parametrize("label, scale, reps", [
    ("smoke", "smoke", 4), ("smoke+seeds9", "smoke", 9), ("quick+seeds3", "quick", 3),
    ("smoke+seeds0", None, 4), ("huge", None, 4), ("smoke+seedsx", None, 4), (None, None, 4),
])
def test_resolve_scale_labels(toy, label, scale, reps):
    claim = toy["toy/unbiased"]
    effective, base = resolve_scale(claim, label)
    assert base == scale
    assert effective.grids[scale or "smoke"].replicates == reps
    assert claim.grids["smoke"].replicates == 4  # the registered claim is untouched
    if scale is not None:
        assert scale_label(scale, None if reps == claim.grids[scale].replicates else reps) == label


def test_verify_outcomes_rejects_bad_replicates(toy, tmp_path):
    with Store(tmp_path / "s.sqlite") as store:
        with pytest.raises(ValueError, match="replicates: expected an integer >= 1 or None; got 0"):
            verify_outcomes([toy["toy/unbiased"]], scale="smoke", store=store, replicates=0)


def test_grid_table_missing_parameter_column_selects_nothing(toy):
    table = pd.DataFrame({"mu": [0.0], "replicate": [0]})
    assert len(grid_table(table, toy["toy/unbiased"], "smoke")) == 0


def test_verify_end_to_end_and_resumes(toy, tmp_path):
    claims = [toy["toy/unbiased"], toy["toybad/false"], toy["toybad/raises"]]
    with Store(tmp_path / "s.sqlite") as store:
        first = verify_outcomes(claims, scale="smoke", store=store, executor="serial",
                                progress=False)
        assert [o.verdict.status for o in first] == [Status.PASS, Status.FAIL, Status.ERROR]
        assert first[0].sweep.ran == 8 and first[0].cells == 8
        assert store.last_verdict("toy/unbiased")["status"] == "PASS"
        # ERROR is recorded so that `show`/`report` never present a stale verdict
        assert store.last_verdict("toybad/raises")["status"] == "ERROR"
        again = verify_outcomes(claims[:1], scale="smoke", store=store, executor="serial",
                                progress=False)
        assert again[0].sweep.ran == 0 and again[0].sweep.skipped == 8
        assert again[0].verdict == first[0].verdict  # same cells, same verdict


def test_verify_run_false_uses_stored_cells_only(toy, tmp_path):
    with Store(tmp_path / "s.sqlite") as store:
        (o,) = verify_outcomes([toy["toy/unbiased"]], scale="smoke", store=store, run=False)
        assert o.verdict.status is Status.INCONCLUSIVE and o.verdict.reason == "no cells"


def test_verify_run_false_on_a_partial_sweep_is_inconclusive(toy, tmp_path):
    from theory._sweep import cells, run_cell

    claim = toy["toy/unbiased"]
    with Store(tmp_path / "s.sqlite") as store:
        for cell in cells(claim, claim.grids["smoke"])[:3]:  # an unfinished sweep
            store.write(run_cell(cell))
        (o,) = verify_outcomes([claim], scale="smoke", store=store, run=False)
        assert o.verdict.status is Status.INCONCLUSIVE
        assert o.verdict.reason.startswith("only 3 of the 8 cells")


def test_verify_scale_smoke_ignores_cells_of_other_scales(toy, tmp_path):
    claim = toy["toy/unbiased"]
    with Store(tmp_path / "s.sqlite") as store:
        verify_outcomes([claim], scale="quick", store=store, executor="serial", progress=False)
        (o,) = verify_outcomes([claim], scale="smoke", store=store, executor="serial",
                               progress=False)
        assert o.cells == len(claim.grids["smoke"])  # not the 24 quick cells


def test_verify_public_api_takes_a_path(toy, tmp_path):
    pairs = verify([toy["toy/unbiased"]], scale="smoke", store=tmp_path / "s.sqlite",
                   executor="serial", progress=False)
    ((claim, verdict),) = pairs
    assert claim.id == "toy/unbiased" and verdict.status is Status.PASS


def test_verify_rejects_unknown_scale(toy, tmp_path):
    with Store(tmp_path / "s.sqlite") as store:
        with pytest.raises(ValueError, match="scale: expected one of"):
            verify_outcomes([toy["toy/unbiased"]], scale="huge", store=store)


def test_verdict_record_is_strict_json_and_round_trips(toy):
    v = Verdict.from_interval("q", 1.0, (0.5, math.inf), 1.0, 0.2)
    rec = verdict_record(toy["toy/unbiased"], v, "smoke")
    text = json.dumps(rec, allow_nan=False)
    back = json.loads(text)
    assert back["interval"] == [0.5, None] and back["verdict"] == "INCONCLUSIVE"
    assert set(back) >= {"claim", "verdict", "measured", "interval", "predicted", "tolerance",
                         "reason", "scale"}
    stored = {"status": "INCONCLUSIVE", "quantity": "q", "measured": 1.0,
              "interval": (0.5, math.nan), "predicted": 1.0, "tolerance": 0.2, "reason": "r"}
    assert verdict_from_record(stored).status is Status.INCONCLUSIVE
