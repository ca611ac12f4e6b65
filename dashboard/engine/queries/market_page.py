"""Market page queries: every series the Market page charts, filtered and bucketed IN DUCKDB.

Each function takes an open (read-only) DuckDB connection and an :class:`MarketFilters`, and
returns an :class:`MarketResult` whose frame is already aggregated to a resolution the chart
can show (at most :data:`MAX_POINTS` buckets per series): raw offer rows never reach pandas.
Distributions use only the latest snapshot per source.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

import duckdb
import pandas as pd

from dashboard.engine.queries.snapshot import COIN_VALUE_COLUMNS, latest_values_sql
from scrapers import rental_index as index_method
from scrapers.units import BTC_DIFFICULTY_1_HASHES, BTC_TARGET_BLOCK_TIME_S, SECONDS_PER_DAY

MAX_POINTS = 1_500
RESOLUTIONS = ("day", "week", "month")
RESOLUTION_CHOICES = ("auto", *RESOLUTIONS)
ADJECTIVE = {"day": "daily", "week": "weekly", "month": "monthly"}
_DAYS_PER_BUCKET = {"day": 1, "week": 7, "month": 31}
# Distributions draw points; a snapshot is a few thousand offers, this only guards the browser.
MAX_DISTRIBUTION_ROWS = 20_000
MH_S = 1e6
PH_S = 1e15


@dataclass(frozen=True)
class MarketFilters:
    """The Market page's shared filters. ``None`` means "no filter"; an empty tuple matches none.

    ``start``/``end`` are inclusive UTC days.
    """

    start: date | None = None
    end: date | None = None
    gpu_models: tuple[str, ...] | None = None
    sources: tuple[str, ...] | None = None
    regions: tuple[str, ...] | None = None
    coins: tuple[str, ...] | None = None
    pricing_types: tuple[str, ...] | None = None
    resolution: str = "auto"  # auto | day | week | month


@dataclass(frozen=True)
class MarketResult:
    """A chart's data: the aggregated frame, its time resolution and the newest time in it."""

    frame: pd.DataFrame
    resolution: str = "day"
    as_of: datetime | None = None

    @property
    def empty(self) -> bool:
        """True when there is nothing to chart."""
        return self.frame.empty


@dataclass(frozen=True)
class FilterOptions:
    """What the filters can choose from, and the span of stored data."""

    first_day: date | None
    last_day: date | None
    gpu_models: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    coins: tuple[str, ...] = ()
    pricing_types: tuple[str, ...] = ()
    sources_by_table: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


def resolution_for(start: date | None, end: date | None, max_points: int = MAX_POINTS) -> str:
    """The finest of day/week/month that keeps ``start..end`` within ``max_points`` buckets."""
    if start is None or end is None or end < start:
        return "day"
    span_days = (end - start).days + 1
    for res in RESOLUTIONS:
        if span_days / _DAYS_PER_BUCKET[res] <= max_points:
            return res
    return "month"


def effective_resolution(requested: str, start: date | None, end: date | None) -> str:
    """The user's bucket, coarsened only where it would exceed :data:`MAX_POINTS` points."""
    auto = resolution_for(start, end)
    if requested not in RESOLUTIONS:
        return auto
    return max(requested, auto, key=RESOLUTIONS.index)


def _rank(expr: str) -> str:
    return f"CASE {expr} WHEN 'month' THEN 2 WHEN 'week' THEN 1 ELSE 0 END"


# A series' own frequency: more than one day, and never two days in one month (or week).
_NATIVE_SQL = """CASE
    WHEN count(DISTINCT day) > 1
      AND count(DISTINCT day) = count(DISTINCT date_trunc('month', day)) THEN 'month'
    WHEN count(DISTINCT day) > 1
      AND count(DISTINCT day) = count(DISTINCT date_trunc('week', day)) THEN 'week'
    ELSE 'day' END"""


