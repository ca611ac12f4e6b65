"""Cached data loaders: the ONLY place in the app that uses ``st.cache_data``.

Every loader is keyed by ``(db_path, data_version)`` where the version is the (mtime_ns, size)
of the database file and its WAL, so a refresh in another process shows up on the next rerun.
Each loader opens a short-lived read-only connection and closes it before returning: the app
never holds the database (a refresh must be able to take the write lock at any time).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import streamlit as st

from dashboard.engine.model import GpuAssumptions, GpuSpec, MarketSnapshot
from scrapers.config import load_settings
from scrapers.errors import RigShiftError, StoreError
from scrapers.schema import DATA_TABLES
from scrapers.store import read_connection

Version = tuple[int, ...]


def db_path() -> str:
    """The configured database path (``RIGSHIFT_DB`` or the default)."""
    return load_settings().db_path


def data_version(path: str) -> Version:
    """(mtime_ns, size) of the database file and of its ``.wal`` when present; () if missing."""
    if path.startswith("md:"):
        return (0,)
    version: list[int] = []
    for candidate in (Path(path), Path(path + ".wal")):
        try:
            stat = os.stat(candidate)
        except FileNotFoundError:
            continue
        version += [stat.st_mtime_ns, stat.st_size]
    return tuple(version)


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


@st.cache_data(show_spinner=False, max_entries=8)
def db_state(path: str, version: Version) -> DbState:
    """Classify the database file and read its store_meta."""
    if not path.startswith("md:") and (not Path(path).exists() or Path(path).stat().st_size == 0):
        return DbState("missing", path)
    try:
        with read_connection(path, wait_s=10) as con:
            tables = {
                r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()
            }
            meta: dict[str, str] = {}
            if "store_meta" in tables:
                meta = dict(con.execute("SELECT key, value FROM store_meta").fetchall())
            rows = 0
            for table in DATA_TABLES:
                if table.name in tables:
                    rows += int(con.execute(f"SELECT count(*) FROM {table.name}").fetchone()[0])
    except (StoreError, duckdb.Error) as exc:
        return DbState("broken", path, detail=" ".join(str(exc).split())[:300])
    return DbState("ready" if rows else "empty", path, meta=meta)


@st.cache_data(show_spinner=False)
def gpu_specs() -> dict[str, GpuSpec]:
    """The reference GPU spec table."""
    from dashboard.engine.specs import load_gpu_specs

    return load_gpu_specs()


@st.cache_data(show_spinner=False, max_entries=8)
def market(path: str, version: Version) -> MarketSnapshot:
    """The latest market snapshot the economics need."""
    from dashboard.engine.market import load_market

    with read_connection(path) as con:
        return load_market(con)


@st.cache_data(show_spinner=False, max_entries=32)
def margin_history(path: str, version: Version, spec: GpuSpec, a: GpuAssumptions) -> pd.DataFrame:
    """Daily mining and rental net per GPU for ``spec`` under ``a``."""
    from dashboard.engine.market import margin_history as history

    with read_connection(path) as con:
        return history(con, spec, a)


@st.cache_data(show_spinner=False, max_entries=16)
def pivot_simulation(
    path: str, version: Version, spec: GpuSpec, a: GpuAssumptions, n_paths: int, seed: int
) -> Any:
    """Seeded Monte Carlo of the pivot (engine timing.simulate_pivot), keyed by every input."""
    from dashboard.engine.economics import evaluate
    from dashboard.engine.timing import simulate_pivot

    result = evaluate(spec, market(path, version), a)
    return simulate_pivot(result, margin_history(path, version, spec, a), n_paths, seed)


@st.cache_data(show_spinner=False, max_entries=8)
def source_statuses(path: str, version: Version) -> list[Any]:
    """Per-source health (scrapers.status.SourceStatus)."""
    from scrapers.status import source_statuses as statuses

    with read_connection(path) as con:
        return statuses(con)


@st.cache_data(show_spinner=False, max_entries=8)
def scrape_runs(path: str, version: Version, limit: int = 50) -> pd.DataFrame:
    """The last ``limit`` scrape runs, newest first."""
    with read_connection(path) as con:
        return con.execute(
            """
            SELECT run_id, source, started_at, finished_at, status, rows_written, error,
                   array_to_string(unknown_gpu_names, ', ') AS unknown_gpu_names
            FROM scrape_runs ORDER BY started_at DESC, source LIMIT ?
            """,
            [limit],
        ).df()


@st.cache_data(show_spinner=False, max_entries=8)
def last_refresh_failures(path: str, version: Version) -> list[str]:
    """Sources whose run in the most recent refresh (run_id) failed."""
    with read_connection(path) as con:
        rows = con.execute(
            """
            WITH last AS (SELECT arg_max(run_id, started_at) AS run_id FROM scrape_runs)
            SELECT source FROM scrape_runs JOIN last USING (run_id)
            WHERE status = 'failed' ORDER BY source
            """
        ).fetchall()
    return [r[0] for r in rows]


@st.cache_data(show_spinner=False, max_entries=16)
def power_price(path: str, version: Version, region: str) -> Any:
    """The latest stored power price for ``region`` (engine's power_price_for_region)."""
    from dashboard.engine.market import power_price_for_region

    with read_connection(path) as con:
        return power_price_for_region(con, region)


@st.cache_data(show_spinner=False, max_entries=4)
def power_price_regions(path: str, version: Version) -> list[str]:
    """Regions with a stored EIA industrial price, for the sidebar's power-price choice."""
    from dashboard.engine.market import industrial_price_regions

    try:
        with read_connection(path) as con:
            return industrial_price_regions(con)
    except (RigShiftError, duckdb.Error):  # no store yet, or one without the table
        return []


def clear() -> None:
    """Drop every cached result (tests; a manual "reload data" button)."""
    st.cache_data.clear()


@st.cache_data(show_spinner=False, max_entries=16)
def decision(path: str, version: Version, fleet: Any, a: GpuAssumptions) -> Any:
    """The one decision for ``fleet`` under ``a`` (engine decision.decide), memoised per input
    set and data version so every page renders the same object without recomputing it."""
    from dashboard.engine.decision import decide, line_assumptions

    specs = gpu_specs()
    histories = {}
    for line in fleet.lines:
        spec = specs.get(line.gpu_model)
        if spec is not None:
            la = line_assumptions(line, fleet, a)
            histories[line.gpu_model] = margin_history(path, version, spec, la)
    return decide(fleet, specs, market(path, version), a, histories)
