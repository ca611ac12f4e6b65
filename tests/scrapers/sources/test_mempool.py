"""mempool.space parser: daily hashrate with step-function difficulty, ms durations, history."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlsplit

import pytest

from scrapers.config import Settings
from scrapers.errors import ParseError
from scrapers.refresh import refresh
from scrapers.sources.base import Context, Query
from scrapers.sources.mempool import (
    ADJUSTMENT_URL,
    HASHRATE_URL,
    Mempool,
    block_subsidy_btc,
    ms_to_seconds,
)
from scrapers.store import read_connection
from tests.support.payloads import sample
from tests.support.sources import parse_rows

NOW = datetime(2025, 11, 29, 14, 20, tzinfo=UTC)
CTX = Context(settings=Settings(), now=NOW)
HASHRATE_1M = Query(url=HASHRATE_URL.format(period="1m"), label="hashrate_1m")
ADJUSTMENT = Query(url=ADJUSTMENT_URL, label="difficulty_adjustment")
DAY = 86_400
T0 = 1_763_251_200  # 2025-11-16 00:00 UTC


def parse(query: Query, body: bytes | dict[str, Any], ctx: Context = CTX) -> list[dict]:
    return parse_rows(Mempool(), query, body, ctx)


def by_day(rows: list[dict]) -> dict[date, dict]:
    return {r["observed_at"].date(): r for r in rows}


def test_sample_rows_are_daily_btc_at_the_target_block_time():
    rows = parse(HASHRATE_1M, sample("mempool", "hashrate_1m.json"))
    assert rows
    assert {(r["coin"], r["algorithm"], r["block_time_s"]) for r in rows} == {
        ("BTC", "SHA-256", 600.0)
    }
    assert all(r["observed_at"].hour == 0 for r in rows)


def test_sample_hashrate_is_zettahash_scale_in_hs():
    rows = parse(HASHRATE_1M, sample("mempool", "hashrate_1m.json"))
    assert all(5e20 < r["nethash_hs"] < 5e21 for r in rows)


def test_difficulty_holds_until_the_next_retarget():
    doc = {
        "hashrates": [{"timestamp": T0 + i * DAY, "avgHashrate": 1e21} for i in range(4)],
        "difficulty": [
            {"time": T0 + 12 * 3600, "height": 925344, "difficulty": 150e12, "adjustment": 1.0},
            {"time": T0 + 2 * DAY + 3600, "height": 927360, "difficulty": 155e12},
        ],
    }
    days = by_day(parse(HASHRATE_1M, doc))
    assert [days[date(2025, 11, d)]["difficulty"] for d in (16, 17, 18, 19)] == [
        150e12,
        150e12,
        155e12,
        155e12,
    ]


def test_days_before_the_first_retarget_are_left_out():
    doc = {
        "hashrates": [{"timestamp": T0 + i * DAY, "avgHashrate": 1e21} for i in range(3)],
        "difficulty": [{"time": T0 + DAY + 60, "difficulty": 150e12}],
    }
    assert sorted(by_day(parse(HASHRATE_1M, doc))) == [date(2025, 11, 17), date(2025, 11, 18)]


def test_current_difficulty_fills_a_window_without_retargets():
    doc = {
        "hashrates": [{"timestamp": T0, "avgHashrate": 1e21}],
        "difficulty": [],
        "currentDifficulty": 152e12,
    }
    [row] = parse(HASHRATE_1M, doc)
    assert row["difficulty"] == 152e12


def test_string_ms_and_null_hashrates_are_handled():
    doc = {
        "hashrates": [
            {"timestamp": T0 * 1000, "avgHashrate": "1.05e21"},  # ms and a string
            {"timestamp": T0 + DAY, "avgHashrate": None},
            {"timestamp": None, "avgHashrate": 1e21},
        ],
        "difficulty": [{"time": str(T0 - DAY), "difficulty": "150000000000000"}],
    }
    [row] = parse(HASHRATE_1M, doc)
    assert row["observed_at"] == datetime(2025, 11, 16)
    assert row["nethash_hs"] == 1.05e21
    assert row["difficulty"] == 150e12


def test_refresh_adds_a_provisional_row_for_today_from_current_values():
    doc = {
        "hashrates": [{"timestamp": T0, "avgHashrate": 1e21}],
        "difficulty": [{"time": T0, "difficulty": 150e12}],
        "currentHashrate": 1.1e21,
        "currentDifficulty": 151e12,
    }
    today = by_day(parse(HASHRATE_1M, doc))[date(2025, 11, 29)]
    assert (today["nethash_hs"], today["difficulty"]) == (1.1e21, 151e12)


def test_backfill_writes_no_provisional_row_and_honours_since():
    ctx = Context(settings=Settings(), now=NOW, backfill=True, since=date(2025, 11, 17))
    doc = {
        "hashrates": [{"timestamp": T0 + i * DAY, "avgHashrate": 1e21} for i in range(3)],
        "difficulty": [{"time": T0 - DAY, "difficulty": 150e12}],
        "currentHashrate": 1.1e21,
        "currentDifficulty": 151e12,
    }
    assert sorted(by_day(parse(HASHRATE_1M, doc, ctx))) == [date(2025, 11, 17), date(2025, 11, 18)]


def test_hashrates_that_are_not_a_list_raise():
    with pytest.raises(ParseError, match="'hashrates' is not a list"):
        parse(HASHRATE_1M, {"hashrates": {"x": 1}, "difficulty": []})


def test_missing_hashrates_raise():
    with pytest.raises(ParseError, match="missing field 'hashrates'"):
        parse(HASHRATE_1M, {"difficulty": []})


def test_non_object_answer_raises():
    with pytest.raises(ParseError, match="is a list"):
        parse(HASHRATE_1M, b"[]")


def test_adjustment_sample_gives_epoch_block_time_in_seconds():
    [row] = parse(ADJUSTMENT, sample("mempool", "difficulty_adjustment.json"))
    assert row["block_time_s"] == pytest.approx(592.452)
    assert row["observed_at"] == datetime(2025, 11, 29, 14)


def test_adjustment_sample_gives_the_post_2024_subsidy():
    [row] = parse(ADJUSTMENT, sample("mempool", "difficulty_adjustment.json"))
    assert row["block_reward_coins"] == 3.125


def test_adjustment_without_time_avg_raises():
    with pytest.raises(ParseError, match="missing field 'timeAvg'"):
        parse(ADJUSTMENT, {"progressPercent": 10})


def test_adjustment_with_junk_time_avg_raises():
    with pytest.raises(ParseError, match="not a positive number"):
        parse(ADJUSTMENT, {"timeAvg": "n/a"})


@pytest.mark.parametrize(("value", "seconds"), [(592452, 592.452), ("600000", 600.0), (600, 600)])
def test_durations_in_ms_or_seconds(value: Any, seconds: float):
    assert ms_to_seconds(value) == pytest.approx(seconds)


@pytest.mark.parametrize(
    ("height", "subsidy"), [(0, 50.0), (209_999, 50.0), (839_999, 6.25), (840_000, 3.125)]
)
def test_block_subsidy_halves_every_210000_blocks(height: int, subsidy: float):
    assert block_subsidy_btc(height) == subsidy


def test_history_defaults_to_three_years():
    [query] = Mempool().history_queries(CTX)
    assert query.url.endswith("/mining/hashrate/3y")
    assert query.label == "hashrate_3y"


def test_history_before_three_years_asks_for_all():
    ctx = Context(settings=Settings(), now=NOW, backfill=True, since=date(2020, 1, 1))
    [query] = Mempool().history_queries(ctx)
    assert query.url.endswith("/mining/hashrate/all")


def test_history_sample_spans_three_years():
    rows = parse(Query(url="x", label="hashrate_3y"), sample("mempool", "hashrate_3y.json"))
    span = max(r["observed_at"] for r in rows) - min(r["observed_at"] for r in rows)
    assert span.days > 1000


def test_refresh_writes_daily_and_snapshot_rows(server, settings):
    server.route(urlsplit(HASHRATE_1M.url).path, sample("mempool", "hashrate_1m.json"))
    server.route(urlsplit(ADJUSTMENT_URL).path, sample("mempool", "difficulty_adjustment.json"))
    [result] = refresh(settings, ["mempool"], now=NOW)
    assert result.status == "ok", result.error
    with read_connection(settings.db_path) as con:
        [(days, snapshot_time)] = con.execute(
            "SELECT count(*) FILTER (WHERE hour(observed_at) = 0), "
            "max(block_time_s) FILTER (WHERE hour(observed_at) = 14) "
            "FROM coin_network WHERE source = 'mempool'"
        ).fetchall()
    assert days == 20
    assert snapshot_time == pytest.approx(592.452)


def test_retarget_points_with_timestamp_instead_of_time_are_read():
    doc = {
        "hashrates": [{"timestamp": T0 + DAY, "avgHashrate": 1e21}],
        "difficulty": [
            {"timestamp": T0 - DAY, "difficulty": 150e12},
            {"timestamp": T0 + DAY // 2, "difficulty": 155e12},
        ],
        "currentDifficulty": 999e12,
    }
    [row] = parse(HASHRATE_1M, doc)
    assert row["difficulty"] == 155e12  # the retarget, never the current difficulty


def test_retarget_points_without_a_time_field_fail_loudly():
    doc = {
        "hashrates": [{"timestamp": T0, "avgHashrate": 1e21}],
        "difficulty": [{"when": T0 - DAY, "difficulty": 150e12}],
        "currentDifficulty": 999e12,
    }
    with pytest.raises(ParseError, match="no 'time' or 'timestamp' field") as err:
        parse(HASHRATE_1M, doc)
    assert "\n" not in str(err.value)


def test_retarget_points_with_a_renamed_difficulty_fail_loudly():
    doc = {
        "hashrates": [{"timestamp": T0, "avgHashrate": 1e21}],
        "difficulty": [{"time": T0 - DAY, "diff": 150e12}],
    }
    with pytest.raises(ParseError, match="no 'difficulty' field"):
        parse(HASHRATE_1M, doc)


def test_a_missing_difficulty_list_fails_instead_of_using_the_current_value():
    doc = {"hashrates": [{"timestamp": T0, "avgHashrate": 1e21}], "currentDifficulty": 999e12}
    with pytest.raises(ParseError, match="missing field 'difficulty'"):
        parse(HASHRATE_1M, doc)


def test_hashrate_points_with_a_renamed_field_fail_loudly():
    doc = {"hashrates": [{"time": T0, "avgHashrate": 1e21}], "difficulty": []}
    with pytest.raises(ParseError, match="no 'timestamp' field"):
        parse(HASHRATE_1M, doc)
