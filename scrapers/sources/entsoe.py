"""ENTSO-E Transparency Platform: day-ahead wholesale prices (A44) for a few bidding zones.

``GET /api?securityToken=…&documentType=A44&in_Domain=<EIC>&out_Domain=<EIC>&periodStart=
yyyyMMddHHmm&periodEnd=yyyyMMddHHmm`` (UTC, at most one year per call) answers XML [V]
(docs/data-sources.md §4.2): ``Publication_MarketDocument`` → ``TimeSeries``
(``currency_Unit.name`` EUR, ``price_Measure_Unit.name`` MWH, ``curveType`` A01|A03) →
``Period`` (``timeInterval/start,end``, ``resolution`` PT60M, or PT15M since the EU 15-minute
day-ahead switch) → ``Point`` (``position``, ``price.amount``). Quirks handled here:

- the namespace version varies (``…publicationdocument:7:0`` / ``:7:3``): tags are matched
  by local name;
- curveType A03 omits a position whose price equals the previous one: forward-filled up to
  the period's end;
- a zone can carry several series for the same hours, told apart only by
  ``classificationSequence_AttributeInstanceComponent.position`` (1 = the main auction;
  e.g. DE-LU's EXAA auction, or an hourly and a 15-minute series of the same day): the
  lowest position is kept, whatever the document order;
- no data → ``Acknowledgement_MarketDocument`` with ``Reason/text`` "No matching data found…":
  an empty result, not an error; any other acknowledgement is a ParseError;
- the token travels in the query string, so it is removed from the URL kept as lineage.

Prices are averaged per delivery day (CET/CEST midnight to midnight, the market's own day,
23, 24 or 25 hours), weighting each interval by its length; a day not fully covered (the edge
of the published data) is left out rather than stored as a biased average. Rows go to
``energy_prices`` (period "day", sector "wholesale", region the zone code, EUR/MWh converted
with the stored annual USD-per-EUR rate, as :mod:`scrapers.sources.ember` does).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from scrapers.config import Settings
from scrapers.errors import ParseError
from scrapers.fx import usd_per_eur
from scrapers.http import PoliteSession, Response
from scrapers.schema import ENERGY_PRICES, Batch, Row
from scrapers.sources.base import Context, Query, Source, to_float, to_int
from scrapers.units import eur_per_mwh_to_usd_per_kwh

API_URL = "https://web-api.tp.entsoe.eu/api"
# zone code -> (EIC of the bidding zone, display name)
ZONES: dict[str, tuple[str, str]] = {
    "DE-LU": ("10Y1001A1001A82H", "Germany-Luxembourg"),
    "NL": ("10YNL----------L", "Netherlands"),
    "FR": ("10YFR-RTE------C", "France"),
    "ES": ("10YES-REE------0", "Spain"),
    "NO1": ("10YNO-1--------2", "Norway NO1 (Oslo)"),
    "SE3": ("10Y1001A1001A46L", "Sweden SE3 (Stockholm)"),
}
TOKEN_PARAM = "securityToken"
RECENT_DAYS = 7
HISTORY_DAYS = 365  # default backfill depth without --since
NATIVE_UNIT = "EUR/MWh"
_DURATION = re.compile(r"^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?)?$")


@dataclass(frozen=True)
class Interval:
    """One priced interval of the day-ahead curve."""

    start: datetime  # naive UTC
    length: timedelta
    eur_per_mwh: float


# -- Central European time, without a tz database ------------------------------------------


def _last_sunday(year: int, month: int) -> date:
    last = date(year, month + 1, 1) - timedelta(days=1)
    return last - timedelta(days=(last.weekday() + 1) % 7)


def cet_offset(moment: datetime) -> timedelta:
    """UTC offset of CET/CEST at a naive-UTC moment (EU rule: last Sundays of March/October)."""
    start = datetime.combine(_last_sunday(moment.year, 3), datetime.min.time()) + timedelta(hours=1)
    end = datetime.combine(_last_sunday(moment.year, 10), datetime.min.time()) + timedelta(hours=1)
    return timedelta(hours=2) if start <= moment < end else timedelta(hours=1)


def delivery_day(moment: datetime) -> date:
    """The market (CET/CEST) day a naive-UTC moment falls in."""
    return (moment + cet_offset(moment)).date()


def day_start_utc(day: date) -> datetime:
    """Naive-UTC instant of CET/CEST midnight starting ``day`` (clocks never change at 00:00)."""
    midnight = datetime.combine(day, datetime.min.time())
    return midnight - cet_offset(midnight - timedelta(hours=1))


def api_time(moment: datetime) -> str:
    """``yyyyMMddHHmm`` as the API wants it."""
    return moment.strftime("%Y%m%d%H%M")


# -- XML ----------------------------------------------------------------------------------


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _children(element: ET.Element, name: str) -> Iterator[ET.Element]:
    return (child for child in element if _local(child.tag) == name)


def _text(element: ET.Element | None, *path: str) -> str | None:
    for name in path:
        if element is None:
            return None
        element = next(_children(element, name), None)
    if element is None or element.text is None:
        return None
    return element.text.strip() or None


def parse_time(text: str | None) -> datetime | None:
    """``2024-01-01T23:00Z`` (seconds optional) to a naive UTC datetime."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def resolution(text: str | None) -> timedelta | None:
    """An ISO 8601 duration such as PT60M, PT15M, PT1H or P1D."""
    match = _DURATION.match(text or "")
    if not match or not any(match.groups()):
        return None
    days, hours_, minutes = (int(g) if g else 0 for g in match.groups())
    step = timedelta(days=days, hours=hours_, minutes=minutes)
    return step if step > timedelta(0) else None


