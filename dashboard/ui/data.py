"""The app's cached reads of the store, every one through :func:`dashboard.ui.cache.cached` (the
Market page caches its own filtered queries the same way).

Every loader is keyed by ``(db_path, data_version)`` where the version is the (mtime_ns, size)
of the database file and its WAL, so a refresh in another process shows up on the next rerun.
Each loader opens a short-lived read-only connection and closes it before returning: the app
never holds the database (a refresh must be able to take the write lock at any time).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import pandas as pd

from dashboard.engine.queries import market_page, sql_sandbox
from dashboard.engine.queries.market_page import CarbonIntensity
from dashboard.engine.queries.sql_sandbox import RESULT_CACHE_ENTRIES, QueryResult
from dashboard.engine.terms import GpuAssumptions, GpuSpec, MarketSnapshot
from dashboard.ui.cache import Version, cached, data_version
from dashboard.ui.cache import clear as clear
from dashboard.ui.safe_text import escape
from scrapers.config import load_settings
from scrapers.errors import RigShiftError, StoreBusy, StoreError
from scrapers.schema import DATA_TABLES
from scrapers.store import read_connection

if TYPE_CHECKING:  # for the annotation; history_inputs imports the reader where it runs
    from dashboard.engine.queries.snapshot import HistoryInputs

__all__ = ["Version", "data_version"]


def db_path() -> str:
    """The configured database path (``RIGSHIFT_DB`` or the default)."""
    return load_settings().db_path


@dataclass(frozen=True)
class DbState:
    """Whether the store can be shown: ``ready``, ``missing``, ``empty`` or ``broken``."""

    state: str
    path: str
    meta: dict[str, str] = field(default_factory=dict)
    detail: str = ""

    @property
    def ready(self) -> bool:
        """True when the store has data to show."""
        return self.state == "ready"

    @property
    def is_demo(self) -> bool:
        """True when the store holds the bundled demo dataset."""
        return self.meta.get("dataset") == "demo"


# How long a page waits for a writer to let go before it says the store is locked.
LOCK_WAIT_S = 10.0
SIDEBAR_WAIT_S = 1.0
# DuckDB's file header: three 4 KiB blocks before the first data block.
_HEADER_BYTES = 3 * 4096


def db_state(path: str, version: Version) -> DbState:
    """Classify the database file and read its store_meta; failures are never cached.

    A lock held by a writer, or a file mid-copy, is gone on a later rerun, so only a
    readable store's state is cached (keyed by the file's version); errors are raised out
    of the cached function and turned into a ``broken`` state here, each time.
    """
    if not path.startswith("md:") and (not Path(path).exists() or Path(path).stat().st_size == 0):
        return DbState("missing", path)
    try:
        return _readable_db_state(path, version)
    except StoreBusy as exc:
        return DbState(
            "broken",
            path,
            detail=escape(f"{exc.one_line()}; this page renders again once the writer lets go"),
        )
    except (StoreError, duckdb.Error, OSError) as exc:
        # The text quotes the file's own table names and DuckDB's message: never Markdown.
        return DbState("broken", path, detail=escape(_one_line(exc)))


class ForeignDatabase(StoreError):
    """The file is a DuckDB database, but not one RigShift wrote."""


@cached(8, connect=False)
def _readable_db_state(path: str, version: Version) -> DbState:
    with read_connection(path, wait_s=LOCK_WAIT_S) as con:
        _check_complete(con, path)
        columns: dict[str, set[str]] = {}
        for table, column in con.execute(
            "SELECT table_name, column_name FROM duckdb_columns() WHERE database_name = "
            "current_database() AND schema_name = 'main'"
        ).fetchall():
            columns.setdefault(table, set()).add(column)
        _check_ours(columns)
        meta = dict(con.execute("SELECT key, value FROM store_meta").fetchall())
        rows = 0
        for table in DATA_TABLES:
            if table.name in columns:
                rows += int(con.execute(f"SELECT count(*) FROM {table.name}").fetchone()[0])
    return DbState("ready" if rows else "empty", path, meta=meta)


def _check_complete(con: duckdb.DuckDBPyConnection, path: str) -> None:
    # A truncated copy opens and even counts rows (the metadata sits early in the file); its
    # data blocks fail only later, on a page. The header says how many blocks there must be.
    if path.startswith("md:"):
        return
    _, _, block_size, total_blocks, *_ = con.execute(
        "SELECT * FROM pragma_database_size() WHERE database_name = current_database()"
    ).fetchone()
    expected_bytes = _HEADER_BYTES + int(block_size) * int(total_blocks)
    actual_bytes = Path(path).stat().st_size
    if actual_bytes < expected_bytes:
        raise StoreError(
            f"the file is truncated ({actual_bytes:,} of {expected_bytes:,} bytes): "
            "restore it from a backup or rebuild it with `rigshift refresh`"
        )


def _check_ours(columns: dict[str, set[str]]) -> None:
    if "store_meta" not in columns and not columns:
        return  # a fresh, empty file: the "empty" state explains what to do
    if "store_meta" not in columns:
        others = ", ".join(sorted(columns)[:3])
        raise ForeignDatabase(
            f"this is not a RigShift database (it has other tables: {others}): "
            "set RIGSHIFT_DB to a RigShift database file"
        )
    for table in DATA_TABLES:
        expected = {c[0] for c in table.columns}
        if table.name in columns and not expected <= columns[table.name]:
            missing = ", ".join(sorted(expected - columns[table.name])[:3])
            raise ForeignDatabase(
                f"table {table.name} does not have RigShift's columns (missing {missing}): "
                "set RIGSHIFT_DB to a RigShift database file"
            )


# What a page may raise when the store changes under it; the app shows one line for these.
READ_ERRORS = (StoreError, duckdb.Error)


def read_error_message(exc: Exception) -> str:
    """One plain line for a read that failed mid-page (escaped: it quotes paths and SQL)."""
    if isinstance(exc, StoreBusy):
        return escape(f"{_one_line(exc)}; reload the page once the writer lets go")
    return escape(f"The database could not be read: {_one_line(exc)}")


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split())[:300] or type(exc).__name__


def gpu_specs() -> dict[str, GpuSpec]:
    """The reference GPU spec table (re-read when the CSV changes)."""
    from dashboard.engine.economics.specs import GPU_SPECS_CSV

    return _gpu_specs(str(GPU_SPECS_CSV), data_version(GPU_SPECS_CSV))


@cached(1, connect=False)
def _gpu_specs(path: str, version: Version) -> dict[str, GpuSpec]:
    from dashboard.engine.economics.specs import load_gpu_specs

    return load_gpu_specs(Path(path))


@cached(8)
def market(con: duckdb.DuckDBPyConnection) -> MarketSnapshot:
    """The latest market snapshot the economics need."""
    from dashboard.engine.queries.snapshot import load_market

    return load_market(con)


@cached(16)
def history_inputs(con: duckdb.DuckDBPyConnection, gpu_model: str) -> HistoryInputs:
    """The stored series a margin history of ``gpu_model`` is computed from."""
    from dashboard.engine.queries.snapshot import history_inputs as read

    return read(con, gpu_model)


@cached(32, connect=False)
def margin_history(path: str, version: Version, spec: GpuSpec, a: GpuAssumptions) -> pd.DataFrame:
    """Daily mining and rental net per GPU for ``spec`` under ``a``: the series are read once per
    model and data version, so a new power price or fee only redoes the arithmetic."""
    from dashboard.engine.queries.snapshot import margins_from

    return margins_from(history_inputs(path, version, spec.gpu_model), spec, a)


@cached(8, per_minute=True)
def source_statuses(con: duckdb.DuckDBPyConnection, now: Any) -> list[Any]:
    """Per-source health (scrapers.status.SourceStatus), ages as of the current minute."""
    from scrapers.status import source_statuses as statuses

    return statuses(con, now=now)


@cached(8)
def scrape_runs(con: duckdb.DuckDBPyConnection, limit: int = 50) -> pd.DataFrame:
    """The last ``limit`` scrape runs, newest first."""
    return con.execute(
        """
        SELECT run_id, source, started_at, finished_at, status, rows_written, error,
               array_to_string(unknown_gpu_names, ', ') AS unknown_gpu_names
        FROM scrape_runs ORDER BY started_at DESC, source LIMIT ?
        """,
        [limit],
    ).df()


@cached(8)
def last_refresh_failures(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Sources whose run in the most recent refresh (run_id) failed."""
    rows = con.execute(
        """
        WITH last AS (SELECT arg_max(run_id, started_at) AS run_id FROM scrape_runs)
        SELECT source FROM scrape_runs JOIN last USING (run_id)
        WHERE status = 'failed' ORDER BY source
        """
    ).fetchall()
    return [r[0] for r in rows]


