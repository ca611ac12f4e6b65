"""CoinGecko parser: current prices, daily market charts, the 365-day cap and the demo key."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from scrapers.config import Settings
from scrapers.errors import ParseError
from scrapers.refresh import refresh
from scrapers.sources.base import Context, Query
from scrapers.sources.coingecko import COINS, CoinGecko, history_days
from scrapers.store import read_connection
from tests.support.payloads import sample
from tests.support.sources import parse_rows

NOW = datetime(2025, 11, 29, 14, 20, tzinfo=UTC)
CTX = Context(settings=Settings(), now=NOW)
PRICE_PATH = "/api/v3/simple/price"
SIMPLE = Query(url="https://api.coingecko.com" + PRICE_PATH, label="simple_price")
CHART = Query(url="x", label="market_chart_btc", extra={"coin_id": "bitcoin"})
MS_DAY = 86_400_000
T0_MS = 1_764_288_000_000  # 2025-11-28 00:00 UTC


def parse(query: Query, body: bytes | Any, ctx: Context = CTX) -> list[dict]:
    return parse_rows(CoinGecko(), query, body, ctx)


def test_sample_prices_every_coin_by_ticker():
    rows = parse(SIMPLE, sample("coingecko", "simple_price.json"))
    assert {r["coin"] for r in rows} == {"BTC", "ETC", "RVN", "ERG", "KAS", "XMR", "FLUX"}


def test_flux_is_coingeckos_zelcash():
    rows = {r["coin"]: r for r in parse(SIMPLE, {"zelcash": {"usd": 0.14}})}
    assert rows["FLUX"]["price_usd"] == 0.14


def test_observed_at_is_last_updated_at():
    [row] = parse(SIMPLE, {"bitcoin": {"usd": 91000, "last_updated_at": 1764423675}})
    assert row["observed_at"] == datetime(2025, 11, 29, 13, 41, 15)


def test_missing_last_updated_at_falls_back_to_the_snapshot_hour():
    [row] = parse(SIMPLE, {"bitcoin": {"usd": 91000}})
    assert row["observed_at"] == datetime(2025, 11, 29, 14)


def test_string_price_is_accepted_and_null_skipped():
    rows = parse(SIMPLE, {"bitcoin": {"usd": "91000.5"}, "monero": {"usd": None}})
    assert [(r["coin"], r["price_usd"]) for r in rows] == [("BTC", 91000.5)]


def test_unknown_ids_are_ignored():
    assert parse(SIMPLE, {"dogecoin": {"usd": 0.2}}) == []


def test_non_object_price_answer_raises():
    with pytest.raises(ParseError, match="not an object"):
        parse(SIMPLE, [1, 2])


def test_chart_sample_is_one_row_per_day_for_a_year():
    rows = parse(CHART, sample("coingecko", "market_chart_btc.json"))
    days = [r["observed_at"] for r in rows]
    assert len(days) == len(set(days)) == 366
    assert all(d.hour == 0 for d in days)


def test_chart_keeps_the_midnight_point_over_the_trailing_now_point():
    doc = {"prices": [[T0_MS, 90000.0], [T0_MS + MS_DAY, 91000.0], [T0_MS + MS_DAY + 5e6, 92000]]}
    rows = parse(CHART, doc)
    assert [(r["observed_at"].day, r["price_usd"]) for r in rows] == [(28, 90000.0), (29, 91000.0)]


def test_chart_skips_junk_points():
    doc = {"prices": [[T0_MS, None], [T0_MS], "x", [T0_MS + MS_DAY, "91000"]]}
    assert [r["price_usd"] for r in parse(CHART, doc)] == [91000.0]


def test_chart_honours_since():
    ctx = Context(settings=Settings(), now=NOW, backfill=True, since=date(2025, 11, 29))
    rows = parse(CHART, {"prices": [[T0_MS, 1.0], [T0_MS + MS_DAY, 2.0]]}, ctx)
    assert [r["price_usd"] for r in rows] == [2.0]


def test_chart_without_prices_raises():
    with pytest.raises(ParseError, match="missing field 'prices'"):
        parse(CHART, {"market_caps": []})


def test_chart_with_non_list_prices_raises():
    with pytest.raises(ParseError, match="'prices' is not a list"):
        parse(CHART, {"prices": {}})


@pytest.mark.parametrize(
    ("since", "days"), [(None, 365), (date(2025, 11, 20), 10), (date(2019, 1, 1), 365)]
)
def test_history_days_are_capped_at_a_year(since: date | None, days: int):
    assert history_days(Context(settings=Settings(), now=NOW, since=since)) == days


def test_history_asks_each_coin_daily():
    queries = CoinGecko().history_queries(CTX)
    assert [q.label for q in queries] == [f"market_chart_{t.lower()}" for t, _ in COINS.values()]
    assert "/coins/zelcash/market_chart?vs_currency=usd&days=365&interval=daily" in queries[-1].url


def test_demo_key_goes_in_the_header():
    ctx = Context(settings=Settings(api_keys={"coingecko": "CG-abc"}), now=NOW)
    [query] = CoinGecko().queries(ctx)
    assert query.headers == {"x-cg-demo-api-key": "CG-abc"}


def test_no_key_no_header():
    [query] = CoinGecko().queries(CTX)
    assert query.headers is None


def test_refresh_sends_the_key_and_writes_prices(server, settings):
    server.route(PRICE_PATH, sample("coingecko", "simple_price.json"))
    [result] = refresh(settings, ["coingecko"], now=NOW)
    assert result.status == "ok", result.error
    assert server.sent(PRICE_PATH, "x-cg-demo-api-key") == ["test-key"]
    with read_connection(settings.db_path) as con:
        [(count,)] = con.execute("SELECT count(*) FROM coin_network").fetchall()
    assert count == 7


def test_backfill_writes_a_year_per_coin(server, settings):
    for coin_id, (ticker, _) in COINS.items():
        body = sample("coingecko", f"market_chart_{ticker.lower()}.json")
        server.route(f"/api/v3/coins/{coin_id}/market_chart", body)
    [result] = refresh(settings, ["coingecko"], backfill=True, now=NOW)
    assert result.status == "ok", result.error
    with read_connection(settings.db_path) as con:
        found = dict(con.execute("SELECT coin, count(*) FROM coin_network GROUP BY 1").fetchall())
    assert found == {t: 366 for t, _ in COINS.values()}
