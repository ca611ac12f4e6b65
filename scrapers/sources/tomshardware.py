"""Used GPU prices: Tom's Hardware's monthly "eBay GPU pricing index" article (HTML tables).

The article tables average filtered eBay *sold* listings per GPU for one month
(``GPU | eBay Price | QTY Sold`` plus optional retail/previous-month columns). We read this
article and NEVER fetch ebay.com itself: eBay's robots.txt disallows its search pages
(``/sch/``) and its terms forbid scraping them.

Layout quirks handled: tables are found by their header text, not their position; the price
header may carry the month ("October eBay Price", "Avg eBay Price"); a later column can hold
the previous month ("Sep eBay Price"), so the first eBay-price column is the current one;
"—" marks a card with no sales. The prices' month comes from the price header when it names
one (an update published in November reports October), else from the nearest "Month YYYY"
heading, the page's publication date, and finally the fetch month.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from bs4 import BeautifulSoup, Tag

from scrapers.errors import ParseError
from scrapers.gpu_models import canonical_gpu
from scrapers.http import Response
from scrapers.schema import GPU_HARDWARE_PRICES, Batch, Row
from scrapers.sources.base import Context, Query, Source, to_float, to_int

ARTICLE_URL = "https://www.tomshardware.com/news/gpus-historical-ebay-pricing"

MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sept", "sep"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
_MONTH_NAMES = "|".join(sorted(MONTHS, key=len, reverse=True))
_MONTH_YEAR = re.compile(rf"\b({_MONTH_NAMES})\.?\s+(20\d\d)\b", re.IGNORECASE)
_HEADER_MONTH = re.compile(rf"^\s*({_MONTH_NAMES})\.?\s+ebay\s+price", re.IGNORECASE)
_ISO_DATE = re.compile(r"(20\d\d)-(\d\d)-\d\d")


def header_row(table: Tag) -> Tag | None:
    """The header row: the first row of ``thead``, else the table's first row."""
    head = table.find("thead")
    row = head.find("tr") if isinstance(head, Tag) else table.find("tr")
    return row if isinstance(row, Tag) else None


def header_cells(table: Tag) -> list[str]:
    """Lower-cased header texts."""
    row = header_row(table)
    return [_text(c).lower() for c in row.find_all(["th", "td"])] if row else []


def price_table_columns(headers: list[str]) -> tuple[int, int, int | None] | None:
    """(gpu, price, quantity) column indexes of an eBay price table, or None if it is not one."""
    gpu = next((i for i, h in enumerate(headers) if h in {"gpu", "graphics card", "card"}), None)
    price = next((i for i, h in enumerate(headers) if "ebay price" in h), None)
    if gpu is None or price is None:
        return None
    qty = next((i for i, h in enumerate(headers) if "qty" in h or "quantity" in h), None)
    return gpu, price, qty


def reference_month(table: Tag, soup: BeautifulSoup, now: datetime) -> date:
    """The month a table sits under: nearest "Month YYYY" heading, publish date, or ``now``."""
    for heading in table.find_all_previous(["h1", "h2", "h3"]):
        found = month_in_text(_text(heading))
        if found:
            return found
    published = publication_month(soup)
    if published:
        return published
    title = soup.find("title")
    found = month_in_text(_text(title)) if isinstance(title, Tag) else None
    return found or date(now.year, now.month, 1)


def month_in_text(text: str) -> date | None:
    """The first "November 2025" style month in ``text``."""
    match = _MONTH_YEAR.search(text)
    if not match:
        return None
    return date(int(match.group(2)), MONTHS[match.group(1).lower()], 1)


def publication_month(soup: BeautifulSoup) -> date | None:
    """Month of the article's publication (``article:published_time`` or ``<time>``)."""
    meta = soup.find("meta", attrs={"property": "article:published_time"})
    candidates = [meta.get("content") if isinstance(meta, Tag) else None]
    candidates += [t.get("datetime") for t in soup.find_all("time")]
    for value in candidates:
        match = _ISO_DATE.search(str(value or ""))
        if match:
            return date(int(match.group(1)), int(match.group(2)), 1)
    return None


def data_month(price_header: str, reference: date) -> date:
    """The prices' month: the header's month (in the year up to ``reference``) or ``reference``."""
    match = _HEADER_MONTH.match(price_header)
    if not match:
        return reference
    month = MONTHS[match.group(1).lower()]
    year = reference.year if month <= reference.month else reference.year - 1
    return date(year, month, 1)


def parse_table(table: Tag, columns: tuple[int, int, int | None], observed: datetime) -> list[Row]:
    """Rows of one price table; cards without a price ("—") are skipped."""
    gpu_col, price_col, qty_col = columns
    rows: list[Row] = []
    header = header_row(table)
    for tr in table.find_all("tr"):
        if tr is header or tr.find_parent("thead") is not None:
            continue
        cells = [_text(c) for c in tr.find_all(["td", "th"])]
        if len(cells) <= max(gpu_col, price_col):
            continue
        name = cells[gpu_col].rstrip("*† ").strip()
        price = to_float(cells[price_col])
        if not name or price is None or price <= 0:
            continue
        quantity = to_int(cells[qty_col]) if qty_col is not None and qty_col < len(cells) else None
        rows.append(
            {
                "item_id": f"ebay-index|{name}",
                "observed_at": observed,
                "title": name,
                "gpu_model": canonical_gpu(name),
                "condition": "used",
                "price_usd": price,
                "quantity": quantity,
                "url": None,
            }
        )
    return rows


class TomsHardware(Source):
    """Tom's Hardware monthly eBay used-GPU price index."""

    id = "tomshardware"
    kind = "hardware"
    tables = (GPU_HARDWARE_PRICES,)
    title = "Tom's Hardware eBay GPU price index"
    base_url = "https://www.tomshardware.com"
    parser_version = "1"
    min_interval = timedelta(hours=20)
    expected_interval = timedelta(days=35)  # the article is updated about once a month
    row_noun = "prices"

    def queries(self, ctx: Context) -> list[Query]:
        """The article page."""
        return [Query(url=ARTICLE_URL, label="ebay_index")]

    def parse(self, query: Query, response: Response, ctx: Context) -> Batch:
        """Every eBay price table on the page to used-price rows at its month's start."""
        soup = BeautifulSoup(response.text(), "html.parser")
        rows: list[Row] = []
        found = False
        for table in soup.find_all("table"):
            headers = header_cells(table)
            columns = price_table_columns(headers)
            if columns is None:
                continue
            found = True
            month = data_month(headers[columns[1]], reference_month(table, soup, ctx.now))
            observed = datetime(month.year, month.month, 1)
            rows.extend(parse_table(table, columns, observed))
        if not found:
            raise ParseError("no eBay price table found: layout changed?")
        return {GPU_HARDWARE_PRICES.name: rows}


def _text(tag: Tag) -> str:
    return " ".join(tag.get_text(" ", strip=True).split())
