"""Overview helpers: which stale sources the verdict warns about."""

from __future__ import annotations

from datetime import datetime

from dashboard.engine.views.overview import stale_input_lines
from scrapers.status import SourceStatus


def _status(source: str, kind: str, staleness: str, rows: int = 10, **kw: object) -> SourceStatus:
    values = {
        "source": source,
        "kind": kind,
        "title": source,
        "last_success": datetime(2026, 11, 20, 10),
        "last_run": None,
        "last_status": "ok",
        "last_error": None,
        "rows": rows,
        "age_hours": 72.0,
        "expected_interval_hours": 6.0,
        "staleness": staleness,
    }
    values.update(kw)
    return SourceStatus(**values)  # type: ignore[arg-type]


def test_stale_rental_source_is_named_with_its_age() -> None:
    [line] = stale_input_lines([_status("vastai", "rental", "stale")])
    assert line.startswith("vastai (rental): last success 2026-11-20 10:00") and "3.0 days" in line


def test_failed_run_adds_its_error() -> None:
    [line] = stale_input_lines(
        [_status("runpod", "rental", "stale", last_status="failed", last_error="runpod: HTTP 500")]
    )
    assert line.endswith("last run failed: runpod: HTTP 500")


def test_fresh_sources_and_other_kinds_are_quiet() -> None:
    statuses = [
        _status("vastai", "rental", "fresh"),
        _status("eia", "energy", "stale"),
        _status("newegg", "hardware", "stale"),
    ]
    assert stale_input_lines(statuses) == ()


def test_a_source_never_loaded_is_not_stale() -> None:
    assert stale_input_lines([_status("lambda", "rental", "never", rows=0)]) == ()
