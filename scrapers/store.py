"""The DuckDB store: schema, idempotent upserts by natural key, atomic per-source writes.

Concurrency design (DuckDB allows one read-write process *or* many read-only ones):
- Nobody holds a connection for long. Readers (the app, the CLI) open a short-lived
  read-only connection per query batch; writers open read-write only for the write.
- A source's rows are fetched and parsed *before* the write connection opens, and land
  in one transaction, so the lock is held for a short bulk insert only.
- Both sides retry a lock conflict with bounded backoff, so a reader that arrives during
  a write waits a moment instead of failing, and vice versa.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import os
import random
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from scrapers.errors import StoreBusy, StoreError
from scrapers.schema import (
    DATA_TABLES,
    SCHEMA_VERSION,
    SUPPORT_DDL,
    TABLES_BY_NAME,
    Table,
)

Row = dict[str, Any]
Batch = dict[str, list[Row]]

DEFAULT_LOCK_WAIT_S = 30.0


def utcnow() -> datetime:
    """Current UTC time as a naive datetime (the store keeps naive UTC timestamps)."""
    return datetime.now(UTC).replace(tzinfo=None)


def _is_lock_error(exc: Exception) -> bool:
    text = str(exc).lower()
    return "lock" in text and ("conflicting" in text or "could not set" in text)


# Every read-only connection is locked down the same way: readers never need files, network
# or extensions, and DuckDB refuses two connections to one file with different configs in a
# process, so the SQL console and the pages must share this exact config.
READ_CONFIG: dict[str, str | bool | int] = {
    "enable_external_access": False,
    "autoload_known_extensions": False,
    "autoinstall_known_extensions": False,
    "lock_configuration": True,
}


def _connect_with_retry(path: str, read_only: bool, wait_s: float) -> duckdb.DuckDBPyConnection:
    deadline = time.monotonic() + wait_s
    delay = 0.01
    while True:
        try:
            if read_only and not path.startswith("md:"):  # MotherDuck needs its extension
                return duckdb.connect(path, read_only=True, config=dict(READ_CONFIG))
            return duckdb.connect(path, read_only=read_only)
        except duckdb.IOException as exc:
            if not _is_lock_error(exc):
                raise StoreError(f"cannot open database {path}: {exc}") from None
            if time.monotonic() >= deadline:
                raise StoreBusy(
                    f"database {path} stayed locked by another process for {wait_s:.0f} s"
                ) from None
            time.sleep(delay * (0.5 + random.random()))
            delay = min(delay * 2, 0.25)


@contextmanager
def read_connection(
    path: str, wait_s: float = DEFAULT_LOCK_WAIT_S
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A short-lived read-only connection; retries while a writer holds the lock."""
    if not path.startswith("md:") and not Path(path).exists():
        raise StoreError(f"no database at {path}: run `rigshift demo` or `rigshift refresh`")
    con = _connect_with_retry(path, read_only=True, wait_s=wait_s)
    try:
        yield con
    finally:
        con.close()


