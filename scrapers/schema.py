"""The store's schema: table names, columns, natural keys, and the rows parsers hand over.

No I/O. Every data row carries lineage: ``source`` (source id), ``source_url``,
``fetched_at`` (UTC) and ``parser_version``. Natural keys make every load idempotent.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pyarrow as pa

if TYPE_CHECKING:
    import pandas as pd

Row = dict[str, Any]
# A table's rows: dicts (most sources), or one columnar Arrow table for sources that parse
# hundreds of thousands of rows (vast.ai), where a dict per row costs more than the parse.
Rows = list[Row] | pa.Table
# What a parse returns and the store writes: table name -> its rows.
Batch = dict[str, Rows]


def row_count(rows: Rows | pd.DataFrame) -> int:
    """How many rows ``rows`` holds: a list of dicts, an Arrow table or a frame."""
    return rows.num_rows if isinstance(rows, pa.Table) else len(rows)


LINEAGE_COLUMNS = (
    ("source_url", "VARCHAR NOT NULL"),
    ("fetched_at", "TIMESTAMP NOT NULL"),
    ("parser_version", "VARCHAR NOT NULL"),
)


@dataclass(frozen=True)
class Table:
    """A data table: its columns (name, SQL type, description) and natural key."""

    name: str
    columns: tuple[tuple[str, str, str], ...]
    key: tuple[str, ...]
    description: str

    @property
    def column_names(self) -> tuple[str, ...]:
        """Data columns followed by the lineage columns."""
        return tuple(c[0] for c in self.columns) + tuple(c[0] for c in LINEAGE_COLUMNS)

    def ddl(self) -> str:
        """CREATE TABLE statement with the natural key as primary key."""
        cols = [f"{name} {sqltype}" for name, sqltype, _ in self.columns]
        cols += [f"{name} {sqltype}" for name, sqltype in LINEAGE_COLUMNS]
        cols.append(f"PRIMARY KEY ({', '.join(self.key)})")
        return f"CREATE TABLE IF NOT EXISTS {self.name} (\n  " + ",\n  ".join(cols) + "\n)"


@dataclass(frozen=True)
class Derived:
    """Tables the store computes in SQL from data tables and rebuilds after writes to them.

    ``rebuild(written)`` is the SQL that brings the tables up to date after a write holding
    rows for ``inputs`` (``written``: those rows by table); ``rebuild(None)``, for everything.
    The store runs it in the write's own transaction.
    """

    tables: tuple[str, ...]
    inputs: tuple[str, ...]  # the data tables they are computed from
    ddl: tuple[str, ...]  # CREATE (then upgrade) statements, one entry per table
    rebuild: Callable[[Mapping[str, Rows] | None], str]


COIN_NETWORK = Table(
    name="coin_network",
    description="Coin network state and prices: one row per source, coin and observation time.",
    key=("source", "coin", "observed_at"),
    columns=(
        ("source", "VARCHAR NOT NULL", "source id, e.g. whattomine"),
        ("coin", "VARCHAR NOT NULL", "ticker, upper case, e.g. ETC, BTC"),
        ("observed_at", "TIMESTAMP NOT NULL", "UTC time the values describe"),
        ("coin_name", "VARCHAR", "upstream display name"),
        ("algorithm", "VARCHAR", "proof-of-work algorithm, e.g. Etchash, SHA-256"),
        ("difficulty", "DOUBLE", "network difficulty (unitless)"),
        ("nethash_hs", "DOUBLE", "network hashrate, H/s"),
        ("block_time_s", "DOUBLE", "average block time, seconds"),
        ("block_reward_coins", "DOUBLE", "coins per block to the miner (subsidy + fees if known)"),
        ("price_usd", "DOUBLE", "coin price, USD"),
        ("price_btc", "DOUBLE", "coin price, BTC"),
        ("difficulty_24h", "DOUBLE", "24 h average difficulty where the upstream gives it"),
        ("block_reward_24h_coins", "DOUBLE", "24 h average block reward, coins"),
        ("price_btc_24h", "DOUBLE", "24 h average price, BTC"),
    ),
)

GPU_RENTAL_OFFERS = Table(
    name="gpu_rental_offers",
    description="GPU rental prices per GPU-hour: marketplace offers and cloud list prices.",
    key=("source", "offer_id", "pricing_type", "observed_at"),
    columns=(
        ("source", "VARCHAR NOT NULL", "source id, e.g. vastai, runpod"),
        ("offer_id", "VARCHAR NOT NULL", "upstream offer or SKU id"),
        ("pricing_type", "VARCHAR NOT NULL", "on_demand | spot | reserved"),
        ("observed_at", "TIMESTAMP NOT NULL", "UTC snapshot time (fetch time, to the hour)"),
        ("gpu_name_raw", "VARCHAR NOT NULL", "GPU name as the upstream writes it"),
        ("gpu_model", "VARCHAR", "canonical GPU model id; NULL when the name is unknown"),
        ("num_gpus", "INTEGER NOT NULL", "GPUs in the offer"),
        ("rate_usd_per_gpu_hour", "DOUBLE NOT NULL", "price per GPU per hour, USD"),
        ("offer_rate_usd_per_hour", "DOUBLE", "price for the whole offer per hour, USD"),
        ("gpu_ram_gb", "DOUBLE", "memory per GPU, GB"),
        ("location", "VARCHAR", "country code or region, where given"),
        ("reliability", "DOUBLE", "0..1 reliability score where given"),
        ("available", "BOOLEAN", "offer is rentable now (not already rented)"),
    ),
)

GPU_HARDWARE_PRICES = Table(
    name="gpu_hardware_prices",
    description="GPU hardware prices, new (retail listings) and used (sold averages).",
    key=("source", "item_id", "observed_at"),
    columns=(
        ("source", "VARCHAR NOT NULL", "source id, e.g. newegg, tomshardware"),
        ("item_id", "VARCHAR NOT NULL", "upstream item id or a stable id built from the title"),
        ("observed_at", "TIMESTAMP NOT NULL", "UTC snapshot time (to the hour) or month start"),
        ("title", "VARCHAR NOT NULL", "listing title or GPU name as written upstream"),
        ("gpu_model", "VARCHAR", "canonical GPU model id; NULL when unknown"),
        ("condition", "VARCHAR NOT NULL", "new | used"),
        ("price_usd", "DOUBLE NOT NULL", "price per card, USD"),
        ("quantity", "INTEGER", "units sold behind an average price, where given"),
        ("url", "VARCHAR", "product page, where given"),
    ),
)

ENERGY_PRICES = Table(
    name="energy_prices",
    description="Electricity prices by region, sector and period, normalised to USD/kWh.",
    key=("source", "region", "sector", "period", "period_start"),
    columns=(
        ("source", "VARCHAR NOT NULL", "source id, e.g. eia, ember"),
        ("region", "VARCHAR NOT NULL", "US-TX style for US states, ISO2 for countries"),
        ("sector", "VARCHAR NOT NULL", "industrial | commercial | residential | all | wholesale"),
        ("period", "VARCHAR NOT NULL", "month | day | hour"),
        ("period_start", "DATE NOT NULL", "first day of the period"),
        ("price_usd_per_kwh", "DOUBLE NOT NULL", "price, USD per kWh"),
        ("price_native", "DOUBLE NOT NULL", "price in the upstream's unit"),
        ("native_unit", "VARCHAR NOT NULL", "the upstream's unit, e.g. USc/kWh, EUR/MWh"),
        ("usd_per_native_currency", "DOUBLE", "FX rate used (USD per 1 EUR), where converted"),
        ("region_name", "VARCHAR", "upstream region name"),
    ),
)

GRID_CARBON = Table(
    name="grid_carbon",
    description="Grid carbon intensity of electricity generation by region and year.",
    key=("source", "region", "year"),
    columns=(
        ("source", "VARCHAR NOT NULL", "source id, e.g. carbon"),
        ("region", "VARCHAR NOT NULL", "ISO2 country code or region name"),
        ("year", "INTEGER NOT NULL", "calendar year"),
        ("carbon_g_per_kwh", "DOUBLE NOT NULL", "gCO2e per kWh generated"),
        ("region_name", "VARCHAR", "upstream region name"),
    ),
)

BTC_HASHPRICE = Table(
    name="btc_hashprice",
    description="Bitcoin hashprice (mining revenue per unit of hashrate) by day, in USD/PH/day.",
    key=("source", "observed_at"),
    columns=(
        ("source", "VARCHAR NOT NULL", "source id, e.g. braiins"),
        ("observed_at", "TIMESTAMP NOT NULL", "UTC day (midnight) the value describes"),
        ("hashprice_usd_per_ph_day", "DOUBLE NOT NULL", "revenue per PH/s per day, USD"),
        ("network_hashrate_hs", "DOUBLE", "network hashrate, H/s, where the upstream gives it"),
    ),
)

DATA_TABLES: tuple[Table, ...] = (
    COIN_NETWORK,
    GPU_RENTAL_OFFERS,
    GPU_HARDWARE_PRICES,
    ENERGY_PRICES,
    GRID_CARBON,
    BTC_HASHPRICE,
)
TABLES_BY_NAME = {t.name: t for t in DATA_TABLES}

SCRAPE_RUNS_DDL = """
CREATE TABLE IF NOT EXISTS scrape_runs (
  run_id VARCHAR NOT NULL,
  source VARCHAR NOT NULL,
  started_at TIMESTAMP NOT NULL,
  finished_at TIMESTAMP,
  status VARCHAR NOT NULL,
  rows_written INTEGER NOT NULL DEFAULT 0,
  error VARCHAR,
  unknown_gpu_names VARCHAR[],
  rows_refused INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (run_id, source)
)"""
# Columns added after a release, with the ALTER that brings an older store up to date.
SCRAPE_RUNS_MIGRATIONS = (
    "ALTER TABLE scrape_runs ADD COLUMN IF NOT EXISTS rows_refused INTEGER DEFAULT 0",
)

RAW_PAYLOADS_DDL = """
CREATE TABLE IF NOT EXISTS raw_payloads (
  source VARCHAR NOT NULL,
  sha256 VARCHAR NOT NULL,
  url VARCHAR NOT NULL,
  fetched_at TIMESTAMP NOT NULL,
  content_type VARCHAR,
  bytes BIGINT NOT NULL,
  path VARCHAR NOT NULL,
  PRIMARY KEY (source, sha256)
)"""

STORE_META_DDL = """
CREATE TABLE IF NOT EXISTS store_meta (
  key VARCHAR PRIMARY KEY,
  value VARCHAR NOT NULL
)"""

# The run log, the raw payload index and store metadata. Derived tables (the rental index)
# declare their DDL beside their SQL, as a Derived.
SUPPORT_DDL = (SCRAPE_RUNS_DDL, RAW_PAYLOADS_DDL, STORE_META_DDL)

SCHEMA_VERSION = "1"
