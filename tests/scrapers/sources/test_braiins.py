"""Braiins Insights parser: sample payloads, point shapes, units and a refresh via a redirect."""

from __future__ import annotations

from datetime import UTC, date, datetime
from urllib.parse import urlsplit

import pytest

from scrapers.config import Settings
from scrapers.errors import ParseError
from scrapers.refresh import refresh
from scrapers.sources.base import Context, Query
from scrapers.sources.braiins import HISTORY_URL, STATS_URL, Braiins, point_day
from scrapers.store import read_connection
from scrapers.units import usd_per_th_day_to_usd_per_ph_day
from tests.support.local_http import LocalServer, Reply
from tests.support.payloads import sample
from tests.support.sources import parse_rows

NOW = datetime(2026, 3, 10, 12, 30, tzinfo=UTC)
CTX = Context(settings=Settings(), now=NOW)
HISTORY = Query(url=HISTORY_URL, label="hashrate_value_history")
STATS = Query(url=STATS_URL, label="hashrate_stats")
HISTORY_PATH = urlsplit(HISTORY_URL).path
STATS_PATH = urlsplit(STATS_URL).path


def parse(query: Query, body: bytes | object, ctx: Context = CTX) -> list[dict]:
    return parse_rows(Braiins(), query, body, ctx)


def by_day(rows: list[dict]) -> dict[date, float]:
    return {r["observed_at"].date(): r["hashprice_usd_per_ph_day"] for r in rows}


def month_mean(rows: list[dict], month: str) -> float:
    values = [r["hashprice_usd_per_ph_day"] for r in rows if f"{r['observed_at']:%Y-%m}" == month]
    return sum(values) / len(values)


def test_history_sample_is_daily_usd_per_ph_day():
    rows = parse(HISTORY, sample("braiins", "hashrate_value_history.json"))
    days = [r["observed_at"] for r in rows]
    assert days == sorted(set(days))
    assert all(d.hour == 0 and d.minute == 0 for d in days)


@pytest.mark.parametrize(
    ("month", "expected"), [("2024-04", 108), ("2024-07", 45), ("2025-11", 38)]
)
def test_history_sample_matches_public_hashprice_levels(month: str, expected: float):
    rows = parse(HISTORY, sample("braiins", "hashrate_value_history.json"))
    assert month_mean(rows, month) == pytest.approx(expected, rel=0.05)


def test_history_rows_carry_no_hashrate():
    rows = parse(HISTORY, sample("braiins", "hashrate_value_history.json"))
    assert {r["network_hashrate_hs"] for r in rows} == {None}


def test_conversion_is_a_thousand_th_per_ph():
    assert usd_per_th_day_to_usd_per_ph_day(0.045) == pytest.approx(45.0)


def test_stats_sample_gives_todays_live_hashprice_and_hashrate():
    [row] = parse(STATS, sample("braiins", "hashrate_stats.json"))
    assert row["observed_at"] == datetime(2026, 3, 10)
    assert row["hashprice_usd_per_ph_day"] == pytest.approx(35.2)
    assert row["network_hashrate_hs"] == pytest.approx(1012.46e18)  # EH/s to H/s


def test_stats_without_hash_price_raise():
    with pytest.raises(ParseError, match="hash_price"):
        parse(STATS, {"current_hashrate": 1000})


def test_stats_without_hashrate_keep_the_price():
    [row] = parse(STATS, {"hash_price": "0.05", "current_hashrate": None})
    assert (row["hashprice_usd_per_ph_day"], row["network_hashrate_hs"]) == (50.0, None)


def test_points_on_one_day_are_averaged():
    doc = {
        "hashrate_price": [
            {"x": "2025-01-02T00:00:00", "y": 0.05},
            {"x": "2025-01-02T12:00:00", "y": 0.07},
        ]
    }
    assert by_day(parse(HISTORY, doc)) == {date(2025, 1, 2): pytest.approx(60.0)}


