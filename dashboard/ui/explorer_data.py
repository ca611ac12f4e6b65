"""Cached reads for the Market, Sustainability and SQL pages (companion of ``data.py``).

Same rules as :mod:`dashboard.ui.data`, through the same wrapper
(:func:`dashboard.ui.cache.cached`): keyed by ``(db_path, data_version, filters)``, each call
opens a short-lived read-only connection and returns a small, already-aggregated result.
"""

from __future__ import annotations

import duckdb

from dashboard.engine.queries import market_page as explorer
from dashboard.engine.queries.market_page import (
    CarbonIntensity,
    ExplorerFilters,
    ExplorerResult,
    FilterOptions,
)
from dashboard.engine.queries.sql_sandbox import RESULT_CACHE_ENTRIES, QueryResult, run_query
from dashboard.ui.cache import Version, cached

Con = duckdb.DuckDBPyConnection


@cached(8)
def filter_options(con: Con) -> FilterOptions:
    """Choices for the Market page's filters."""
    return explorer.filter_options(con)


@cached(32)
def coins(con: Con, f: ExplorerFilters) -> ExplorerResult:
    """Coin series under ``f``."""
    return explorer.coin_series(con, f)


@cached(32)
def rental_index_series(con: Con, f: ExplorerFilters) -> ExplorerResult:
    """Rental index series under ``f``."""
    return explorer.rental_index_series(con, f)


@cached(32)
def provider_medians(con: Con, f: ExplorerFilters) -> ExplorerResult:
    """Per-source median rates under ``f``."""
    return explorer.provider_medians(con, f)


@cached(32)
def current_offers(con: Con, f: ExplorerFilters) -> ExplorerResult:
    """Latest-snapshot offers under ``f``."""
    return explorer.current_offers(con, f)


@cached(32)
def hardware(
    con: Con, f: ExplorerFilters, msrp: tuple[tuple[str, float | None], ...]
) -> ExplorerResult:
    """New and used hardware prices under ``f`` with their share of MSRP."""
    return explorer.hardware_prices(con, f, dict(msrp))


@cached(32)
def energy(con: Con, f: ExplorerFilters) -> ExplorerResult:
    """Electricity prices under ``f``."""
    return explorer.energy_prices(con, f)


@cached(32)
def carbon(con: Con, f: ExplorerFilters) -> ExplorerResult:
    """Grid carbon intensity under ``f``."""
    return explorer.grid_carbon(con, f)


@cached(8)
def carbon_choices(con: Con) -> list[CarbonIntensity]:
    """The latest grid carbon intensity of every stored region."""
    return explorer.carbon_choices(con)


@cached(RESULT_CACHE_ENTRIES, connect=False, ttl="15m")
def sql_query(path: str, version: Version, sql: str, row_cap: int) -> QueryResult:
    """A sandboxed console query (QueryRefused propagates and is not cached)."""
    return run_query(path, sql, row_cap=row_cap)


@cached(16)
def price_options(con: Con, gpu_model: str, f: ExplorerFilters) -> ExplorerResult:
    """Every source x offering of ``gpu_model`` per day under ``f``."""
    return explorer.price_options(con, gpu_model, f)


@cached(16)
def verdict_rate(con: Con, gpu_model: str) -> tuple[float | None, object]:
    """The on-demand stable index the verdict uses for ``gpu_model`` and its day."""
    return explorer.verdict_rate(con, gpu_model)
