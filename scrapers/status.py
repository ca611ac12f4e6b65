"""Per-source health read from the store: last success, data age, rows, staleness, last error.

Two ages per source: the **fetch age** (since the last successful refresh) and the **data
age** (since the newest observation the source's rows describe). A source is stale when either
is past what its cadence allows, or its last run failed: a refresh that succeeds every hour
but only ever re-reads a year-old article is not fresh.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta

import duckdb

from scrapers.errors import ConfigError
from scrapers.schema import DATA_TABLES
from scrapers.sources import get_source, source_ids
from scrapers.store import utcnow

NOW_ENV = "RIGSHIFT_NOW"

# The time column each table's rows describe (grid carbon: a calendar year, read as its end).
OBSERVED_COLUMN = {
    "coin_network": "observed_at",
    "gpu_rental_offers": "observed_at",
    "gpu_hardware_prices": "observed_at",
    "energy_prices": "CAST(period_start AS TIMESTAMP)",
    "grid_carbon": "make_timestamp(year, 12, 31, 0, 0, 0)",
    "btc_hashprice": "observed_at",
}

# How far behind the fetch the newest observation may lag where the upstream publishes late
# (data age is measured from a period's start, so a monthly series also spends its month):
# EIA's monthly retail prices appear about two months after the month; Ember's within weeks;
# OWID's carbon intensity once a year for the year before; Tom's Hardware reprices monthly.
PUBLICATION_LAG = {
    "eia": timedelta(days=100),
    "ember": timedelta(days=70),
    "carbon": timedelta(days=730),
    "tomshardware": timedelta(days=31),
}


def now() -> datetime:
    """The wall clock as naive UTC; ``RIGSHIFT_NOW`` (an ISO time) pins it for tests and demos."""
    pinned = os.environ.get(NOW_ENV, "").strip()
    if not pinned:
        return utcnow()
    try:
        return datetime.fromisoformat(pinned).replace(tzinfo=None)
    except ValueError:
        raise ConfigError(
            f"{NOW_ENV}={pinned!r} is not an ISO time such as 2026-12-01T21:00"
        ) from None


wall_clock = now  # the parameter of source_statuses shadows the name now


def allowed_data_age(source: str, expected_interval: timedelta) -> timedelta:
    """The oldest the newest observation may be before ``source`` counts as stale."""
    return expected_interval + PUBLICATION_LAG.get(source, timedelta(0))


@dataclass
class SourceStatus:
    """The health of one source."""

    source: str
    kind: str
    title: str
    last_success: datetime | None
    last_run: datetime | None
    last_status: str | None
    last_error: str | None
    rows: int
    age_hours: float | None  # since the last success (fetch age)
    expected_interval_hours: float
    staleness: str  # fresh | stale | never
    unknown_gpu_names: list[str] = field(default_factory=list)
    newest_observed_at: datetime | None = None
    data_age_hours: float | None = None
    allowed_data_age_hours: float | None = None
    stale_reason: str = ""
    url: str = ""  # the upstream's address, so a reader can follow a number to its source

    def to_dict(self) -> dict[str, object]:
        """JSON-ready dict."""
        return asdict(self)


def _hours_since(now: datetime, then: datetime | None) -> float | None:
    return max((now - then).total_seconds() / 3600, 0.0) if then else None


def source_statuses(
    con: duckdb.DuckDBPyConnection, now: datetime | None = None
) -> list[SourceStatus]:
    """Status of every registered source (and any other source found in the data)."""
    now = now or wall_clock()
    counts: dict[str, int] = {}
    newest: dict[str, datetime] = {}
    # A store written before a table was added lacks it; a read-only reader cannot add it.
    present = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    for table in (t for t in DATA_TABLES if t.name in present):
        observed = OBSERVED_COLUMN.get(table.name, "NULL")
        for source, n, latest in con.execute(
            f"SELECT source, count(*), max({observed}) FROM {table.name} GROUP BY 1"
        ).fetchall():
            counts[source] = counts.get(source, 0) + int(n)
            if latest is not None and (source not in newest or latest > newest[source]):
                newest[source] = latest
    runs = {
        row[0]: row[1:]
        for row in con.execute(
            """
            SELECT source,
                   max(finished_at) FILTER (WHERE status = 'ok') AS last_success,
                   arg_max(finished_at, started_at) AS last_run,
                   arg_max(status, started_at) AS last_status,
                   arg_max(error, started_at) AS last_error,
                   arg_max(unknown_gpu_names, started_at) FILTER (WHERE status = 'ok')
            FROM scrape_runs WHERE status <> 'skipped' GROUP BY source
            """
        ).fetchall()
    }
    out: list[SourceStatus] = []
    for sid in source_ids():
        src = get_source(sid)
        last_success, last_run, last_status, last_error, unknown = runs.get(
            sid, (None, None, None, None, None)
        )
        expected_h = src.expected_interval.total_seconds() / 3600
        # Ages are never negative: the app evaluates them as of the start of the current
        # minute (its cache key), which a refresh within that minute postdates.
        age_h = _hours_since(now, last_success)
        latest = newest.get(sid)
        data_age_h = _hours_since(now, latest)
        allowed_h = allowed_data_age(sid, src.expected_interval).total_seconds() / 3600
        reason = ""
        if age_h is None:
            staleness = "never"
        else:
            if last_status == "failed":
                reason = "last run failed"
            elif age_h > expected_h:
                reason = "refresh overdue"
            elif data_age_h is not None and data_age_h > allowed_h:
                reason = "newest data too old"
            staleness = "stale" if reason else "fresh"
        out.append(
            SourceStatus(
                source=sid,
                kind=src.kind,
                title=src.title,
                last_success=last_success,
                last_run=last_run,
                last_status=last_status,
                last_error=last_error if last_status == "failed" else None,
                rows=counts.get(sid, 0),
                age_hours=round(age_h, 2) if age_h is not None else None,
                expected_interval_hours=expected_h,
                staleness=staleness,
                unknown_gpu_names=list(unknown or []),
                newest_observed_at=latest,
                data_age_hours=round(data_age_h, 2) if data_age_h is not None else None,
                allowed_data_age_hours=allowed_h,
                stale_reason=reason,
                url=src.base_url,
            )
        )
    return out


def store_meta(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """The store_meta key/value pairs (e.g. ``dataset = demo``)."""
    return dict(con.execute("SELECT key, value FROM store_meta").fetchall())
