"""EIA API v2: US retail electricity prices by state and sector (``electricity/retail-sales``).

Monthly prices in US cents per kWh, stored as USD/kWh with the cents kept as the native
value. Quirks handled here:

- ``price`` is a number, a numeric string ("7.2") or null (withheld): nulls are skipped;
- ``stateid`` mixes states, the national row ``US`` and census divisions (``WSC``,
  ``PACN``...): states become ``US-TX``, the nation ``US``, divisions are dropped;
- errors come back as ``{"error": ...}`` or a ``response`` without ``data``;
- one call returns at most 5,000 rows. :meth:`Eia.fetch` follows ``response.total``
  through ``offset`` pages and hands the parser one merged document of the same shape,
  so the backfill (2015 onwards, about 15,000 rows) stays one query;
- the API key travels in the query string, so it is removed from the URL kept as lineage.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from scrapers.config import Settings
from scrapers.errors import ParseError
from scrapers.http import PoliteSession, Response
from scrapers.schema import ENERGY_PRICES, Batch, Row
from scrapers.sources.base import (
    Context,
    Query,
    Source,
    load_json,
    month_start,
    to_float,
    to_int,
)
from scrapers.units import cents_per_kwh_to_usd_per_kwh

RETAIL_SALES_URL = "https://api.eia.gov/v2/electricity/retail-sales/data/"
PAGE_LENGTH = 5000  # the API's maximum rows per call
MAX_PAGES = 40  # 200,000 rows: far above the ~15,000 of a full backfill
HISTORY_START = "2015-01"
SECTORS_QUERIED = ("IND", "COM")  # mining sites and colocation buy power at these rates

SECTORS = {
    "IND": "industrial",
    "COM": "commercial",
    "RES": "residential",
    "ALL": "all",
    "TRA": "transportation",
    "OTH": "other",
}
CENSUS_DIVISIONS = frozenset(
    {"NEW", "MAT", "ENC", "WNC", "SAT", "ESC", "WSC", "MTN", "PACC", "PACN"}
)
NATIVE_UNIT = "USc/kWh"


def retail_sales_params(api_key: str, start: str, offset: int = 0) -> dict[str, Any]:
    """Query-string parameters for monthly prices of the queried sectors from ``start``."""
    return {
        "api_key": api_key,
        "frequency": "monthly",
        "data[0]": "price",
        "facets[sectorid][]": list(SECTORS_QUERIED),
        "start": start,
        "sort[0][column]": "period",
        "sort[0][direction]": "desc",
        "offset": offset,
        "length": PAGE_LENGTH,
    }


def region(state_id: Any) -> str | None:
    """``US-TX`` for a state, ``US`` for the nation, None for census divisions and junk."""
    code = str(state_id or "").strip().upper()
    if code == "US":
        return "US"
    if code in CENSUS_DIVISIONS or len(code) != 2 or not code.isalpha():
        return None
    return f"US-{code}"


def parse_record(item: Any) -> Row | None:
    """One ``response.data`` record to an ``energy_prices`` row, or None when it is skipped."""
    if not isinstance(item, dict):
        return None
    where = region(item.get("stateid"))
    sector = SECTORS.get(str(item.get("sectorid") or "").strip().upper())
    cents = to_float(item.get("price"))
    if where is None or sector is None or cents is None:
        return None
    units = item.get("price-units")
    if units and "cents" not in str(units).lower():
        raise ParseError(f"EIA price units changed to {units!r} (expected cents per kWh)")
    return {
        "region": where,
        "sector": sector,
        "period": "month",
        "period_start": month_start(str(item.get("period") or "")),
        "price_usd_per_kwh": cents_per_kwh_to_usd_per_kwh(cents),
        "price_native": cents,
        "native_unit": NATIVE_UNIT,
        "usd_per_native_currency": None,
        "region_name": str(item["stateDescription"]) if item.get("stateDescription") else None,
    }


def error_message(doc: Any) -> str | None:
    """The error an EIA answer carries (top level or inside ``response``), if any."""
    for holder in (doc, doc.get("response") if isinstance(doc, dict) else None):
        if isinstance(holder, dict) and holder.get("error"):
            err = holder["error"]
            if isinstance(err, dict):
                return str(err.get("message") or err.get("code") or err)
            return str(err)
    return None


def redact_key(url: str) -> str:
    """``url`` without its ``api_key`` parameter, so the key never lands in lineage."""
    parts = urlsplit(url)
    kept = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "api_key"]
    return urlunsplit(parts._replace(query=urlencode(kept)))


class Eia(Source):
    """EIA retail electricity prices, US states and national average."""

    id = "eia"
    kind = "energy"
    tables = (ENERGY_PRICES,)
    title = "U.S. EIA retail electricity prices"
    base_url = "https://api.eia.gov"
    parser_version = "1"
    # Monthly data published with a ~2-month lag: once a day is more than enough.
    min_interval = timedelta(hours=12)
    expected_interval = timedelta(days=7)
    requires_key = True
    row_noun = "prices"

    def queries(self, ctx: Context) -> list[Query]:
        """The last two years of monthly prices (recent months get revised)."""
        start = f"{ctx.now.year - 2:04d}-{ctx.now.month:02d}"
        return [self._query(ctx, start, "retail_sales")]

    def history_queries(self, ctx: Context) -> list[Query]:
        """Every month since 2015 (or ``--since``), paginated by :meth:`fetch`."""
        start = ctx.since.strftime("%Y-%m") if ctx.since else HISTORY_START
        return [self._query(ctx, start, "retail_sales_history")]

    def _query(self, ctx: Context, start: str, label: str) -> Query:
        key = ctx.settings.api_key(self.id) or ""
        return Query(url=RETAIL_SALES_URL, params=retail_sales_params(key, start), label=label)

    def fetch(self, query: Query, session: PoliteSession, settings: Settings) -> Response:
        """Fetch every page of ``query`` and merge them into one document."""
        first = super().fetch(query, session, settings)
        try:
            doc = json.loads(first.body)
        except ValueError:
            return replace(first, url=redact_key(first.url))  # parse reports the bad JSON
        body = doc.get("response") if isinstance(doc, dict) else None
        data = body.get("data") if isinstance(body, dict) else None
        total = to_int(body.get("total")) if isinstance(body, dict) else None
        if not isinstance(data, list) or total is None or len(data) >= total:
            return replace(first, url=redact_key(first.url))
        pages = 1
        while len(data) < total:
            if pages >= MAX_PAGES:
                raise ParseError(
                    f"EIA reports {total:,} rows; stopped after {pages} pages of {PAGE_LENGTH:,}"
                )
            params = {**(query.params or {}), "offset": len(data)}
            page = load_json(super().fetch(replace(query, params=params), session, settings))
            message = error_message(page)
            if message:
                raise ParseError(f"EIA answered page {pages + 1} with an error: {message}")
            held = page.get("response") if isinstance(page, dict) else None
            more = held.get("data") if isinstance(held, dict) else None
            if not isinstance(more, list) or not more:
                break  # the total shrank between calls (a revision): keep what we have
            data.extend(more)
            pages += 1
        merged = json.dumps(doc, separators=(",", ":")).encode()
        return replace(first, url=redact_key(first.url), body=merged)

    def parse(self, query: Query, response: Response, ctx: Context) -> Batch:
        """Records to rows in USD/kWh; census divisions and withheld prices are dropped."""
        doc = load_json(response)
        message = error_message(doc)
        if message:
            raise ParseError(f"EIA answered with an error: {message}")
        body = doc.get("response") if isinstance(doc, dict) else None
        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(data, list):
            holder = body if isinstance(body, dict) else doc
            detail = _warning(holder) or "keys: " + (
                ", ".join(list(holder)[:5]) if isinstance(holder, dict) else type(doc).__name__
            )
            raise ParseError(f"EIA answer has no response.data list ({detail})")
        rows = [parse_record(item) for item in data]
        return {ENERGY_PRICES.name: [r for r in rows if r is not None]}


def _warning(holder: Any) -> str | None:
    warnings = holder.get("warnings") if isinstance(holder, dict) else None
    if isinstance(warnings, list) and warnings and isinstance(warnings[0], dict):
        first = warnings[0]
        return str(first.get("description") or first.get("warning") or "") or None
    return None