def _bucketed(
    base: str,
    keys: Sequence[str],
    aggregates: str,
    res: str,
    span: tuple[date | None, date | None],
    native_row: str | None = None,
) -> tuple[str, list[Any]]:
    """SQL (and its trailing parameters) bucketing ``base`` rows (a DATE ``day`` column).

    A series is never bucketed finer than its own frequency (monthly data stays monthly under
    a weekly choice). Buckets are calendar periods, cut at the range's edges: a range starting
    on a Thursday opens with a Thursday-to-Sunday bucket dated and labelled by those days, not
    by the Monday before the range. ``period_label`` names each bucket (2024-01, 2024-01-01–
    01-07, 2024-01-05); ``native`` and ``bucket`` say the data's frequency and the bucket's.
    """
    key_list = ", ".join(keys)
    first, last = span
    native = native_row or "n.native"
    join = "" if native_row else f"JOIN nat n USING ({key_list})"
    sql = f"""
WITH base AS ({base}),
nat AS (SELECT {key_list}, {_NATIVE_SQL} AS native FROM base GROUP BY ALL),
with_native AS (SELECT b.*, {native} AS native FROM base b {join}),
tagged AS (
  SELECT *, CASE WHEN {_rank("native")} > {_rank("?")} THEN native ELSE ? END AS bucket
  FROM with_native
),
dated AS (
  SELECT *, greatest(date_trunc(bucket, day), CAST(? AS DATE)) AS bstart,
    least(CAST(date_trunc(bucket, day) + CASE bucket WHEN 'month' THEN INTERVAL 1 MONTH
      WHEN 'week' THEN INTERVAL 7 DAY ELSE INTERVAL 1 DAY END - INTERVAL 1 DAY AS DATE),
      CAST(? AS DATE)) AS bend
  FROM tagged
)
SELECT CAST(bstart AS TIMESTAMP) AS period, {key_list}, {aggregates},
  any_value(bucket) AS bucket, any_value(native) AS native,
  any_value(CASE bucket WHEN 'month' THEN strftime(bstart, '%Y-%m')
    WHEN 'week' THEN strftime(bstart, '%Y-%m-%d') || '–' || strftime(bend, '%m-%d')
    ELSE strftime(bstart, '%Y-%m-%d') END) AS period_label
FROM dated GROUP BY bstart, {key_list} ORDER BY {key_list}, period
"""
    return sql, [res, res, first or date(1, 1, 1), last or date(9999, 12, 31)]


def frequency_caption(result: MarketResult) -> str:
    """What each point is: the data's real frequency and the bucket it is shown in."""
    frame = result.frame
    if frame.empty or "bucket" not in frame:
        return ""
    pairs = sorted(
        set(zip(frame["native"], frame["bucket"], strict=True)),
        key=lambda p: (RESOLUTIONS.index(p[0]), RESOLUTIONS.index(p[1])),
    )
    parts = [
        f"{ADJECTIVE[n]} data, one point per {b}"
        if n == b
        else f"{ADJECTIVE[n]} data as {ADJECTIVE[b]} aggregates"
        for n, b in pairs
    ]
    text = "; ".join(parts).capitalize() + "."
    if any(b == "week" for _, b in pairs):
        text += " Weeks run Monday–Sunday; a week cut by the date range covers only its days."
    return text


class _Where:
    """WHERE clauses with positional parameters, built from the filters."""

    def __init__(self) -> None:
        self.clauses: list[str] = []
        self.params: list[Any] = []

    def add(self, clause: str, *params: Any) -> None:
        self.clauses.append(clause)
        self.params.extend(params)

    def one_of(self, column: str, values: Sequence[str] | None) -> None:
        if values is None:
            return
        if not values:
            self.clauses.append("FALSE")
            return
        marks = ", ".join("?" for _ in values)
        self.add(f"{column} IN ({marks})", *values)

    def days(self, column: str, f: MarketFilters, is_date: bool = False) -> None:
        # Half-open on the day after `end` so a TIMESTAMP late on the end day still counts.
        if f.start is not None:
            self.add(f"{column} >= ?", f.start if is_date else _midnight(f.start))
        if f.end is not None:
            after = f.end + timedelta(days=1)
            self.add(f"{column} < ?", after if is_date else _midnight(after))

    def sql(self) -> str:
        return ("WHERE " + " AND ".join(self.clauses)) if self.clauses else ""


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day)


def _span(
    con: duckdb.DuckDBPyConnection, table: str, column: str, where: _Where, f: MarketFilters
) -> tuple[date | None, date | None]:
    """The filter's date range, closed with the data's own extent where the filter is open."""
    start, end = f.start, f.end
    if start is None or end is None:
        row = con.execute(
            f"SELECT min({column}), max({column}) FROM {table} {where.sql()}", where.params
        ).fetchone()
        lo, hi = (row or (None, None))[:2]
        start = start or (_as_date(lo) if lo is not None else None)
        end = end or (_as_date(hi) if hi is not None else None)
    return start, end


def _as_date(value: Any) -> date:
    return value.date() if isinstance(value, datetime) else value