@contextmanager
def write_connection(
    path: str, wait_s: float = DEFAULT_LOCK_WAIT_S
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A short-lived read-write connection with the schema ensured."""
    if not path.startswith("md:"):
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    con = _connect_with_retry(path, read_only=False, wait_s=wait_s)
    try:
        ensure_schema(con)
        yield con
    finally:
        con.close()


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create every table that does not exist yet."""
    for table in DATA_TABLES:
        con.execute(table.ddl())
    for ddl in SUPPORT_DDL:
        con.execute(ddl)
    con.execute("INSERT OR IGNORE INTO store_meta VALUES ('schema_version', ?)", [SCHEMA_VERSION])


def rows_to_frame(table: Table, rows: Sequence[Row]) -> pd.DataFrame:
    """Rows (dicts) to a frame with exactly the table's columns, keys de-duplicated."""
    frame = pd.DataFrame.from_records(list(rows), columns=list(table.column_names))
    for name, sqltype, *_ in (*table.columns, ("fetched_at", "TIMESTAMP")):
        if sqltype.startswith("TIMESTAMP"):
            frame[name] = pd.to_datetime(frame[name], utc=True).dt.tz_localize(None)
        elif sqltype.startswith("DATE"):
            frame[name] = pd.to_datetime(frame[name]).dt.date
    # Later rows win: the same natural key twice in one batch is an update, not two rows.
    return frame.drop_duplicates(subset=list(table.key), keep="last")


def upsert(con: duckdb.DuckDBPyConnection, table: Table, frame: pd.DataFrame) -> int:
    """Insert or replace ``frame`` into ``table`` by its natural key; returns rows written."""
    if frame.empty:
        return 0
    con.register("_incoming", frame)
    try:
        con.execute(f"INSERT OR REPLACE INTO {table.name} BY NAME SELECT * FROM _incoming")
    finally:
        # An aborted transaction refuses even this; keep the real error (ROLLBACK follows).
        with contextlib.suppress(duckdb.TransactionException):
            con.unregister("_incoming")
    return len(frame)


@dataclass
class RawPayload:
    """A fetched body to keep beside the parsed rows so parsers can be re-run."""

    source: str
    url: str
    fetched_at: datetime
    content_type: str
    body: bytes

    @property
    def sha256(self) -> str:
        """Content hash: the natural key of a payload within its source."""
        return hashlib.sha256(self.body).hexdigest()


@dataclass
class RunRecord:
    """One source's line in the run log."""

    run_id: str
    source: str
    started_at: datetime
    finished_at: datetime | None = None
    status: str = "running"
    rows_written: int = 0
    error: str | None = None
    unknown_gpu_names: list[str] = field(default_factory=list)


class Store:
    """The writer's view of the database file."""

    def __init__(self, db_path: str, raw_dir: Path | None = None, lock_wait_s: float = 30.0):
        self.db_path = db_path
        self.raw_dir = raw_dir
        self.lock_wait_s = lock_wait_s

    def init(self) -> None:
        """Create the database file and schema if missing."""
        with write_connection(self.db_path, self.lock_wait_s):
            pass

    def write_source(
        self,
        batch: Mapping[str, Sequence[Row]],
        run: RunRecord,
        payloads: Sequence[RawPayload] = (),
        derived: Sequence[str] = (),
    ) -> int:
        """Write one source's rows, payload index and run record in one transaction."""
        frames = {name: rows_to_frame(TABLES_BY_NAME[name], rows) for name, rows in batch.items()}
        paths = [self._save_raw(p) for p in payloads]
        with write_connection(self.db_path, self.lock_wait_s) as con:
            con.execute("BEGIN TRANSACTION")
            try:
                written = sum(upsert(con, TABLES_BY_NAME[n], f) for n, f in frames.items())
                for payload, path in zip(payloads, paths, strict=True):
                    con.execute(
                        "INSERT OR IGNORE INTO raw_payloads VALUES (?, ?, ?, ?, ?, ?, ?)",
                        [
                            payload.source,
                            payload.sha256,
                            payload.url,
                            _naive(payload.fetched_at),
                            payload.content_type,
                            len(payload.body),
                            str(path),
                        ],
                    )
                for statement in derived:
                    con.execute(statement)
                run.rows_written = written
                run.status = "ok"
                run.finished_at = utcnow()
                _insert_run(con, run)
                con.execute("COMMIT")
            except Exception:
                con.execute("ROLLBACK")
                raise
        return written

    def record_run(self, run: RunRecord) -> None:
        """Log a run that wrote no data (failed or skipped)."""
        run.finished_at = run.finished_at or utcnow()
        with write_connection(self.db_path, self.lock_wait_s) as con:
            _insert_run(con, run)

    def set_meta(self, values: Mapping[str, str]) -> None:
        """Set store-level metadata such as ``dataset = demo``."""
        with write_connection(self.db_path, self.lock_wait_s) as con:
            for key, value in values.items():
                con.execute("INSERT OR REPLACE INTO store_meta VALUES (?, ?)", [key, value])

    def _save_raw(self, payload: RawPayload) -> Path:
        if self.raw_dir is None:
            return Path("-")
        day = payload.fetched_at.strftime("%Y-%m-%d")
        folder = self.raw_dir / payload.source / day
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{payload.sha256[:20]}.gz"
        if not path.exists():
            tmp = path.with_suffix(".tmp")
            tmp.write_bytes(gzip.compress(payload.body))
            os.replace(tmp, path)
        return path


def _naive(ts: datetime) -> datetime:
    return ts.astimezone(UTC).replace(tzinfo=None) if ts.tzinfo else ts


def _insert_run(con: duckdb.DuckDBPyConnection, run: RunRecord) -> None:
    con.execute(
        "INSERT OR REPLACE INTO scrape_runs VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            run.run_id,
            run.source,
            _naive(run.started_at),
            _naive(run.finished_at) if run.finished_at else None,
            run.status,
            run.rows_written,
            run.error,
            run.unknown_gpu_names,
        ],
    )


def table_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Row count of every data table."""
    return {
        t.name: int(con.execute(f"SELECT count(*) FROM {t.name}").fetchone()[0])  # type: ignore[index]
        for t in DATA_TABLES
    }
