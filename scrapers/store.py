"""The DuckDB store: schema, idempotent upserts by natural key, atomic per-source writes.

A write also rebuilds, in its transaction, the derived tables fed by the tables it touched
(:data:`DERIVED_TABLES`, each declared beside its SQL, e.g. :mod:`scrapers.rental_index`).

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

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from scrapers.errors import ConfigError, ForeignDatabase, StoreBusy, StoreError
from scrapers.rental_index import RENTAL_INDEX
from scrapers.schema import (
    DATA_TABLES,
    LINEAGE_COLUMNS,
    SCHEMA_VERSION,
    SCRAPE_RUNS_MIGRATIONS,
    SUPPORT_DDL,
    TABLES_BY_NAME,
    Derived,
    Row,
    Rows,
    Table,
    row_count,
)

# Tables computed from the data tables, each declared beside its SQL.
DERIVED_TABLES: tuple[Derived, ...] = (RENTAL_INDEX,)

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


# Writers need files (the database itself) but never extensions: without this a SQLite file
# given as RIGSHIFT_DB made DuckDB download its sqlite extension from the network.
WRITE_CONFIG: dict[str, str | bool | int] = {
    "autoload_known_extensions": False,
    "autoinstall_known_extensions": False,
}


def open_problem(path: str, exc: BaseException) -> StoreError | ConfigError:
    """A one-line, actionable error for a database file DuckDB could not open."""
    text = str(exc)
    lowered = text.lower()
    if "not a valid duckdb database" in lowered or "extension" in lowered:
        return ForeignDatabase(
            f"{path} is not a DuckDB database file: point RIGSHIFT_DB at a RigShift store "
            "or a new path"
        )
    if "permission denied" in lowered or "read-only file system" in lowered:
        return ConfigError(
            f"cannot write the database at {path}: permission denied; choose a writable "
            "RIGSHIFT_DB (or fix the directory's permissions)"
        )
    if "no space left" in lowered:
        return StoreError(f"cannot write the database at {path}: no space left on its device")
    if "not a directory" in lowered or "is a directory" in lowered:
        return ConfigError(
            f"RIGSHIFT_DB {path} is not a usable file path (a directory, or under a file)"
        )
    return StoreError(f"cannot open database {path}: {' '.join(text.split())[:160]}")


def _connect_with_retry(path: str, read_only: bool, wait_s: float) -> duckdb.DuckDBPyConnection:
    deadline = time.monotonic() + wait_s
    delay = 0.01
    while True:
        try:
            if path.startswith("md:"):  # MotherDuck needs its extension
                return duckdb.connect(path, read_only=read_only)
            config = READ_CONFIG if read_only else WRITE_CONFIG
            return duckdb.connect(path, read_only=read_only, config=dict(config))
        except duckdb.IOException as exc:
            if not _is_lock_error(exc):
                raise open_problem(path, exc) from None
            if time.monotonic() >= deadline:
                raise StoreBusy(
                    f"database {path} stayed locked by another process for {wait_s:.0f} s"
                ) from None
            time.sleep(delay * (0.5 + random.random()))
            delay = min(delay * 2, 0.25)
        except duckdb.Error as exc:  # corrupt, truncated, or another format
            raise open_problem(path, exc) from None


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
        if Path(path).is_dir():
            raise ConfigError(f"RIGSHIFT_DB {path} is a directory: name a file inside it")
        try:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        except (FileExistsError, NotADirectoryError):
            raise ConfigError(
                f"RIGSHIFT_DB {path} lies under a file, not a directory: choose another path"
            ) from None
        except PermissionError:
            raise ConfigError(
                f"cannot create the directory of RIGSHIFT_DB {path}: permission denied"
            ) from None
    con = _connect_with_retry(path, read_only=False, wait_s=wait_s)
    try:
        refuse_foreign(con, path)
        ensure_schema(con)
        yield con
    finally:
        con.close()


def refuse_foreign(con: duckdb.DuckDBPyConnection, path: str) -> None:
    """Raise when ``path`` holds someone else's tables: never add ours beside them.

    A RigShift store has ``store_meta``; an empty file is a new store. Anything else is
    another application's database that a mistyped RIGSHIFT_DB would otherwise alter.
    """
    names = {
        row[0]
        for row in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database()"
        ).fetchall()
    }
    if names and "store_meta" not in names:
        shown = ", ".join(sorted(names)[:3]) + (", …" if len(names) > 3 else "")
        raise ForeignDatabase(
            f"{path} is another application's database (tables {shown}; no store_meta): "
            "point RIGSHIFT_DB at a RigShift store or a new path"
        )


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create every table that does not exist yet."""
    for table in DATA_TABLES:
        con.execute(table.ddl())
    for ddl in SUPPORT_DDL:
        con.execute(ddl)
    for derived in DERIVED_TABLES:
        for ddl in derived.ddl:
            con.execute(ddl)
    for ddl in SCRAPE_RUNS_MIGRATIONS:  # a store created before these columns existed
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