def _as_of(frame: pd.DataFrame, column: str) -> datetime | None:
    if frame.empty or column not in frame:
        return None
    value = pd.Timestamp(frame[column].max())
    return None if pd.isna(value) else value.to_pydatetime()


def filter_options(con: duckdb.DuckDBPyConnection) -> FilterOptions:
    """Choices for every filter and the first/last day of stored data (cheap column scans)."""

    def values(sql: str) -> tuple[str, ...]:
        return tuple(str(r[0]) for r in con.execute(sql).fetchall() if r[0] is not None)

    spans = con.execute(
        """
        SELECT min(lo), max(hi) FROM (
          SELECT CAST(min(observed_at) AS DATE) lo, CAST(max(observed_at) AS DATE) hi
            FROM coin_network
          UNION ALL SELECT min(day), max(day) FROM gpu_rental_index
          UNION ALL SELECT CAST(min(observed_at) AS DATE), CAST(max(observed_at) AS DATE)
            FROM gpu_hardware_prices
          UNION ALL SELECT min(period_start), max(period_start) FROM energy_prices
        )
        """
    ).fetchone()
    tables = {
        "coin_network": values("SELECT DISTINCT source FROM coin_network ORDER BY 1"),
        # The per-source daily medians list the same sources and models as the raw offers
        # without scanning tens of millions of snapshot rows.
        "gpu_rental_offers": values(
            "SELECT DISTINCT source FROM gpu_rental_source_daily ORDER BY 1"
        ),
        "gpu_hardware_prices": values("SELECT DISTINCT source FROM gpu_hardware_prices ORDER BY 1"),
        "energy_prices": values("SELECT DISTINCT source FROM energy_prices ORDER BY 1"),
        "grid_carbon": values("SELECT DISTINCT source FROM grid_carbon ORDER BY 1"),
    }
    return FilterOptions(
        first_day=spans[0] if spans else None,
        last_day=spans[1] if spans else None,
        gpu_models=values(
            """
            SELECT gpu_model FROM gpu_rental_index UNION
            SELECT DISTINCT gpu_model FROM gpu_rental_source_daily UNION
            SELECT DISTINCT gpu_model FROM gpu_hardware_prices ORDER BY 1
            """
        ),
        sources=tuple(sorted({s for v in tables.values() for s in v})),
        regions=values(
            "SELECT region FROM energy_prices UNION SELECT region FROM grid_carbon ORDER BY 1"
        ),
        coins=values("SELECT DISTINCT coin FROM coin_network ORDER BY 1"),
        pricing_types=values(
            "SELECT pricing_type FROM gpu_rental_index UNION "
            "SELECT DISTINCT pricing_type FROM gpu_rental_source_daily ORDER BY 1"
        ),
        sources_by_table=tables,
    )


# --- Coins ---------------------------------------------------------------------------------

_BUCKET_COLUMNS = ("period_label", "bucket", "native")

COIN_COLUMNS = [
    "period",
    "coin",
    "algorithm",
    "difficulty",
    "nethash_hs",
    "price_usd",
    "revenue_usd_per_mhs_day",
    "hashprice_usd_per_ph_day",
    "days",
    *_BUCKET_COLUMNS,
]

