"""Braiins Insights: Bitcoin hashprice history and the live hashprice (no key).

Evidence (see docs/data-sources.md §1.7):

- ``/api/v1.0/hashrate-value-history?timeframe=all`` → ``{"hashrate_price": [{"x": "2024-04-01",
  "y": 0.108}, …], "hashrate_value": [{"x": …, "y": sats}, …]}``: ``hashrate_price`` is USD per
  TH/s per day and ``hashrate_value`` sats per TH/s per day. [V] for the keys and the x/y
  points (public scripts that read this endpoint, tylerkstevens/Python-Projects
  ``bitcoin_api_data/*.py``, index ``data['hashrate_price']`` and ``entry['x']``/``['y']``);
  [K] for the exact ``x`` format: those scripts read it with ``datetime.fromisoformat`` next
  to naive dates, so it is a naive ISO date or date-time. The parser also takes unix
  seconds/ms in ``x``, ``{timestamp|date, value|hashprice}`` points and a bare list.
- ``/api/v1.0/hashrate-stats`` → ``{"hash_price": USD/TH/day, "current_hashrate": EH/s,
  "hash_rate_30", "hash_value": BTC/TH/day, "avg_fees_per_block", "fees_percent", "rev_usd",
  …}`` [V] (Ryno-Crypto-Mining-Services/braiins-insights-mcp-server
  ``docs/api-discovery/hashrate-stats.md`` and its recorded fixture).

Both answer with a 302 to ``learn.braiins.com/api/…``; the session follows redirects.
Hashprice is stored in USD per PH/s per day in ``btc_hashprice``. Daily points are averaged per
UTC day. Days before 2015 are left out: hashprice was above $10,000/PH/day then, outside
the sanity range, and RigShift's history starts in 2015 anyway. The live reading is keyed on
the current UTC day and is fetched after the history, so today's row is the latest reading
(with the network hashrate); once the day has closed the history's value replaces it.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from typing import Any

from scrapers.errors import ParseError
from scrapers.http import Response
from scrapers.schema import BTC_HASHPRICE, Batch, Row
from scrapers.sources.base import (
    Context,
    Query,
    Source,
    day_start,
    from_unix,
    load_json,
    to_float,
)
from scrapers.units import to_hs, usd_per_th_day_to_usd_per_ph_day

HISTORY_URL = "https://insights.braiins.com/api/v1.0/hashrate-value-history"
STATS_URL = "https://insights.braiins.com/api/v1.0/hashrate-stats"
HISTORY_START = date(2015, 1, 1)
# Keys a history point may carry its time and its USD/TH/day value under.
TIME_KEYS = ("x", "timestamp", "date", "time")
VALUE_KEYS = ("y", "hashprice", "hash_price", "value", "hash_value_usd_per_th_day")


def point_day(value: Any) -> date | None:
    """The UTC day of a point's time: ISO date/date-time text or unix seconds/ms."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        moment = from_unix(value)
        return moment.date() if moment else None
    text = str(value or "").strip()
    if not text:
        return None
    if text.isdigit():
        moment = from_unix(text)
        return moment.date() if moment else None
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC)
    return parsed.date()


def _first(point: dict[str, Any], keys: tuple[str, ...]) -> Any:
    for key in keys:
        if key in point:
            return point[key]
    return None


def price_points(doc: Any) -> list[Any]:
    """The list of USD/TH/day points in a history answer, or a ParseError."""
    if isinstance(doc, list):
        return doc
    if isinstance(doc, dict):
        for key in ("hashrate_price", "hashprice", "data"):
            if isinstance(doc.get(key), list):
                return doc[key]
        keys = ", ".join(list(doc)[:5]) or "none"
        raise ParseError(f"Braiins history has no 'hashrate_price' list (keys: {keys})")
    raise ParseError(f"Braiins history is a {type(doc).__name__}, expected an object")


def parse_history(doc: Any, ctx: Context) -> list[Row]:
    """Daily hashprice rows (USD/PH/day), averaged per UTC day, from 2015 or ``--since``."""
    first = HISTORY_START
    if ctx.backfill and ctx.since and ctx.since > first:
        first = ctx.since
    by_day: dict[date, list[float]] = defaultdict(list)
    for point in price_points(doc):
        if not isinstance(point, dict):
            continue
        day = point_day(_first(point, TIME_KEYS))
        usd_per_th = to_float(_first(point, VALUE_KEYS))
        if day is None or usd_per_th is None or usd_per_th <= 0 or day < first:
            continue
        by_day[day].append(usd_per_th)
    return [
        {
            "observed_at": day_start(day),
            "hashprice_usd_per_ph_day": usd_per_th_day_to_usd_per_ph_day(sum(v) / len(v)),
            "network_hashrate_hs": None,
        }
        for day, v in sorted(by_day.items())
    ]


def parse_stats(doc: Any, ctx: Context) -> list[Row]:
    """Today's live hashprice (USD/PH/day) with the current network hashrate."""
    if not isinstance(doc, dict):
        raise ParseError(f"Braiins hashrate-stats is a {type(doc).__name__}, expected an object")
    usd_per_th = to_float(doc.get("hash_price"))
    if usd_per_th is None or usd_per_th <= 0:
        keys = ", ".join(list(doc)[:5]) or "none"
        raise ParseError(f"Braiins hashrate-stats has no positive 'hash_price' (keys: {keys})")
    hashrate_ehs = to_float(doc.get("current_hashrate"))
    return [
        {
            "observed_at": day_start(ctx.snapshot_at.date()),
            "hashprice_usd_per_ph_day": usd_per_th_day_to_usd_per_ph_day(usd_per_th),
            "network_hashrate_hs": to_hs(hashrate_ehs, "EH/s")
            if hashrate_ehs and hashrate_ehs > 0
            else None,
        }
    ]


class Braiins(Source):
    """Braiins Insights Bitcoin hashprice."""

    id = "braiins"
    kind = "coins"
    tables = (BTC_HASHPRICE,)
    title = "Braiins Insights (BTC hashprice)"
    base_url = "https://insights.braiins.com"
    redirect_hosts = frozenset({"learn.braiins.com"})  # where the API answers (302)
    parser_version = "1"
    min_interval = timedelta(hours=1)
    expected_interval = timedelta(days=1)
    row_noun = "hashprice days"

    def queries(self, ctx: Context) -> list[Query]:
        """The whole daily history, then the live reading (which wins for today)."""
        return [
            Query(url=HISTORY_URL, params={"timeframe": "all"}, label="hashrate_value_history"),
            Query(url=STATS_URL, label="hashrate_stats"),
        ]

    def history_queries(self, ctx: Context) -> list[Query]:
        """The same history endpoint: it always answers with every day."""
        return self.queries(ctx)[:1]

    def parse(self, query: Query, response: Response, ctx: Context) -> Batch:
        """Rows for ``btc_hashprice`` from either endpoint."""
        doc = load_json(response)
        if query.label == "hashrate_stats":
            return {BTC_HASHPRICE.name: parse_stats(doc, ctx)}
        return {BTC_HASHPRICE.name: parse_history(doc, ctx)}
