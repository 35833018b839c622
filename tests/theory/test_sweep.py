"""Cells, run_cell and the sweep driver (serial and processes); Dask lives in test_reliability."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tests.theory import _planted as P
from theory._claim import Claim, Grid
from theory._executors import DaskExecutor, ProcessExecutor, SerialExecutor
from theory._store import Store
from theory._sweep import (
    Cell,
    CellError,
    SchedulerError,
    WorkerLostError,
    _batch_size,
    canonical_json,
    cells,
    run_cell,
    sweep,
)


# -- cells ----------------------------------------------------------------------------------
def test_key_is_canonical_json():
    cell = Cell("p/c", 1, {"b": 0.1, "a": 2, "s": "x", "t": True}, 3)
    assert cell.key == '{"params":{"a":2,"b":0.1,"s":"x","t":true},"replicate":3}'
    assert cell.params == (("a", 2), ("b", 0.1), ("s", "x"), ("t", True))
    assert json.loads(cell.key) == {"params": {"a": 2, "b": 0.1, "s": "x", "t": True}, "replicate": 3}
    # floats by repr: 0.1 + 0.2 is not 0.3, and 1 / 1.0 / True are three different cells
    assert Cell("p/c", 1, {"x": 0.1 + 0.2}, 0).key != Cell("p/c", 1, {"x": 0.3}, 0).key
    keys = {Cell("p/c", 1, {"x": v}, 0).key for v in (1, 1.0, True)}
    assert len(keys) == 3
    assert Cell("p/c", 1, {"x": np.float64(0.5)}, 0) == Cell("p/c", 1, {"x": 0.5}, 0)


def test_canonical_json_rejects_nan():
    with pytest.raises(ValueError):
        canonical_json({"x": float("nan")})


@pytest.mark.parametrize(
    "kwargs, exc, match",
    [
        (dict(params={"x": [1]}), TypeError, r"params\['x'\]: expected str, int, float or bool"),
        (dict(params={"x": float("inf")}), ValueError, r"params\['x'\]: expected finite values"),
        (dict(replicate=-1), ValueError, "replicate: expected"),
        (dict(version=0), ValueError, "version: expected"),
        (dict(claim_id="nopaper"), ValueError, "claim_id: expected 'paper/claim'"),
    ],
)
def test_cell_validation(kwargs, exc, match):
    args = dict(claim_id="p/c", version=1, params={"x": 1}, replicate=0) | kwargs
    with pytest.raises(exc, match=match):
        Cell(**args)


def test_cells_enumerates_the_grid_in_order():
    grid = Grid({"a": (0, 1, 2), "b": (0.1, 2.5)}, 3)
    cs = cells(P.NOISY, grid)
    assert len(cs) == len(grid) == 18
    assert len({c.key for c in cs}) == 18
    assert [c.replicate for c in cs[:4]] == [0, 1, 2, 0]
    assert cs[0].param_dict == {"a": 0, "b": 0.1} and cs[3].param_dict == {"a": 0, "b": 2.5}
    assert all(c.claim_id == "planted/noisy" and c.version == 1 for c in cs)


# -- run_cell -------------------------------------------------------------------------------
def test_run_cell_converts_metrics_to_float():
    out = {"a": np.float32(0.5), "b": 3, "c": True, "d": np.bool_(False), "e": float("nan")}
    metrics = run_cell(Cell("planted/x", 1, {"i": 0}, 0), _Returns(out)).metrics
    assert metrics["a"] == 0.5 and metrics["b"] == 3.0 and metrics["c"] == 1.0
    assert metrics["d"] == 0.0 and np.isnan(metrics["e"])
    assert all(type(v) is float for v in metrics.values())


def test_run_cell_uses_the_cells_stream():
    cell = Cell("planted/noisy", 1, {"a": 1, "b": 0.1}, 0)
    result = run_cell(cell, P.run_noisy)
    expected = P.draws(cell.param_dict, np.random.default_rng(cell.seed_sequence()))
    assert result.metrics["x"] == expected["x"] and result.metrics["z"] == expected["z"]
    assert result.seconds >= 0.0


def test_run_cell_looks_the_claim_up_in_the_registry(monkeypatch):
    monkeypatch.setenv("BOUNDLAB_EXTRA_CLAIMS", "tests.theory._toyclaims")
    from tests.theory import _toyclaims

    cell = Cell("toy/unbiased", 1, {"mu": 0.0, "n": 50}, 0)
    assert run_cell(cell).metrics == _toyclaims.run_mean(cell.param_dict, cell.rng())


def test_run_cell_error_names_claim_params_and_replicate():
    cell = Cell("planted/raises", 1, {"i": 3}, 1)
    with pytest.raises(CellError, match=r"claim planted/raises \(version 1\): run raised "
                                        r"ValueError: planted failure in run in the cell "
                                        r"\{i=3\} replicate 1") as info:
        run_cell(cell, P.run_raises)
    assert info.value.cell == cell and "run_raises" in info.value.remote_traceback


@pytest.mark.parametrize(
    "out, match",
    [
        ([1.0], "expected a mapping of metric name -> float; got list"),
        ({"v": "high"}, r"run\(params, rng\)\['v'\]: expected a real number"),
        ({"i": 1.0}, "expected metric names other than"),
        ({"seconds": 1.0}, "expected metric names other than"),
    ],
)
def test_run_cell_checks_the_metrics(out, match):
    with pytest.raises(CellError, match=match):
        run_cell(Cell("planted/x", 1, {"i": 0}, 0), _Returns(out))


class _Returns:
    def __init__(self, out):
        self.out = out

    def __call__(self, params, rng):
        return self.out


# -- batching -------------------------------------------------------------------------------
def test_batch_size():
    pool = ProcessExecutor(2)  # target 0.2 s, not started
    assert _batch_size(None, 1000, pool) == 1  # nothing measured yet: probe with one cell
    assert _batch_size(0.01, 1000, pool) == 20  # 0.2 s of 10 ms cells
    assert _batch_size(1e-6, 1000, pool) == 250  # capped at a quarter of what is left
    assert _batch_size(5.0, 1000, pool) == 1
    assert _batch_size(1e-6, 3, pool) == 1
    assert _batch_size(1e-6, 1000, SerialExecutor()) == 1


# -- sweep (serial) --------------------------------------------------------------------------
def test_serial_sweep_stores_every_cell_and_resumes(tmp_path):
    path = tmp_path / "s.sqlite"
    report = sweep(P.NOISY, scale="quick", replicates=3, executor="serial", store=path,
                   progress=False)
    assert (report.total, report.skipped, report.ran) == (18, 0, 18)
    again = sweep(P.NOISY, scale="quick", replicates=3, executor="serial", store=path,
                  progress=False)
    assert (again.total, again.skipped, again.ran, again.batches) == (18, 18, 0, 0)
    more = sweep(P.NOISY, scale="quick", replicates=4, executor="serial", store=path,
                 progress=False)
    assert (more.total, more.skipped, more.ran) == (24, 18, 6)
    with Store(path) as store:
        table = store.table("planted/noisy")
    assert len(table) == 24
    for row in table.itertuples():
        cell = Cell("planted/noisy", 1, {"a": row.a, "b": row.b}, row.replicate)
        assert row.x == run_cell(cell, P.run_noisy).metrics["x"]


def test_sweep_overrides_and_store_object(tmp_path):
    with Store(tmp_path / "s.sqlite") as store:
        report = sweep(P.NOISY, scale="smoke", overrides={"a": [5]}, executor="serial",
                       store=store, progress=False)
        assert report.total == 2 * 2  # b has 2 values, smoke has 2 replicates
        assert set(store.table("planted/noisy")["a"]) == {5}


def test_a_new_version_gives_new_cells_and_streams(tmp_path):
    v2 = Claim(**{**{f: getattr(P.NOISY, f) for f in P.NOISY.__dataclass_fields__}, "version": 2})
    with Store(tmp_path / "s.sqlite") as store:
        sweep(P.NOISY, scale="smoke", executor="serial", store=store, progress=False)
        report = sweep(v2, scale="smoke", executor="serial", store=store, progress=False)
        assert report.ran == report.total
        t1, t2 = store.table("planted/noisy", 1), store.table("planted/noisy", 2)
    assert not np.intersect1d(t1["x"], t2["x"]).size


def test_serial_cell_error_keeps_the_stored_rows(tmp_path):
    with Store(tmp_path / "s.sqlite") as store:
        with pytest.raises(CellError, match=r"\{i=3\} replicate 0"):
            sweep(P.RAISES, scale="quick", executor="serial", store=store, progress=False)
        table = store.table("planted/raises")
    assert sorted(table["i"]) == [0, 0, 1, 1, 2, 2]  # grid order: i outer, replicate inner


@pytest.mark.parametrize(
    "kwargs, exc, match",
    [
        (dict(scale="huge"), ValueError, "scale: expected one of"),
        (dict(executor="threads"), ValueError, "executor: expected one of"),
        (dict(executor=3), TypeError, "executor: expected one of"),
        (dict(scheduler="local"), ValueError, "scheduler: expected no scheduler unless"),
        (dict(workers=0), ValueError, "workers: expected"),
        (dict(replicates=0), ValueError, "replicates: expected"),
        (dict(store=3), TypeError, "store: expected a Store or a path"),
        (dict(claim=3), TypeError, "claim: expected a Claim"),
    ],
)
def test_sweep_argument_errors(tmp_path, kwargs, exc, match):
    args = dict(claim=P.NOISY, store=tmp_path / "s.sqlite", progress=False) | kwargs
    claim = args.pop("claim")
    with pytest.raises(exc, match=match):
        sweep(claim, **args)


def test_processes_need_a_module_level_run(tmp_path):
    closure = Claim(**{**{f: getattr(P.NOISY, f) for f in P.NOISY.__dataclass_fields__},
                       "run": lambda params, rng: {"v": 1.0}})
    with pytest.raises(TypeError, match="run: expected a module-level function"):
        sweep(closure, scale="smoke", executor="processes", store=tmp_path / "s.sqlite",
              progress=False)
    with pytest.raises(TypeError, match="run: expected a module-level function"):
        sweep(closure, scale="smoke", executor=ProcessExecutor(1), store=tmp_path / "s.sqlite",
              progress=False)
    # in-process, a closure is fine
    assert sweep(closure, scale="smoke", executor="serial", store=tmp_path / "s.sqlite",
                 progress=False).ran == 12


# -- sweep (processes) -----------------------------------------------------------------------
@pytest.fixture(scope="module")
def pool():
    """One 2-worker pool for the tests of this module (workers take seconds to start)."""
    with ProcessExecutor(2) as ex:
        yield ex


def test_processes_cell_error_stops_and_keeps_rows(tmp_path, pool):
    with Store(tmp_path / "s.sqlite") as store:
        with pytest.raises(CellError, match=r"planted/raises .*\{i=3\} replicate [01]"):
            sweep(P.RAISES, scale="quick", executor=pool, store=store, progress=False)
        table = store.table("planted/raises")
        assert 3 not in set(table["i"])
        reference = {}
        for row in table.itertuples():
            cell = Cell("planted/raises", 1, {"i": row.i}, row.replicate)
            reference[cell.key] = run_cell(cell, P.run_raises).metrics["x"]
            assert row.x == reference[cell.key]
    # the pool was stopped after the error; the executor restarts it on the next sweep
    with Store(tmp_path / "t.sqlite") as store:
        assert sweep(P.NOISY, scale="smoke", executor=pool, store=store,
                     progress=False).ran == 12


@pytest.mark.reliability
def test_processes_survive_a_worker_that_dies(tmp_path, pool):
    marker = tmp_path / "died"
    claim = P.CRASH_ONCE
    over = {"marker": [str(marker)], "ms": [20]}
    with Store(tmp_path / "s.sqlite") as store:
        report = sweep(claim, scale="quick", overrides=over, executor=pool, store=store,
                       progress=False)
        table = store.table(claim.id)
    assert marker.exists()  # a worker really died
    assert report.restarts == 1 and report.ran == report.total == 20
    assert sorted(zip(table["i"], table["replicate"])) == [(i, r) for i in range(10) for r in range(2)]
    with Store(tmp_path / "ref.sqlite") as store:  # the marker exists: serial does not die
        sweep(claim, scale="quick", overrides=over, executor="serial", store=store, progress=False)
        reference = store.table(claim.id)
    cols = [c for c in table.columns if c != "seconds"]
    assert table[cols].equals(reference[cols])


@pytest.mark.slow
@pytest.mark.reliability
def test_processes_give_up_on_a_cell_that_always_kills_its_worker(tmp_path):
    over = {"marker": [str(tmp_path / "no-such-dir" / "x")], "ms": [0]}
    claim = Claim(**{**{f: getattr(P.CRASH_ONCE, f) for f in P.CRASH_ONCE.__dataclass_fields__},
                     "run": P.run_crash_always})
    with ProcessExecutor(2, max_restarts=1) as ex, Store(tmp_path / "s.sqlite") as store:
        with pytest.raises(WorkerLostError, match="got the worker pool broken 2 times"):
            sweep(claim, scale="quick", overrides=over, executor=ex, store=store,
                  progress=False)


def test_unreachable_scheduler_is_a_scheduler_error(tmp_path):
    ex = DaskExecutor("tcp://127.0.0.1:9", timeout=1.0)  # nothing listens on the discard port
    with pytest.raises(SchedulerError, match=r"--scheduler tcp://127.0.0.1:9: expected a "
                                             r"reachable Dask scheduler; got no connection"):
        sweep(P.NOISY, scale="smoke", executor=ex, store=tmp_path / "s.sqlite", progress=False)


def test_progress_goes_to_stderr(tmp_path, capsys):
    sweep(P.NOISY, scale="smoke", executor="serial", store=tmp_path / "s.sqlite", progress=True)
    sweep(P.NOISY, scale="quick", replicates=3, executor="serial", store=tmp_path / "s.sqlite",
          progress=True)
    out, err = capsys.readouterr()
    assert out == ""
    assert "planted/noisy" in err and "12/12" in err  # cells done / total
    assert "12/18" in err and "18/18" in err  # a resumed sweep starts from the stored cells
    assert "cell/s" in err  # the rate (tqdm prints the ETA beside it while running)