# nethash from difficulty by the coin's convention (economics.md §1.1, engine.market):
# Bitcoin-style nBits (SHA-256, KawPow) H = D x 2^32 / T; KHeavyHash only from an upstream value.
_ALGO_KEY = "lower(regexp_replace(coalesce(algorithm, ''), '[^A-Za-z0-9]', '', 'g'))"
_COINS_SQL = f"""
WITH algo AS (
  SELECT coin, coalesce(
      arg_max(algorithm, observed_at) FILTER (WHERE algorithm IS NOT NULL),
      CASE WHEN coin = 'BTC' THEN 'SHA-256' END) AS algorithm
  FROM coin_network GROUP BY coin
), btc AS (
  SELECT CAST(observed_at AS DATE) AS day,
    arg_max(price_usd, observed_at) AS btc_usd
  FROM coin_network WHERE coin = 'BTC' AND price_usd IS NOT NULL GROUP BY ALL
), daily AS (
  SELECT coin, CAST(observed_at AS DATE) AS day,
    {latest_values_sql(COIN_VALUE_COLUMNS[1:])}
  FROM coin_network {{where}} GROUP BY ALL
), priced AS (
  SELECT d.coin, d.day, a.algorithm, d.difficulty, d.nethash_hs, d.block_reward_coins,
    coalesce(d.block_time_s, CASE WHEN d.coin = 'BTC' THEN {BTC_TARGET_BLOCK_TIME_S} END)
      AS block_time_s,
    coalesce(d.price_usd, d.price_btc * b.btc_usd) AS price_usd,
    {_ALGO_KEY.replace("algorithm", "a.algorithm")} AS algo_key
  FROM daily d JOIN algo a USING (coin) LEFT JOIN btc b USING (day)
), hashed AS (
  SELECT * REPLACE (coalesce(nethash_hs, CASE
      WHEN algo_key IN ('kheavyhash', 'heavyhash') THEN NULL
      WHEN algo_key IN ('sha256', 'kawpow')
        THEN difficulty * {BTC_DIFFICULTY_1_HASHES} / block_time_s
      ELSE difficulty / block_time_s END) AS nethash_hs)
  FROM priced
), revenue AS (
  SELECT *, CASE WHEN nethash_hs > 0 AND block_time_s > 0
      THEN {SECONDS_PER_DAY} / block_time_s * block_reward_coins * price_usd / nethash_hs
    END AS usd_per_hs_day
  FROM hashed
)
SELECT coin, day, algorithm, difficulty, nethash_hs, price_usd, usd_per_hs_day FROM revenue
"""
_COIN_AGGREGATES = f"""any_value(algorithm) AS algorithm,
  avg(difficulty) AS difficulty, avg(nethash_hs) AS nethash_hs, avg(price_usd) AS price_usd,
  avg(usd_per_hs_day) * {MH_S} AS revenue_usd_per_mhs_day,
  CASE WHEN coin = 'BTC' THEN avg(usd_per_hs_day) * {PH_S} END AS hashprice_usd_per_ph_day,
  count(*) AS days"""


def coin_series(con: duckdb.DuckDBPyConnection, f: MarketFilters) -> MarketResult:
    """Per coin and bucket: difficulty, network H/s, USD price, USD/(MH/s·day), BTC hashprice.

    Revenue is gross (before pool fee): block reward x blocks per day x price ÷ network hashrate.
    Bucket values are means of the daily values.
    """
    where = _Where()
    where.one_of("coin", f.coins)
    where.one_of("source", f.sources)
    where.days("observed_at", f)
    start, end = _span(con, "coin_network", "observed_at", where, f)
    res = effective_resolution(f.resolution, start, end)
    sql, params = _bucketed(
        _COINS_SQL.format(where=where.sql()), ["coin"], _COIN_AGGREGATES, res, (start, end)
    )
    frame = con.execute(sql, [*where.params, *params]).df()
    frame = frame[COIN_COLUMNS] if not frame.empty else pd.DataFrame(columns=COIN_COLUMNS)
    return MarketResult(frame, res, _latest(con, "coin_network", "observed_at", where))


def _latest(
    con: duckdb.DuckDBPyConnection, table: str, column: str, where: _Where
) -> datetime | None:
    value = con.execute(f"SELECT max({column}) FROM {table} {where.sql()}", where.params).fetchone()
    if not value or value[0] is None:
        return None
    v = value[0]
    return v if isinstance(v, datetime) else datetime(v.year, v.month, v.day)


# --- Rental --------------------------------------------------------------------------------

INDEX_COLUMNS = [
    "period",
    "gpu_model",
    "pricing_type",
    "index_usd_per_gpu_hour",
    "stable_usd_per_gpu_hour",
    "median_usd_per_gpu_hour",
    "p25_usd_per_gpu_hour",
    "p75_usd_per_gpu_hour",
    "offer_count",
    "gpu_count",
    "low_confidence_days",
    "days",
    *_BUCKET_COLUMNS,
]
_INDEX_AGGREGATES = """
  avg(iqm_usd_per_gpu_hour) AS index_usd_per_gpu_hour,
  avg(stable_usd_per_gpu_hour) AS stable_usd_per_gpu_hour,
  avg(median_usd_per_gpu_hour) AS median_usd_per_gpu_hour,
  avg(p25_usd_per_gpu_hour) AS p25_usd_per_gpu_hour,
  avg(p75_usd_per_gpu_hour) AS p75_usd_per_gpu_hour,
  avg(offer_count) AS offer_count,
  avg(gpu_count) AS gpu_count,
  count(*) FILTER (WHERE low_confidence) AS low_confidence_days,
  count(*) AS days"""
_INDEX_BASE_COLUMNS = (
    "day, gpu_model, pricing_type, iqm_usd_per_gpu_hour, stable_usd_per_gpu_hour, "
    "median_usd_per_gpu_hour, p25_usd_per_gpu_hour, p75_usd_per_gpu_hour, offer_count, "
    "gpu_count, low_confidence"
)


