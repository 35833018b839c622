"""The results store: one embedded SQLite file holding every finished cell and every verdict.

Guarantees (ARCHITECTURE.md, "Sweeps, store, executors")
---------------------------------------------------------
* **One row per cell.** ``cells`` has ``UNIQUE(claim, version, key)`` where ``key`` is the
  cell's canonical JSON (:attr:`theory._sweep.Cell.key`); rows are written with
  ``INSERT OR IGNORE`` so a cell computed twice (two sweeps at once, a resumed sweep racing
  a late worker) is stored once, and the first writer wins. Every cell is a pure function
  of its key, so the loser held the same numbers.
* **One transaction per finished cell.** A killed process (``kill -9``) leaves only whole
  rows: the cells committed before it died and nothing of the cell in flight.
* **Durability.** WAL journal with ``synchronous=NORMAL``: a commit is a write into the WAL
  without an ``fsync``; the WAL is synced at checkpoints. After a process crash nothing
  committed is lost (the bytes are in the OS page cache). After a *power loss* the last few
  commits may roll back, but the file is never corrupt (WAL + NORMAL is crash-safe in
  SQLite's sense), and the rolled-back cells are simply recomputed on resume because the
  sweep stores only finished cells and re-runs whatever is missing. ``FULL`` would fsync at
  every commit, costing ~1-10 ms per cell on a disk for no gain in correctness here.
* **Concurrency.** Any number of readers and writers across processes: WAL lets readers run
  during a write, writers take the lock with ``BEGIN IMMEDIATE`` and wait up to
  ``busy_timeout`` seconds for each other; past that a :class:`StoreError` says the store is
  locked.
* **Ours or nothing.** A ``meta`` table holds ``application = boundlab`` and the schema
  version. A file that is not SQLite, an SQLite file without that table (some other
  program's database), or a newer schema than this code knows, gives :class:`StoreError`
  and is never modified.

Floats are stored as JSON text written with ``repr`` (Python's ``json``), which round-trips
every float64 exactly (NaN and infinities included), so a table read back is bit for bit
what the claim returned.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import os
import sqlite3
from pathlib import Path
from typing import Any, Mapping

__all__ = ["Store", "StoreError", "default_store_path", "STORE_ENV", "DEFAULT_STORE_NAME",
           "SCHEMA_VERSION"]

#: Environment variable overriding the default store path.
STORE_ENV = "BOUNDLAB_STORE"
#: Default store file name, in the current working directory.
DEFAULT_STORE_NAME = "boundlab-results.sqlite"
#: Version of the schema below; bump with a migration when it changes.
SCHEMA_VERSION = 1
APPLICATION = "boundlab"
_SQLITE_MAGIC = b"SQLite format 3\x00"

_SCHEMA = """
CREATE TABLE meta (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE cells (
    id        INTEGER PRIMARY KEY,
    claim     TEXT    NOT NULL,
    version   INTEGER NOT NULL,
    key       TEXT    NOT NULL,
    params    TEXT    NOT NULL,   -- JSON object, parameter name -> value
    replicate INTEGER NOT NULL,
    metrics   TEXT    NOT NULL,   -- JSON object, metric name -> float (NaN allowed)
    seconds   REAL    NOT NULL,   -- wall time of run() for this cell
    finished  TEXT    NOT NULL,   -- UTC ISO time the row was written
    UNIQUE (claim, version, key)
);
CREATE TABLE verdicts (
    id        INTEGER PRIMARY KEY,
    claim     TEXT    NOT NULL,
    version   INTEGER NOT NULL,
    scale     TEXT    NOT NULL,
    status    TEXT    NOT NULL,
    quantity  TEXT    NOT NULL,
    measured  REAL,
    low       REAL,
    high      REAL,
    predicted REAL,
    tolerance REAL,
    reason    TEXT    NOT NULL,
    details   TEXT    NOT NULL,   -- JSON object
    created   TEXT    NOT NULL
);
CREATE INDEX verdicts_by_claim ON verdicts (claim, id);
"""


class StoreError(ValueError):
    """The store file is not a boundlab results store, cannot be opened, or stays locked."""


def default_store_path() -> Path:
    """``$BOUNDLAB_STORE`` if set, else ``./boundlab-results.sqlite``."""
    return Path(os.environ.get(STORE_ENV) or DEFAULT_STORE_NAME)


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="milliseconds")


def _real_or_none(x: Any) -> float | None:
    x = float(x)
    return None if math.isnan(x) else x


class Store:
    """A boundlab results store at ``path`` (created with its schema if absent or empty).

    ``busy_timeout`` (seconds) is how long a write waits for another process holding the
    write lock before :class:`StoreError`. Use as a context manager or call :meth:`close`.
    A ``Store`` belongs to the thread and process that opened it (sweeps write only from
    the parent process; workers never touch the store).
    """

    def __init__(self, path: str | os.PathLike, *, busy_timeout: float = 60.0):
        self.path = Path(path)
        self.busy_timeout = float(busy_timeout)
        self._name = f"--store {self.path}"
        memory = str(path) == ":memory:"
        if not memory:
            self._check_file()
        try:
            self._conn = sqlite3.connect(
                str(path), timeout=self.busy_timeout, isolation_level=None
            )
        except sqlite3.Error as exc:
            raise StoreError(
                f"{self._name}: expected a path where an SQLite file can be opened or created; "
                f"got {type(exc).__name__}: {exc}"
            ) from None
        try:
            self._conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout * 1000)}")
            self._init_schema()
            if not memory:
                mode = self._conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
                self.journal_mode = str(mode).lower()
            else:
                self.journal_mode = "memory"
            self._conn.execute("PRAGMA synchronous = NORMAL")
        except BaseException:
            self._conn.close()
            raise

    # -- opening -----------------------------------------------------------------------
    def _check_file(self) -> None:
        if self.path.is_dir():
            raise StoreError(f"{self._name}: expected a boundlab results store file; got a directory")
        if not self.path.exists() or self.path.stat().st_size == 0:
            return
        try:
            with open(self.path, "rb") as fh:
                head = fh.read(len(_SQLITE_MAGIC))
        except OSError as exc:
            raise StoreError(f"{self._name}: expected a readable file; got {exc}") from None
        if head != _SQLITE_MAGIC:
            raise StoreError(
                f"{self._name}: expected a boundlab results store; got a file that is not an "
                f"SQLite database"
            )

    def _locked(self, exc: sqlite3.OperationalError) -> StoreError:
        return StoreError(
            f"{self._name}: expected a store not locked by another process; got still locked "
            f"after {self.busy_timeout:g} s ({exc})"
        )

    def _tables(self) -> set[str]:
        return {r[0] for r in self._conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}

    def _open_error(self, exc: sqlite3.DatabaseError) -> StoreError:
        """The one-line error for a store that cannot be opened: locked, or not ours."""
        if isinstance(exc, sqlite3.OperationalError):
            if "locked" in str(exc) or "busy" in str(exc):
                return self._locked(exc)
            return StoreError(f"{self._name}: expected an SQLite database; got {exc}")
        return StoreError(
            f"{self._name}: expected a boundlab results store; got a file SQLite cannot "
            f"read ({exc})"
        )

    def _init_schema(self) -> None:
        conn = self._conn
        try:
            tables = self._tables()  # a plain read: opening an existing store takes no lock
        except sqlite3.DatabaseError as exc:
            raise self._open_error(exc) from None
        if tables:
            self._check_meta(tables)
            return
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.DatabaseError as exc:
            raise self._open_error(exc) from None
        try:
            tables = self._tables()  # again under the lock: another process may have won
            if not tables:
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        conn.execute(statement)
                conn.execute("INSERT INTO meta VALUES ('application', ?)", (APPLICATION,))
                conn.execute("INSERT INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
                conn.execute("INSERT INTO meta VALUES ('created', ?)", (_now(),))
            else:
                self._check_meta(tables)
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    def _check_meta(self, tables: set[str]) -> None:
        if "meta" not in tables:
            raise StoreError(
                f"{self._name}: expected a boundlab results store; got a SQLite file without "
                f"a boundlab meta table (tables: {', '.join(sorted(tables))})"
            )
        try:
            meta = dict(self._conn.execute("SELECT name, value FROM meta"))
        except sqlite3.DatabaseError as exc:
            raise StoreError(
                f"{self._name}: expected a boundlab results store; got a meta table that "
                f"cannot be read ({exc})"
            ) from None
        if meta.get("application") != APPLICATION:
            raise StoreError(
                f"{self._name}: expected a boundlab results store; got a SQLite file whose "
                f"meta table names application {meta.get('application')!r}"
            )
        version = meta.get("schema_version")
        if version != str(SCHEMA_VERSION):
            raise StoreError(
                f"{self._name}: expected store schema version {SCHEMA_VERSION}; got version "
                f"{version} (written by another boundlab release)"
            )
        missing = {"cells", "verdicts"} - tables
        if missing:
            raise StoreError(
                f"{self._name}: expected a boundlab results store; got one missing the "
                f"tables {sorted(missing)}"
            )

    # -- lifecycle -----------------------------------------------------------------------
    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({str(self.path)!r})"

    def _read(self, sql: str, args: tuple = ()) -> list[tuple]:
        try:
            return self._conn.execute(sql, args).fetchall()
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise self._locked(exc) from None
            raise

    def _write(self, sql: str, args: tuple) -> int:
        """One statement as its own transaction; the number of rows changed.

        The connection is in autocommit mode, so a lone INSERT is one implicit transaction
        that takes the write lock when the statement starts (waiting up to ``busy_timeout``)
        and commits when it ends: the same guarantee as ``BEGIN IMMEDIATE ... COMMIT`` in
        one call instead of three.
        """
        try:
            changed = self._conn.execute(sql, args).rowcount
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise self._locked(exc) from None
            raise
        return changed

    # -- cells ---------------------------------------------------------------------------
    def completed_keys(self, claim_id: str, version: int) -> set[str]:
        """Keys of the cells of ``claim_id`` at ``version`` already stored."""
        rows = self._read("SELECT key FROM cells WHERE claim = ? AND version = ?",
                          (claim_id, int(version)))
        return {r[0] for r in rows}

    def write(self, result) -> bool:
        """Store one finished cell (a :class:`theory._sweep.CellResult`) in its own
        transaction. Returns False when the cell was already stored (the row is kept)."""
        cell = result.cell
        params = cell.params_json  # canonical JSON of the parameters
        metrics = json.dumps({str(k): float(v) for k, v in result.metrics.items()},
                             separators=(",", ":"))
        changed = self._write(
            "INSERT OR IGNORE INTO cells (claim, version, key, params, replicate, metrics, "
            "seconds, finished) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (cell.claim_id, int(cell.version), cell.key, params, int(cell.replicate), metrics,
             float(result.seconds), _now()),
        )
        return changed == 1

    def count(self, claim_id: str | None = None, version: int | None = None) -> int:
        """Number of stored cells (of one claim, and one version of it, if given)."""
        sql, args = "SELECT COUNT(*) FROM cells", []
        if claim_id is not None:
            sql += " WHERE claim = ?"
            args.append(claim_id)
            if version is not None:
                sql += " AND version = ?"
                args.append(int(version))
        return int(self._read(sql, tuple(args))[0][0])

    def claims(self) -> list[str]:
        """Claim ids with stored cells, sorted."""
        return [r[0] for r in self._read("SELECT DISTINCT claim FROM cells ORDER BY claim")]

    def versions(self, claim_id: str) -> list[int]:
        """Versions of ``claim_id`` with stored cells, ascending."""
        rows = self._read("SELECT DISTINCT version FROM cells WHERE claim = ? ORDER BY version",
                          (claim_id,))
        return [int(r[0]) for r in rows]

    def table(self, claim_id: str, version: int | None = None):
        """The tidy table of one claim: a ``pandas.DataFrame`` with one row per stored cell
        and columns ``claim, version, replicate, <params...>, <metrics...>, seconds``.

        ``version=None`` means the newest stored version (rows of different versions are
        never mixed). Parameter columns are in name order, metric columns in the order the
        claim returned them; rows are sorted by the parameters then the replicate. A claim
        with no stored cells gives an empty frame with the fixed columns.
        """
        import pandas as pd

        if version is None:
            versions = self.versions(claim_id)
            if not versions:
                return pd.DataFrame({c: pd.Series(dtype=t) for c, t in
                                     (("claim", object), ("version", "int64"),
                                      ("replicate", "int64"), ("seconds", "float64"))})
            version = versions[-1]
        rows = self._read(
            "SELECT params, replicate, metrics, seconds FROM cells "
            "WHERE claim = ? AND version = ? ORDER BY id", (claim_id, int(version)))
        param_names: dict[str, None] = {}
        metric_names: dict[str, None] = {}
        records = []
        for params_json, replicate, metrics_json, seconds in rows:
            params = json.loads(params_json)
            metrics = json.loads(metrics_json)
            param_names.update(dict.fromkeys(params))
            metric_names.update(dict.fromkeys(metrics))
            records.append((params, int(replicate), metrics, float(seconds)))
        pnames = sorted(param_names)
        mnames = [m for m in metric_names if m not in param_names]
        columns: dict[str, list] = {"claim": [claim_id] * len(records),
                                    "version": [int(version)] * len(records),
                                    "replicate": [r[1] for r in records]}
        for p in pnames:
            columns[p] = [r[0].get(p) for r in records]
        for m in mnames:
            columns[m] = [float(r[2].get(m, math.nan)) for r in records]
        columns["seconds"] = [r[3] for r in records]
        frame = pd.DataFrame(columns)
        frame["version"] = frame["version"].astype("int64")
        frame["replicate"] = frame["replicate"].astype("int64")
        for m in mnames:
            frame[m] = frame[m].astype("float64")
        frame["seconds"] = frame["seconds"].astype("float64")
        if len(frame):
            try:
                frame = frame.sort_values(pnames + ["replicate"], kind="mergesort")
            except TypeError:  # a parameter column mixing types: keep insertion order
                pass
        return frame.reset_index(drop=True)

    # -- verdicts ------------------------------------------------------------------------
    def save_verdict(self, claim_id: str, version: int, scale: str, verdict) -> None:
        """Append a verdict (a :class:`theory._claim.Verdict`) for ``claim_id`` at ``version``
        and ``scale``; earlier verdicts are kept as history."""
        lo, hi = verdict.interval
        self._write(
            "INSERT INTO verdicts (claim, version, scale, status, quantity, measured, low, "
            "high, predicted, tolerance, reason, details, created) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (claim_id, int(version), str(scale), str(getattr(verdict.status, "value", verdict.status)),
             str(verdict.quantity), _real_or_none(verdict.measured), _real_or_none(lo),
             _real_or_none(hi), _real_or_none(verdict.predicted),
             _real_or_none(verdict.tolerance), str(verdict.reason),
             json.dumps({str(k): float(v) for k, v in dict(verdict.details).items()}), _now()),
        )

    def last_verdict(self, claim_id: str) -> dict | None:
        """The most recent verdict saved for ``claim_id`` (any version and scale) as a dict
        with keys claim, version, scale, status, quantity, measured, interval (low, high),
        predicted, tolerance, reason, details, created; ``None`` if there is none. NaN is
        stored as NULL and read back as NaN."""
        rows = self._read(
            "SELECT claim, version, scale, status, quantity, measured, low, high, predicted, "
            "tolerance, reason, details, created FROM verdicts WHERE claim = ? "
            "ORDER BY id DESC LIMIT 1", (claim_id,))
        if not rows:
            return None
        (claim, version, scale, status, quantity, measured, low, high, predicted, tolerance,
         reason, details, created) = rows[0]

        def num(x):
            return math.nan if x is None else float(x)

        return {
            "claim": claim, "version": int(version), "scale": scale, "status": status,
            "quantity": quantity, "measured": num(measured), "interval": (num(low), num(high)),
            "predicted": num(predicted), "tolerance": num(tolerance), "reason": reason,
            "details": json.loads(details), "created": created,
        }

    def integrity_check(self) -> str:
        """SQLite's ``PRAGMA integrity_check`` ("ok" when the file is sound)."""
        return str(self._read("PRAGMA integrity_check")[0][0])
