"""Negative controls in the claim contract: validation, the engine's verdicts, the report."""

from __future__ import annotations

import json
import math

import pytest

from theory._claim import Claim, Control, Grid, Status, Verdict, combine, control_claim
from theory._store import Store
from theory._verify import verdict_from_record, verify_outcomes

from . import _toycontrols as toy


def test_control_validation_errors():
    with pytest.raises(ValueError, match="name: expected an identifier"):
        Control("not an id", "x", {"estimator": ("median",)})
    with pytest.raises(ValueError, match="expect: expected one of"):
        Control("c", "x", {"estimator": ("median",)}, expect="pass")
    with pytest.raises(ValueError, match="overrides: expected at least one parameter"):
        Control("c", "x", {})
    base = toy.CLAIMS[0]
    import dataclasses

    with pytest.raises(ValueError, match=r"controls\['c'\].overrides: expected parameters"):
        dataclasses.replace(base, controls=(Control("c", "x", {"nope": (1,)}),))
    with pytest.raises(ValueError, match="differ from the claim's own"):
        dataclasses.replace(base, controls=(Control("c", "x", {"estimator": ("mean",)}),))
    with pytest.raises(ValueError, match="unique control names"):
        dataclasses.replace(base, controls=(toy.SHIFTED, toy.SHIFTED))
    with pytest.raises(TypeError, match="controls: expected a sequence of Control"):
        dataclasses.replace(base, controls=("shifted",))
    with pytest.raises(ValueError, match="kind: expected one of"):
        dataclasses.replace(base, kind="theorem")


def test_control_claim_overrides_every_scale_and_keeps_the_id():
    variant = control_claim(toy.CLAIMS[0], toy.SHIFTED)
    assert variant.id == toy.CLAIMS[0].id and variant.controls == ()
    for scale, grid in variant.grids.items():
        assert grid.params["estimator"] == ("shifted",)
        assert grid.params["mu"] == toy.CLAIMS[0].grids[scale].params["mu"]


def _verify(tmp_path, claims):
    with Store(tmp_path / "s.sqlite") as store:
        outcomes = verify_outcomes(claims, scale="smoke", store=store, executor="serial",
                                   progress=False)
        records = [store.last_verdict(c.id) for c in claims]
    return outcomes, records


def test_discriminating_claim_passes_and_its_control_fails(tmp_path):
    (o,), (record,) = _verify(tmp_path, [toy.CLAIMS[0]])
    assert o.verdict.status is Status.PASS
    (c,) = o.controls
    assert c.verdict.status is Status.FAIL and c.ok and c.cells == 6
    assert "shifted_mean: FAIL" in o.verdict.reason
    assert math.isclose(o.verdict.details["control.shifted_mean.measured"], c.verdict.measured)
    # the stored verdict keeps the control's figure (details survive the round trip)
    stored = verdict_from_record(record)
    assert stored.status is Status.PASS
    assert "control.shifted_mean.measured" in stored.details


def test_a_control_that_passes_makes_the_claim_undiscriminating(tmp_path):
    (o,), (record,) = _verify(tmp_path, [toy.CLAIMS[1]])
    assert o.verdict.status is Status.UNDISCRIMINATING
    names = {c.control.name: c for c in o.controls}
    assert names["median"].verdict.status is Status.PASS and not names["median"].ok
    assert names["shifted_mean"].ok
    assert o.verdict.reason.startswith("UNDISCRIMINATING: control(s) median PASS")
    assert record["status"] == "UNDISCRIMINATING"


def test_control_cells_never_leak_into_the_claims_table(tmp_path):
    (o,), _ = _verify(tmp_path, [toy.CLAIMS[0]])
    with Store(tmp_path / "s.sqlite") as store:
        table = store.table(toy.CLAIMS[0].id)
    assert len(table) == 12  # 6 claim cells + 6 control cells, told apart by 'estimator'
    assert o.cells == 6 and abs(o.verdict.measured) < 0.5


