"""Cached reads for the Market, Sustainability and SQL pages (companion of ``data.py``).

Same rules as :mod:`dashboard.ui.data`, through the same wrapper
(:func:`dashboard.ui.cache.cached`): keyed by ``(db_path, data_version, filters)``, each call
opens a short-lived read-only connection and returns a small, already-aggregated result.
"""

from __future__ import annotations

import duckdb

from dashboard.engine.queries import market_page
from dashboard.engine.queries.market_page import (
    MarketFilters,
    MarketResult,
)
from dashboard.engine.queries.sql_sandbox import RESULT_CACHE_ENTRIES, QueryResult, run_query
from dashboard.ui.cache import Version, cached

Con = duckdb.DuckDBPyConnection


# The Market page's queries, cached as they are: each takes (con, *filters) and returns a small
# aggregated result, so callers call them as read(path, version, *filters).
filter_options = cached(8)(market_page.filter_options)
coin_series = cached(32)(market_page.coin_series)
rental_index_series = cached(32)(market_page.rental_index_series)
provider_medians = cached(32)(market_page.provider_medians)
current_offers = cached(32)(market_page.current_offers)
energy_prices = cached(32)(market_page.energy_prices)
grid_carbon = cached(32)(market_page.grid_carbon)
carbon_choices = cached(8)(market_page.carbon_choices)
price_options = cached(16)(market_page.price_options)
verdict_rate = cached(16)(market_page.verdict_rate)


@cached(32)
def hardware(
    con: Con, f: MarketFilters, msrp: tuple[tuple[str, float | None], ...]
) -> MarketResult:
    """New and used hardware prices under ``f`` with their share of MSRP."""
    return market_page.hardware_prices(con, f, dict(msrp))


@cached(RESULT_CACHE_ENTRIES, connect=False, ttl="15m")
def sql_query(path: str, version: Version, sql: str, row_cap: int) -> QueryResult:
    """A sandboxed console query (QueryRefused propagates and is not cached)."""
    return run_query(path, sql, row_cap=row_cap)
