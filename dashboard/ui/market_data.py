"""Cached reads for the Market, Sustainability and SQL pages (companion of ``data.py``).

Same rules as :mod:`dashboard.ui.data`, through the same wrapper
(:func:`dashboard.ui.cache.cached`): keyed by ``(db_path, data_version, filters)``, each call
opens a short-lived read-only connection and returns a small, already-aggregated result.
"""

from __future__ import annotations

import duckdb

from dashboard.engine.queries import market_page
from dashboard.engine.queries.market_page import (
    CarbonIntensity,
    FilterOptions,
    MarketFilters,
    MarketResult,
)
from dashboard.engine.queries.sql_sandbox import RESULT_CACHE_ENTRIES, QueryResult, run_query
from dashboard.ui.cache import Version, cached

Con = duckdb.DuckDBPyConnection


@cached(8)
def filter_options(con: Con) -> FilterOptions:
    """Choices for the Market page's filters."""
    return market_page.filter_options(con)


@cached(32)
def coins(con: Con, f: MarketFilters) -> MarketResult:
    """Coin series under ``f``."""
    return market_page.coin_series(con, f)


@cached(32)
def rental_index_series(con: Con, f: MarketFilters) -> MarketResult:
    """Rental index series under ``f``."""
    return market_page.rental_index_series(con, f)


@cached(32)
def provider_medians(con: Con, f: MarketFilters) -> MarketResult:
    """Per-source median rates under ``f``."""
    return market_page.provider_medians(con, f)


@cached(32)
def current_offers(con: Con, f: MarketFilters) -> MarketResult:
    """Latest-snapshot offers under ``f``."""
    return market_page.current_offers(con, f)


@cached(32)
def hardware(
    con: Con, f: MarketFilters, msrp: tuple[tuple[str, float | None], ...]
) -> MarketResult:
    """New and used hardware prices under ``f`` with their share of MSRP."""
    return market_page.hardware_prices(con, f, dict(msrp))


@cached(32)
def energy(con: Con, f: MarketFilters) -> MarketResult:
    """Electricity prices under ``f``."""
    return market_page.energy_prices(con, f)


@cached(32)
def carbon(con: Con, f: MarketFilters) -> MarketResult:
    """Grid carbon intensity under ``f``."""
    return market_page.grid_carbon(con, f)


@cached(8)
def carbon_choices(con: Con) -> list[CarbonIntensity]:
    """The latest grid carbon intensity of every stored region."""
    return market_page.carbon_choices(con)


@cached(RESULT_CACHE_ENTRIES, connect=False, ttl="15m")
def sql_query(path: str, version: Version, sql: str, row_cap: int) -> QueryResult:
    """A sandboxed console query (QueryRefused propagates and is not cached)."""
    return run_query(path, sql, row_cap=row_cap)


@cached(16)
def price_options(con: Con, gpu_model: str, f: MarketFilters) -> MarketResult:
    """Every source x offering of ``gpu_model`` per day under ``f``."""
    return market_page.price_options(con, gpu_model, f)


@cached(16)
def verdict_rate(con: Con, gpu_model: str) -> tuple[float | None, object]:
    """The on-demand stable index the verdict uses for ``gpu_model`` and its day."""
    return market_page.verdict_rate(con, gpu_model)