def acknowledgement(root: ET.Element) -> list[Interval]:
    """No data for the window → no intervals; any other acknowledgement is an error."""
    reasons = [
        " ".join(filter(None, (_text(reason, "code"), _text(reason, "text"))))
        for reason in root.iter()
        if _local(reason.tag) == "Reason"
    ]
    text = "; ".join(r for r in reasons if r) or "no reason given"
    if "no matching data" in text.lower():
        return []
    raise ParseError(f"ENTSO-E refused the request: {text[:200]}")


def period_intervals(period: ET.Element, curve_type: str) -> list[Interval]:
    """The priced intervals of one Period; A03 gaps carry the previous price forward."""
    start = parse_time(_text(period, "timeInterval", "start"))
    end = parse_time(_text(period, "timeInterval", "end"))
    step = resolution(_text(period, "resolution"))
    if start is None or step is None:
        raise ParseError("ENTSO-E Period without a readable timeInterval/start or resolution")
    prices: dict[int, float] = {}
    for point in _children(period, "Point"):
        position = to_int(_text(point, "position"))
        price = to_float(_text(point, "price.amount"))
        if position is not None and position >= 1 and price is not None:
            prices[position] = price
    if not prices:
        return []
    count = max(prices)
    if end is not None and end > start:
        count = max(count, int((end - start) / step))
    out: list[Interval] = []
    last: float | None = None
    for position in range(1, count + 1):
        price = prices.get(position)
        if price is None and curve_type == "A03":
            price = last  # A03: an omitted position repeats the previous price
        if price is None:
            continue
        last = price
        out.append(Interval(start + step * (position - 1), step, price))
    return out


def check_domains(series: list[ET.Element], eic: str, zone: str) -> None:
    """Raise when a series names another bidding zone than the one asked for.

    A mirror or proxy answering every zone with one document would otherwise store one
    zone's prices under six names. A series without domains (older layouts) passes.
    """
    for element in series:
        for tag in ("in_Domain.mRID", "out_Domain.mRID"):
            found = _text(element, tag)
            if found is not None and found != eic:
                names = {code: z for z, (code, _) in ZONES.items()}
                other = names.get(found, "an unknown zone")
                raise ParseError(
                    f"ENTSO-E answered for {other} ({found}) when {zone} ({eic}) was asked"
                )


def parse_document(body: bytes, zone: str | None = None) -> list[Interval]:
    """Every priced interval of the main auction in an A44 answer (empty when no data).

    With ``zone``, every series must be for that zone's EIC (see :func:`check_domains`).
    """
    try:
        root = ET.fromstring(body)
    except ET.ParseError as exc:
        raise ParseError(f"ENTSO-E answer is not XML ({exc})") from None
    kind = _local(root.tag)
    if kind == "Acknowledgement_MarketDocument":
        return acknowledgement(root)
    if kind != "Publication_MarketDocument":
        raise ParseError(f"ENTSO-E answered a {kind!r}, expected Publication_MarketDocument")
    series = list(_children(root, "TimeSeries"))
    if zone is not None and zone in ZONES:
        check_domains(series, ZONES[zone][0], zone)
    ranks = [
        to_int(_text(s, "classificationSequence_AttributeInstanceComponent.position"))
        for s in series
    ]
    known = [r for r in ranks if r is not None]
    keep = min(known) if known else None
    chosen: dict[datetime, Interval] = {}
    for element, rank in zip(series, ranks, strict=True):
        if keep is not None and rank != keep:
            continue  # another auction (or resolution) of the same hours
        currency = _text(element, "currency_Unit.name")
        unit = _text(element, "price_Measure_Unit.name")
        if (currency and currency.upper() != "EUR") or (unit and unit.upper() != "MWH"):
            raise ParseError(f"ENTSO-E prices in {currency}/{unit}, expected EUR/MWH")
        curve_type = (_text(element, "curveType") or "A01").upper()
        for period in _children(element, "Period"):
            for interval in period_intervals(period, curve_type):
                chosen.setdefault(interval.start, interval)
    return sorted(chosen.values(), key=lambda i: i.start)