@cached(16)
def power_price(con: duckdb.DuckDBPyConnection, region: str) -> Any:
    """The latest stored power price for ``region`` (engine's power_price_for_region)."""
    from dashboard.engine.queries.snapshot import power_price_for_region

    return power_price_for_region(con, region)


def power_price_regions(path: str, version: Version) -> list[str]:
    """Regions with a stored EIA industrial price, for the sidebar's power-price choice."""
    try:
        return _power_price_regions(path, version)
    except (RigShiftError, duckdb.Error):  # no store yet, one without the table, or locked
        return []  # not cached: the next rerun tries again


@cached(4, connect=False)
def _power_price_regions(path: str, version: Version) -> list[str]:
    from dashboard.engine.queries.snapshot import industrial_price_regions

    # An optional sidebar choice: never worth a long wait behind a writer.
    with read_connection(path, wait_s=SIDEBAR_WAIT_S) as con:
        return industrial_price_regions(con)


@cached(16, connect=False)
def decision(path: str, version: Version, fleet: Any, a: GpuAssumptions) -> Any:
    """The one decision for ``fleet`` under ``a`` (engine decision.decide), memoised per input
    set and data version so every page renders the same object without recomputing it."""
    from dashboard.engine.decision import decide, margin_histories

    specs = gpu_specs()
    histories = margin_histories(
        fleet, specs, a, lambda spec, la: margin_history(path, version, spec, la)
    )
    return decide(fleet, specs, market(path, version), a, histories)


@cached(8)
def carbon_choices(con: duckdb.DuckDBPyConnection) -> list[CarbonIntensity]:
    """The latest grid carbon intensity of every stored region (Sustainability)."""
    return market_page.carbon_choices(con)


@cached(RESULT_CACHE_ENTRIES, connect=False, ttl="15m")
def sql_query(path: str, version: Version, sql: str, row_cap: int) -> QueryResult:
    """A sandboxed console query (QueryRefused propagates and is not cached)."""
    return sql_sandbox.run_query(path, sql, row_cap=row_cap)
