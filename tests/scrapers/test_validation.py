"""Row-level validation at the store's door: rules per table, dicts and Arrow alike."""

from __future__ import annotations

import sqlite3
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from scrapers.errors import ForeignDatabase, ParseError, ValidationError
from scrapers.schema import TABLES_BY_NAME
from scrapers.sources.base import from_unix
from scrapers.store import Store, rows_to_arrow
from scrapers.validation import validate_batch, validate_rows

FETCHED = datetime(2026, 3, 1, 12, 0)


def coin(observed_at: datetime, **values: object) -> dict:
    return {
        "source": "coingecko",
        "coin": "BTC",
        "observed_at": observed_at,
        "price_usd": 90_000.0,
        "source_url": "u",
        "fetched_at": FETCHED,
        "parser_version": "1",
        **values,
    }


def offer(offer_id: str | None, **values: object) -> dict:
    return {
        "source": "vastai",
        "offer_id": offer_id,
        "pricing_type": "spot",
        "observed_at": datetime(2026, 3, 1, 12, 0),
        "gpu_name_raw": "RTX 4090",
        "num_gpus": 1,
        "rate_usd_per_gpu_hour": 0.3,
        "gpu_ram_gb": 24.0,
        "reliability": None,
        "source_url": "u",
        "fetched_at": FETCHED,
        "parser_version": "1",
        **values,
    }


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        (coin(datetime(1970, 1, 1)), "observed_at 1970-01-01 00:00 before 2009-01-03 00:00"),
        (
            coin(datetime(3000, 1, 1)),
            "observed_at 3000-01-01 00:00 after its fetch time 2026-03-01 12:00",
        ),
        (coin(FETCHED, price_usd=float("inf")), "price_usd is inf"),
        (coin(FETCHED, price_usd=-1.0), "price_usd = -1 outside 0..inf"),
        (coin(FETCHED, block_time_s=0.0), "block_time_s = 0 (must be > 0)"),
        (coin(FETCHED, coin=None), "coin missing"),
    ],
    ids=["epoch", "future", "inf", "negative", "zero-block-time", "null-key"],
)
def test_an_impossible_coin_row_is_refused_with_its_reason(row: dict, reason: str) -> None:
    kept, refused, example = validate_rows("coin_network", [row, coin(FETCHED)])
    assert (len(kept), refused) == (1, 1)
    assert example == reason


def test_a_small_clock_skew_is_allowed() -> None:
    kept, refused, _ = validate_rows("coin_network", [coin(FETCHED + timedelta(minutes=10))])
    assert (len(kept), refused) == (1, 0)


def test_day_ahead_energy_prices_may_lie_two_days_ahead() -> None:
    row = {
        "source": "entsoe",
        "region": "NL",
        "sector": "wholesale",
        "period": "day",
        "period_start": date(2026, 3, 3),
        "price_usd_per_kwh": -0.01,
        "price_native": -9.0,
        "native_unit": "EUR/MWh",
        "fetched_at": FETCHED,
    }
    assert validate_rows("energy_prices", [row])[1] == 0
    assert validate_rows("energy_prices", [{**row, "period_start": date(2026, 3, 9)}])[1] == 1


def test_arrow_and_dicts_refuse_the_same_offers() -> None:
    table = TABLES_BY_NAME["gpu_rental_offers"]
    offers = [
        offer("1"),
        offer(None),
        offer("3", gpu_ram_gb=-976_562_500.0),
        offer("4", rate_usd_per_gpu_hour=0.0),
        offer("5", observed_at=datetime(2100, 1, 1)),
        offer("6", reliability=1.5),
        offer("7", gpu_ram_gb=None),
    ]
    kept, refused, _ = validate_rows("gpu_rental_offers", offers)
    arrow = pa.Table.from_pylist(offers)
    kept_arrow, refused_arrow, example = validate_rows("gpu_rental_offers", arrow)
    assert [r["offer_id"] for r in kept] == ["1", "7"]
    assert kept_arrow["offer_id"].to_pylist() == ["1", "7"]
    assert refused == refused_arrow == 5
    assert example == "offer_id missing"
    assert rows_to_arrow(table, kept).num_rows == 2


def test_every_row_refused_fails_the_batch() -> None:
    with pytest.raises(ValidationError, match=r"all 2 prices refused as impossible"):
        validate_batch("coingecko", {"coin_network": [coin(datetime(1970, 1, 1))] * 2}, "prices")


def test_refusals_are_counted_per_table() -> None:
    batch = {"coin_network": [coin(FETCHED), coin(datetime(3000, 1, 1))]}
    kept, refusals = validate_batch("coingecko", batch)
    assert refusals.total == 1 and refusals.counts == {"coin_network": 1}
    assert len(kept["coin_network"]) == 1


def test_a_unix_time_beyond_year_9999_is_a_parse_error() -> None:
    with pytest.raises(ParseError, match="out of range"):
        from_unix(-1e15)


def test_an_older_store_gains_the_rows_refused_column(tmp_path: Path) -> None:
    db = tmp_path / "old.duckdb"
    Store(str(db)).init()
    with duckdb.connect(str(db)) as con:
        con.execute("ALTER TABLE scrape_runs DROP COLUMN rows_refused")
    Store(str(db)).init()
    with duckdb.connect(str(db)) as con:
        columns = [r[0] for r in con.execute("DESCRIBE scrape_runs").fetchall()]
    assert "rows_refused" in columns


def test_a_foreign_duckdb_file_is_refused_and_left_alone(tmp_path: Path) -> None:
    db = tmp_path / "theirs.duckdb"
    with duckdb.connect(str(db)) as con:
        con.execute("CREATE TABLE orders (id INTEGER)")
    with pytest.raises(ForeignDatabase, match=r"another application's database \(tables orders"):
        Store(str(db)).init()
    with duckdb.connect(str(db)) as con:
        assert con.execute("SELECT table_name FROM duckdb_tables()").fetchall() == [("orders",)]


def test_a_sqlite_file_is_refused_without_loading_an_extension(tmp_path: Path) -> None:
    db = tmp_path / "app.sqlite"
    with sqlite3.connect(db) as con:
        con.execute("CREATE TABLE t (x)")
    with pytest.raises(ForeignDatabase, match="is not a DuckDB database file"):
        Store(str(db)).init()


def test_a_new_empty_file_becomes_a_store(tmp_path: Path) -> None:
    db = tmp_path / "new.duckdb"
    duckdb.connect(str(db)).close()
    Store(str(db)).init()
    with duckdb.connect(str(db)) as con:
        assert con.execute("SELECT count(*) FROM store_meta").fetchone()[0] >= 1
