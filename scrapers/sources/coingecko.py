"""CoinGecko: USD prices of the mined coins, now and (backfill) daily for up to a year.

Data provided by CoinGecko (https://www.coingecko.com): the app must show this attribution
wherever these prices appear.

- ``/api/v3/simple/price?ids=…&vs_currencies=usd&include_last_updated_at=true`` →
  ``{"bitcoin": {"usd": 97000.1, "last_updated_at": 1764410000}, …}`` (unix seconds).
- ``/api/v3/coins/{id}/market_chart?vs_currency=usd&days=N&interval=daily`` →
  ``{"prices": [[ms, price]], "market_caps": …, "total_volumes": …}``. Daily points sit at
  00:00 UTC and the last point is "now"; we keep the earliest point of each day.

The free Demo plan serves at most 365 days of history, so ``days`` is capped there. A key,
when configured, goes in the ``x-cg-demo-api-key`` header. Flux's id is ``zelcash``.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from scrapers.errors import ParseError
from scrapers.http import Response
from scrapers.schema import COIN_NETWORK, Batch, Row
from scrapers.sources.base import (
    Context,
    Query,
    Source,
    day_start,
    from_unix,
    load_json,
    require,
    to_float,
)

API = "https://api.coingecko.com/api/v3"
# CoinGecko id -> (ticker, display name)
COINS: dict[str, tuple[str, str]] = {
    "bitcoin": ("BTC", "Bitcoin"),
    "ethereum-classic": ("ETC", "Ethereum Classic"),
    "ravencoin": ("RVN", "Ravencoin"),
    "ergo": ("ERG", "Ergo"),
    "kaspa": ("KAS", "Kaspa"),
    "monero": ("XMR", "Monero"),
    "zelcash": ("FLUX", "Flux"),
}
MAX_HISTORY_DAYS = 365  # the Demo plan's limit


def history_days(ctx: Context) -> int:
    """Days of history to ask for: back to ``ctx.since``, at most a year."""
    if ctx.since is None:
        return MAX_HISTORY_DAYS
    wanted = (ctx.now.date() - ctx.since).days + 1
    return max(1, min(MAX_HISTORY_DAYS, wanted))


def parse_simple_price(doc: Any, ctx: Context) -> list[Row]:
    """One price row per known coin id in the answer."""
    if not isinstance(doc, dict):
        raise ParseError(f"CoinGecko simple/price answer is a {type(doc).__name__}, not an object")
    rows: list[Row] = []
    for coin_id, (ticker, name) in COINS.items():
        quote = doc.get(coin_id)
        if not isinstance(quote, dict):
            continue  # an id CoinGecko dropped or renamed: the others still count
        price = to_float(quote.get("usd"))
        if price is None or price <= 0:
            continue
        observed = from_unix(quote.get("last_updated_at")) or ctx.snapshot_at
        rows.append(
            {"coin": ticker, "coin_name": name, "observed_at": observed, "price_usd": price}
        )
    return rows


def parse_market_chart(doc: Any, coin_id: str, ctx: Context) -> list[Row]:
    """Daily price rows (observed at 00:00 UTC) from a market chart."""
    prices = require(doc, "prices", "CoinGecko market_chart answer")
    if not isinstance(prices, list):
        raise ParseError("CoinGecko market_chart answer: 'prices' is not a list: layout changed?")
    ticker, name = COINS[coin_id]
    earliest: dict[date, tuple[float, float]] = {}
    for point in prices:
        if not isinstance(point, list | tuple) or len(point) < 2:
            continue
        when = from_unix(point[0])
        price = to_float(point[1])
        if when is None or price is None or price <= 0:
            continue
        stamp = when.timestamp()
        day = when.date()
        if day not in earliest or stamp < earliest[day][0]:
            earliest[day] = (stamp, price)
    return [
        {"coin": ticker, "coin_name": name, "observed_at": day_start(day), "price_usd": price}
        for day, (_, price) in sorted(earliest.items())
        if not (ctx.since and day < ctx.since)
    ]


class CoinGecko(Source):
    """CoinGecko coin prices in USD."""

    id = "coingecko"
    kind = "coins"
    tables = (COIN_NETWORK,)
    title = "CoinGecko prices"
    base_url = "https://api.coingecko.com"
    parser_version = "1"
    min_interval = timedelta(minutes=10)
    expected_interval = timedelta(hours=6)
    row_noun = "prices"
    request_interval_s = 2.5  # the Demo plan allows ~30 calls per minute

    def queries(self, ctx: Context) -> list[Query]:
        """Current USD price of every coin in one call."""
        ids = ",".join(COINS)
        return [
            Query(
                url=f"{API}/simple/price?ids={ids}&vs_currencies=usd&include_last_updated_at=true",
                headers=_auth(ctx),
                label="simple_price",
            )
        ]

    def history_queries(self, ctx: Context) -> list[Query]:
        """Daily USD prices per coin, back to ``--since`` (at most 365 days)."""
        days = history_days(ctx)
        return [
            Query(
                url=f"{API}/coins/{coin_id}/market_chart?vs_currency=usd&days={days}"
                "&interval=daily",
                headers=_auth(ctx),
                label=f"market_chart_{ticker.lower()}",
                extra={"coin_id": coin_id},
            )
            for coin_id, (ticker, _) in COINS.items()
        ]

    def parse(self, query: Query, response: Response, ctx: Context) -> Batch:
        """Price rows for ``coin_network``."""
        doc = load_json(response)
        if query.label == "simple_price":
            return {COIN_NETWORK.name: parse_simple_price(doc, ctx)}
        return {COIN_NETWORK.name: parse_market_chart(doc, str(query.extra["coin_id"]), ctx)}


def _auth(ctx: Context) -> dict[str, str] | None:
    key = ctx.settings.api_key("coingecko")
    return {"x-cg-demo-api-key": key} if key else None