def test_cli_verify_shows_the_control_column_and_exits_1_when_undiscriminating(
        tmp_path, monkeypatch, capsys):
    from theory import _registry
    from theory.cli import main

    monkeypatch.setattr(_registry, "PAPER_MODULES", ())
    monkeypatch.setenv(_registry.EXTRA_CLAIMS_ENV, toy.__name__)
    store = str(tmp_path / "cli.sqlite")
    js = tmp_path / "v.json"
    rc = main(["verify", "toyctl", "--scale", "smoke", "--executor", "serial", "--store", store,
               "--no-progress", "--out", str(tmp_path / "rep"), "--json", str(js)])
    out = capsys.readouterr().out
    assert rc == 1
    assert "control" in out.splitlines()[1] and "shifted_mean: FAIL" in out
    assert "1 PASS" in out and "1 UNDISCRIMINATING" in out
    records = {r["claim"]: r for r in json.loads(js.read_text())}
    assert [c["verdict"] for c in records["toyctl/discriminating"]["controls"]] == ["FAIL"]
    report = (tmp_path / "rep" / "report.md").read_text()
    assert "| control |" in report and "median: PASS" in report
    rc = main(["show", "toyctl/undiscriminating", "--store", store])
    out = capsys.readouterr().out
    assert "median (must not PASS; estimator=['median'])" in out
    assert "UNDISCRIMINATING" in out


def _v(status, m=0.0):
    return Verdict(status, "q", m, (m, m), 0.0, 1.0, f"r{status.value}", {"a": m})


def test_combine_worst_status_wins_and_keeps_every_reason():
    v = combine([_v(Status.PASS, 1.0), _v(Status.INCONCLUSIVE, 2.0)], "both")
    assert v.status is Status.INCONCLUSIVE and v.measured == 2.0
    assert "(1) PASS" in v.reason and "(2) INCONCLUSIVE" in v.reason
    assert v.details == {"1.a": 1.0, "2.a": 2.0}
    assert combine([_v(Status.PASS), _v(Status.FAIL), _v(Status.ERROR)], "x").status is Status.ERROR
    assert combine([], "x").status is Status.INCONCLUSIVE


@pytest.mark.parametrize("iv, status", [((2.0, 3.0), Status.PASS), ((0.0, 0.5), Status.FAIL),
                                        ((0.5, 2.0), Status.INCONCLUSIVE),
                                        ((1.5, math.inf), Status.INCONCLUSIVE)])
def test_at_least(iv, status):
    assert Verdict.at_least("q", iv[0], iv, 1.0).status is status


def test_inconclusive_helper():
    v = Verdict.inconclusive("too few cells", "slope")
    assert v.status is Status.INCONCLUSIVE and math.isnan(v.measured) and v.reason == "too few cells"


def test_an_expected_fail_that_does_not_fail_leaves_a_pass_inconclusive():
    from theory._verify import ControlOutcome, apply_controls

    own = Verdict.at_most("slope", 0.0, (-0.1, 0.1), 0.3)
    undecided = Verdict.inconclusive("censored", "slope")
    failed = Verdict.at_most("slope", 1.0, (0.8, 1.2), 0.3)
    v = apply_controls(own, [ControlOutcome(toy.SHIFTED, undecided, 6)])
    assert v.status is Status.INCONCLUSIVE
    assert v.reason.startswith("INCONCLUSIVE: control(s) shifted_mean expected to FAIL did not")
    assert apply_controls(own, [ControlOutcome(toy.SHIFTED, failed, 6)]).status is Status.PASS
    # a not_pass control that is INCONCLUSIVE is what it promised: the PASS stands
    assert apply_controls(own, [ControlOutcome(toy.MEDIAN, undecided, 6)]).status is Status.PASS
    # and a FAIL of the claim itself is never softened
    assert apply_controls(failed, [ControlOutcome(toy.SHIFTED, undecided, 6)]).status is Status.FAIL


def test_public_table_reads_the_claims_cells_and_optionally_its_controls(tmp_path):
    import theory

    _verify(tmp_path, [toy.CLAIMS[1]])
    path = tmp_path / "s.sqlite"
    own = theory.table(toy.CLAIMS[1], store=path, scale="smoke")
    assert len(own) == 6 and set(own["estimator"]) == {"mean"} and "control" not in own
    both = theory.table(toy.CLAIMS[1], store=path, scale="smoke", controls=True)
    assert both.groupby("control")["estimator"].first().to_dict() == {
        "": "mean", "shifted_mean": "shifted", "median": "median"}
    assert len(both) == 18
    with Store(path) as store:  # an open store is used as is, not closed
        assert len(theory.table(toy.CLAIMS[1], store=store, scale="smoke")) == 6
        assert len(store.table(toy.CLAIMS[1].id)) == 18
    with pytest.raises(ValueError, match="scale: expected one of"):
        theory.table(toy.CLAIMS[1], store=path, scale="huge")
    with pytest.raises(TypeError, match="claim: expected a Claim or a claim id"):
        theory.table(3, store=path)
