"""Row-level validation at the store's door: values that cannot be true are refused per row.

:mod:`scrapers.checks` asks "does this batch look like the upstream changed?" and fails the
whole source; this module asks "can this row be true at all?" and refuses only the rows that
cannot: a null key, a non-finite number, a value outside its physical range, or an
observation time before the source could have existed or after the fetch (plus a small
skew). Refused rows are counted in the run's record (``scrape_runs.rows_refused``); a table
whose every row is refused fails the source with one line, so old rows stay and show as stale.

Rules are declared per table in :data:`RULES`. Arrow tables (vast.ai's hundreds of thousands
of offers) are checked with vectorised compute kernels, never row by row.

Per table: time column, earliest possible value, how far past the fetch it may lie, ranges
(inclusive unless "> 0"; nulls allowed except in NOT NULL columns; every number finite):

- coin_network: observed_at from 2009-01-03 (Bitcoin's genesis) to fetch + 15 min;
  difficulty, hashrate, rewards and prices >= 0; block_time_s > 0.
- gpu_rental_offers: observed_at from 2015-01-01 to fetch + 15 min; rates > 0;
  num_gpus 1..65,536; gpu_ram_gb 0..4,096; reliability 0..1.
- gpu_hardware_prices: observed_at from 1999-01-01 (the first GPU) to fetch + 15 min;
  price_usd > 0.
- energy_prices: period_start from 1990-01-01 to fetch + 3 days (day-ahead auctions).
- grid_carbon: year from 1900 to the fetch year; carbon_g_per_kwh >= 0.
- btc_hashprice: observed_at from 2009-01-03 to fetch + 1 day; hashprice > 0.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from scrapers.errors import ValidationError
from scrapers.schema import TABLES_BY_NAME, Batch, Rows, row_count

INF = math.inf
BITCOIN_GENESIS = datetime(2009, 1, 3)


@dataclass(frozen=True)
class TableRules:
    """What a row of one table must satisfy to be stored."""

    time_column: str
    earliest: datetime
    max_ahead: timedelta  # how far past its fetch time an observation may lie
    ranges: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    # Exclusive lower bounds: a rate of 0 cannot be true although 0.0 is in [0, inf].
    positive: frozenset[str] = frozenset()


SKEW = timedelta(minutes=15)  # upstream clocks a little ahead of ours
RULES: dict[str, TableRules] = {
    "coin_network": TableRules(
        "observed_at",
        BITCOIN_GENESIS,
        SKEW,
        {
            "difficulty": (0, INF),
            "nethash_hs": (0, INF),
            "block_reward_coins": (0, INF),
            "price_usd": (0, INF),
            "price_btc": (0, INF),
            "difficulty_24h": (0, INF),
            "block_reward_24h_coins": (0, INF),
            "price_btc_24h": (0, INF),
        },
        frozenset({"block_time_s"}),
    ),
    "gpu_rental_offers": TableRules(
        "observed_at",
        datetime(2015, 1, 1),
        SKEW,
        {"num_gpus": (1, 65_536), "gpu_ram_gb": (0, 4096), "reliability": (0, 1)},
        frozenset({"rate_usd_per_gpu_hour", "offer_rate_usd_per_hour"}),
    ),
    "gpu_hardware_prices": TableRules(
        "observed_at", datetime(1999, 1, 1), SKEW, {}, frozenset({"price_usd"})
    ),
    "energy_prices": TableRules("period_start", datetime(1990, 1, 1), timedelta(days=3)),
    "grid_carbon": TableRules(
        "year", datetime(1900, 1, 1), timedelta(0), {"carbon_g_per_kwh": (0, INF)}
    ),
    "btc_hashprice": TableRules(
        "observed_at",
        BITCOIN_GENESIS,
        timedelta(days=1),
        {},
        frozenset({"hashprice_usd_per_ph_day"}),
    ),
}


@dataclass
class Refusals:
    """Rows refused per table, with one example reason each (for the run's record)."""

    counts: dict[str, int] = field(default_factory=dict)
    examples: dict[str, str] = field(default_factory=dict)

    @property
    def total(self) -> int:
        """Rows refused over every table."""
        return sum(self.counts.values())

    def add(self, table: str, count: int, example: str) -> None:
        """Count ``count`` refused rows of ``table``; the first reason is kept as example."""
        if count:
            self.counts[table] = self.counts.get(table, 0) + count
            self.examples.setdefault(table, example)


def _required(table: str) -> list[str]:
    """Columns declared NOT NULL: the natural key and the values a row is about."""
    return [name for name, sqltype, _ in TABLES_BY_NAME[table].columns if "NOT NULL" in sqltype]


def _numeric(table: str) -> list[str]:
    kinds = ("DOUBLE", "INTEGER", "BIGINT")
    return [
        name
        for name, sqltype, _ in TABLES_BY_NAME[table].columns
        if sqltype.split()[0] in kinds and name != RULES[table].time_column
    ]


def _limits(rules: TableRules, fetched_at: datetime) -> tuple[datetime, datetime]:
    return rules.earliest, fetched_at + rules.max_ahead


def _as_datetime(value: Any, column: str) -> datetime | None:
    """A row's time value as a naive datetime (``year`` integers become 1 January)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.replace(tzinfo=None) if value.tzinfo is None else _naive_utc(value)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    if column == "year" and isinstance(value, numbers.Real) and math.isfinite(value):
        year = int(value)
        return datetime(year, 1, 1) if 1 <= year <= 9999 else datetime.max
    if isinstance(value, str):  # ISO text that the store's own conversion would accept
        stamp = pd.Timestamp(value)
        return None if pd.isna(stamp) else _as_datetime(stamp.to_pydatetime(), column)
    raise TypeError(f"{column} is a {type(value).__name__}")


def _naive_utc(value: datetime) -> datetime:
    offset = value.utcoffset() or timedelta(0)
    return (value - offset).replace(tzinfo=None)


def row_problem(table: str, row: Mapping[str, Any]) -> str | None:
    """Why ``row`` of ``table`` cannot be stored, or None when it can."""
    rules = RULES.get(table)
    if rules is None:
        return None
    for column in _required(table):
        if row.get(column) is None:
            return f"{column} missing"
    for column in _numeric(table):
        value = row.get(column)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            return f"{column} is not a number ({value!r:.40})"
        value = float(value)
        if not math.isfinite(value):
            return f"{column} is {value}"
        low, high = rules.ranges.get(column, (-INF, INF))
        if column in rules.positive and value <= 0:
            return f"{column} = {value:g} (must be > 0)"
        if not low <= value <= high:
            return f"{column} = {value:g} outside {low:g}..{high:g}"
    fetched = _as_datetime(row.get("fetched_at"), "fetched_at")
    when = _as_datetime(row.get(rules.time_column), rules.time_column)
    if when is None or fetched is None:
        return f"{rules.time_column} missing"
    earliest, latest = _limits(rules, fetched)
    if when < earliest:
        return f"{rules.time_column} {_show(when, rules)} before {_show(earliest, rules)}"
    if when > _latest_for(rules, latest):
        fetch_time = f"{fetched:%Y-%m-%d %H:%M}"
        return f"{rules.time_column} {_show(when, rules)} after its fetch time {fetch_time}"
    return None


def _latest_for(rules: TableRules, latest: datetime) -> datetime:
    # A year is valid through its end: 2026 is "now" all of 2026.
    if rules.time_column == "year":
        return datetime(latest.year, 1, 1)
    return latest


def _show(when: datetime, rules: TableRules) -> str:
    if rules.time_column == "year":
        return str(when.year)
    if rules.time_column == "period_start":
        return f"{when:%Y-%m-%d}"
    return f"{when:%Y-%m-%d %H:%M}"


def validate_rows(table: str, rows: Rows) -> tuple[Rows, int, str]:
    """``rows`` without the ones that cannot be true; how many were refused, and an example."""
    if table not in RULES or row_count(rows) == 0:
        return rows, 0, ""
    if isinstance(rows, pa.Table):
        return _validate_arrow(table, rows)
    kept: list[dict[str, Any]] = []
    refused = 0
    example = ""
    for row in rows:
        try:
            problem = row_problem(table, row)
        except (TypeError, ValueError, OverflowError) as exc:
            problem = f"unreadable value ({type(exc).__name__})"
        if problem is None:
            kept.append(row)
        else:
            refused += 1
            example = example or problem
    return kept, refused, example


def _validate_arrow(table: str, data: pa.Table) -> tuple[pa.Table, int, str]:
    """The Arrow form of :func:`validate_rows`: one boolean mask built with compute kernels."""
    rules = RULES[table]
    reasons: list[tuple[pa.ChunkedArray | pa.Array, str]] = []
    for column in _required(table):
        if column not in data.column_names:
            return data.slice(0, 0), data.num_rows, f"{column} missing"
        reasons.append((pc.is_null(data[column]), f"{column} missing"))
    for column in _numeric(table):
        if column not in data.column_names:
            continue
        values = data[column].cast(pa.float64())
        low, high = rules.ranges.get(column, (-INF, INF))
        bad = pc.invert(pc.is_finite(values))
        bad = pc.or_(bad, pc.less(values, low))
        bad = pc.or_(bad, pc.greater(values, high))
        if column in rules.positive:
            bad = pc.or_(bad, pc.less_equal(values, 0))
        reasons.append((pc.fill_null(bad, False), f"{column} outside its range"))
    fetched = data["fetched_at"].cast(pa.timestamp("us"))
    if rules.time_column == "year":
        when = data["year"].cast(pa.int64())
        earliest = pa.scalar(rules.earliest.year, pa.int64())
        latest = pc.year(fetched)
    else:
        when = data[rules.time_column].cast(pa.timestamp("us"))
        earliest = pa.scalar(rules.earliest, pa.timestamp("us"))
        latest = pc.add(fetched, pa.scalar(rules.max_ahead, pa.duration("us")))
    reasons.append((pc.fill_null(pc.less(when, earliest), True), f"{rules.time_column} too early"))
    reasons.append(
        (pc.fill_null(pc.greater(when, latest), True), f"{rules.time_column} after its fetch time")
    )
    refused_mask = reasons[0][0]
    for mask, _ in reasons[1:]:
        refused_mask = pc.or_(refused_mask, mask)
    refused = int(pc.sum(refused_mask).as_py() or 0)
    if not refused:
        return data, 0, ""
    example = next(text for mask, text in reasons if pc.any(mask).as_py())
    return data.filter(pc.invert(refused_mask)), refused, example


def validate_batch(source_id: str, batch: Batch, noun: str = "rows") -> tuple[Batch, Refusals]:
    """The batch with refused rows removed, and what was refused.

    Raises :class:`ValidationError` when every row of a table is refused: storing nothing
    quietly would leave the source looking healthy while its data stops moving.
    """
    refusals = Refusals()
    kept: Batch = {}
    for table, rows in batch.items():
        total = row_count(rows)
        valid, refused, example = validate_rows(table, rows)
        refusals.add(table, refused, example)
        if total and refused == total:
            raise ValidationError(
                f"all {total} {noun} refused as impossible ({example}): "
                "earlier rows kept; check the upstream"
            )
        kept[table] = valid
    return kept, refusals