def test_string_values_nulls_and_junk_points_are_handled():
    doc = {
        "hashrate_price": [
            {"x": "2025-01-01", "y": "0.055"},
            {"x": "2025-01-02", "y": None},
            {"x": "not a date", "y": 0.05},
            {"x": "2025-01-03", "y": -1},
            "junk",
        ]
    }
    assert by_day(parse(HISTORY, doc)) == {date(2025, 1, 1): pytest.approx(55.0)}


def test_timestamp_value_points_in_a_bare_list_are_accepted():
    doc = [{"timestamp": 1735776000, "value": 0.05}, {"timestamp": 1735862400000, "value": 0.06}]
    assert by_day(parse(HISTORY, doc)) == {
        date(2025, 1, 2): pytest.approx(50.0),
        date(2025, 1, 3): pytest.approx(60.0),
    }


@pytest.mark.parametrize(
    ("value", "day"),
    [
        ("2024-04-20", date(2024, 4, 20)),
        ("2024-04-20T23:00:00", date(2024, 4, 20)),
        ("2024-04-20T23:30:00+02:00", date(2024, 4, 20)),
        ("2024-04-20T23:30:00-02:00", date(2024, 4, 21)),
        ("2024-04-20T01:00:00Z", date(2024, 4, 20)),
        (1713571200, date(2024, 4, 20)),
        ("", None),
        (None, None),
    ],
)
def test_point_day_reads_iso_and_unix_times_in_utc(value: object, day: date | None):
    assert point_day(value) == day


def test_days_before_2015_are_left_out():
    doc = {"hashrate_price": [{"x": "2014-12-31", "y": 25.0}, {"x": "2015-01-01", "y": 3.0}]}
    assert list(by_day(parse(HISTORY, doc))) == [date(2015, 1, 1)]


def test_backfill_honours_since():
    ctx = Context(settings=Settings(), now=NOW, since=date(2025, 11, 1), backfill=True)
    rows = parse(HISTORY, sample("braiins", "hashrate_value_history.json"), ctx)
    assert min(r["observed_at"] for r in rows) == datetime(2025, 11, 1)


def test_answer_without_price_list_raises_naming_the_keys():
    with pytest.raises(ParseError, match="hashrate_value"):
        parse(HISTORY, {"hashrate_value": [{"x": "2025-01-01", "y": 60}]})


def test_non_json_answer_raises():
    with pytest.raises(ParseError, match="malformed JSON"):
        parse(HISTORY, b"<html>Cloudflare</html>")


def test_refresh_asks_history_then_stats_so_the_live_reading_wins_today():
    labels = [q.label for q in Braiins().queries(CTX)]
    assert labels == ["hashrate_value_history", "hashrate_stats"]


def test_backfill_asks_only_the_history():
    ctx = Context(settings=Settings(), now=NOW, backfill=True)
    assert [q.label for q in Braiins().history_queries(ctx)] == ["hashrate_value_history"]


def test_refresh_follows_the_redirect_and_writes_rows(
    server: LocalServer, other_server: LocalServer, settings: Settings
):
    learn = other_server  # stands in for learn.braiins.com, where the API redirects
    for path in (HISTORY_PATH, STATS_PATH):
        server.route(path, Reply(b"", 302, "text/plain", {"Location": learn.url + path}))
    learn.route(HISTORY_PATH, sample("braiins", "hashrate_value_history.json"))
    learn.route(STATS_PATH, sample("braiins", "hashrate_stats.json"))
    [result] = refresh(settings, ["braiins"], now=NOW)
    assert result.status == "ok", result.error
    with read_connection(settings.db_path) as con:
        count, today, urls = con.execute(
            "SELECT count(*), max(observed_at), string_agg(DISTINCT source_url, ' ') "
            "FROM btc_hashprice WHERE source = 'braiins'"
        ).fetchone()
    assert count == 799  # 798 history days and today's live reading
    assert today == datetime(2026, 3, 10)
    assert learn.url in urls  # lineage names where the data came from
