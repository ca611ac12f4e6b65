"""OWID carbon parser: columns by name, ISO2 regions, aggregates kept by name, blanks skipped."""

from __future__ import annotations

from datetime import UTC, date, datetime
from urllib.parse import urlsplit

import pytest

from scrapers.config import Settings
from scrapers.errors import ParseError
from scrapers.refresh import refresh
from scrapers.regions import iso2
from scrapers.sources.base import Context, Query
from scrapers.sources.carbon import CSV_URL, Carbon
from scrapers.store import read_connection
from tests.support.payloads import sample
from tests.support.sources import parse_rows

NOW = datetime(2025, 12, 10, 9, 0, tzinfo=UTC)
CTX = Context(settings=Settings(), now=NOW)
QUERY = Query(url=CSV_URL, label="owid_energy")
HEADER = "country,year,iso_code,population,carbon_intensity_elec,coal_share_elec\n"


def parse(text: str | bytes, ctx: Context = CTX) -> list[dict]:
    return parse_rows(Carbon(), QUERY, text, ctx)


def keyed(text: str | bytes) -> dict[tuple[str, int], dict]:
    return {(r["region"], r["year"]): r for r in parse(text)}


def test_sample_countries_are_keyed_by_iso2():
    regions = {r["region"] for r in parse(sample("carbon", "owid_energy.csv"))}
    assert {"US", "CA", "CN", "DE", "FR", "NO", "SE", "IS", "PY", "KZ", "RU", "ET"} <= regions


def test_sample_keeps_world_and_aggregates_by_name():
    regions = {r["region"] for r in parse(sample("carbon", "owid_energy.csv"))}
    assert {"World", "Europe", "High-income countries"} <= regions


def test_sample_spans_2015_to_2024():
    years = {r["year"] for r in parse(sample("carbon", "owid_energy.csv"))}
    assert years == set(range(2015, 2025))


def test_sample_blank_intensity_is_skipped():
    rows = keyed(sample("carbon", "owid_energy.csv"))
    assert ("KZ", 2022) in rows
    assert ("KZ", 2023) not in rows


def test_intensity_is_grams_per_kwh_as_given():
    row = keyed(HEADER + "Norway,2023,NOR,5500000,29.5,0\n")[("NO", 2023)]
    assert (row["carbon_g_per_kwh"], row["region_name"]) == (29.5, "Norway")


def test_owid_kosovo_code_maps_to_xk():
    assert ("XK", 2020) in keyed(HEADER + "Kosovo,2020,OWID_KOS,1800000,980.1,90\n")


def test_other_owid_codes_keep_the_name():
    assert ("World", 2020) in keyed(HEADER + "World,2020,OWID_WRL,7800000000,480,35\n")


def test_unknown_iso3_is_kept_as_the_code():
    assert ("ATL", 2020) in keyed(HEADER + "Atlantis,2020,ATL,1,100,0\n")


def test_columns_are_picked_by_name_not_position():
    text = "gdp,carbon_intensity_elec,iso_code,year,country\n1,380.2,USA,2024,United States\n"
    assert keyed(text)[("US", 2024)]["carbon_g_per_kwh"] == 380.2


def test_missing_intensity_column_raises():
    with pytest.raises(ParseError, match="missing column.*carbon_intensity_elec"):
        parse("country,year,iso_code,population\nFrance,2020,FRA,1\n")


def test_junk_year_and_negative_intensity_are_skipped():
    text = HEADER + "France,n/a,FRA,1,50,0\nFrance,2020,FRA,1,-5,0\nFrance,2021,FRA,1,55,0\n"
    assert list(keyed(text)) == [("FR", 2021)]


def test_backfill_keeps_years_from_since():
    ctx = Context(settings=Settings(), now=NOW, backfill=True, since=date(2021, 6, 1))
    text = HEADER + "France,2020,FRA,1,50,0\nFrance,2021,FRA,1,55,0\n"
    assert [r["year"] for r in parse(text, ctx)] == [2021]


@pytest.mark.parametrize(("code", "expected"), [("USA", "US"), ("deu", "DE"), ("XXX", None)])
def test_iso2_lookup(code: str, expected: str | None):
    assert iso2(code) == expected


def test_refresh_writes_country_years(server, settings):
    server.route(urlsplit(CSV_URL).path, sample("carbon", "owid_energy.csv"))
    [result] = refresh(settings, ["carbon"], now=NOW)
    assert result.status == "ok", result.error
    with read_connection(settings.db_path) as con:
        [(world_2024,)] = con.execute(
            "SELECT carbon_g_per_kwh FROM grid_carbon WHERE region = 'World' AND year = 2024"
        ).fetchall()
    assert 300 < world_2024 < 600
