"""Cached loaders for the Market, Sustainability and SQL pages (companion of ``data.py``).

Same rules as :mod:`dashboard.ui.data`: keyed by ``(db_path, data_version, filters)``, each
call opens a short-lived read-only connection and returns a small, already-aggregated result.
"""

from __future__ import annotations

import streamlit as st

from dashboard.engine.queries import market_page as explorer
from dashboard.engine.queries.market_page import (
    CarbonIntensity,
    ExplorerFilters,
    ExplorerResult,
    FilterOptions,
)
from dashboard.engine.queries.sql_sandbox import RESULT_CACHE_ENTRIES, QueryResult, run_query
from dashboard.ui.data import Version
from scrapers.store import read_connection


@st.cache_data(show_spinner=False, max_entries=8)
def filter_options(path: str, version: Version) -> FilterOptions:
    """Choices for the Market page's filters."""
    with read_connection(path) as con:
        return explorer.filter_options(con)


@st.cache_data(show_spinner=False, max_entries=32)
def coins(path: str, version: Version, f: ExplorerFilters) -> ExplorerResult:
    """Coin series under ``f``."""
    with read_connection(path) as con:
        return explorer.coin_series(con, f)


@st.cache_data(show_spinner=False, max_entries=32)
def rental_index(path: str, version: Version, f: ExplorerFilters) -> ExplorerResult:
    """Rental index series under ``f``."""
    with read_connection(path) as con:
        return explorer.rental_index(con, f)


@st.cache_data(show_spinner=False, max_entries=32)
def provider_medians(path: str, version: Version, f: ExplorerFilters) -> ExplorerResult:
    """Per-source median rates under ``f``."""
    with read_connection(path) as con:
        return explorer.provider_medians(con, f)


@st.cache_data(show_spinner=False, max_entries=32)
def current_offers(path: str, version: Version, f: ExplorerFilters) -> ExplorerResult:
    """Latest-snapshot offers under ``f``."""
    with read_connection(path) as con:
        return explorer.current_offers(con, f)


@st.cache_data(show_spinner=False, max_entries=32)
def hardware(
    path: str, version: Version, f: ExplorerFilters, msrp: tuple[tuple[str, float | None], ...]
) -> ExplorerResult:
    """New and used hardware prices under ``f`` with their share of MSRP."""
    with read_connection(path) as con:
        return explorer.hardware_prices(con, f, dict(msrp))


@st.cache_data(show_spinner=False, max_entries=32)
def energy(path: str, version: Version, f: ExplorerFilters) -> ExplorerResult:
    """Electricity prices under ``f``."""
    with read_connection(path) as con:
        return explorer.energy_prices(con, f)


@st.cache_data(show_spinner=False, max_entries=32)
def carbon(path: str, version: Version, f: ExplorerFilters) -> ExplorerResult:
    """Grid carbon intensity under ``f``."""
    with read_connection(path) as con:
        return explorer.grid_carbon(con, f)


@st.cache_data(show_spinner=False, max_entries=8)
def carbon_choices(path: str, version: Version) -> list[CarbonIntensity]:
    """The latest grid carbon intensity of every stored region."""
    with read_connection(path) as con:
        return explorer.carbon_choices(con)


@st.cache_data(show_spinner=False, max_entries=RESULT_CACHE_ENTRIES, ttl="15m")
def sql_query(path: str, version: Version, sql: str, row_cap: int) -> QueryResult:
    """A sandboxed console query (QueryRefused propagates and is not cached)."""
    return run_query(path, sql, row_cap=row_cap)


@st.cache_data(show_spinner=False, max_entries=16)
def price_options(
    path: str, version: Version, gpu_model: str, f: ExplorerFilters
) -> ExplorerResult:
    """Every source x offering of ``gpu_model`` per day under ``f``."""
    with read_connection(path) as con:
        return explorer.price_options(con, gpu_model, f)


@st.cache_data(show_spinner=False, max_entries=16)
def verdict_rate(path: str, version: Version, gpu_model: str) -> tuple[float | None, object]:
    """The on-demand stable index the verdict uses for ``gpu_model`` and its day."""
    with read_connection(path) as con:
        return explorer.verdict_rate(con, gpu_model)
