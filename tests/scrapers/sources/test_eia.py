"""EIA parser: sample payloads, quirks, pagination and one real refresh via a local server."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlsplit

import pytest

from scrapers.config import Settings
from scrapers.errors import ParseError
from scrapers.http import PoliteSession
from scrapers.refresh import refresh
from scrapers.sources.base import Context, Query
from scrapers.sources.eia import RETAIL_SALES_URL, Eia, redact_key
from scrapers.store import read_connection
from tests.support.local_http import Reply
from tests.support.payloads import fixture, sample
from tests.support.sources import parse_rows

NOW = datetime(2025, 11, 24, 16, 30, tzinfo=UTC)
CTX = Context(settings=Settings(api_keys={"eia": "k"}), now=NOW)
QUERY = Query(url=RETAIL_SALES_URL, label="retail_sales")
PATH = urlsplit(RETAIL_SALES_URL).path


def parse(body: bytes) -> list[dict]:
    return parse_rows(Eia(), QUERY, body, CTX)


def keyed(body: bytes) -> dict[tuple[str, str, date], dict]:
    return {(r["region"], r["sector"], r["period_start"]): r for r in parse(body)}


def test_sample_has_states_and_nation_but_no_census_division():
    regions = {r["region"] for r in parse(sample("eia", "retail_sales.json"))}
    assert regions == {"US-TX", "US-WA", "US-GA", "US-NY", "US-ND", "US-LA", "US-OK", "US"}


def test_sample_prices_are_usd_per_kwh_with_cents_kept():
    tx = keyed(sample("eia", "retail_sales.json"))[("US-TX", "industrial", date(2025, 9, 1))]
    assert tx["price_usd_per_kwh"] == pytest.approx(tx["price_native"] / 100)
    assert 0.05 < tx["price_usd_per_kwh"] < 0.09
    assert tx["native_unit"] == "USc/kWh"
    assert tx["period"] == "month"
    assert tx["region_name"] == "Texas"


def test_sample_has_both_queried_sectors():
    sectors = {r["sector"] for r in parse(sample("eia", "retail_sales.json"))}
    assert sectors == {"industrial", "commercial"}


def test_history_sample_reaches_back_to_2015():
    starts = [r["period_start"] for r in parse(sample("eia", "retail_sales_history.json"))]
    assert min(starts) == date(2015, 1, 1)


def test_string_price_is_accepted():
    wa = keyed(fixture("eia", "quirks.json"))[("US-WA", "industrial", date(2025, 9, 1))]
    assert wa["price_usd_per_kwh"] == pytest.approx(0.072)


def test_null_price_is_skipped():
    assert not [r for r in parse(fixture("eia", "quirks.json")) if r["region"] == "US-ND"]


def test_census_divisions_are_dropped():
    names = {r["region_name"] for r in parse(fixture("eia", "quirks.json"))}
    assert "West South Central" not in names
    assert "Pacific Noncontiguous" not in names


@pytest.mark.parametrize(
    ("region", "sector"), [("US", "all"), ("US-GA", "residential"), ("US-TX", "industrial")]
)
def test_sector_ids_are_mapped(region: str, sector: str):
    pairs = {(r["region"], r["sector"]) for r in parse(fixture("eia", "quirks.json"))}
    assert (region, sector) in pairs


def test_empty_data_parses_to_no_rows():
    assert parse(fixture("eia", "empty.json")) == []


def test_error_payload_raises_with_its_message():
    with pytest.raises(ParseError, match="Invalid facet"):
        parse(fixture("eia", "error.json"))


def test_response_without_data_raises_with_the_warning():
    with pytest.raises(ParseError, match="no response.data.*returned no data"):
        parse(fixture("eia", "no_data.json"))


def test_changed_units_raise():
    body = json.dumps(
        {"response": {"data": [{"period": "2025-09", "stateid": "TX", "sectorid": "IND",
                                "price": 66.0, "price-units": "dollars per megawatthour"}]}}
    ).encode()  # fmt: skip
    with pytest.raises(ParseError, match="units changed"):
        parse(body)


def test_refresh_queries_two_years_of_industrial_and_commercial():
    [query] = Eia().queries(CTX)
    assert query.params["start"] == "2023-11"
    assert query.params["facets[sectorid][]"] == ["IND", "COM"]
    assert query.params["api_key"] == "k"


def test_history_queries_start_in_2015():
    [query] = Eia().history_queries(CTX)
    assert query.params["start"] == "2015-01"
    assert query.label == "retail_sales_history"


def test_redact_key_drops_only_the_key():
    url = "https://api.eia.gov/v2/x/?api_key=SECRET&frequency=monthly"
    assert redact_key(url) == "https://api.eia.gov/v2/x/?frequency=monthly"


def _pages(rows: list[dict], size: int):
    def handler(h: BaseHTTPRequestHandler) -> Reply:
        offset = int(parse_qs(urlsplit(h.path).query)["offset"][0])
        page = {"response": {"total": str(len(rows)), "data": rows[offset : offset + size]}}
        return Reply(json.dumps(page).encode())

    return handler


def test_fetch_follows_pagination_into_one_document(server, settings):
    rows = json.loads(sample("eia", "retail_sales.json"))["response"]["data"][:25]
    server.route(PATH, _pages(rows, 10))
    query = Eia().queries(Context(settings=settings, now=NOW))[0]
    with PoliteSession(settings) as session:
        response = Eia().fetch(query, session, settings)
    assert server.hits(PATH) == 3
    assert json.loads(response.body)["response"]["data"] == rows
    assert "api_key" not in response.url


def test_refresh_writes_prices_without_leaking_the_key(server, settings):
    server.route(PATH, sample("eia", "retail_sales.json"))
    [result] = refresh(settings, ["eia"], now=NOW)
    assert result.status == "ok", result.error
    with read_connection(settings.db_path) as con:
        count, urls = con.execute(
            "SELECT count(*), string_agg(DISTINCT source_url, ' ') FROM energy_prices "
            "WHERE source = 'eia' AND region = 'US-TX' AND sector = 'industrial'"
        ).fetchone()
    assert count == 12
    assert "test-key" not in urls


def test_backfill_writes_history_from_2015(server, settings):
    server.route(PATH, sample("eia", "retail_sales_history.json"))
    [result] = refresh(settings, ["eia"], backfill=True, now=NOW)
    assert result.status == "ok", result.error
    with read_connection(settings.db_path) as con:
        [(first,)] = con.execute("SELECT min(period_start) FROM energy_prices").fetchall()
    assert first == date(2015, 1, 1)