_ARROW_TYPES = {
    "VARCHAR": pa.string(),
    "DOUBLE": pa.float64(),
    "INTEGER": pa.int32(),
    "BIGINT": pa.int64(),
    "BOOLEAN": pa.bool_(),
    "TIMESTAMP": pa.timestamp("us"),
    "DATE": pa.date32(),
}


def arrow_schema(table: Table) -> pa.Schema:
    """The Arrow schema of ``table``'s columns (data then lineage), naive-UTC timestamps."""
    types = [(name, sqltype) for name, sqltype, _ in table.columns]
    types += [(name, sqltype) for name, sqltype in LINEAGE_COLUMNS]
    return pa.schema([(name, _ARROW_TYPES[sqltype.split()[0]]) for name, sqltype in types])


def conform(table: Table, data: pa.Table) -> pa.Table:
    """``data`` with exactly ``table``'s columns, in order and types; missing ones null.

    Columns the table does not have are dropped, as the dict path drops unknown keys.
    Timezone-aware timestamps become naive UTC (Arrow stores them as UTC already).
    """
    columns = []
    for target in arrow_schema(table):
        if target.name not in data.column_names:
            columns.append(pa.nulls(data.num_rows, target.type))
            continue
        column = data[target.name]
        if column.type != target.type:
            column = column.cast(target.type)
        columns.append(column)
    return pa.Table.from_arrays(columns, schema=arrow_schema(table))


def rows_to_arrow(table: Table, rows: Rows) -> pa.Table:
    """Either form to a conformed Arrow table (dicts go through :func:`rows_to_frame`)."""
    if isinstance(rows, pa.Table):
        return conform(table, rows)
    frame = rows_to_frame(table, rows)
    return conform(table, pa.Table.from_pandas(frame, preserve_index=False))


def combine(table: Table, first: Rows, second: Rows) -> Rows:
    """Rows of ``first`` then ``second``; a list when both are lists, else one Arrow table."""
    if not isinstance(first, pa.Table) and not isinstance(second, pa.Table):
        return [*first, *second]
    return pa.concat_tables([rows_to_arrow(table, first), rows_to_arrow(table, second)])


def _is_constant(column: pa.ChunkedArray) -> bool:
    if column.null_count:  # key columns are NOT NULL: the insert will say so
        return False
    return len(column) < 2 or bool(pc.all(pc.equal(column, column[0])).as_py())


def dedupe_arrow(table: Table, data: pa.Table) -> pa.Table:
    """``data`` with one row per natural key, the last one winning (as in the dict path)."""
    if data.num_rows < 2:
        return data
    # Hashing only the key columns that vary is much cheaper: in a snapshot the source,
    # pricing type and time are constant and only the offer id tells rows apart.
    varying = [k for k in table.key if not _is_constant(data[k])]
    if not varying:
        return data.slice(data.num_rows - 1)
    position = pa.array(np.arange(data.num_rows, dtype=np.int64))
    keys = data.select(varying).append_column("_position", position)
    last = keys.group_by(varying, use_threads=False).aggregate([("_position", "max")])
    if last.num_rows == data.num_rows:
        return data
    return data.take(np.sort(last["_position_max"].to_numpy()))


