"""Per-source health read from the store: last success, rows, staleness, last error."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime

import duckdb

from scrapers.schema import DATA_TABLES
from scrapers.sources import get_source, source_ids
from scrapers.store import utcnow


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
    age_hours: float | None
    expected_interval_hours: float
    staleness: str  # fresh | stale | never
    unknown_gpu_names: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        """JSON-ready dict."""
        return asdict(self)


def source_statuses(
    con: duckdb.DuckDBPyConnection, now: datetime | None = None
) -> list[SourceStatus]:
    """Status of every registered source (and any other source found in the data)."""
    now = now or utcnow()
    counts: dict[str, int] = {}
    # A store written before a table was added lacks it; a read-only reader cannot add it.
    present = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    for table in (t for t in DATA_TABLES if t.name in present):
        for source, n in con.execute(
            f"SELECT source, count(*) FROM {table.name} GROUP BY 1"
        ).fetchall():
            counts[source] = counts.get(source, 0) + int(n)
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
        age_h = (now - last_success).total_seconds() / 3600 if last_success else None
        if age_h is None:
            staleness = "never"
        elif age_h > expected_h or last_status == "failed":
            staleness = "stale"
        else:
            staleness = "fresh"
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
            )
        )
    return out


def store_meta(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """The store_meta key/value pairs (e.g. ``dataset = demo``)."""
    return dict(con.execute("SELECT key, value FROM store_meta").fetchall())