def _filtered_index_sql(where: _Where) -> str:
    """The index recomputed from the raw offers of the filtered sources (same method)."""
    clauses = " AND ".join(where.clauses) or "TRUE"
    return f"""
  WITH offers AS ({index_method.daily_offers_sql(clauses)}),
  pooled AS ({index_method.pooled_sql("offers")}),
  per_source AS ({index_method.source_daily_sql("offers")}),
  chained AS ({index_method.stable_sql("per_source", "pooled")})
  SELECT p.* REPLACE (c.stable_usd_per_gpu_hour AS stable_usd_per_gpu_hour)
  FROM pooled p JOIN chained c USING (day, gpu_model, pricing_type)"""


def rental_index_series(con: duckdb.DuckDBPyConnection, f: MarketFilters) -> MarketResult:
    """The RigShift rental index per model and pricing type: interquartile mean, stable, p25–p75.

    Bucket values are means of the daily index values (offer_count: mean offers per day;
    low_confidence_days: days under the minimum sample). With no Sources filter this reads the
    stored index; with one, the same method runs over the chosen sources' offers in the date
    range (the stable chain then starts at the range's first day).
    """
    if f.sources is None:
        where = _Where()
        where.one_of("gpu_model", f.gpu_models)
        where.one_of("pricing_type", f.pricing_types)
        where.days("day", f, is_date=True)
        base = f"SELECT {_INDEX_BASE_COLUMNS} FROM gpu_rental_index {where.sql()}"
        start, end = _span(con, "gpu_rental_index", "day", where, f)
    else:
        where = _offer_where(f)
        base = f"SELECT {_INDEX_BASE_COLUMNS} FROM ({_filtered_index_sql(where)})"
        start, end = _span(con, "gpu_rental_offers", "observed_at", where, f)
    res = effective_resolution(f.resolution, start, end)
    sql, params = _bucketed(
        base, ["gpu_model", "pricing_type"], _INDEX_AGGREGATES, res, (start, end)
    )
    frame = con.execute(sql, [*where.params, *params]).df()
    frame = frame[INDEX_COLUMNS] if not frame.empty else pd.DataFrame(columns=INDEX_COLUMNS)
    if f.sources is None:
        as_of = _latest(con, "gpu_rental_index", "day", where)
    else:
        as_of = _latest(con, "gpu_rental_offers", "observed_at", where)
    return MarketResult(frame, res, as_of)


PROVIDER_COLUMNS = [
    "period",
    "source",
    "gpu_model",
    "pricing_type",
    "median_usd_per_gpu_hour",
    "offer_rows",
    "listed_rows",
    "available_share",
    *_BUCKET_COLUMNS,
]


def _offer_where(f: MarketFilters, with_days: bool = True) -> _Where:
    where = _Where()
    where.add("gpu_model IS NOT NULL")
    where.one_of("gpu_model", f.gpu_models)
    where.one_of("source", f.sources)
    where.one_of("pricing_type", f.pricing_types)
    if with_days:
        where.days("observed_at", f)
    return where


def provider_medians(con: duckdb.DuckDBPyConnection, f: MarketFilters) -> MarketResult:
    """Median offered $/GPU-hour per source, model and pricing type in each bucket.

    Reads ``gpu_rental_source_daily`` (each available offer once per day, as in the index); a
    bucket longer than a day holds the median of its daily medians and the sum of daily offer
    counts. ``available_share`` is available ÷ listed offers.
    """
    where = _offer_where(f, with_days=False)
    where.days("day", f, is_date=True)
    start, end = _span(con, "gpu_rental_source_daily", "day", where, f)
    res = effective_resolution(f.resolution, start, end)
    sql, params = _bucketed(
        f"SELECT * FROM gpu_rental_source_daily {where.sql()}",
        ["source", "gpu_model", "pricing_type"],
        """median(median_usd_per_gpu_hour) AS median_usd_per_gpu_hour,
          sum(offer_count) AS offer_rows,
          sum(coalesce(listed_count, offer_count)) AS listed_rows,
          sum(offer_count) / nullif(sum(coalesce(listed_count, offer_count)), 0)
            AS available_share""",
        res,
        (start, end),
    )
    frame = con.execute(sql, [*where.params, *params]).df()
    frame = frame[PROVIDER_COLUMNS] if not frame.empty else pd.DataFrame(columns=PROVIDER_COLUMNS)
    return MarketResult(frame, res, _latest(con, "gpu_rental_source_daily", "day", where))


