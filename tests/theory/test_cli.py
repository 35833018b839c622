"""The ``boundlab`` command line, end to end on toy claims with the serial executor.

Most tests call ``theory.cli.main(argv)`` in-process (fast) with the registry holding the toy
claims only; a few run the installed console script to check what a user sees: help without
the science stack, one error line and no traceback.
"""

import json
import os
import sqlite3
import subprocess
import sys
import types
from pathlib import Path

import pandas as pd
import pytest

from tests.theory._toyclaims import use_toy_registry
from theory import cli
from theory._claim import SCALES
from theory._store import Store

ROOT = Path(__file__).resolve().parents[2]
BOUNDLAB = Path(sys.executable).with_name("boundlab")


@pytest.fixture
def toy(monkeypatch):
    return use_toy_registry(monkeypatch)


@pytest.fixture
def store(tmp_path):
    return str(tmp_path / "results.sqlite")


def run(capsys, *argv):
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_error_line(err, *fragments):
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("boundlab: error: ")
    assert "Traceback" not in err
    for f in fragments:
        assert f in lines[0]


SMOKE = ("--scale", "smoke", "--executor", "serial", "--no-progress")


# ------------------------------------------------------------------ help and startup


def test_cli_scales_are_the_contract_scales():
    assert cli.SCALES == SCALES


