"""Newegg parser: sample search pages, card quirks, and one real refresh via a local server."""

from __future__ import annotations

from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlsplit

import pytest

from scrapers.config import Settings
from scrapers.errors import ParseError
from scrapers.refresh import refresh
from scrapers.sources.base import Context, Query
from scrapers.sources.newegg import SEARCH_URL, SEARCHES, Newegg, item_id
from scrapers.store import read_connection
from tests.support.local_http import Reply
from tests.support.payloads import fixture, sample
from tests.support.sources import parse_rows

NOW = datetime(2025, 11, 24, 16, 30, tzinfo=UTC)
CTX = Context(settings=Settings(), now=NOW)
QUERY = Query(url=SEARCH_URL, params={"d": "rtx 3090"}, label="rtx_3090")


def parse(body: bytes) -> list[dict]:
    return parse_rows(Newegg(), QUERY, body, CTX)


def by_id(body: bytes) -> dict[str, dict]:
    return {r["item_id"]: r for r in parse(body)}


def test_sample_3090_page_keeps_priced_new_in_stock_cards():
    rows = parse(sample("newegg", "rtx_3090.html"))
    assert sorted(r["price_usd"] for r in rows) == [1149.99, 1299.99, 1449.0, 1499.99]


def test_sample_rows_are_new_and_snapshotted_at_the_hour():
    rows = parse(sample("newegg", "rtx_4090.html"))
    assert {r["condition"] for r in rows} == {"new"}
    assert {r["observed_at"] for r in rows} == {datetime(2025, 11, 24, 16, 0)}
    assert {r["gpu_model"] for r in rows} == {"RTX 4090"}


def test_sample_keeps_other_models_under_their_own_name():
    models = {r["gpu_model"] for r in parse(sample("newegg", "rtx_3090.html"))}
    assert models == {"RTX 3090", "RTX 3090 Ti"}


def test_every_sample_page_parses_to_rows():
    for label in SEARCHES:
        assert parse(sample("newegg", f"{label}.html")), label


def test_price_joins_dollars_with_commas_and_cents():
    rows = by_id(fixture("newegg", "quirks.html"))
    assert rows["N82E16814126456"]["price_usd"] == 1299.99


def test_price_without_cents_is_whole_dollars():
    assert by_id(fixture("newegg", "quirks.html"))["1FT-0048-00211"]["price_usd"] == 1449.0


def test_out_of_stock_card_is_skipped():
    assert "N82E16814932329" not in by_id(fixture("newegg", "quirks.html"))


def test_combo_is_skipped():
    assert "9SIA24GKM20377" not in by_id(fixture("newegg", "quirks.html"))


def test_card_without_price_is_skipped():
    assert "N82E16814133816" not in by_id(fixture("newegg", "quirks.html"))


def test_refurbished_listing_is_skipped():
    titles = [r["title"] for r in parse(sample("newegg", "rtx_3090.html"))]
    assert not any("Refurbished" in t for t in titles)


def test_card_without_link_gets_a_title_hash_id():
    rows = [r for r in parse(fixture("newegg", "quirks.html")) if r["url"] is None]
    assert [r["item_id"][:5] for r in rows] == ["sha1:"]
    assert rows[0]["gpu_model"] is None  # unknown names stay, reported by the runner


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://www.newegg.com/x/p/N82E16814126456?Item=N82E16814126456", "N82E16814126456"),
        ("https://www.newegg.com/x/p/1FT-0047-00312?Item=9SIA24GKM20377", "9SIA24GKM20377"),
        ("https://www.newegg.com/x/p/1FT-0048-00211", "1FT-0048-00211"),
    ],
)
def test_item_id_prefers_item_parameter_then_path(url: str, expected: str):
    assert item_id(url, "any title") == expected


def test_item_id_hash_is_stable():
    assert item_id(None, "Card A") == item_id("https://www.newegg.com/p/pl?d=x", "Card A")


def test_page_with_no_results_parses_to_no_rows():
    assert parse(fixture("newegg", "empty.html")) == []


def test_page_without_result_cards_raises_parse_error():
    with pytest.raises(ParseError, match="no div.item-cell"):
        parse(fixture("newegg", "changed_layout.html"))


def test_refresh_writes_listings_to_the_store(server, settings):
    pages = {words: sample("newegg", f"{label}.html") for label, words in SEARCHES.items()}

    def search(handler: BaseHTTPRequestHandler) -> Reply:
        words = parse_qs(urlsplit(handler.path).query)["d"][0]
        return Reply(pages[words], content_type="text/html; charset=utf-8")

    server.route("/p/pl", search)
    [result] = refresh(settings, ["newegg"], now=NOW)
    assert result.status == "ok", result.error
    with read_connection(settings.db_path) as con:
        counts = dict(
            con.execute(
                "SELECT gpu_model, count(*) FROM gpu_hardware_prices "
                "WHERE source = 'newegg' AND condition = 'new' GROUP BY 1"
            ).fetchall()
        )
    assert counts["RTX 3090"] == 3
    assert counts["RTX 5090"] == 5
    assert server.hits("/p/pl") == len(SEARCHES)