OFFER_COLUMNS = [
    "observed_at",
    "source",
    "gpu_model",
    "pricing_type",
    "rate_usd_per_gpu_hour",
    "num_gpus",
    "location",
]


def current_offers(con: duckdb.DuckDBPyConnection, f: MarketFilters) -> MarketResult:
    """Every offer in each source's latest snapshot within the date range (for distributions)."""
    where = _offer_where(f)
    # Narrow the raw scan to the latest stored day of any source first (a small table), so
    # DuckDB's min/max zone maps skip years of older snapshots.
    daily = _offer_where(f, with_days=False)
    daily.days("day", f, is_date=True)
    oldest_latest = con.execute(
        f"SELECT min(d) FROM (SELECT max(day) AS d FROM gpu_rental_source_daily {daily.sql()} "
        "GROUP BY source)",
        daily.params,
    ).fetchone()
    if oldest_latest and oldest_latest[0] is not None:
        where.add("observed_at >= ?", _midnight(oldest_latest[0]))
    frame = con.execute(
        f"""
        WITH latest AS (
          SELECT source, max(observed_at) AS observed_at
          FROM gpu_rental_offers {where.sql()} GROUP BY source
        )
        SELECT o.observed_at, o.source, o.gpu_model, o.pricing_type, o.rate_usd_per_gpu_hour,
          o.num_gpus, o.location
        FROM gpu_rental_offers o JOIN latest l USING (source, observed_at)
        {where.sql()}
        ORDER BY o.gpu_model, o.source, o.rate_usd_per_gpu_hour
        LIMIT {MAX_DISTRIBUTION_ROWS}
        """,
        [*where.params, *where.params],
    ).df()
    return MarketResult(frame[OFFER_COLUMNS], "snapshot", _as_of(frame, "observed_at"))


# --- Hardware ------------------------------------------------------------------------------

MSRP_COLUMNS = ("msrp_usd", "share_of_msrp")

HARDWARE_COLUMNS = [
    "period",
    "gpu_model",
    "condition",
    "median_price_usd",
    "listings",
    "msrp_usd",
    "share_of_msrp",
    *_BUCKET_COLUMNS,
]


def hardware_prices(
    con: duckdb.DuckDBPyConnection, f: MarketFilters, msrp_usd: Mapping[str, float | None]
) -> MarketResult:
    """Median new and used price per model and bucket, and that price as a share of launch MSRP."""
    where = _Where()
    where.add("gpu_model IS NOT NULL")
    where.one_of("gpu_model", f.gpu_models)
    where.one_of("source", f.sources)
    where.days("observed_at", f)
    start, end = _span(con, "gpu_hardware_prices", "observed_at", where, f)
    res = effective_resolution(f.resolution, start, end)
    sql, params = _bucketed(
        f"""SELECT CAST(observed_at AS DATE) AS day, gpu_model, condition, price_usd
        FROM gpu_hardware_prices {where.sql()}""",
        ["gpu_model", "condition"],
        "median(price_usd) AS median_price_usd, count(*) AS listings",
        res,
        (start, end),
    )
    frame = con.execute(sql, [*where.params, *params]).df()
    if frame.empty:
        frame = pd.DataFrame(columns=[c for c in HARDWARE_COLUMNS if c not in MSRP_COLUMNS])
    # A per-row ratio on the small aggregated frame: MSRP lives in a reference CSV, not the store.
    frame["msrp_usd"] = frame["gpu_model"].map(lambda m: msrp_usd.get(m)).astype("float64")
    frame["share_of_msrp"] = frame["median_price_usd"] / frame["msrp_usd"]
    return MarketResult(
        frame[HARDWARE_COLUMNS], res, _latest(con, "gpu_hardware_prices", "observed_at", where)
    )


# --- Energy --------------------------------------------------------------------------------

ENERGY_COLUMNS = [
    "period",
    "region",
    "sector",
    "source",
    "price_usd_per_kwh",
    "periods",
    *_BUCKET_COLUMNS,
]
WHOLESALE_SECTORS = ("wholesale",)