def test_importing_the_cli_loads_no_science_stack():
    code = ("import sys, theory.cli; "
            "print(sorted(m for m in ('numpy', 'pandas', 'matplotlib', 'theory._claim') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_help_of_the_console_script():
    if not BOUNDLAB.exists():
        pytest.skip("console script not installed next to this interpreter")
    res = subprocess.run([str(BOUNDLAB), "verify", "--help"], capture_output=True, text=True)
    assert res.returncode == 0
    assert "$BOUNDLAB_STORE" in res.stdout and "boundlab-results.sqlite" in res.stdout
    assert "--json FILE" in res.stdout and "{smoke,quick,full}" in res.stdout


def test_console_script_unknown_claim_is_one_line(tmp_path):
    if not BOUNDLAB.exists():
        pytest.skip("console script not installed next to this interpreter")
    env = dict(os.environ, PYTHONPATH=str(ROOT), BOUNDLAB_EXTRA_CLAIMS="tests.theory._toyclaims")
    res = subprocess.run([str(BOUNDLAB), "show", "toy/unbiasd", "--store", str(tmp_path / "s")],
                         capture_output=True, text=True, env=env, cwd=tmp_path)
    assert res.returncode == 2
    assert_one_error_line(res.stderr, "unknown claim id 'toy/unbiasd'", "did you mean toy/unbiased?")


def test_no_command_prints_help_and_exits_2(capsys):
    code, out, err = run(capsys)
    assert code == 2 and "usage: boundlab" in err


def test_argparse_usage_error_exits_2(capsys):
    code, _, err = run(capsys, "verify", "--scale", "huge")
    assert code == 2 and "invalid choice: 'huge'" in err


# ------------------------------------------------------------------ list / show


def test_list(toy, capsys):
    code, out, _ = run(capsys, "list")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["claim", "theorem", "provenance", "paper"]
    assert [ln.split()[0] for ln in lines[2:]] == list(toy)
    assert "derived" in lines[2]


def test_show_without_store(toy, capsys, store):
    code, out, _ = run(capsys, "show", "toy/unbiased", "--store", store)
    assert code == 0
    assert "Statement:" in out and "The sample mean of n i.i.d." in out
    assert r"LaTeX: \mathbb{E}[\bar X - \mu] = 0" in out
    assert "smoke       8 cells (2 points x 4 replicates)" in out
    assert "quick      24 cells" in out
    assert "Last verdict: none (no store at" in out
    assert not Path(store).exists()  # show does not create a store


def test_show_last_verdict_after_verify(toy, capsys, store, tmp_path):
    assert run(capsys, "verify", "toy/unbiased", *SMOKE, "--store", store, "--no-report")[0] == 0
    code, out, _ = run(capsys, "show", "toy/unbiased", "--store", store)
    assert code == 0 and "Last verdict: PASS (scale smoke, version 1" in out


def test_show_unknown_claim(toy, capsys):
    code, _, err = run(capsys, "show", "toy/unbiasd")
    assert code == 2
    assert_one_error_line(err, "unknown claim id 'toy/unbiasd'; did you mean toy/unbiased?")


# ------------------------------------------------------------------ sweep and --set


def test_sweep_with_set_and_seeds(toy, capsys, store):
    code, out, _ = run(capsys, "sweep", "toy/unbiased", *SMOKE, "--set", "n=20,30",
                       "--seeds", "2", "--store", store)
    assert code == 0
    assert "toy/unbiased: 8 cells (0 already stored, 8 run)" in out
    with Store(store) as s:
        table = s.table("toy/unbiased")
    assert sorted(set(table["n"])) == [20, 30] and sorted(set(table["replicate"])) == [0, 1]
    # resuming: nothing left to run
    code, out, _ = run(capsys, "sweep", "toy/unbiased", *SMOKE, "--set", "n=20,30",
                       "--seeds", "2", "--store", store)
    assert "(8 already stored, 0 run)" in out


def test_sweep_uses_the_store_environment_variable(toy, capsys, tmp_path, monkeypatch):
    path = tmp_path / "from_env.sqlite"
    monkeypatch.setenv("BOUNDLAB_STORE", str(path))
    assert run(capsys, "sweep", "toy/unbiased", *SMOKE)[0] == 0
    assert path.exists()


def test_sweep_set_unknown_parameter(toy, capsys, store):
    code, _, err = run(capsys, "sweep", "toy/unbiased", *SMOKE, "--set", "m=1", "--store", store)
    assert code == 2
    assert_one_error_line(err, "--set m: unknown parameter of toy/unbiased; valid names: mu, n")


def test_sweep_set_bad_value(toy, capsys, store):
    code, _, err = run(capsys, "sweep", "toy/unbiased", *SMOKE, "--set", "n=abc", "--store", store)
    assert code == 2
    assert_one_error_line(err, "--set n: expected integer values; got 'abc'")
    assert not Path(store).exists()  # validated before anything runs


def test_sweep_set_value_the_run_rejects(toy, capsys, store):
    # n = -1 parses as an integer, but the cell's run raises ValueError: a user error
    code, _, err = run(capsys, "sweep", "toy/unbiased", *SMOKE, "--set", "n=-1", "--store", store)
    assert code == 2
    assert_one_error_line(err, "--set: a cell rejected its parameters", "run raised ValueError")


def test_sweep_scheduler_without_dask(toy, capsys, store):
    code, _, err = run(capsys, "sweep", "toy/unbiased", *SMOKE, "--scheduler", "local", "--store", store)
    assert code == 2
    assert_one_error_line(err, "--scheduler: expected only with --executor dask")


@pytest.mark.slow
def test_sweep_unreachable_scheduler(toy, capsys, store):
    # port 9 (discard) has no Dask scheduler: the executor gives up after its 10 s timeout
    code, _, err = run(capsys, "sweep", "toy/unbiased", "--scale", "smoke", "--no-progress",
                       "--executor", "dask", "--scheduler", "tcp://127.0.0.1:9", "--store", store)
    assert code == 3
    assert_one_error_line(err, "--scheduler tcp://127.0.0.1:9: expected a reachable Dask scheduler")


def test_parse_set_coerces_to_the_declared_kind(toy):
    claims = [toy["toy/unbiased"]]
    assert cli.parse_set(["mu=1,2.5", "n=1e2"], claims, "smoke") == {"mu": (1.0, 2.5), "n": (100,)}
    assert cli.parse_set(None, claims, "smoke") == {}


def test_parse_value_order():
    assert [cli._parse_value(t) for t in ("3", "3.5", "true", "False", "x")] == [3, 3.5, True, False, "x"]


@pytest.mark.parametrize(
    "items, message",
    [
        (["n"], "expected NAME=VALUE"),
        (["=3"], "expected NAME=VALUE"),
        (["n=1,,2"], "expected non-empty comma-separated values"),
        (["n=1", "n=2"], "given twice"),
        (["mu=nan"], "--set mu: expected finite real values"),
        (["mu=true"], "--set mu: expected finite real values"),
        (["n=2.5"], "--set n: expected integer values"),
    ],
)
def test_parse_set_errors(toy, items, message):
    with pytest.raises(cli.UsageError, match=message.replace("(", r"\(").replace(")", r"\)")):
        cli.parse_set(items, [toy["toy/unbiased"]], "smoke")


def test_coerce_bool_and_str_kinds():
    assert cli._coerce("b", "true", "bool") is True
    with pytest.raises(cli.UsageError, match="--set b: expected true or false; got '1'"):
        cli._coerce("b", "1", "bool")
    assert cli._coerce("s", "3", "str") == "3"  # a str parameter keeps the text


# ------------------------------------------------------------------ verify


def test_verify_pass_writes_json_and_report(toy, capsys, store, tmp_path):
    out_dir, js = tmp_path / "rep", tmp_path / "v.json"
    code, out, err = run(capsys, "verify", "toy", *SMOKE, "--store", store, "--out", out_dir,
                         "--json", js)
    assert code == 0
    row = [ln for ln in out.splitlines() if ln.startswith("toy/unbiased")][0]
    assert row.split()[-1] == "PASS" and "Toy Lemma 1" in row and "0 ± 0.5" in row
    assert "\x1b[" not in out  # no colour when stdout is not a terminal
    assert "1 PASS, 0 FAIL, 0 INCONCLUSIVE, 0 UNDISCRIMINATING, 0 ERROR" in out
    records = json.loads(js.read_text())
    assert [r["claim"] for r in records] == ["toy/unbiased"]  # the prefix selects toy/ only
    rec = records[0]
    assert rec["verdict"] == "PASS" and rec["scale"] == "smoke" and rec["predicted"] == 0.0
    assert rec["tolerance"] == 0.5 and rec["interval"][0] <= rec["measured"] <= rec["interval"][1]
    assert rec["reason"].startswith("the interval lies within the tolerance band")
    assert (out_dir / "report.md").exists() and (out_dir / "report.html").exists()
    assert (out_dir / "toy__unbiased.png").exists()


def test_verify_with_seeds_is_labelled_and_does_not_leak(toy, capsys, store, tmp_path):
    """--seeds N sweeps and judges N replicates per point; the verdict is saved and reported
    under "smoke+seedsN", and the registered grid's verdict afterwards uses only its own."""
    js, rep = tmp_path / "v.json", tmp_path / "rep"
    code, out, _ = run(capsys, "verify", "toy/unbiased", *SMOKE, "--seeds", "7", "--store", store,
                       "--json", js, "--out", rep)
    assert code == 0
    assert "scale smoke with 7 replicates per point, store" in out
    assert json.loads(js.read_text())[0]["scale"] == "smoke+seeds7"
    with Store(store) as s:
        table = s.table("toy/unbiased")
        assert len(table) == 2 * 7 and s.last_verdict("toy/unbiased")["scale"] == "smoke+seeds7"
    assert "(scale `smoke+seeds7`, 14 cells)" in (rep / "report.md").read_text()
    code, out, _ = run(capsys, "show", "toy/unbiased", "--store", store)
    assert "(scale smoke+seeds7, version 1" in out
    # `report` rebuilds the 7-replicate grid from the stored label
    run(capsys, "report", "toy", "--store", store, "--out", tmp_path / "r2")
    assert "(scale `smoke+seeds7`, 14 cells)" in (tmp_path / "r2" / "report.md").read_text()
    # the registered grid (4 replicates) runs nothing new and judges its 8 cells only
    code, out, _ = run(capsys, "verify", "toy/unbiased", *SMOKE, "--store", store, "--out", rep)
    assert code == 0 and "scale smoke, store" in out
    assert "(scale `smoke`, 8 cells)" in (rep / "report.md").read_text()
    # --seeds equal to the registered count is the registered grid
    run(capsys, "verify", "toy/unbiased", *SMOKE, "--seeds", "4", "--store", store, "--out", rep)
    assert "(scale `smoke`, 8 cells)" in (rep / "report.md").read_text()


def test_verify_seeds_must_be_positive(toy, capsys, store):
    code, _, err = run(capsys, "verify", "toy/unbiased", *SMOKE, "--seeds", "0", "--store", store)
    assert code == 2 and "argument --seeds: expected a positive integer; got 0" in err


def test_verify_fail_and_error_exit_1(toy, capsys, store, tmp_path):
    code, out, err = run(capsys, "verify", "toybad", *SMOKE, "--store", store, "--out",
                         tmp_path / "rep", "--json", tmp_path / "v.json")
    assert code == 1
    assert "1 FAIL" in out and "1 ERROR" in out
    assert "boundlab: ERROR in toybad/raises: analyse raised RuntimeError: planted bug" in err
    records = {r["claim"]: r for r in json.loads((tmp_path / "v.json").read_text())}
    assert records["toybad/false"]["verdict"] == "FAIL"
    assert records["toybad/raises"]["verdict"] == "ERROR"
    assert records["toybad/raises"]["measured"] is None


def test_verify_unknown_claim(toy, capsys, store):
    code, _, err = run(capsys, "verify", "nosuch", *SMOKE, "--store", store)
    assert code == 2
    assert_one_error_line(err, "unknown claim id or paper 'nosuch'")


def test_verify_store_that_is_not_ours(toy, capsys, tmp_path):
    bad = tmp_path / "notes.txt"
    bad.write_text("hello, not a database\n")
    code, _, err = run(capsys, "verify", "toy", *SMOKE, "--store", bad, "--no-report")
    assert code == 3
    assert_one_error_line(err, "expected a boundlab results store")
    assert bad.read_text() == "hello, not a database\n"


def test_verify_locked_store(toy, capsys, store):
    Store(store).close()
    holder = sqlite3.connect(store, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process holding the write lock
    try:
        code, _, err = run(capsys, "verify", "toy", *SMOKE, "--store", store, "--no-report",
                           "--lock-timeout", "0.2")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert code == 3
    assert_one_error_line(err, "locked")


def test_verify_unwritable_out(toy, capsys, store, tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("")
    code, _, err = run(capsys, "verify", "toy", *SMOKE, "--store", store, "--out", blocker / "rep")
    assert code == 3
    assert_one_error_line(err, f"--out {blocker / 'rep'}: expected a writable directory")
    assert not Path(store).exists()  # checked before any work


def test_verify_json_in_missing_directory(toy, capsys, store, tmp_path):
    code, _, err = run(capsys, "verify", "toy", *SMOKE, "--store", store, "--no-report",
                       "--json", tmp_path / "nodir" / "v.json")
    assert code == 3
    assert_one_error_line(err, "--json", "expected a file in an existing directory")


def test_colour_only_on_a_terminal(monkeypatch):
    class Tty:
        def isatty(self):
            return True

    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setattr(sys, "stdout", Tty())
    assert cli._color("FAIL", "FAIL") == "\x1b[31mFAIL\x1b[0m"
    monkeypatch.setenv("NO_COLOR", "1")
    assert cli._color("FAIL", "FAIL") == "FAIL"


# ------------------------------------------------------------------ report / export


def test_report_from_store(toy, capsys, store, tmp_path):
    run(capsys, "verify", "toy", *SMOKE, "--store", store, "--no-report")
    code, out, _ = run(capsys, "report", "toy", "--store", store, "--out", tmp_path / "r")
    assert code == 0 and "report:" in out
    text = (tmp_path / "r" / "report.md").read_text()
    assert "**PASS**" in text and "![toy/unbiased](toy__unbiased.png)" in text


def test_report_without_store(toy, capsys, tmp_path):
    code, _, err = run(capsys, "report", "--store", tmp_path / "none.sqlite", "--out", tmp_path / "r")
    assert code == 3
    assert_one_error_line(err, "expected an existing results store", "boundlab verify")


def test_export_csv_to_stdout_and_parquet(toy, capsys, store, tmp_path):
    run(capsys, "sweep", "toy/unbiased", *SMOKE, "--store", store)
    code, out, _ = run(capsys, "export", "toy/unbiased", "--store", store)
    assert code == 0
    from io import StringIO

    table = pd.read_csv(StringIO(out))
    assert len(table) == 8
    assert {"claim", "version", "replicate", "mu", "n", "error", "abs_error", "seconds"} <= set(table.columns)
    with Store(store) as s:
        stored = s.table("toy/unbiased")
    pd.testing.assert_series_equal(table["error"], stored["error"])  # repr round-trip is exact
    pq = tmp_path / "t.parquet"
    code, _, err = run(capsys, "export", "toy/unbiased", "--format", "parquet", "--out", pq, "--store", store)
    assert code == 0 and "8 rows" in err
    pd.testing.assert_frame_equal(pd.read_parquet(pq), stored)


def test_export_parquet_needs_out(toy, capsys, store):
    code, _, err = run(capsys, "export", "toy/unbiased", "--format", "parquet", "--store", store)
    assert code == 2
    assert_one_error_line(err, "--format parquet: expected --out FILE")


def test_export_without_cells(toy, capsys, store):
    Store(store).close()
    code, _, err = run(capsys, "export", "toy/unbiased", "--store", store)
    assert code == 3
    assert_one_error_line(err, "expected stored cells of version 1", "boundlab sweep toy/unbiased")


# ------------------------------------------------------------------ bench


def test_bench_runs_present_modules_and_skips_missing(capsys, monkeypatch):
    fake = types.ModuleType("fake_bench_module")
    calls = []

    def fake_run(quick=False):
        calls.append(quick)
        return {"ratio": 1.5, "cells": 10}

    fake.run = fake_run
    monkeypatch.setitem(sys.modules, "fake_bench_module", fake)
    monkeypatch.setattr(cli, "BENCH_MODULES", ("fake_bench_module", "benchmarks.no_such_bench"))
    code, out, _ = run(capsys, "bench", "--quick")
    assert code == 0 and calls == [True]
    assert "ratio: 1.5" in out and "cells: 10" in out
    assert "benchmarks.no_such_bench: not found, skipped" in out


def test_broken_registry_is_one_line(capsys, monkeypatch):
    from theory import _registry

    monkeypatch.setattr(_registry, "PAPER_MODULES", ("theory.no_such_paper",))
    monkeypatch.delenv(_registry.EXTRA_CLAIMS_ENV, raising=False)
    code, _, err = run(capsys, "list")
    assert code == 3
    assert_one_error_line(err, "the claim registry cannot be built", "theory.no_such_paper")


def test_show_claim_without_bound(toy, capsys, store):
    code, out, _ = run(capsys, "show", "toybad/false", "--store", store)
    assert code == 0 and "Bound:\n  (none declared)" in out


def test_closed_stdout_is_not_a_traceback():
    # `boundlab list | head -1`: the reader closes the pipe early; the CLI must exit quietly.
    res = subprocess.run(f"'{BOUNDLAB}' list | head -c 10", shell=True, capture_output=True,
                         text=True, executable="/bin/bash")
    assert res.stdout == "claim     "
    assert "Traceback" not in res.stderr and "BrokenPipe" not in res.stderr
