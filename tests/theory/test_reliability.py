"""The engine keeps its promises (issue 3 §4): kill -9 and resume, identical rows under every
executor, a Dask worker killed mid-sweep, two sweeps on one store, and per-cell seeding.

The store's refusal of foreign files is in test_store.py and the process pool's recovery
from a dying worker in test_sweep.py (both marked ``reliability`` too). Dask tests start a
LocalCluster (seconds) and are marked ``slow``: they run in the JIT pass of CI.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.theory import _planted as P
from theory._store import Store
from theory._sweep import Cell, canonical_json, cells, sweep

pytestmark = pytest.mark.reliability

REPO = Path(__file__).resolve().parents[2]

SCRIPT = textwrap.dedent(
    """
    import json, sys
    sys.path.insert(0, {repo!r})
    from tests.theory._planted import SLEEPY
    from theory._sweep import sweep

    if __name__ == "__main__":
        store, executor, n, ms, order = sys.argv[1:6]
        values = list(range(int(n)))
        if order == "reverse":
            values.reverse()
        report = sweep(SLEEPY, scale="quick", overrides={{"i": values, "ms": [float(ms)]}},
                       replicates=1, executor=executor, workers=2, store=store, progress=False)
        print(json.dumps({{"ran": report.ran, "skipped": report.skipped, "total": report.total}}))
    """
)


def _script(tmp_path: Path) -> Path:
    path = tmp_path / "run_sweep.py"
    path.write_text(SCRIPT.format(repo=str(REPO)))
    return path


def _start(tmp_path, store, executor, n, ms, order="forward"):
    return subprocess.Popen(
        [sys.executable, str(_script(tmp_path)), str(store), executor, str(n), str(ms), order],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)


def _reference(tmp_path, n, ms):
    with Store(tmp_path / "reference.sqlite") as store:
        sweep(P.SLEEPY, scale="quick", overrides={"i": list(range(n)), "ms": [ms]},
              replicates=1, executor="serial", store=store, progress=False)
        return store.table(P.SLEEPY.id)


def _rows(table: pd.DataFrame) -> pd.DataFrame:
    return table.drop(columns="seconds")


def _assert_bitwise_equal(a: pd.DataFrame, b: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(_rows(a), _rows(b), check_exact=True)
    for col in a.columns:
        if col != "seconds" and a[col].dtype == np.float64:
            # same bits, not merely equal values (0.0 vs -0.0, NaN payloads)
            assert np.array_equal(a[col].to_numpy().view(np.uint64),
                                  b[col].to_numpy().view(np.uint64)), col


# -- 1. kill -9 half-way, then resume ------------------------------------------------------
def test_sigkill_then_resume_gives_the_uninterrupted_table(tmp_path):
    n, ms = 300, 4.0
    path = tmp_path / "killed.sqlite"
    proc = _start(tmp_path, path, "processes", n, ms)
    try:
        deadline = time.monotonic() + 180
        stored = 0
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                break
            if path.exists():
                try:
                    with Store(path) as store:
                        stored = store.count()
                except Exception:  # noqa: BLE001 - the schema may be half-created right now
                    stored = 0
            if stored >= 30:
                break
            time.sleep(0.01)
        assert proc.poll() is None, f"the sweep ended before it could be killed: {proc.communicate()}"
        assert stored >= 30, "no rows appeared in time"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        try:  # the orphaned pool workers and forkserver of the killed sweep (its session)
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.communicate()
    with Store(path) as store:
        assert store.integrity_check() == "ok"
        at_kill = store.count()
        assert 30 <= at_kill < n, "the sweep was not killed half-way"
        report = sweep(P.SLEEPY, scale="quick", overrides={"i": list(range(n)), "ms": [ms]},
                       replicates=1, executor="serial", store=store, progress=False)
        assert (report.skipped, report.ran) == (at_kill, n - at_kill)
        resumed = store.table(P.SLEEPY.id)
        keys = store._conn.execute("SELECT COUNT(DISTINCT key), COUNT(*) FROM cells").fetchone()
    assert keys == (n, n)  # no cell lost, none duplicated
    _assert_bitwise_equal(resumed, _reference(tmp_path, n, ms))


# -- 4. two sweeps writing to one store at once ----------------------------------------------
def test_two_sweeps_on_one_store_at_once(tmp_path):
    n, ms = 150, 20.0  # 3 s of work each: the two processes overlap despite start-up jitter
    path = tmp_path / "shared.sqlite"  # created by whichever process comes first
    procs = [_start(tmp_path, path, "serial", n, ms, order)
             for order in ("forward", "reverse")]
    outs = [p.communicate(timeout=300) for p in procs]
    for p, (out, err) in zip(procs, outs):
        assert p.returncode == 0, err
    reports = [json.loads(out.strip().splitlines()[-1]) for out, _ in outs]
    # both sweeps started before the other had finished, so both really wrote
    assert all(r["total"] == n and r["skipped"] < n and r["ran"] > 0 for r in reports), reports
    with Store(path) as store:
        assert store.integrity_check() == "ok"
        keys = store._conn.execute("SELECT COUNT(DISTINCT key), COUNT(*) FROM cells").fetchone()
        table = store.table(P.SLEEPY.id)
    assert keys == (n, n)
    assert sorted(table["i"]) == list(range(n))
    for row in table.itertuples():  # every row is its cell's own numbers, recomputed here
        cell = Cell(P.SLEEPY.id, 1, {"i": row.i, "ms": row.ms}, row.replicate)
        expected = P.draws(cell.param_dict, cell.rng())
        assert all(np.float64(getattr(row, k)).tobytes() == np.float64(v).tobytes()
                   for k, v in expected.items())


# -- 2. identical rows under every executor --------------------------------------------------
@pytest.fixture(scope="module")
def dask_local():
    from theory._executors import DaskExecutor

    with DaskExecutor("local", workers=2) as ex:
        yield ex


NOISY_GRID = {"a": list(range(10)), "b": [0.1, 2.5]}


def _noisy_table(tmp_path, name, executor, **kw):
    with Store(tmp_path / f"{name}.sqlite") as store:
        report = sweep(P.NOISY, scale="quick", overrides=NOISY_GRID, replicates=5,
                       executor=executor, store=store, progress=False, **kw)
        assert report.ran == report.total == 100
        return store.table(P.NOISY.id), report


def test_serial_and_processes_give_identical_rows(tmp_path):
    serial, _ = _noisy_table(tmp_path, "serial", "serial")
    procs, report = _noisy_table(tmp_path, "processes", "processes", workers=2)
    assert report.batches < 100  # cells travelled in batches of several
    _assert_bitwise_equal(serial, procs)


@pytest.mark.slow
def test_dask_local_cluster_gives_identical_rows(tmp_path, dask_local):
    serial, _ = _noisy_table(tmp_path, "serial", "serial")
    dask, report = _noisy_table(tmp_path, "dask", dask_local)
    assert report.executor == "dask" and report.batches < 100
    _assert_bitwise_equal(serial, dask)


# -- 3. a Dask worker killed during a sweep ---------------------------------------------------
@pytest.mark.slow
def test_dask_sweep_survives_a_killed_worker(tmp_path, dask_local):
    marker = tmp_path / "worker-died"
    over = {"marker": [str(marker)], "ms": [20]}
    pids_before = set(dask_local._client.run(os.getpid).values())
    with Store(tmp_path / "dask.sqlite") as store:
        report = sweep(P.CRASH_ONCE, scale="quick", overrides=over, executor=dask_local,
                       store=store, progress=False)
        table = store.table(P.CRASH_ONCE.id)
    assert marker.exists()  # the cell did kill its worker process
    assert pids_before != set(dask_local._client.run(os.getpid).values())  # a new worker
    assert report.ran == report.total == 20
    with Store(tmp_path / "ref.sqlite") as store:  # marker exists now: nobody dies
        sweep(P.CRASH_ONCE, scale="quick", overrides=over, executor="serial", store=store,
              progress=False)
        reference = store.table(P.CRASH_ONCE.id)
    _assert_bitwise_equal(table, reference)


# -- 6. seeding ---------------------------------------------------------------------------------
def _first_draws(cell: Cell) -> tuple:
    return tuple(cell.rng().integers(0, 2**63, size=4).tolist())


def test_seed_sequence_follows_the_documented_recipe():
    cell = Cell("p/c", 3, {"eps": 0.1, "K": 10}, 7)
    text = json.dumps(["p/c", 3, '{"params":{"K":10,"eps":0.1},"replicate":7}'],
                      separators=(",", ":"), sort_keys=True)
    digest = hashlib.sha256(text.encode()).digest()
    words = [int.from_bytes(digest[i:i + 4], "little") for i in range(0, 16, 4)]
    assert canonical_json(["p/c", 3, cell.key]) == text
    assert cell.seed_sequence().entropy == np.random.SeedSequence(words).entropy
    assert np.array_equal(cell.seed_sequence().generate_state(8),
                          np.random.SeedSequence(words).generate_state(8))


def test_same_cell_same_stream_regardless_of_order():
    grid = P.NOISY.grids["quick"].with_overrides(NOISY_GRID, replicates=5)
    forward = {c.key: _first_draws(c) for c in cells(P.NOISY, grid)}
    shuffled = cells(P.NOISY, grid)
    np.random.default_rng(1).shuffle(shuffled)
    # fresh Cell objects, other order, interleaved with unrelated draws
    other = Cell("p/other", 1, {"x": 1}, 0).rng()
    again = {}
    for c in shuffled:
        other.random(3)
        fresh = Cell(c.claim_id, c.version, dict(c.params), c.replicate)
        again[fresh.key] = _first_draws(fresh)
    assert again == forward


def test_different_cells_different_streams():
    base = [Cell("p/c", 1, {"a": a, "b": b}, r)
            for a in range(10) for b in (0.1, 0.2, 2.5) for r in range(10)]
    variants = [
        Cell("p/c", 2, {"a": 0, "b": 0.1}, 0),  # another version
        Cell("p/d", 1, {"a": 0, "b": 0.1}, 0),  # another claim
        Cell("p/c", 1, {"a": 0.0, "b": 0.1}, 0),  # 0.0 is not 0
        Cell("p/c", 1, {"a": 0, "b": 0.1, "c": "x"}, 0),  # one more parameter
    ]
    streams = [_first_draws(c) for c in base + variants]
    assert len(set(streams)) == len(streams) == 304
