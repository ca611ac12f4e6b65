"""Tom's Hardware eBay GPU price index: used prices from the monthly article's tables."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from scrapers.config import Settings
from scrapers.errors import ParseError
from scrapers.refresh import refresh
from scrapers.schema import Row
from scrapers.sources.base import Context
from scrapers.sources.tomshardware import ARTICLE_URL, TomsHardware, data_month, month_in_text
from scrapers.store import read_connection
from tests.support.local_http import LocalServer, Reply
from tests.support.payloads import fixture, sample
from tests.support.sources import parse_rows

NOW = datetime(2025, 12, 10, 8, 15, tzinfo=UTC)
CTX = Context(settings=Settings(), now=NOW)
PATH = "/news/gpus-historical-ebay-pricing"


def rows_of(body: bytes, ctx: Context = CTX) -> list[Row]:
    """Price rows parsed from an article body."""
    source = TomsHardware()
    return parse_rows(source, source.queries(ctx)[0], body, ctx)


def parse(body: bytes, ctx: Context = CTX) -> dict[str, Row]:
    """Price rows by title parsed from an article body."""
    return {r["title"]: r for r in rows_of(body, ctx)}


@pytest.fixture(scope="module")
def prices() -> dict[str, Row]:
    """The sample article's rows."""
    return parse(sample("tomshardware", "ebay_index.html"))


def test_query_is_the_article_page() -> None:
    [query] = TomsHardware().queries(CTX)
    assert query.url == ARTICLE_URL
    assert query.label == "ebay_index"
    assert "ebay.com" not in query.url


def test_sample_reads_nvidia_amd_and_intel_tables(prices: dict[str, Row]) -> None:
    assert "GeForce RTX 3090" in prices
    assert "Radeon RX 7900 XTX" in prices
    assert "Intel Arc B580" in prices
    assert len(prices) == 35


def test_price_with_thousands_separator(prices: dict[str, Row]) -> None:
    assert prices["GeForce RTX 4090"]["price_usd"] == pytest.approx(1968.0)


def test_quantity_with_thousands_separator(prices: dict[str, Row]) -> None:
    assert prices["GeForce RTX 3090"]["quantity"] == 1114


def test_missing_quantity_is_null(prices: dict[str, Row]) -> None:
    assert prices["GeForce RTX 4060 Ti 16GB"]["quantity"] is None


def test_card_without_price_is_skipped(prices: dict[str, Row]) -> None:
    assert "Radeon RX 6500 XT" not in prices


def test_rows_are_used_with_stable_item_ids(prices: dict[str, Row]) -> None:
    row = prices["GeForce RTX 3090"]
    assert row["condition"] == "used"
    assert row["item_id"] == "ebay-index|GeForce RTX 3090"
    assert row["url"] is None


def test_gpu_models_are_canonical(prices: dict[str, Row]) -> None:
    assert prices["GeForce RTX 3090"]["gpu_model"] == "RTX 3090"
    assert prices["GeForce RTX 4070 Ti Super"]["gpu_model"] == "RTX 4070 Ti SUPER"
    assert prices["GeForce RTX 4060 Ti 16GB"]["gpu_model"] == "RTX 4060 Ti 16GB"
    assert prices["Radeon RX 7900 XTX"]["gpu_model"] == "RX 7900 XTX"


def test_observed_at_is_the_reported_month(prices: dict[str, Row]) -> None:
    assert {r["observed_at"] for r in prices.values()} == {datetime(2025, 11, 1)}


def test_month_in_header_beats_article_month() -> None:
    # The "November 2023 Update" reports October sales in "October eBay Price".
    rows = parse(fixture("tomshardware", "layout_2023.html"))
    assert {r["observed_at"] for r in rows.values()} == {datetime(2023, 10, 1)}


def test_first_ebay_price_column_is_the_current_month() -> None:
    rows = parse(fixture("tomshardware", "layout_2023.html"))
    assert rows["GeForce RTX 4090"]["price_usd"] == pytest.approx(1704.0)  # not Sep's $1,603


def test_header_row_in_td_cells_without_thead() -> None:
    rows = parse(fixture("tomshardware", "layout_2023.html"))
    assert set(rows) == {"GeForce RTX 4090", "GeForce RTX 3090", "GeForce RTX 3080 12GB"}


def test_dash_price_is_skipped() -> None:
    assert "Intel Arc A580" not in parse(fixture("tomshardware", "layout_2023.html"))


