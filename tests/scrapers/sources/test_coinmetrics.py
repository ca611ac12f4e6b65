"""Coin Metrics parser: string values, derived reward and block time, pagination."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from scrapers.config import Settings
from scrapers.errors import FetchError, ParseError
from scrapers.http import PoliteSession
from scrapers.refresh import refresh
from scrapers.sources.base import Context, Query
from scrapers.sources.coinmetrics import URL, CoinMetrics
from scrapers.store import read_connection
from tests.support.local_http import Reply
from tests.support.payloads import sample
from tests.support.sources import parse_rows

NOW = datetime(2025, 11, 29, 14, 20, tzinfo=UTC)
CTX = Context(settings=Settings(), now=NOW)
QUERY = Query(url=URL, label="asset_metrics")
PATH = urlsplit(URL).path
ETC_DAY = {
    "asset": "etc",
    "time": "2025-11-01T00:00:00.000000000Z",
    "BlkCnt": "6400",
    "DiffMean": "2300000000000000.5",
    "HashRate": "180.25",
    "IssContNtv": "13107.2",
    "PriceUSD": "14.02",
}


def parse(body: bytes | Any, ctx: Context = CTX) -> list[dict]:
    return parse_rows(CoinMetrics(), QUERY, body, ctx)


def one(item: dict[str, Any]) -> dict:
    [row] = parse({"data": [item]})
    return row


def test_sample_covers_btc_etc_and_xmr():
    rows = parse(sample("coinmetrics", "asset_metrics.json"))
    assert {r["coin"] for r in rows} == {"BTC", "ETC", "XMR"}


def test_sample_btc_reward_is_the_post_2024_subsidy():
    rows = [r for r in parse(sample("coinmetrics", "asset_metrics.json")) if r["coin"] == "BTC"]
    assert {round(r["block_reward_coins"], 6) for r in rows} == {3.125}


def test_string_values_become_numbers():
    row = one(ETC_DAY)
    assert (row["price_usd"], row["difficulty"]) == (14.02, 2300000000000000.5)


def test_hashrate_is_terahash():
    assert one(ETC_DAY)["nethash_hs"] == pytest.approx(180.25e12)


def test_reward_per_block_is_issuance_over_blocks():
    assert one(ETC_DAY)["block_reward_coins"] == pytest.approx(2.048)


def test_block_time_is_a_day_over_blocks():
    assert one(ETC_DAY)["block_time_s"] == pytest.approx(13.5)


def test_observed_at_is_the_day_start_despite_nanoseconds():
    assert one(ETC_DAY)["observed_at"] == datetime(2025, 11, 1)


def test_absent_metrics_stay_null():
    row = one({"asset": "btc", "time": "2025-11-01T00:00:00.000000000Z", "PriceUSD": "91000"})
    assert row["price_usd"] == 91000.0
    assert row["nethash_hs"] is None and row["block_reward_coins"] is None


def test_zero_blocks_leave_reward_and_block_time_null():
    row = one({**ETC_DAY, "BlkCnt": "0"})
    assert row["block_time_s"] is None and row["block_reward_coins"] is None


def test_days_with_nothing_usable_are_skipped():
    empty = {"asset": "xmr", "time": "2025-11-01T00:00:00.000000000Z", "PriceUSD": None}
    bad_time = {**ETC_DAY, "time": "yesterday"}
    assert parse({"data": [empty, bad_time, "junk"]}) == []


def test_unknown_asset_keeps_its_ticker():
    row = one({**ETC_DAY, "asset": "ltc"})
    assert (row["coin"], row["algorithm"]) == ("LTC", None)


def test_error_answer_raises_with_its_message():
    doc = {"error": {"type": "bad_parameter", "message": "Bad parameter 'assets'."}}
    with pytest.raises(ParseError, match="Bad parameter 'assets'"):
        parse(doc)


def test_answer_without_data_raises():
    with pytest.raises(ParseError, match="no 'data' list"):
        parse({"rows": []})


def test_backfill_drops_days_before_since():
    ctx = Context(settings=Settings(), now=NOW, backfill=True, since=date(2025, 11, 2))
    later = {**ETC_DAY, "time": "2025-11-02T00:00:00.000000000Z"}
    rows = parse({"data": [ETC_DAY, later]}, ctx)
    assert [r["observed_at"].day for r in rows] == [2]


def test_refresh_asks_for_the_last_30_days():
    [query] = CoinMetrics().queries(CTX)
    assert "start_time=2025-10-30" in query.url
    assert "assets=btc,etc,xmr" in query.url and "frequency=1d" in query.url


def test_history_starts_in_2015_by_default():
    [query] = CoinMetrics().history_queries(CTX)
    assert "start_time=2015-01-01" in query.url


def test_history_starts_at_since():
    ctx = Context(settings=Settings(), now=NOW, backfill=True, since=date(2021, 6, 1))
    [query] = CoinMetrics().history_queries(ctx)
    assert "start_time=2021-06-01" in query.url


def _paged(items: list[dict], size: int):
    """A handler paging ``items`` the way Coin Metrics does, with absolute next_page_urls."""

    def handler(h: BaseHTTPRequestHandler) -> Reply:
        token = int(parse_qs(urlsplit(h.path).query).get("next_page_token", ["0"])[0])
        page: dict[str, Any] = {"data": items[token : token + size]}
        if token + size < len(items):
            page["next_page_token"] = str(token + size)
            page["next_page_url"] = f"{URL}?page_size={size}&next_page_token={token + size}"
        return Reply(json.dumps(page).encode())

    return handler


def test_fetch_follows_next_page_url_into_one_document(server, settings):
    items = json.loads(sample("coinmetrics", "asset_metrics.json"))["data"][:25]
    server.route(PATH, _paged(items, 10))
    with PoliteSession(settings) as session:
        response = CoinMetrics().fetch(QUERY, session, settings)
    assert server.hits(PATH) == 3
    assert json.loads(response.body) == {"data": items}


def test_single_page_body_is_kept_as_sent(server, settings):
    body = sample("coinmetrics", "asset_metrics.json")
    server.route(PATH, body)
    with PoliteSession(settings) as session:
        assert CoinMetrics().fetch(QUERY, session, settings).body == body


def test_a_pagination_loop_fails_the_fetch(server, settings):
    server.route(PATH, {"data": [ETC_DAY], "next_page_url": f"{URL}?next_page_token=same"})
    with PoliteSession(settings) as session, pytest.raises(FetchError, match="kept paginating"):
        CoinMetrics().fetch(QUERY, session, settings)


def test_backfill_through_pages_writes_every_asset_day(server, settings):
    items = json.loads(sample("coinmetrics", "asset_metrics.json"))["data"]
    server.route(PATH, _paged(items, 400))
    [result] = refresh(settings, ["coinmetrics"], backfill=True, now=NOW)
    assert result.status == "ok", result.error
    with read_connection(settings.db_path) as con:
        [(count,)] = con.execute("SELECT count(*) FROM coin_network").fetchall()
    assert count == len(items)