def daily_averages(intervals: list[Interval]) -> dict[date, float]:
    """Time-weighted mean EUR/MWh per fully covered delivery day."""
    weighted: dict[date, float] = {}
    covered: dict[date, timedelta] = {}
    for interval in intervals:
        day = delivery_day(interval.start)
        minutes = interval.length.total_seconds() / 60
        weighted[day] = weighted.get(day, 0.0) + interval.eur_per_mwh * minutes
        covered[day] = covered.get(day, timedelta(0)) + interval.length
    out = {}
    for day, total in covered.items():
        length = day_start_utc(day + timedelta(days=1)) - day_start_utc(day)
        if total >= length:
            out[day] = weighted[day] / (total.total_seconds() / 60)
    return out


def parse_prices(body: bytes, zone: str, ctx: Context) -> list[Row]:
    """Daily ``energy_prices`` rows for one zone."""
    rows: list[Row] = []
    name = ZONES[zone][1] if zone in ZONES else None
    for day, eur_per_mwh in sorted(daily_averages(parse_document(body, zone)).items()):
        if ctx.backfill and ctx.since and day < ctx.since:
            continue
        fx = usd_per_eur(day.year)
        rows.append(
            {
                "region": zone,
                "region_name": name,
                "sector": "wholesale",
                "period": "day",
                "period_start": day,
                "price_usd_per_kwh": eur_per_mwh_to_usd_per_kwh(eur_per_mwh, fx),
                "price_native": eur_per_mwh,
                "native_unit": NATIVE_UNIT,
                "usd_per_native_currency": fx,
            }
        )
    return rows


def redact_token(url: str) -> str:
    """``url`` without its ``securityToken`` parameter, so the token never lands in lineage."""
    parts = urlsplit(url)
    kept = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != TOKEN_PARAM]
    return urlunsplit(parts._replace(query=urlencode(kept)))


def zone_label(zone: str) -> str:
    """``day_ahead_de_lu`` for DE-LU: the query label and sample file name."""
    return "day_ahead_" + zone.lower().replace("-", "_")


class Entsoe(Source):
    """ENTSO-E day-ahead wholesale prices, daily averages per bidding zone."""

    id = "entsoe"
    kind = "energy"
    tables = (ENERGY_PRICES,)
    title = "ENTSO-E day-ahead prices"
    base_url = "https://web-api.tp.entsoe.eu"
    parser_version = "1"
    # Day-ahead prices are published once a day, around 13:00 CET.
    min_interval = timedelta(hours=6)
    expected_interval = timedelta(days=2)
    requires_key = True
    request_interval_s = 0.2  # ~400 requests/min per token
    row_noun = "zone-days"

    def queries(self, ctx: Context) -> list[Query]:
        """The last week and tomorrow (when already published), one call per zone."""
        today = delivery_day(ctx.now.astimezone(UTC).replace(tzinfo=None))
        start = day_start_utc(today - timedelta(days=RECENT_DAYS))
        end = day_start_utc(today + timedelta(days=2))
        return [self._query(ctx, zone, start, end, zone_label(zone)) for zone in ZONES]

    def history_queries(self, ctx: Context) -> list[Query]:
        """Monthly windows from ``--since`` (default a year back) to tomorrow, per zone."""
        today = delivery_day(ctx.now.astimezone(UTC).replace(tzinfo=None))
        since = ctx.since or today - timedelta(days=HISTORY_DAYS)
        last = today + timedelta(days=2)
        out: list[Query] = []
        for zone in ZONES:
            month = since.replace(day=1)
            while month < last:
                following = (month + timedelta(days=32)).replace(day=1)
                label = f"{zone_label(zone)}_{month:%Y_%m}"
                start, end = day_start_utc(max(month, since)), day_start_utc(min(following, last))
                out.append(self._query(ctx, zone, start, end, label))
                month = following
        return out

    def _query(self, ctx: Context, zone: str, start: datetime, end: datetime, label: str) -> Query:
        eic = ZONES[zone][0]
        params = {
            TOKEN_PARAM: ctx.settings.api_key(self.id) or "",
            "documentType": "A44",
            "in_Domain": eic,
            "out_Domain": eic,
            "periodStart": api_time(start),
            "periodEnd": api_time(end),
        }
        return Query(url=API_URL, params=params, label=label, extra={"zone": zone})

    def fetch(self, query: Query, session: PoliteSession, settings: Settings) -> Response:
        """Fetch, then drop the token from the URL the runner keeps as lineage."""
        response = super().fetch(query, session, settings)
        return replace(response, url=redact_token(response.url))

    def parse(self, query: Query, response: Response, ctx: Context) -> Batch:
        """Daily average prices of the query's zone."""
        zone = str(query.extra.get("zone") or "")
        if zone not in ZONES:
            raise ParseError(f"ENTSO-E query {query.label!r} names no known zone")
        return {ENERGY_PRICES.name: parse_prices(response.body, zone, ctx)}