def to_incoming(table: Table, rows: Rows) -> pd.DataFrame | pa.Table:
    """What :func:`upsert` loads: exactly the table's columns, one row per natural key."""
    if isinstance(rows, pa.Table):
        return dedupe_arrow(table, conform(table, rows))
    return rows_to_frame(table, rows)


def upsert(con: duckdb.DuckDBPyConnection, table: Table, frame: pd.DataFrame | pa.Table) -> int:
    """Insert or replace ``frame`` into ``table`` by its natural key; returns rows written.

    Measured at a million rows (duckdb 2.0): INSERT OR REPLACE is ~20x faster than
    DELETE-matching-keys + INSERT when every key exists, and a plain INSERT ~20% faster than
    INSERT OR REPLACE when none does. So: look for any existing key first (a semi join the
    zone maps prune to a few row groups, since a new snapshot has new times) and take the
    plain INSERT when there is none. An Arrow table is scanned without pandas' object columns.
    """
    count = row_count(frame)
    if count == 0:
        return 0
    con.register("_incoming", frame)
    try:
        clash = con.execute(_clash_sql(table)).fetchone()[0]  # type: ignore[index]
        verb = "INSERT OR REPLACE" if clash else "INSERT"
        con.execute(f"{verb} INTO {table.name} BY NAME SELECT * FROM _incoming")
    finally:
        # An aborted transaction refuses even this; keep the real error (ROLLBACK follows).
        with contextlib.suppress(duckdb.TransactionException):
            con.unregister("_incoming")
    return count


def _clash_sql(table: Table) -> str:
    # Cast the incoming keys to the table's types: a frame column DuckDB typed differently
    # (all-null, say) must not make the check fail where the INSERT itself would cast.
    types = {name: sqltype.split()[0] for name, sqltype, _ in table.columns}
    on = " AND ".join(f"t.{k} = TRY_CAST(i.{k} AS {types[k]})" for k in table.key)
    return f"SELECT EXISTS (SELECT 1 FROM _incoming i JOIN {table.name} t ON {on})"


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
    rows_refused: int = 0  # rows validation refused as impossible (scrapers.validation)


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
        batch: Mapping[str, Rows],
        run: RunRecord,
        payloads: Sequence[RawPayload] = (),
    ) -> int:
        """Write one source's rows, payload index and run record in one transaction.

        The derived tables fed by the tables written are rebuilt in the same transaction, so a
        reader never sees offers without the index they imply.
        """
        frames = {name: to_incoming(TABLES_BY_NAME[name], rows) for name, rows in batch.items()}
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
                rebuild_derived(con, batch)
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
        "INSERT OR REPLACE INTO scrape_runs (run_id, source, started_at, finished_at, status,"
        " rows_written, error, unknown_gpu_names, rows_refused) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            run.run_id,
            run.source,
            _naive(run.started_at),
            _naive(run.finished_at) if run.finished_at else None,
            run.status,
            run.rows_written,
            run.error,
            run.unknown_gpu_names,
            run.rows_refused,
        ],
    )


def rebuild_derived(
    con: duckdb.DuckDBPyConnection, written: Mapping[str, Rows] | None = None
) -> None:
    """Rebuild the derived tables fed by ``written``'s non-empty tables (all of them if None).

    Runs on the caller's connection, inside its transaction when it holds one.
    """
    for derived in DERIVED_TABLES:
        if written is None:
            con.execute(derived.rebuild(None))
            continue
        inputs = {n: r for n, r in written.items() if n in derived.inputs and row_count(r)}
        if inputs:
            con.execute(derived.rebuild(inputs))


def table_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Row count of every data table."""
    return {
        t.name: int(con.execute(f"SELECT count(*) FROM {t.name}").fetchone()[0])  # type: ignore[index]
        for t in DATA_TABLES
    }