def energy_prices(con: duckdb.DuckDBPyConnection, f: MarketFilters) -> MarketResult:
    """Mean electricity price (USD/kWh) per region, sector and source in each bucket."""
    where = _Where()
    where.one_of("region", f.regions)
    where.one_of("source", f.sources)
    where.days("period_start", f, is_date=True)
    start, end = _span(con, "energy_prices", "period_start", where, f)
    res = effective_resolution(f.resolution, start, end)
    # Each row says its own period (month | day | hour): that is its frequency.
    sql, params = _bucketed(
        f"""SELECT period_start AS day, region, sector, source, period AS stored_period,
          price_usd_per_kwh FROM energy_prices {where.sql()}""",
        ["region", "sector", "source"],
        "avg(price_usd_per_kwh) AS price_usd_per_kwh, count(*) AS periods",
        res,
        (start, end),
        native_row="CASE b.stored_period WHEN 'month' THEN 'month' ELSE 'day' END",
    )
    frame = con.execute(sql, [*where.params, *params]).df()
    frame = frame[ENERGY_COLUMNS] if not frame.empty else pd.DataFrame(columns=ENERGY_COLUMNS)
    return MarketResult(frame, res, _latest(con, "energy_prices", "period_start", where))


CARBON_COLUMNS = ["year", "region", "region_name", "source", "carbon_g_per_kwh"]


def carbon_regions_for(regions: Sequence[str] | None) -> tuple[str, ...] | None:
    """Grid carbon is per country: a US state filter (US-TX) also selects its country (US)."""
    if regions is None:
        return None
    return tuple(dict.fromkeys([*regions, *(r.split("-")[0] for r in regions if "-" in r)]))


def grid_carbon(con: duckdb.DuckDBPyConnection, f: MarketFilters) -> MarketResult:
    """Grid carbon intensity (gCO2e/kWh) per region and year within the filter's years."""
    where = _Where()
    where.one_of("region", carbon_regions_for(f.regions))
    where.one_of("source", f.sources)
    if f.start is not None:
        where.add("year >= ?", f.start.year)
    if f.end is not None:
        where.add("year <= ?", f.end.year)
    frame = con.execute(
        f"""
        SELECT year, region, region_name, source, carbon_g_per_kwh
        FROM grid_carbon {where.sql()} ORDER BY region, year, source
        """,
        where.params,
    ).df()
    as_of = datetime(int(frame["year"].max()), 12, 31) if not frame.empty else None
    return MarketResult(frame[CARBON_COLUMNS], "year", as_of)


# --- Grid carbon for one region (Sustainability page) ----------------------------------------


@dataclass(frozen=True)
class CarbonIntensity:
    """The latest grid carbon intensity stored for one region."""

    region: str
    region_name: str
    year: int
    carbon_g_per_kwh: float
    source: str


def carbon_choices(con: duckdb.DuckDBPyConnection) -> list[CarbonIntensity]:
    """The latest year's intensity for every stored region, by region code."""
    rows = con.execute(
        """
        SELECT region, arg_max(coalesce(region_name, region), year), max(year),
          arg_max(carbon_g_per_kwh, year), arg_max(source, year)
        FROM grid_carbon GROUP BY region ORDER BY region
        """
    ).fetchall()
    return [CarbonIntensity(r[0], r[1], int(r[2]), float(r[3]), r[4]) for r in rows]


def carbon_for_region(con: duckdb.DuckDBPyConnection, region: str) -> CarbonIntensity | None:
    """The latest intensity for ``region`` given as ISO2 code or name (case-insensitive)."""
    key = region.strip().lower()
    for choice in carbon_choices(con):
        if key in {choice.region.lower(), choice.region_name.lower()}:
            return choice
    return None


# --- "Which price?" for one GPU model --------------------------------------------------------

PRICE_WINDOW_DAYS = 180
PRICE_COLUMNS = [
    "day",
    "source",
    "pricing_type",
    "offering",
    "median_usd_per_gpu_hour",
    "available_offers",
    "listed_offers",
]
WHICH_PRICE_COLUMNS = [
    "source",
    "offering",
    "pricing_type",
    "latest_day",
    "median_usd_per_gpu_hour",
    "available_offers",
    "listed_offers",
    "available_share",
    "used_by_verdict",
]
VERDICT_ROW = "RigShift stable index"


