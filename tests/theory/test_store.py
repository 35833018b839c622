"""The results store: schema, exact round trip, uniqueness, verdicts, and what it refuses."""

from __future__ import annotations

import math
import sqlite3

import numpy as np
import pytest

from theory._claim import Status, Verdict
from theory._store import SCHEMA_VERSION, Store, StoreError, default_store_path
from theory._sweep import Cell, CellResult


def _result(i, rep=0, version=1, claim="planted/store", metrics=None, seconds=0.5):
    cell = Cell(claim, version, {"n": i, "eps": 0.1 * (i + 1), "name": f"c{i}"}, rep)
    return CellResult(cell, metrics if metrics is not None else {"m": i / 3.0, "z": -i}, seconds)


def test_new_store_has_schema_wal_and_meta(tmp_path):
    path = tmp_path / "s.sqlite"
    with Store(path) as store:
        assert store.journal_mode == "wal"
        assert store.integrity_check() == "ok"
    conn = sqlite3.connect(path)
    meta = dict(conn.execute("SELECT name, value FROM meta"))
    assert meta["application"] == "boundlab"
    assert meta["schema_version"] == str(SCHEMA_VERSION)
    # synchronous is per connection: check the value a Store sets on its own connection
    with Store(path) as store:
        assert store._conn.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
    conn.close()


def test_write_completed_keys_and_reopen(tmp_path):
    path = tmp_path / "s.sqlite"
    with Store(path) as store:
        for i in range(3):
            assert store.write(_result(i))
        keys = store.completed_keys("planted/store", 1)
    assert keys == {_result(i).cell.key for i in range(3)}
    with Store(path) as store:  # persisted across connections
        assert store.completed_keys("planted/store", 1) == keys
        assert store.completed_keys("planted/store", 2) == set()
        assert store.claims() == ["planted/store"]
        assert store.count() == 3


def test_duplicate_cell_is_ignored_and_first_row_kept(tmp_path):
    with Store(tmp_path / "s.sqlite") as store:
        assert store.write(_result(0, metrics={"m": 1.0}))
        assert not store.write(_result(0, metrics={"m": 2.0}))
        assert store.count("planted/store", 1) == 1
        assert store.table("planted/store")["m"].tolist() == [1.0]


def test_table_is_tidy_sorted_and_exact(tmp_path):
    rng = np.random.default_rng(0)
    values = {}
    with Store(tmp_path / "s.sqlite") as store:
        # written out of order: the table sorts by parameters (name order) then replicate
        for i, rep in [(2, 1), (0, 1), (1, 0), (0, 0), (2, 0), (1, 1)]:
            v = {"m": float(rng.normal()), "tiny": 5e-324, "nan": math.nan, "inf": -math.inf}
            values[(i, rep)] = v
            store.write(_result(i, rep, metrics=v))
        table = store.table("planted/store")
    assert list(table.columns) == ["claim", "version", "replicate", "eps", "n", "name",
                                   "m", "tiny", "nan", "inf", "seconds"]
    assert list(zip(table["n"], table["replicate"])) == [(0, 0), (0, 1), (1, 0), (1, 1), (2, 0), (2, 1)]
    assert table["n"].dtype == np.int64 and table["name"].tolist()[0] == "c0"
    assert table["eps"].tolist()[0] == 0.1  # the float written, not a neighbour
    for row in table.itertuples():
        v = values[(row.n, row.replicate)]
        assert row.m == v["m"] and row.tiny == 5e-324  # exact: floats stored by repr
        assert math.isnan(row.nan) and row.inf == -math.inf
    assert (table["claim"] == "planted/store").all() and (table["version"] == 1).all()


def test_table_newest_version_by_default_and_no_mixing(tmp_path):
    with Store(tmp_path / "s.sqlite") as store:
        store.write(_result(0, version=1))
        store.write(_result(0, version=2, metrics={"m": 9.0}))
        store.write(_result(1, version=2, metrics={"m": 8.0}))
        assert store.versions("planted/store") == [1, 2]
        assert len(store.table("planted/store")) == 2
        assert store.table("planted/store")["m"].tolist() == [9.0, 8.0]
        assert len(store.table("planted/store", version=1)) == 1


