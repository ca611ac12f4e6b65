"""Ember parser: DD/MM/YYYY months, EUR/MWh to USD/kWh with the stored FX rate, layout drift."""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime
from urllib.parse import urlsplit

import pytest

from scrapers.config import Settings
from scrapers.errors import ParseError
from scrapers.fx import FX_FILE, usd_per_eur, usd_per_eur_table
from scrapers.refresh import refresh
from scrapers.sources.base import Context, Query
from scrapers.sources.ember import CSV_URL, Ember
from scrapers.store import read_connection
from tests.support.payloads import sample
from tests.support.sources import parse_rows

NOW = datetime(2025, 12, 10, 9, 0, tzinfo=UTC)
CTX = Context(settings=Settings(), now=NOW)
QUERY = Query(url=CSV_URL, label="wholesale_monthly")
HEADER = "Country,ISO3 Code,Date,Price (EUR/MWhe)\n"


def parse(text: str | bytes, ctx: Context = CTX) -> list[dict]:
    return parse_rows(Ember(), QUERY, text, ctx)


def test_sample_has_eight_countries_by_iso2():
    regions = {r["region"] for r in parse(sample("ember", "wholesale_monthly.csv"))}
    assert regions == {"DE", "FR", "ES", "NO", "SE", "PL", "IT", "NL"}


def test_sample_is_24_months_per_country():
    rows = parse(sample("ember", "wholesale_monthly.csv"))
    assert len({r["period_start"] for r in rows if r["region"] == "DE"}) == 24


def test_rows_are_monthly_wholesale_with_the_country_name():
    [row] = parse(HEADER + "Germany,DEU,01/03/2024,64.5\n")
    assert (row["sector"], row["period"], row["region_name"]) == ("wholesale", "month", "Germany")


def test_date_is_day_first():
    [row] = parse(HEADER + "France,FRA,01/02/2024,70\n")
    assert row["period_start"] == date(2024, 2, 1)


def test_price_is_converted_at_the_stored_rate_and_the_rate_kept():
    [row] = parse(HEADER + "Spain,ESP,01/06/2024,100.0\n")
    assert row["usd_per_native_currency"] == usd_per_eur(2024) == 1.0824
    assert row["price_usd_per_kwh"] == pytest.approx(0.10824)
    assert (row["price_native"], row["native_unit"]) == (100.0, "EUR/MWh")


def test_columns_are_picked_by_name_not_position():
    text = "Date,Extra,Price (EUR/MWhe),ISO3 Code,Country\n01/01/2025,x,80,POL,Poland\n"
    [row] = parse(text)
    assert (row["region"], row["price_native"]) == ("PL", 80.0)


def test_missing_column_raises_naming_it():
    with pytest.raises(ParseError, match=r"missing column\(s\) Price \(EUR/MWhe\)"):
        parse("Country,ISO3 Code,Date,Price (USD/MWh)\nFrance,FRA,01/01/2025,80\n")


def test_empty_file_raises():
    with pytest.raises(ParseError, match="empty file"):
        parse("")


def test_blank_price_and_bad_date_are_skipped():
    text = HEADER + "France,FRA,01/01/2025,\nFrance,FRA,2025-13-01,80\nFrance,FRA,01/02/2025,75\n"
    assert [r["period_start"] for r in parse(text)] == [date(2025, 2, 1)]


def test_byte_order_mark_is_ignored():
    [row] = parse(b"\xef\xbb\xbf" + (HEADER + "Italy,ITA,01/01/2025,120\n").encode())
    assert row["region"] == "IT"


def test_unknown_iso3_is_kept_as_the_code():
    [row] = parse(HEADER + "Atlantis,ATL,01/01/2025,50\n")
    assert row["region"] == "ATL"


def test_backfill_keeps_months_from_since():
    ctx = Context(settings=Settings(), now=NOW, backfill=True, since=date(2025, 2, 15))
    text = HEADER + "France,FRA,01/01/2025,80\nFrance,FRA,01/02/2025,75\n"
    assert [r["period_start"] for r in parse(text, ctx)] == [date(2025, 2, 1)]


def test_history_is_the_same_file():
    assert Ember().history_queries(CTX) == Ember().queries(CTX)


def test_fx_table_covers_2015_on_and_cites_the_ecb():
    with FX_FILE.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert min(usd_per_eur_table()) == 2015
    assert all("ecb.europa.eu" in r["source"] for r in rows)


def test_fx_outside_the_table_uses_the_nearest_year():
    table = usd_per_eur_table()
    assert usd_per_eur(2010) == table[min(table)]
    assert usd_per_eur(2099) == table[max(table)]


def test_refresh_writes_prices_with_their_fx_rate(server, settings):
    server.route(urlsplit(CSV_URL).path, sample("ember", "wholesale_monthly.csv"))
    [result] = refresh(settings, ["ember"], now=NOW)
    assert result.status == "ok", result.error
    with read_connection(settings.db_path) as con:
        [(count, missing_fx)] = con.execute(
            "SELECT count(*), count(*) FILTER (WHERE usd_per_native_currency IS NULL) "
            "FROM energy_prices WHERE source = 'ember'"
        ).fetchall()
    assert (count, missing_fx) == (192, 0)