def test_other_tables_on_the_page_are_ignored() -> None:
    rows = parse(fixture("tomshardware", "layout_2023.html"))
    assert all(r["title"].startswith("GeForce") for r in rows.values())


def test_columns_found_by_header_text_in_any_order() -> None:
    rows = parse(fixture("tomshardware", "reordered.html"))
    xtx = rows["Radeon RX 7900 XTX"]
    assert xtx["price_usd"] == pytest.approx(802.0)
    assert xtx["quantity"] == 239
    assert xtx["observed_at"] == datetime(2025, 10, 1)


def test_footnote_marks_are_stripped_from_names() -> None:
    rows = parse(fixture("tomshardware", "reordered.html"))
    assert rows["Radeon RX 9070 XT"]["gpu_model"] == "RX 9070 XT"
    assert rows["Radeon RX 9070 XT"]["quantity"] is None


def test_na_price_is_skipped() -> None:
    assert "Radeon RX 6500 XT" not in parse(fixture("tomshardware", "reordered.html"))


def test_december_header_in_january_article_is_last_year() -> None:
    rows = parse(fixture("tomshardware", "year_rollover.html"))
    assert rows["GeForce RTX 3090"]["observed_at"] == datetime(2025, 12, 1)


def test_page_without_any_date_uses_the_fetch_month() -> None:
    ctx = Context(settings=Settings(), now=datetime(2026, 2, 17, 6, tzinfo=UTC))
    rows = parse(fixture("tomshardware", "no_date.html"), ctx)
    assert rows["GeForce RTX 3090"]["observed_at"] == datetime(2026, 2, 1)


def test_each_table_takes_the_month_of_its_heading() -> None:
    rows = rows_of(fixture("tomshardware", "two_months.html"))
    assert sorted((r["observed_at"], r["price_usd"]) for r in rows) == [
        (datetime(2025, 10, 1), 789.0),
        (datetime(2025, 11, 1), 796.0),
    ]


def test_page_without_price_table_raises() -> None:
    with pytest.raises(ParseError, match="no eBay price table found"):
        parse(fixture("tomshardware", "no_price_table.html"))


def test_empty_page_raises() -> None:
    with pytest.raises(ParseError, match="layout changed"):
        parse(b"<html><body><p>Access denied</p></body></html>")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("eBay GPU Prices 2025: November 2025 Update", date(2025, 11, 1)),
        ("Sept. 2024 prices", date(2024, 9, 1)),
        ("no month here 2025", None),
    ],
)
def test_month_in_text(text: str, expected: date | None) -> None:
    assert month_in_text(text) == expected


@pytest.mark.parametrize(
    ("header", "reference", "expected"),
    [
        ("october ebay price", date(2023, 11, 1), date(2023, 10, 1)),
        ("december ebay price", date(2026, 1, 1), date(2025, 12, 1)),
        ("ebay price", date(2025, 11, 1), date(2025, 11, 1)),
        ("avg ebay price", date(2022, 4, 1), date(2022, 4, 1)),
    ],
)
def test_data_month(header: str, reference: date, expected: date) -> None:
    assert data_month(header, reference) == expected


def test_refresh_stores_used_prices(server: LocalServer, settings: Settings) -> None:
    server.route(PATH, Reply(sample("tomshardware", "ebay_index.html"), content_type="text/html"))
    [result] = refresh(settings, only=["tomshardware"], now=NOW)
    assert result.status == "ok", result.error
    with read_connection(settings.db_path) as con:
        row = con.execute(
            "SELECT price_usd, quantity, gpu_model, condition, observed_at, source "
            "FROM gpu_hardware_prices WHERE item_id = 'ebay-index|GeForce RTX 3090'"
        ).fetchone()
        count = con.execute("SELECT count(*) FROM gpu_hardware_prices").fetchone()[0]
    assert row == (796.0, 1114, "RTX 3090", "used", datetime(2025, 11, 1), "tomshardware")
    assert count == 35


def test_refresh_fails_on_changed_layout(server: LocalServer, settings: Settings) -> None:
    server.route(
        PATH, Reply(fixture("tomshardware", "no_price_table.html"), content_type="text/html")
    )
    [result] = refresh(settings, only=["tomshardware"], now=NOW)
    assert result.status == "failed"
    assert "no eBay price table found" in (result.error or "")