def price_options(con: duckdb.DuckDBPyConnection, gpu_model: str, f: MarketFilters) -> MarketResult:
    """Every source x offering of one model per day: median of available offers and counts.

    An *offering* is the upstream's own tier: RunPod's secure / community / spot / 1-, 3-,
    6-month (the part after ``|`` in its offer ids), vast.ai's on-demand and interruptible
    (``spot``), Lambda's on-demand. Each offer counts once per day (its latest snapshot).
    Reads the raw offers of this one model over at most :data:`PRICE_WINDOW_DAYS` days
    ending at the filter's end (the latest stored day when open).
    """
    where = _offer_where(replace(f, gpu_models=(gpu_model,), start=None))
    end = f.end
    if end is None:
        last = _latest(con, "gpu_rental_offers", "observed_at", where)
        end = last.date() if last else None
    if end is not None:
        start = end - timedelta(days=PRICE_WINDOW_DAYS - 1)
        where.add("observed_at >= ?", _midnight(max(start, f.start or start)))
    clauses = " AND ".join(where.clauses) or "TRUE"
    frame = con.execute(
        f"""
        WITH offers AS ({index_method.daily_offers_sql(clauses)})
        SELECT CAST(day AS TIMESTAMP) AS day, source, pricing_type,
          CASE WHEN contains(offer_id, '|') THEN split_part(offer_id, '|', -1)
               WHEN pricing_type = 'spot' THEN 'interruptible'
               ELSE replace(pricing_type, '_', '-') END AS offering,
          median(rate) FILTER (WHERE available) AS median_usd_per_gpu_hour,
          count(*) FILTER (WHERE available) AS available_offers,
          count(*) AS listed_offers
        FROM offers GROUP BY ALL ORDER BY source, offering, day
        """,
        where.params,
    ).df()
    frame = frame[PRICE_COLUMNS] if not frame.empty else pd.DataFrame(columns=PRICE_COLUMNS)
    return MarketResult(frame, "day", _as_of(frame, "day"))


def which_price_table(
    options: pd.DataFrame, verdict_rate: float | None, verdict_day: Any = None
) -> pd.DataFrame:
    """Each source x offering on its latest day side by side, and the row the verdict uses."""
    if options.empty:
        return pd.DataFrame(columns=WHICH_PRICE_COLUMNS)
    latest = options.sort_values("day").groupby(["source", "offering"], as_index=False).last()
    table = pd.DataFrame(
        {
            "source": latest["source"],
            "offering": latest["offering"],
            "pricing_type": latest["pricing_type"],
            "latest_day": latest["day"],
            "median_usd_per_gpu_hour": latest["median_usd_per_gpu_hour"].astype("float64"),
            "available_offers": latest["available_offers"].astype("int64"),
            "listed_offers": latest["listed_offers"].astype("int64"),
            "available_share": latest["available_offers"] / latest["listed_offers"],
            "used_by_verdict": False,
        }
    )
    if verdict_rate is not None:
        verdict = {
            "source": VERDICT_ROW,
            "offering": "on-demand, all sources, chain-linked",
            "pricing_type": "on_demand",
            "latest_day": pd.Timestamp(verdict_day) if verdict_day is not None else pd.NaT,
            "median_usd_per_gpu_hour": float(verdict_rate),
            "available_offers": pd.NA,
            "listed_offers": pd.NA,
            "available_share": float("nan"),
            "used_by_verdict": True,
        }
        table = pd.concat([table, pd.DataFrame([verdict])], ignore_index=True)
    table = table.astype({"available_offers": "Int64", "listed_offers": "Int64"})
    return table.sort_values("median_usd_per_gpu_hour", na_position="last").reset_index(drop=True)


SPREAD_COLUMNS = ["day", "cheapest_usd_per_gpu_hour", "dearest_usd_per_gpu_hour", "spread_pct"]


def price_spread(options: pd.DataFrame) -> pd.DataFrame:
    """Per day: the cheapest and dearest offering's median and the spread (dearest ÷ cheapest)."""
    priced = options.dropna(subset=["median_usd_per_gpu_hour"])
    if priced.empty:
        return pd.DataFrame(columns=SPREAD_COLUMNS)
    by_day = priced.groupby("day")["median_usd_per_gpu_hour"].agg(["min", "max"]).reset_index()
    return pd.DataFrame(
        {
            "day": by_day["day"],
            "cheapest_usd_per_gpu_hour": by_day["min"],
            "dearest_usd_per_gpu_hour": by_day["max"],
            "spread_pct": (by_day["max"] / by_day["min"] - 1.0) * 100.0,
        }
    )


def verdict_rate(
    con: duckdb.DuckDBPyConnection, gpu_model: str
) -> tuple[float | None, date | None]:
    """The on-demand stable index the verdict uses for ``gpu_model``, and its day."""
    row = con.execute(
        """
        SELECT arg_max(stable_usd_per_gpu_hour, day), max(day) FROM gpu_rental_index
        WHERE gpu_model = ? AND pricing_type = 'on_demand'
        """,
        [gpu_model],
    ).fetchone()
    if not row or row[0] is None:
        return None, None
    return float(row[0]), row[1]