def test_empty_table_has_fixed_columns(tmp_path):
    with Store(tmp_path / "s.sqlite") as store:
        table = store.table("nobody/none")
    assert list(table.columns) == ["claim", "version", "replicate", "seconds"]
    assert len(table) == 0


def test_verdicts_last_and_nan(tmp_path):
    with Store(tmp_path / "s.sqlite") as store:
        assert store.last_verdict("planted/store") is None
        v1 = Verdict.from_interval("slope", 1.0, (0.9, 1.1), 1.0, 0.2)
        v2 = Verdict(Status.INCONCLUSIVE, "slope", math.nan, (math.nan, math.nan), 1.0, 0.2,
                     "too few replicates", {"n": 2.0})
        store.save_verdict("planted/store", 1, "smoke", v1)
        store.save_verdict("planted/store", 1, "quick", v2)
        last = store.last_verdict("planted/store")
    assert last["status"] == "INCONCLUSIVE" and last["scale"] == "quick"
    assert math.isnan(last["measured"]) and all(math.isnan(x) for x in last["interval"])
    assert last["predicted"] == 1.0 and last["tolerance"] == 0.2
    assert last["details"] == {"n": 2.0} and last["reason"] == "too few replicates"


def test_default_store_path(monkeypatch, tmp_path):
    monkeypatch.delenv("BOUNDLAB_STORE", raising=False)
    assert str(default_store_path()) == "boundlab-results.sqlite"
    monkeypatch.setenv("BOUNDLAB_STORE", str(tmp_path / "x.sqlite"))
    assert default_store_path() == tmp_path / "x.sqlite"


# -- what the store refuses (issue 3 §4) ----------------------------------------------------
@pytest.mark.reliability
def test_rejects_a_non_sqlite_file_untouched(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_bytes(b"just some text, not a database\n" * 10)
    before = path.read_bytes()
    with pytest.raises(StoreError, match=r"--store .*notes.txt: expected a boundlab results "
                                         r"store; got a file that is not an SQLite database"):
        Store(path)
    assert path.read_bytes() == before


@pytest.mark.reliability
def test_rejects_another_programs_sqlite_file_untouched(tmp_path):
    path = tmp_path / "other.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE things (x)")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    with pytest.raises(StoreError, match=r"expected a boundlab results store; got a SQLite "
                                         r"file without a boundlab meta table"):
        Store(path)
    assert path.read_bytes() == before


@pytest.mark.reliability
def test_rejects_a_meta_table_of_another_application(tmp_path):
    path = tmp_path / "other.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT)")
    conn.execute("INSERT INTO meta VALUES ('application', 'someone-else')")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="meta table names application 'someone-else'"):
        Store(path)


def test_rejects_a_newer_schema(tmp_path):
    path = tmp_path / "s.sqlite"
    Store(path).close()
    conn = sqlite3.connect(path)
    conn.execute("UPDATE meta SET value = '999' WHERE name = 'schema_version'")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="expected store schema version 1; got version 999"):
        Store(path)


def test_rejects_a_directory(tmp_path):
    with pytest.raises(StoreError, match="got a directory"):
        Store(tmp_path)


def test_rejects_an_unopenable_path(tmp_path):
    with pytest.raises(StoreError, match="expected a path where an SQLite file can be opened"):
        Store(tmp_path / "no" / "such" / "dir" / "s.sqlite")


def test_locked_store_gives_store_error(tmp_path):
    path = tmp_path / "s.sqlite"
    Store(path).close()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process holding the write lock
    try:
        with Store(path, busy_timeout=0.2) as store:
            with pytest.raises(StoreError, match="expected a store not locked by another "
                                                 "process; got still locked after 0.2 s"):
                store.write(_result(0))
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_readers_see_rows_while_a_writer_holds_the_lock(tmp_path):
    path = tmp_path / "s.sqlite"
    with Store(path) as store:
        store.write(_result(0))
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("INSERT INTO meta VALUES ('x', 'uncommitted')")
    try:
        reader = sqlite3.connect(path)
        assert reader.execute("SELECT COUNT(*) FROM cells").fetchone()[0] == 1  # WAL: not blocked
        assert reader.execute("SELECT COUNT(*) FROM meta WHERE name='x'").fetchone()[0] == 0
        reader.close()
    finally:
        holder.execute("ROLLBACK")
        holder.close()
