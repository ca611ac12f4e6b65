"""ENTSO-E A44 parser: namespaces, PT15M, A03 gaps, auctions, acknowledgements, one refresh."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlsplit

import pytest

from scrapers.config import Settings
from scrapers.errors import ParseError
from scrapers.fx import usd_per_eur
from scrapers.http import PoliteSession
from scrapers.refresh import refresh
from scrapers.sources.base import Context, Query
from scrapers.sources.entsoe import (
    API_URL,
    ZONES,
    Entsoe,
    cet_offset,
    day_start_utc,
    delivery_day,
    parse_document,
    redact_token,
    zone_label,
)
from scrapers.store import read_connection
from tests.support.local_http import LocalServer, Reply
from tests.support.payloads import sample
from tests.support.sources import parse_rows

NOW = datetime(2026, 3, 10, 12, 30, tzinfo=UTC)
CTX = Context(settings=Settings(api_keys={"entsoe": "SECRET"}), now=NOW)
PATH = urlsplit(API_URL).path
NS_73 = "urn:iec62325.351:tc57wg16:451-3:publicationdocument:7:3"
NS_70 = "urn:iec62325.351:tc57wg16:451-3:publicationdocument:7:0"


def parse(body: bytes, zone: str = "NL", ctx: Context = CTX) -> list[dict]:
    query = Query(url=API_URL, label=zone_label(zone), extra={"zone": zone})
    return parse_rows(Entsoe(), query, body, ctx)


def document(*series: str, ns: str = NS_73) -> bytes:
    return (
        f'<?xml version="1.0" encoding="utf-8"?><Publication_MarketDocument xmlns="{ns}">'
        + "".join(series)
        + "</Publication_MarketDocument>"
    ).encode()


def series(
    points: dict[int, float],
    start: str = "2025-09-14T22:00Z",
    end: str = "2025-09-15T22:00Z",
    res: str = "PT60M",
    curve: str = "A03",
    seq: int | None = None,
    currency: str = "EUR",
) -> str:
    rank = (
        f"<classificationSequence_AttributeInstanceComponent.position>{seq}"
        "</classificationSequence_AttributeInstanceComponent.position>"
        if seq is not None
        else ""
    )
    body = "".join(
        f"<Point><position>{p}</position><price.amount>{v}</price.amount></Point>"
        for p, v in points.items()
    )
    return (
        f"<TimeSeries><currency_Unit.name>{currency}</currency_Unit.name>"
        f"<price_Measure_Unit.name>MWH</price_Measure_Unit.name>{rank}"
        f"<curveType>{curve}</curveType><Period><timeInterval><start>{start}</start>"
        f"<end>{end}</end></timeInterval><resolution>{res}</resolution>{body}</Period>"
        "</TimeSeries>"
    )


def ack(text: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?><Acknowledgement_MarketDocument '
        'xmlns="urn:iec62325.351:tc57wg16:451-1:acknowledgementdocument:7:0">'
        f"<mRID>x</mRID><Reason><code>999</code><text>{text}</text></Reason>"
        "</Acknowledgement_MarketDocument>"
    ).encode()


# -- the bundled samples -----------------------------------------------------------------


@pytest.mark.parametrize("zone", list(ZONES))
def test_every_zone_sample_parses_to_daily_rows(zone: str):
    body = sample("entsoe", f"{zone_label(zone)}.xml")
    rows = parse(body, zone)
    assert rows and {r["region"] for r in rows} == {zone}
    assert {(r["period"], r["sector"], r["native_unit"]) for r in rows} == {
        ("day", "wholesale", "EUR/MWh")
    }


def test_hourly_sample_gives_three_delivery_days():
    days = [r["period_start"] for r in parse(sample("entsoe", "day_ahead_nl.xml"))]
    assert days == [date(2025, 9, 15), date(2025, 9, 16), date(2025, 9, 17)]


def test_quarter_hour_sample_keeps_the_main_auction_not_the_first_series():
    # The EXAA series (sequence 2) comes first in the sample and is 1.80 EUR/MWh lower.
    [first, _] = parse(sample("entsoe", "day_ahead_de_lu.xml"), "DE-LU")
    intervals = parse_document(sample("entsoe", "day_ahead_de_lu.xml"))
    assert len(intervals) == 2 * 96
    assert intervals[0].length == timedelta(minutes=15)
    day_one = [i.eur_per_mwh for i in intervals if delivery_day(i.start) == date(2026, 3, 2)]
    assert first["price_native"] == pytest.approx(sum(day_one) / 96)
    assert intervals[0].eur_per_mwh == 97.07  # sequence 1, position 1


def test_price_is_converted_with_the_stored_fx_rate():
    row = parse(sample("entsoe", "day_ahead_fr.xml"), "FR")[0]
    assert row["usd_per_native_currency"] == usd_per_eur(2025)
    assert row["price_usd_per_kwh"] == pytest.approx(row["price_native"] * usd_per_eur(2025) / 1000)
    assert row["region_name"] == "France"


# -- parser quirks -----------------------------------------------------------------------


def test_daily_average_weights_every_hour():
    points = {p: 50.0 if p <= 12 else 100.0 for p in range(1, 25)}
    [row] = parse(document(series(points)))
    assert row["period_start"] == date(2025, 9, 15)
    assert row["price_native"] == pytest.approx(75.0)


@pytest.mark.parametrize("ns", [NS_73, NS_70, ""])
def test_namespace_version_does_not_matter(ns: str):
    points = {p: 80.0 for p in range(1, 25)}
    body = document(series(points), ns=ns).replace(b' xmlns=""', b"")
    assert [r["price_native"] for r in parse(body)] == [pytest.approx(80.0)]


def test_a03_gaps_repeat_the_previous_price_up_to_the_period_end():
    # Position 1 = 10, 2–12 omitted (still 10), 13 = 40, 14–24 omitted (still 40).
    intervals = parse_document(document(series({1: 10.0, 13: 40.0})))
    assert len(intervals) == 24
    assert [i.eur_per_mwh for i in intervals[:13]] == [10.0] * 12 + [40.0]
    assert intervals[-1].eur_per_mwh == 40.0
    [row] = parse(document(series({1: 10.0, 13: 40.0})))
    assert row["price_native"] == pytest.approx(25.0)


def test_a01_gaps_are_missing_hours_and_the_day_is_left_out():
    points = {p: 60.0 for p in range(1, 25) if p != 5}
    assert len(parse_document(document(series(points, curve="A01")))) == 23
    assert parse(document(series(points, curve="A01"))) == []


def test_pt15m_points_are_weighted_a_quarter_hour_each():
    points = {p: 100.0 if p <= 48 else 20.0 for p in range(1, 97)}
    [row] = parse(document(series(points, res="PT15M")))
    assert row["price_native"] == pytest.approx(60.0)


def test_lowest_classification_sequence_wins_whatever_the_order():
    body = document(
        series({p: 999.0 for p in range(1, 25)}, seq=2),
        series({p: 70.0 for p in range(1, 25)}, seq=1),
    )
    assert [r["price_native"] for r in parse(body)] == [pytest.approx(70.0)]


def test_negative_prices_are_kept():
    points = {p: -5.0 for p in range(1, 25)}
    assert parse(document(series(points)))[0]["price_native"] == pytest.approx(-5.0)


def test_a_partial_day_at_the_edge_of_the_data_is_left_out():
    # Ten hours of 2025-09-15, then nothing: an average of them would miss the evening peak.
    body = document(series({p: 50.0 for p in range(1, 11)}, end="2025-09-15T08:00Z"))
    assert parse(body) == []


def test_short_and_long_dst_days_count_as_complete():
    spring = series({p: 40.0 for p in range(1, 24)}, "2025-03-29T23:00Z", "2025-03-30T22:00Z")
    autumn = series({p: 40.0 for p in range(1, 26)}, "2025-10-25T22:00Z", "2025-10-26T23:00Z")
    days = [r["period_start"] for r in parse(document(spring, autumn))]
    assert days == [date(2025, 3, 30), date(2025, 10, 26)]


def test_no_matching_data_acknowledgement_is_an_empty_result():
    body = ack("No matching data found for Data item Day-ahead Prices [12.1.D].")
    assert parse(body) == []


def test_other_acknowledgements_raise_with_the_reason():
    with pytest.raises(ParseError, match="exceeds the allowed limit"):
        parse(ack("The amount of requested data exceeds the allowed limit."))


def test_non_euro_series_raise():
    with pytest.raises(ParseError, match="NOK"):
        parse(document(series({1: 500.0}, currency="NOK")))


def test_not_xml_raises():
    with pytest.raises(ParseError, match="not XML"):
        parse(b"<html><body>Service unavailable")


def test_unexpected_document_raises():
    with pytest.raises(ParseError, match="GL_MarketDocument"):
        parse(b'<GL_MarketDocument xmlns="urn:x"/>')


def test_backfill_honours_since():
    ctx = Context(settings=CTX.settings, now=NOW, since=date(2025, 9, 16), backfill=True)
    days = [r["period_start"] for r in parse(sample("entsoe", "day_ahead_nl.xml"), ctx=ctx)]
    assert days == [date(2025, 9, 16), date(2025, 9, 17)]


# -- time and queries ----------------------------------------------------------------------


def test_cet_offsets_follow_the_eu_summer_time_rule():
    assert cet_offset(datetime(2026, 1, 15)) == timedelta(hours=1)
    assert cet_offset(datetime(2026, 7, 15)) == timedelta(hours=2)
    assert cet_offset(datetime(2026, 3, 29, 0, 59)) == timedelta(hours=1)
    assert cet_offset(datetime(2026, 3, 29, 1, 0)) == timedelta(hours=2)
    assert cet_offset(datetime(2026, 10, 25, 1, 0)) == timedelta(hours=1)


def test_delivery_days_start_at_cet_midnight():
    assert day_start_utc(date(2026, 3, 2)) == datetime(2026, 3, 1, 23, 0)
    assert day_start_utc(date(2025, 9, 15)) == datetime(2025, 9, 14, 22, 0)
    assert delivery_day(datetime(2025, 9, 14, 22, 0)) == date(2025, 9, 15)


def test_refresh_asks_each_zone_for_the_last_week_and_tomorrow():
    queries = Entsoe().queries(CTX)
    assert [q.label for q in queries] == [zone_label(z) for z in ZONES]
    de = queries[0].params
    assert (de["documentType"], de["in_Domain"], de["out_Domain"]) == (
        "A44",
        "10Y1001A1001A82H",
        "10Y1001A1001A82H",
    )
    assert (de["periodStart"], de["periodEnd"]) == ("202603022300", "202603112300")
    assert de["securityToken"] == "SECRET"


def test_history_is_monthly_windows_from_since():
    ctx = Context(settings=CTX.settings, now=NOW, since=date(2026, 1, 20), backfill=True)
    nl = [q for q in Entsoe().history_queries(ctx) if q.extra["zone"] == "NL"]
    assert [q.label for q in nl] == [
        "day_ahead_nl_2026_01",
        "day_ahead_nl_2026_02",
        "day_ahead_nl_2026_03",
    ]
    windows = [(q.params["periodStart"], q.params["periodEnd"]) for q in nl]
    assert windows == [
        ("202601192300", "202601312300"),
        ("202601312300", "202602282300"),
        ("202602282300", "202603112300"),
    ]


def test_history_defaults_to_a_year_of_months():
    ctx = Context(settings=CTX.settings, now=NOW, backfill=True)
    queries = Entsoe().history_queries(ctx)
    assert len(queries) == len(ZONES) * 13  # March 2025 to March 2026
    assert len({q.label for q in queries}) == len(queries)


def test_redact_token_drops_only_the_token():
    url = f"{API_URL}?securityToken=SECRET&documentType=A44&in_Domain=10YNL----------L"
    assert redact_token(url) == f"{API_URL}?documentType=A44&in_Domain=10YNL----------L"


# -- through HTTP ----------------------------------------------------------------------------


def _by_domain(h: BaseHTTPRequestHandler) -> Reply:
    eic = parse_qs(urlsplit(h.path).query)["in_Domain"][0]
    zone = next(z for z, (code, _) in ZONES.items() if code == eic)
    return Reply(sample("entsoe", f"{zone_label(zone)}.xml"), content_type="text/xml")


def test_fetch_strips_the_token_from_the_response_url(server: LocalServer, settings: Settings):
    server.route(PATH, _by_domain)
    query = Entsoe().queries(Context(settings=settings, now=NOW))[0]
    with PoliteSession(settings) as session:
        response = Entsoe().fetch(query, session, settings)
    assert "securityToken" not in response.url and "test-key" not in response.url
    assert "in_Domain=10Y1001A1001A82H" in response.url


def test_refresh_writes_every_zone_without_leaking_the_token(
    server: LocalServer, settings: Settings
):
    server.route(PATH, _by_domain)
    [result] = refresh(settings, ["entsoe"], now=NOW)
    assert result.status == "ok", result.error
    assert server.hits(PATH) == len(ZONES)
    with read_connection(settings.db_path) as con:
        regions, urls, raw = con.execute(
            "SELECT count(DISTINCT region), string_agg(DISTINCT source_url, ' '), "
            "(SELECT string_agg(url, ' ') FROM raw_payloads WHERE source = 'entsoe') "
            "FROM energy_prices WHERE source = 'entsoe' AND period = 'day'"
        ).fetchone()
    assert regions == len(ZONES)
    assert "test-key" not in urls and "securityToken" not in urls
    assert "test-key" not in raw


def test_refresh_without_a_token_fails_with_a_hint(server: LocalServer, settings: Settings):
    [result] = refresh(replace(settings, api_keys={}), ["entsoe"], now=NOW)
    assert result.status == "failed"
    assert "RIGSHIFT_ENTSOE_API_KEY" in (result.error or "")


def test_a_document_for_another_zone_is_refused() -> None:
    body = sample("entsoe", "day_ahead_de_lu.xml")
    with pytest.raises(ParseError, match=r"answered for DE-LU \(10Y1001A1001A82H\) when NL"):
        parse(body, "NL")
    assert parse(body, "DE-LU")  # the zone it is for still parses
