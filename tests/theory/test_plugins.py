"""A researcher's own claims: --module, add_claims, entry points, the one registry, and the
example plugin claim (examples/hoeffding.py) through the CLI and the Python API."""

from __future__ import annotations

import importlib.metadata
import json
from pathlib import Path

import pytest

import theory
from theory import _registry
from theory._claim import Status
from theory._registry import EXTRA_CLAIMS_ENV, RegistryError, add_claims, registry
from theory._store import Store
from theory.cli import main

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "hoeffding.py"
CLAIM_ID = "hoeffding/bernoulli_mean"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    """add_claims and --module write $BOUNDLAB_EXTRA_CLAIMS; restore it after each test."""
    monkeypatch.delenv(EXTRA_CLAIMS_ENV, raising=False)


def test_example_through_the_cli_with_worker_processes(tmp_path, capsys):
    # the processes executor: the workers import the file before unpickling its run
    code = main(["verify", CLAIM_ID, "--module", str(EXAMPLE), "--scale", "smoke",
                 "--store", str(tmp_path / "s.sqlite"), "--no-report", "--no-progress",
                 "--workers", "2", "--json", str(tmp_path / "v.json")])
    out = capsys.readouterr().out
    assert code == 0, out
    (record,) = json.loads((tmp_path / "v.json").read_text())
    assert record["verdict"] == "PASS"
    (control,) = record["controls"]
    assert control["name"] == "dependent_draws" and control["verdict"] == "FAIL" and control["ok"]
    assert "dependent_draws: FAIL" in out


def test_example_through_the_python_api(tmp_path):
    (claim,) = theory.add_claims(EXAMPLE)
    assert claim.id == CLAIM_ID and CLAIM_ID in registry()
    ((c, verdict),) = theory.verify(CLAIM_ID, scale="smoke", store=tmp_path / "s.sqlite",
                                    executor="serial", progress=False)
    assert c is claim and verdict.status is Status.PASS
    assert "dependent_draws: FAIL" in verdict.reason
    t = theory.table(CLAIM_ID, store=tmp_path / "s.sqlite", scale="smoke", controls=True)
    assert set(t["control"]) == {"", "dependent_draws"} and len(t) == 24
    # adding the same file again is not a duplicate
    assert theory.add_claims(str(EXAMPLE))[0].id == CLAIM_ID


def test_verify_set_saves_under_its_own_label(tmp_path, capsys):
    store = tmp_path / "s.sqlite"
    args = ["verify", CLAIM_ID, "--module", str(EXAMPLE), "--scale", "smoke", "--store",
            str(store), "--no-report", "--no-progress", "--executor", "serial"]
    assert main(args + ["--set", "n=30"]) == 0
    assert "with n=30" in capsys.readouterr().out
    with Store(store) as s:
        last = s.last_verdict(CLAIM_ID)
        assert last["scale"] == 'smoke+set{"n":[30]}'
        assert set(s.table(CLAIM_ID)["n"]) == {30}
    assert main(args) == 0  # the registered grid afterwards: its own cells and label
    with Store(store) as s:
        assert s.last_verdict(CLAIM_ID)["scale"] == "smoke"
        assert set(s.table(CLAIM_ID)["n"]) == {20, 30, 50}
    assert main(args + ["--set", "nope=1"]) == 2
    assert "--set nope: unknown parameter" in capsys.readouterr().err


def test_entry_points_join_the_registry(monkeypatch):
    ep = importlib.metadata.EntryPoint(name="toy", value="tests.theory._toycontrols",
                                       group=_registry.ENTRY_POINT_GROUP)
    real = importlib.metadata.entry_points

    def fake(**kw):
        return [ep] if kw.get("group") == _registry.ENTRY_POINT_GROUP else real(**kw)

    monkeypatch.setattr(importlib.metadata, "entry_points", fake)
    reg = registry()
    assert "toyctl/discriminating" in reg
    assert list(reg).index("toyctl/discriminating") > list(reg).index("reward_free/coverage")


def test_module_attr_entry_point_value(monkeypatch):
    ep = importlib.metadata.EntryPoint(name="toy", value="tests.theory._toycontrols:CLAIMS",
                                       group=_registry.ENTRY_POINT_GROUP)
    monkeypatch.setattr(importlib.metadata, "entry_points",
                        lambda **kw: [ep] if kw.get("group") == _registry.ENTRY_POINT_GROUP else [])
    assert "toyctl/undiscriminating" in registry()


def test_duplicate_ids_are_a_clear_error(tmp_path, capsys):
    dup = tmp_path / "dup.py"
    dup.write_text("import theory.copg\nCLAIMS = (theory.copg.CLAIMS[0],)\n")
    with pytest.raises(RegistryError, match="claim id 'copg/fixed_point': expected unique ids"):
        add_claims(dup)
    assert EXTRA_CLAIMS_ENV not in __import__("os").environ  # rolled back
    assert main(["list", "--module", str(dup)]) == 2
    assert "--module: claim id 'copg/fixed_point'" in capsys.readouterr().err


def test_bad_modules_are_usage_errors(tmp_path, capsys):
    assert main(["list", "--module", str(tmp_path / "missing.py")]) == 2
    assert "no such file" in capsys.readouterr().err
    assert main(["list", "--module", "no_such_module_xyz"]) == 2
    assert "No module named 'no_such_module_xyz'" in capsys.readouterr().err
    broken = tmp_path / "broken.py"
    broken.write_text("raise RuntimeError('boom')\n")
    assert main(["list", "--module", str(broken)]) == 2
    assert "it raised RuntimeError: boom" in capsys.readouterr().err
    with pytest.raises(ValueError, match="modules: expected module names"):
        add_claims("a,b")


def test_python_report(tmp_path):
    theory.add_claims(EXAMPLE)
    theory.verify([CLAIM_ID], scale="smoke", store=tmp_path / "s.sqlite", executor="serial",
                  progress=False)
    md = theory.report("hoeffding", store=tmp_path / "s.sqlite", out=tmp_path / "rep")
    text = md.read_text()
    assert CLAIM_ID in text and "dependent_draws" in text
    with pytest.raises(TypeError, match="claims: expected Claim objects"):
        theory.verify([3], store=tmp_path / "s.sqlite")
