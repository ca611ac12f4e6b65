"""Source status: data age beside fetch age, staleness on the data's age, an injectable clock."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from scrapers.errors import ConfigError
from scrapers.schema import COIN_NETWORK
from scrapers.status import NOW_ENV, now, source_statuses
from scrapers.store import RunRecord, Store, read_connection
from tests.support.market_store import write_rows
from tests.support.paths import APP

NOW = datetime(2026, 12, 1, 21, 0)


def store_with_whattomine(tmp_path: Path, data_age: timedelta, fetch_age: timedelta) -> str:
    """A store whose one whattomine row is ``data_age`` old, fetched ``fetch_age`` ago."""
    db = tmp_path / "s.duckdb"
    row = {"source": "whattomine", "coin": "ETC", "observed_at": NOW - data_age, "price_usd": 20}
    write_rows(db, COIN_NETWORK, [row])
    done = NOW - fetch_age
    Store(str(db)).record_run(RunRecord("r1", "whattomine", done, done, "ok", 1))
    return str(db)


def whattomine(db: str, at: datetime = NOW):  # noqa: ANN201 - a SourceStatus
    """The whattomine status as of ``at``."""
    with read_connection(db) as con:
        return next(s for s in source_statuses(con, now=at) if s.source == "whattomine")


def test_400_day_old_data_is_stale_though_fetched_a_minute_ago(tmp_path: Path) -> None:
    s = whattomine(store_with_whattomine(tmp_path, timedelta(days=400), timedelta(minutes=1)))
    assert s.age_hours == pytest.approx(1 / 60, abs=0.01)
    assert s.data_age_hours == pytest.approx(400 * 24)
    assert s.staleness == "stale"
    assert s.stale_reason == "newest data too old"


def test_recent_data_fetched_recently_is_fresh(tmp_path: Path) -> None:
    s = whattomine(store_with_whattomine(tmp_path, timedelta(hours=2), timedelta(minutes=1)))
    assert s.staleness == "fresh" and s.stale_reason == ""


def test_status_carries_the_newest_observation_time(tmp_path: Path) -> None:
    s = whattomine(store_with_whattomine(tmp_path, timedelta(days=3), timedelta(minutes=1)))
    assert s.newest_observed_at == NOW - timedelta(days=3)


def test_an_overdue_refresh_is_stale_whatever_the_data(tmp_path: Path) -> None:
    s = whattomine(store_with_whattomine(tmp_path, timedelta(hours=1), timedelta(days=3)))
    assert s.stale_reason == "refresh overdue"


def test_the_clock_can_be_pinned(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(NOW_ENV, "2026-12-01T21:00")
    assert now() == NOW


def test_a_bad_pinned_clock_is_a_one_line_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(NOW_ENV, "yesterday")
    with pytest.raises(ConfigError, match="RIGSHIFT_NOW='yesterday' is not an ISO time"):
        now()


def _data_age(at: AppTest) -> str:
    table = at.dataframe[0].value
    return str(table.loc[table["source"] == "whattomine", "data age"].iloc[0])


def test_data_health_ages_advance_with_the_clock_alone(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    db = store_with_whattomine(tmp_path, timedelta(hours=2), timedelta(minutes=1))
    monkeypatch.setenv("RIGSHIFT_DB", db)
    monkeypatch.setenv(NOW_ENV, NOW.isoformat())
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.switch_page("app_pages/data_health.py").run()
    assert not at.exception
    assert _data_age(at) == "2.0 h"
    monkeypatch.setenv(NOW_ENV, (NOW + timedelta(hours=3)).isoformat())
    at.run()
    assert _data_age(at) == "5.0 h"


def test_an_age_is_never_negative_when_the_clock_is_a_minute_floor() -> None:
    from scrapers.status import _hours_since

    now = datetime(2026, 12, 2, 2, 40)
    assert _hours_since(now, now + timedelta(seconds=37)) == 0.0
    assert _hours_since(now, now - timedelta(hours=2)) == 2.0
    assert _hours_since(now, None) is None
