"""Coin Metrics Community API: daily price, difficulty, hashrate and issuance history (no key).

Data © Coin Metrics, licensed CC BY-NC 4.0 (non-commercial use, attribution required).

``/v4/timeseries/asset-metrics?assets=btc,etc,xmr&metrics=…&frequency=1d&page_size=10000``
→ ``{"data": [{"asset": "etc", "time": "2024-01-01T00:00:00.000000000Z", "PriceUSD": "…",
…}], "next_page_url": "…"}``. Quirks: **every value is a string**; a metric the asset lacks
that day is simply absent; ``HashRate`` is TH/s; ``IssContNtv`` is new coins per day and
``BlkCnt`` blocks per day, so reward per block = IssContNtv / BlkCnt and the average block
time = 86,400 / BlkCnt. RVN, ERG and KAS are not in the community set.

Pagination: :meth:`CoinMetrics.fetch` follows ``next_page_url`` through the same polite
session (rebased like every URL) and joins the pages into one document of the same shape, so
``fetch`` stays the only I/O and ``parse`` sees one payload whether there was one page or ten.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, date, timedelta
from typing import Any

from scrapers.config import Settings
from scrapers.errors import FetchError, ParseError
from scrapers.http import PoliteSession, Response
from scrapers.schema import COIN_NETWORK, Batch, Row
from scrapers.sources.base import Context, Query, Source, day_start, load_json, to_float
from scrapers.units import SECONDS_PER_DAY, to_hs

log = logging.getLogger(__name__)

URL = "https://community-api.coinmetrics.io/v4/timeseries/asset-metrics"
METRICS = "PriceUSD,DiffMean,HashRate,IssContNtv,BlkCnt"
# asset -> (ticker, display name, algorithm)
ASSETS: dict[str, tuple[str, str, str]] = {
    "btc": ("BTC", "Bitcoin", "SHA-256"),
    "etc": ("ETC", "Ethereum Classic", "Etchash"),
    "xmr": ("XMR", "Monero", "RandomX"),
}
HISTORY_START = date(2015, 1, 1)
RECENT_DAYS = 30
# Three assets x ~11 years is ~12,000 rows: two pages of 10,000. Fifty means a loop.
MAX_PAGES = 50


def metrics_url(start: date) -> str:
    """The asset-metrics URL for every asset and metric we use, from ``start``."""
    return (
        f"{URL}?assets={','.join(ASSETS)}&metrics={METRICS}&frequency=1d"
        f"&page_size=10000&start_time={start.isoformat()}"
    )


def parse_item(item: Any) -> Row | None:
    """One asset-day to a row, or None when it carries nothing usable."""
    if not isinstance(item, dict):
        return None
    asset = str(item.get("asset") or "").strip().lower()
    try:
        day = date.fromisoformat(str(item.get("time") or "")[:10])
    except ValueError:
        return None
    if not asset:
        return None
    ticker, name, algorithm = ASSETS.get(asset, (asset.upper(), None, None))
    price = to_float(item.get("PriceUSD"))
    difficulty = to_float(item.get("DiffMean"))
    hashrate_ths = to_float(item.get("HashRate"))
    blocks = to_float(item.get("BlkCnt"))
    issued = to_float(item.get("IssContNtv"))
    per_day = blocks is not None and blocks > 0
    row: Row = {
        "coin": ticker,
        "coin_name": name,
        "algorithm": algorithm,
        "observed_at": day_start(day),
        "price_usd": price if price is not None and price > 0 else None,
        "difficulty": difficulty if difficulty is not None and difficulty > 0 else None,
        "nethash_hs": to_hs(hashrate_ths, "TH/s") if hashrate_ths and hashrate_ths > 0 else None,
        "block_time_s": SECONDS_PER_DAY / blocks if per_day else None,
        "block_reward_coins": issued / blocks if per_day and issued is not None else None,
    }
    values = ("price_usd", "difficulty", "nethash_hs", "block_time_s", "block_reward_coins")
    return row if any(row[k] is not None for k in values) else None


def parse_metrics(doc: Any, ctx: Context) -> list[Row]:
    """Rows for every asset-day in the (possibly joined) document."""
    if isinstance(doc, dict) and "error" in doc:
        error = doc["error"]
        message = error.get("message") if isinstance(error, dict) else error
        raise ParseError(f"Coin Metrics answered with an error: {message}")
    data = doc.get("data") if isinstance(doc, dict) else None
    if not isinstance(data, list):
        raise ParseError("Coin Metrics answer has no 'data' list: layout changed?")
    rows = [row for row in (parse_item(item) for item in data) if row is not None]
    if ctx.backfill and ctx.since:
        rows = [r for r in rows if r["observed_at"].date() >= ctx.since]
    return rows


class CoinMetrics(Source):
    """Coin Metrics community daily network history for BTC, ETC and XMR."""

    id = "coinmetrics"
    kind = "coins"
    tables = (COIN_NETWORK,)
    title = "Coin Metrics Community (daily history)"
    base_url = "https://community-api.coinmetrics.io"
    parser_version = "1"
    min_interval = timedelta(hours=6)
    expected_interval = timedelta(days=2)
    row_noun = "asset-days"
    request_interval_s = 0.6  # the community API allows ~10 requests per 6 s

    def queries(self, ctx: Context) -> list[Query]:
        """The last 30 days: the upstream publishes each day once it has closed."""
        start = ctx.now.astimezone(UTC).date() - timedelta(days=RECENT_DAYS)
        return [Query(url=metrics_url(start), label="asset_metrics")]

    def history_queries(self, ctx: Context) -> list[Query]:
        """Everything from ``--since`` (default 2015-01-01), paginated by the upstream."""
        return [Query(url=metrics_url(ctx.since or HISTORY_START), label="asset_metrics")]

    def fetch(self, query: Query, session: PoliteSession, settings: Settings) -> Response:
        """Fetch the first page, follow ``next_page_url`` and join the pages into one body."""
        first = super().fetch(query, session, settings)
        doc = load_json(first)
        if not isinstance(doc, dict) or not isinstance(doc.get("data"), list):
            return first  # let parse name what is wrong
        data: list[Any] = list(doc["data"])
        seen: set[str] = set()
        next_url = doc.get("next_page_url")
        pages = 1
        while next_url:
            if pages >= MAX_PAGES or next_url in seen:
                raise FetchError(
                    f"Coin Metrics kept paginating after {pages} pages: narrow --since"
                )
            seen.add(next_url)
            page = load_json(session.get(settings.rebase(self.id, str(next_url))))
            if not isinstance(page, dict) or not isinstance(page.get("data"), list):
                raise ParseError(f"Coin Metrics page {pages + 1} has no 'data' list")
            data.extend(page["data"])
            pages += 1
            log.info("coinmetrics: page %d, %d asset-days so far", pages, len(data))
            next_url = page.get("next_page_url")
        if pages == 1:
            return first
        body = json.dumps({"data": data}, separators=(",", ":")).encode()
        return Response(
            url=first.url,
            status=first.status,
            body=body,
            content_type=first.content_type,
            fetched_at=first.fetched_at,
        )

    def parse(self, query: Query, response: Response, ctx: Context) -> Batch:
        """Daily rows for ``coin_network``."""
        return {COIN_NETWORK.name: parse_metrics(load_json(response), ctx)}
