"""Ember: monthly average wholesale (day-ahead) electricity prices for European countries.

CSV header ``Country,ISO3 Code,Date,Price (EUR/MWhe)``; ``Date`` is ``DD/MM/YYYY``, the first
of the month. Prices are EUR/MWh for every country (also non-euro ones such as PL, SE, NO),
converted to USD/kWh with the stored annual USD-per-EUR rate (``scrapers.fx``), which is kept
on each row as ``usd_per_native_currency``. Licence CC BY 4.0 (Ember).

The file's path moves between Ember releases (``/app/uploads/<year>/<month>/…``): update
``CSV_URL`` when it does, or serve a copy at the same path behind ``RIGSHIFT_EMBER_BASE_URL``
(which replaces scheme and host). The file always holds the full history since 2015, so a
backfill fetches the same file and keeps the months from ``--since`` on.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from scrapers.csvtable import select_columns
from scrapers.fx import usd_per_eur
from scrapers.http import Response
from scrapers.regions import iso2
from scrapers.schema import ENERGY_PRICES, Batch, Row
from scrapers.sources.base import Context, Query, Source, to_float
from scrapers.units import eur_per_mwh_to_usd_per_kwh

CSV_URL = (
    "https://ember-energy.org/app/uploads/2024/05/"
    "european_wholesale_electricity_price_data_monthly.csv"
)
COLUMNS = {
    "country": "Country",
    "iso3": "ISO3 Code",
    "date": "Date",
    "price": "Price (EUR/MWhe)",
}
DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d")


def month_of(text: str) -> date | None:
    """The first of the month of a ``DD/MM/YYYY`` (or ISO) date, or None."""
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date().replace(day=1)
        except ValueError:
            continue
    return None


def parse_prices(text: str, ctx: Context) -> list[Row]:
    """Monthly wholesale price rows in USD/kWh."""
    rows: list[Row] = []
    for line in select_columns(text, COLUMNS, "Ember wholesale CSV"):
        month = month_of(line["date"])
        price = to_float(line["price"])
        if month is None or price is None:
            continue
        if ctx.backfill and ctx.since and month < ctx.since.replace(day=1):
            continue
        fx = usd_per_eur(month.year)
        code = line["iso3"].upper()
        rows.append(
            {
                "region": iso2(code) or code or line["country"],
                "region_name": line["country"] or None,
                "sector": "wholesale",
                "period": "month",
                "period_start": month,
                "price_usd_per_kwh": eur_per_mwh_to_usd_per_kwh(price, fx),
                "price_native": price,
                "native_unit": "EUR/MWh",
                "usd_per_native_currency": fx,
            }
        )
    return rows


class Ember(Source):
    """Ember European monthly wholesale electricity prices."""

    id = "ember"
    kind = "energy"
    tables = (ENERGY_PRICES,)
    title = "Ember European wholesale electricity prices"
    base_url = "https://ember-energy.org"
    parser_version = "1"
    min_interval = timedelta(hours=12)
    expected_interval = timedelta(days=35)
    row_noun = "monthly prices"

    def queries(self, ctx: Context) -> list[Query]:
        """The monthly CSV (one file, every country and month)."""
        return [Query(url=CSV_URL, label="wholesale_monthly")]

    def history_queries(self, ctx: Context) -> list[Query]:
        """The same file: it already holds the full history."""
        return self.queries(ctx)

    def parse(self, query: Query, response: Response, ctx: Context) -> Batch:
        """Rows for ``energy_prices``."""
        return {ENERGY_PRICES.name: parse_prices(response.text(), ctx)}
