"""WhatToMine: network state of GPU coins (``coins.json``) and Bitcoin (``asic.json``).

Both answers are ``{"coins": {"<display name>": {...}}}``. Quirks handled here:

- numbers arrive as numbers, numeric strings (``block_time`` is always a string of
  seconds) or null; ``nethash`` (H/s) can exceed 2^63, so it is read as a float;
- ``exchange_rate`` is the price in BTC for alts but in USD for the BTC row (tag "BTC",
  as in ``asic.json``), although ``exchange_rate_curr`` still says "BTC" there;
- ``lagging: true`` marks stale entries and ``tag == "NICEHASH"`` marks pseudo-coins
  (NiceHash algorithm markets): both are skipped;
- entries without a positive nethash, block time, block reward or price are skipped.

Alt prices stay in BTC (``price_usd`` NULL): this source has no BTC/USD rate for the GPU
list, and the engine converts with the BTC price from the ``asic`` row.

Access: WhatToMine's API is now token-based with a monthly quota (whattomine.com/api-docs):
``Authorization: Token <token>``, every answer carries ``X-RateLimit-Limit``, ``-Used`` and
``-Remaining``, and a spent quota answers 429. With ``RIGSHIFT_WHATTOMINE_API_KEY`` set the
requests carry the token; without it they go keyless, as the JSON lists still answer. The
token endpoints (``/api/v1/calculate``) return profitability for a given hashrate, not the
network state (difficulty, nethash, block time, reward) the engine needs, so both paths read
the same lists. The polite session does not retry a 429 whose ``X-RateLimit-Remaining`` is 0:
the run fails at once with the quota in its one-line error.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from scrapers.errors import ParseError
from scrapers.http import Response
from scrapers.schema import COIN_NETWORK, Batch, Row
from scrapers.sources.base import Context, Query, Source, from_unix, load_json, to_float
from scrapers.units import btc_nethash_hs

COINS_URL = "https://whattomine.com/coins.json"
ASIC_URL = "https://whattomine.com/asic.json"

_PSEUDO_TAGS = frozenset({"NICEHASH"})
_USD_CURRENCIES = frozenset({"USD", "USDT"})


def _positive(value: Any) -> float | None:
    number = to_float(value)
    return number if number is not None and number > 0 else None


def _tag(entry: Any) -> str:
    return str(entry.get("tag") or "").strip().upper() if isinstance(entry, dict) else ""


def parse_coin(name: str, entry: Any, ctx: Context) -> Row | None:
    """One ``coins`` entry to a ``coin_network`` row, or None when it must be skipped."""
    tag = _tag(entry)
    if not tag or tag in _PSEUDO_TAGS or entry.get("lagging") is True:
        return None
    btc_row = tag == "BTC"
    difficulty = _positive(entry.get("difficulty"))
    block_time_s = _positive(entry.get("block_time"))
    reward = _positive(entry.get("block_reward"))
    nethash_hs = _positive(entry.get("nethash"))
    if nethash_hs is None and btc_row and difficulty is not None:
        nethash_hs = btc_nethash_hs(difficulty)  # asic.json rows sometimes omit nethash
    rate = _positive(entry.get("exchange_rate"))
    rate_24h = _positive(entry.get("exchange_rate24"))
    currency = str(entry.get("exchange_rate_curr") or "BTC").strip().upper()

    price_usd = price_btc = price_btc_24h = None
    if btc_row:
        # BTC's exchange_rate is its USD price although exchange_rate_curr says "BTC".
        price_usd, price_btc = rate, 1.0
    elif currency in _USD_CURRENCIES:
        price_usd = rate
    elif currency == "BTC":
        price_btc, price_btc_24h = rate, rate_24h
    if None in (nethash_hs, block_time_s, reward) or (price_usd is None and price_btc is None):
        return None
    return {
        "coin": tag,
        "observed_at": from_unix(entry.get("timestamp")) or ctx.snapshot_at,
        "coin_name": str(name),
        "algorithm": str(entry["algorithm"]) if entry.get("algorithm") else None,
        "difficulty": difficulty,
        "nethash_hs": nethash_hs,
        "block_time_s": block_time_s,
        "block_reward_coins": reward,
        "price_usd": price_usd,
        "price_btc": price_btc,
        "difficulty_24h": _positive(entry.get("difficulty24")),
        "block_reward_24h_coins": _positive(entry.get("block_reward24")),
        "price_btc_24h": price_btc_24h,
    }


class WhatToMine(Source):
    """WhatToMine GPU-coin and Bitcoin network data."""

    id = "whattomine"
    kind = "coins"
    tables = (COIN_NETWORK,)
    title = "WhatToMine"
    base_url = "https://whattomine.com"
    parser_version = "1"
    # WhatToMine caches for ~10 minutes and asks for restraint; twice an hour is plenty.
    min_interval = timedelta(minutes=30)
    expected_interval = timedelta(days=1)
    row_noun = "coins"
    request_interval_s = 60.0  # at most one request per minute (per URL; we pace the host)

    def queries(self, ctx: Context) -> list[Query]:
        """The GPU coin list and the ASIC list (for Bitcoin), with the token when configured."""
        token = ctx.settings.api_key(self.id)
        headers = {"Authorization": f"Token {token}"} if token else None
        return [
            Query(url=COINS_URL, label="coins", headers=headers),
            Query(url=ASIC_URL, label="asic", headers=headers),
        ]

    def parse(self, query: Query, response: Response, ctx: Context) -> Batch:
        """Coins to rows; from ``asic.json`` only the BTC row is kept."""
        doc = load_json(response)
        coins = doc.get("coins") if isinstance(doc, dict) else None
        if not isinstance(coins, dict):
            keys = ", ".join(list(doc)[:5]) if isinstance(doc, dict) else type(doc).__name__
            raise ParseError(f"WhatToMine answer has no 'coins' object (got: {keys})")
        asic = query.label == "asic"
        rows: list[Row] = []
        seen: set[str] = set()
        for name, entry in coins.items():
            if asic and _tag(entry) != "BTC":
                continue  # ASIC alts (LTC, BCH...) are not what RigShift decides on
            row = parse_coin(name, entry, ctx)
            # Multi-algorithm coins (DGB-SHA, DGB-Scrypt...) share a tag: the first one wins
            # so a coin has one algorithm per snapshot.
            if row is not None and row["coin"] not in seen:
                seen.add(row["coin"])
                rows.append(row)
        return {COIN_NETWORK.name: rows}
