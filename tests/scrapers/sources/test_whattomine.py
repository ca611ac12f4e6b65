"""WhatToMine parser: sample payloads, quirks, and one real refresh through a local server."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from scrapers.config import Settings
from scrapers.errors import ParseError
from scrapers.refresh import refresh
from scrapers.sources.base import Context, Query
from scrapers.sources.whattomine import ASIC_URL, COINS_URL, WhatToMine
from scrapers.store import read_connection
from scrapers.units import btc_nethash_hs
from tests.support.local_http import Reply
from tests.support.payloads import fixture, sample
from tests.support.sources import parse_rows

NOW = datetime(2025, 11, 24, 16, 30, tzinfo=UTC)
CTX = Context(settings=Settings(), now=NOW)
COINS = Query(url=COINS_URL, label="coins")
ASIC = Query(url=ASIC_URL, label="asic")


def parse(query: Query, body: bytes) -> dict[str, dict]:
    return {r["coin"]: r for r in parse_rows(WhatToMine(), query, body, CTX)}


def test_sample_coins_has_the_six_gpu_coins():
    coins = set(parse(COINS, sample("whattomine", "coins.json")))
    assert coins == {"ETC", "RVN", "ERG", "XMR", "KAS", "FLUX"}


def test_sample_etc_row_is_normalised():
    etc = parse(COINS, sample("whattomine", "coins.json"))["ETC"]
    assert etc["coin_name"] == "EthereumClassic"
    assert etc["algorithm"] == "Etchash"
    assert etc["block_time_s"] == pytest.approx(13.21)  # a string upstream
    assert 1e14 < etc["nethash_hs"] < 1e15
    assert etc["price_btc"] == pytest.approx(0.00015351)
    assert etc["price_usd"] is None  # alts are priced in BTC only
    assert etc["observed_at"] == datetime(2025, 11, 24, 16, 3, 7)


def test_sample_keeps_only_btc_from_asic_with_usd_price():
    rows = parse(ASIC, sample("whattomine", "asic.json"))
    assert list(rows) == ["BTC"]
    btc = rows["BTC"]
    assert btc["price_usd"] == pytest.approx(91234.5)
    assert btc["price_btc"] == 1.0
    assert 1e21 < btc["nethash_hs"] < 1.2e21


def test_string_numbers_are_parsed():
    etc = parse(COINS, fixture("whattomine", "quirks.json"))["ETC"]
    assert etc["block_reward_coins"] == 2.048
    assert etc["difficulty"] == 2.4e15
    assert etc["difficulty_24h"] is None  # null upstream
    assert etc["observed_at"] == datetime(2025, 11, 24, 16, 0)  # "1764000000"


def test_tag_is_upper_cased():
    assert "ETC" in parse(COINS, fixture("whattomine", "quirks.json"))


def test_nethash_beyond_int64_is_a_float():
    huge = parse(COINS, fixture("whattomine", "quirks.json"))["HUGE"]
    assert huge["nethash_hs"] == pytest.approx(1.2345678901234568e23)


def test_missing_timestamp_falls_back_to_snapshot_hour():
    huge = parse(COINS, fixture("whattomine", "quirks.json"))["HUGE"]
    assert huge["observed_at"] == datetime(2025, 11, 24, 16, 0)


@pytest.mark.parametrize(
    "tag",
    ["NICEHASH", "BEAM", "NORW", "ZERO", "NOPR"],
    ids=["nicehash", "lagging", "null-reward", "zero-nethash", "empty-price"],
)
def test_unusable_entries_are_skipped(tag: str):
    assert tag not in parse(COINS, fixture("whattomine", "quirks.json"))


def test_btc_without_nethash_derives_it_from_difficulty():
    btc = parse(ASIC, fixture("whattomine", "asic_no_nethash.json"))["BTC"]
    assert btc["nethash_hs"] == pytest.approx(btc_nethash_hs(152271405447461.0))
    assert btc["price_usd"] == pytest.approx(91234.5)


def test_empty_coin_list_parses_to_no_rows():
    assert parse(COINS, fixture("whattomine", "empty.json")) == {}


def test_changed_layout_raises_parse_error():
    with pytest.raises(ParseError, match="no 'coins' object"):
        parse(COINS, fixture("whattomine", "changed_layout.json"))


def test_refresh_writes_coins_to_the_store(server, settings):
    server.route("/coins.json", sample("whattomine", "coins.json"))
    server.route("/asic.json", sample("whattomine", "asic.json"))
    [result] = refresh(settings, ["whattomine"], now=NOW)
    assert result.status == "ok", result.error
    with read_connection(settings.db_path) as con:
        found = con.execute(
            "SELECT coin, price_usd FROM coin_network WHERE source = 'whattomine' ORDER BY coin"
        ).fetchall()
    assert [c for c, _ in found] == ["BTC", "ERG", "ETC", "FLUX", "KAS", "RVN", "XMR"]
    assert dict(found)["BTC"] == pytest.approx(91234.5)


QUOTA = {"X-RateLimit-Limit": "10000", "X-RateLimit-Used": "150", "X-RateLimit-Remaining": "9850"}


def test_query_sends_the_token_when_configured():
    ctx = Context(settings=Settings(api_keys={"whattomine": "wtm-token"}), now=NOW)
    assert [q.headers for q in WhatToMine().queries(ctx)] == [
        {"Authorization": "Token wtm-token"}
    ] * 2


def test_query_is_keyless_without_a_token():
    assert [q.headers for q in WhatToMine().queries(CTX)] == [None, None]


def _token_settings(settings):
    return replace(settings, api_keys={"whattomine": "wtm-token"})


def test_token_refresh_reads_answers_with_quota_headers(server, settings):
    server.route("/coins.json", Reply(sample("whattomine", "coins.json"), headers=QUOTA))
    server.route("/asic.json", Reply(sample("whattomine", "asic.json"), headers=QUOTA))
    [result] = refresh(_token_settings(settings), ["whattomine"], now=NOW)
    assert result.status == "ok", result.error
    for path in ("/coins.json", "/asic.json"):
        assert server.sent(path, "Authorization") == ["Token wtm-token"]


def test_spent_quota_429_fails_at_once_with_a_one_line_error(server, settings):
    spent = {**QUOTA, "X-RateLimit-Used": "10000", "X-RateLimit-Remaining": "0"}
    server.route("/coins.json", Reply(b'{"error": "quota"}', 429, headers=spent))
    server.route("/asic.json", sample("whattomine", "asic.json"))
    [result] = refresh(_token_settings(settings), ["whattomine"], now=NOW)
    assert result.status == "failed"
    assert "monthly quota used (10000 of 10000)" in result.error
    assert "\n" not in result.error
    assert server.hits("/coins.json") == 1  # no retries against a spent quota


def test_a_429_with_quota_left_is_retried(server, settings):
    server.route(
        "/coins.json",
        [
            Reply(b"slow down", 429, headers={**QUOTA, "Retry-After": "0"}),
            Reply(sample("whattomine", "coins.json"), headers=QUOTA),
        ],
    )
    server.route("/asic.json", Reply(sample("whattomine", "asic.json"), headers=QUOTA))
    [result] = refresh(_token_settings(settings), ["whattomine"], now=NOW)
    assert result.status == "ok", result.error
    assert server.hits("/coins.json") == 2
