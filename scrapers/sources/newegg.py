"""Newegg: new-card retail prices from the search result pages (HTML).

Each result is a ``div.item-cell`` card: title and product link in ``a.item-title``, price
in ``li.price-current`` as ``$<strong>1,299</strong><sup>.99</sup>``. Skipped cards:
"OUT OF STOCK" promos (their price is stale), combos and bundles (the price is not a
card's), refurbished or open-box listings (not new), and cards without a price ("see
price in cart"). Prices are snapshotted at the hour of the fetch.
"""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

from bs4 import BeautifulSoup, Tag

from scrapers.errors import ParseError
from scrapers.gpu_models import canonical_gpu
from scrapers.http import Response
from scrapers.schema import GPU_HARDWARE_PRICES, Batch, Row
from scrapers.sources.base import Context, Query, Source, to_float

SEARCH_URL = "https://www.newegg.com/p/pl"
GRAPHICS_CARDS_NODE = "100007709"  # Newegg's "Desktop Graphics Cards" category

# label -> search words; a few cards that span the used-mining and AI-rental markets.
SEARCHES: dict[str, str] = {
    "rtx_3090": "rtx 3090",
    "rtx_4090": "rtx 4090",
    "rtx_5090": "rtx 5090",
    "rtx_4070_super": "rtx 4070 super",
}

_PRODUCT_ID = re.compile(r"/p/([A-Za-z0-9][A-Za-z0-9-]*)")
_NOT_A_CARD = re.compile(r"\b(combo|bundle)\b", re.IGNORECASE)
_NOT_NEW = re.compile(r"\b(refurbished|open box)\b", re.IGNORECASE)


def item_id(url: str | None, title: str) -> str:
    """Newegg's item number from ``Item=`` or ``/p/<id>``, else a stable hash of the title."""
    if url:
        parts = urlsplit(url)
        found = parse_qs(parts.query).get("Item")
        if found and found[0].strip():
            return found[0].strip()
        match = _PRODUCT_ID.search(parts.path)
        if match and match.group(1) != "pl":
            return match.group(1)
    return "sha1:" + hashlib.sha1(title.encode("utf-8")).hexdigest()[:16]


def card_price(cell: Tag) -> float | None:
    """Dollars from ``strong`` plus cents from ``sup`` in ``li.price-current``, or None."""
    current = cell.select_one("li.price-current")
    strong = current.find("strong") if current else None
    if strong is None:
        return None
    dollars = to_float(strong.get_text(strip=True))
    if dollars is None:
        return None
    sup = strong.find_next_sibling("sup")
    cents = to_float(sup.get_text(strip=True)) if sup else None  # ".99" -> 0.99
    return round(dollars + (cents if cents is not None and 0 <= cents < 1 else 0.0), 2)


def out_of_stock(cell: Tag) -> bool:
    """True when a promo line on the card says it is out of stock."""
    return any(
        "OUT OF STOCK" in p.get_text(" ", strip=True).upper() for p in cell.select("p.item-promo")
    )


def parse_card(cell: Tag, ctx: Context) -> Row | None:
    """One result card to a row, or None when it is not a priced, in-stock, new card."""
    link = cell.select_one("a.item-title")
    if link is None:
        return None
    title = " ".join(link.get_text(" ", strip=True).split())
    if not title or _NOT_A_CARD.search(title) or _NOT_NEW.search(title) or out_of_stock(cell):
        return None
    price = card_price(cell)
    if price is None or price <= 0:
        return None
    href = link.get("href")
    url = str(href).strip() if href else None
    return {
        "item_id": item_id(url, title),
        "observed_at": ctx.snapshot_at,
        "title": title,
        "gpu_model": canonical_gpu(title),
        "condition": "new",
        "price_usd": price,
        "quantity": None,
        "url": url,
    }


class Newegg(Source):
    """Newegg search results for a few GPU models (new cards)."""

    id = "newegg"
    kind = "hardware"
    tables = (GPU_HARDWARE_PRICES,)
    title = "Newegg"
    base_url = "https://www.newegg.com"
    parser_version = "1"
    # Retail prices move daily at most; a few HTML pages twice a day is polite.
    min_interval = timedelta(hours=6)
    expected_interval = timedelta(days=2)
    row_noun = "listings"

    def queries(self, ctx: Context) -> list[Query]:
        """One search page per GPU model, restricted to the graphics-card category."""
        return [
            Query(url=SEARCH_URL, params={"d": words, "N": GRAPHICS_CARDS_NODE}, label=label)
            for label, words in SEARCHES.items()
        ]

    def parse(self, query: Query, response: Response, ctx: Context) -> Batch:
        """Result cards to rows; a page with no result list at all is a layout change."""
        soup = BeautifulSoup(response.text(), "html.parser")
        cells = soup.select("div.item-cell")
        if not cells:
            if soup.select_one(".result-message, .list-tool-pagination, .item-cells-wrap"):
                return {GPU_HARDWARE_PRICES.name: []}  # a real page with no results
            raise ParseError(
                f"Newegg page for {query.label!r} has no div.item-cell cards: layout changed "
                "or a bot-check page?"
            )
        rows = [parse_card(cell, ctx) for cell in cells]
        return {GPU_HARDWARE_PRICES.name: [r for r in rows if r is not None]}
