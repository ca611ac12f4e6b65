"""Grid carbon intensity by country and year from Our World in Data's energy dataset.

``owid-energy-data.csv`` (~9 MB, ~130 columns, CC BY 4.0) is read by header name: ``country``,
``year``, ``iso_code`` and ``carbon_intensity_elec`` (gCO2e per kWh generated; Ember and the
Energy Institute behind it). Countries are keyed by ISO2; OWID's aggregates (``World``,
``Europe``, income groups) have an empty or ``OWID_`` code and are kept under their name.
Recent years are often blank for some countries: blank cells are skipped, not zeroed.
"""

from __future__ import annotations

from datetime import timedelta

from scrapers.csvtable import select_columns
from scrapers.http import Response
from scrapers.regions import iso2
from scrapers.schema import GRID_CARBON, Batch, Row
from scrapers.sources.base import Context, Query, Source, to_float, to_int

CSV_URL = "https://raw.githubusercontent.com/owid/energy-data/master/owid-energy-data.csv"
COLUMNS = {
    "country": "country",
    "year": "year",
    "iso_code": "iso_code",
    "intensity": "carbon_intensity_elec",
}


def region_of(country: str, iso_code: str) -> str:
    """ISO2 for a country, the upstream code when it has no ISO2 we know, else the name."""
    code = iso_code.strip().upper()
    mapped = iso2(code)
    if mapped:
        return mapped
    if len(code) == 3 and code.isalpha():
        return code  # a real ISO3 missing from our table: still a stable key
    return country  # aggregates: "World", "Europe", "High-income countries"


def parse_intensity(text: str, ctx: Context) -> list[Row]:
    """One row per region and year with a carbon intensity."""
    rows: list[Row] = []
    for line in select_columns(text, COLUMNS, "OWID energy CSV"):
        year = to_int(line["year"])
        intensity = to_float(line["intensity"])
        if year is None or intensity is None or intensity < 0 or not line["country"]:
            continue
        if ctx.backfill and ctx.since and year < ctx.since.year:
            continue
        rows.append(
            {
                "region": region_of(line["country"], line["iso_code"]),
                "region_name": line["country"],
                "year": year,
                "carbon_g_per_kwh": intensity,
            }
        )
    return rows


class Carbon(Source):
    """OWID grid carbon intensity of electricity."""

    id = "carbon"
    kind = "carbon"
    tables = (GRID_CARBON,)
    title = "Our World in Data: carbon intensity of electricity"
    base_url = "https://raw.githubusercontent.com"
    parser_version = "1"
    min_interval = timedelta(days=1)
    expected_interval = timedelta(days=90)
    row_noun = "country-years"

    def queries(self, ctx: Context) -> list[Query]:
        """The whole dataset in one file."""
        return [Query(url=CSV_URL, label="owid_energy")]

    def history_queries(self, ctx: Context) -> list[Query]:
        """The same file: it already holds every year."""
        return self.queries(ctx)

    def parse(self, query: Query, response: Response, ctx: Context) -> Batch:
        """Rows for ``grid_carbon``."""
        return {GRID_CARBON.name: parse_intensity(response.text(), ctx)}
