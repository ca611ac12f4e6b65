"""The DuckDB store on real files: schema, idempotent upserts, atomic writes, raw payloads."""

from __future__ import annotations

import gzip
import subprocess
import sys
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import duckdb
import pytest

from scrapers.errors import StoreBusy, StoreError
from scrapers.schema import DATA_TABLES, SUPPORT_DDL
from scrapers.store import (
    DERIVED_TABLES,
    RawPayload,
    RunRecord,
    Store,
    read_connection,
    table_counts,
)

SNAPSHOT = datetime(2026, 1, 5, 12, 0)
FETCHED = datetime(2026, 1, 5, 12, 3, tzinfo=UTC)


def offer(offer_id: str = "1", rate: float = 0.5, **overrides: object) -> dict[str, object]:
    """One gpu_rental_offers row with lineage, as the runner hands it to the store."""
    row: dict[str, object] = {
        "source": "vastai",
        "offer_id": offer_id,
        "pricing_type": "on_demand",
        "observed_at": SNAPSHOT,
        "gpu_name_raw": "RTX 4090",
        "gpu_model": "rtx-4090",
        "num_gpus": 1,
        "rate_usd_per_gpu_hour": rate,
        "offer_rate_usd_per_hour": rate,
        "source_url": "https://console.vast.ai/api/v0/bundles/",
        "fetched_at": FETCHED,
        "parser_version": "1",
    }
    row.update(overrides)
    return row


def hardware(item_id: str = "h1", price: float | None = 1599.0) -> dict[str, object]:
    """One gpu_hardware_prices row with lineage."""
    return {
        "source": "vastai",
        "item_id": item_id,
        "observed_at": SNAPSHOT,
        "title": "RTX 4090",
        "condition": "new",
        "price_usd": price,
        "source_url": "https://example.invalid/x",
        "fetched_at": FETCHED,
        "parser_version": "1",
    }


def run(run_id: str = "r1") -> RunRecord:
    return RunRecord(run_id=run_id, source="vastai", started_at=datetime(2026, 1, 5, 12, 3))


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store(str(tmp_path / "rigshift.duckdb"), raw_dir=tmp_path / "raw")
    s.init()
    return s


def query(store: Store, sql: str) -> list[tuple]:
    with read_connection(store.db_path) as con:
        return con.execute(sql).fetchall()


def test_init_creates_every_table(store: Store) -> None:
    names = {r[0] for r in query(store, "SELECT table_name FROM information_schema.tables")}
    assert {t.name for t in DATA_TABLES} <= names
    support = {
        "scrape_runs",
        "raw_payloads",
        "store_meta",
        "gpu_rental_index",
        "gpu_rental_source_daily",
    }
    assert support <= names
    assert len(SUPPORT_DDL) + sum(len(d.tables) for d in DERIVED_TABLES) == len(support)
    assert query(store, "SELECT value FROM store_meta WHERE key = 'schema_version'") == [("1",)]


def test_upsert_is_idempotent(store: Store) -> None:
    batch = {"gpu_rental_offers": [offer("1"), offer("2")]}
    store.write_source(batch, run("r1"))
    store.write_source(batch, run("r2"))
    assert query(store, "SELECT count(*) FROM gpu_rental_offers") == [(2,)]


def test_later_value_replaces_earlier(store: Store) -> None:
    store.write_source({"gpu_rental_offers": [offer("1", rate=0.5)]}, run("r1"))
    store.write_source({"gpu_rental_offers": [offer("1", rate=0.7)]}, run("r2"))
    assert query(store, "SELECT rate_usd_per_gpu_hour FROM gpu_rental_offers") == [(0.7,)]


def test_duplicate_keys_in_one_batch_collapse(store: Store) -> None:
    written = store.write_source(
        {"gpu_rental_offers": [offer("1", rate=0.5), offer("1", rate=0.9)]}, run()
    )
    assert written == 1
    assert query(store, "SELECT rate_usd_per_gpu_hour FROM gpu_rental_offers") == [(0.9,)]


def test_failed_write_rolls_back_the_whole_source(store: Store) -> None:
    store.write_source({"gpu_rental_offers": [offer("1", rate=0.5)]}, run("r1"))
    bad = {
        "gpu_rental_offers": [offer("1", rate=0.8), offer("2")],  # fine on its own
        "gpu_hardware_prices": [hardware(price=None)],  # NOT NULL violation
    }
    with pytest.raises(duckdb.ConstraintException):
        store.write_source(bad, run("r2"), payloads=[payload(b"second")])
    assert query(store, "SELECT offer_id, rate_usd_per_gpu_hour FROM gpu_rental_offers") == [
        ("1", 0.5)
    ]
    assert query(store, "SELECT count(*) FROM gpu_hardware_prices") == [(0,)]
    assert query(store, "SELECT run_id FROM scrape_runs") == [("r1",)]
    assert query(store, "SELECT count(*) FROM raw_payloads") == [(0,)]


def payload(body: bytes) -> RawPayload:
    return RawPayload("vastai", "https://console.vast.ai/api/v0/bundles/", FETCHED, "json", body)


def test_raw_payload_saved_gzipped(store: Store) -> None:
    body = b'{"offers": []}'
    store.write_source({"gpu_rental_offers": [offer()]}, run(), payloads=[payload(body)])
    [(path, size)] = query(store, "SELECT path, bytes FROM raw_payloads")
    assert size == len(body)
    assert gzip.decompress(Path(path).read_bytes()) == body
    assert Path(path).is_relative_to(store.raw_dir)


def test_raw_payload_deduplicated_by_sha256(store: Store) -> None:
    body = b'{"offers": [1]}'
    store.write_source({"gpu_rental_offers": [offer()]}, run("r1"), payloads=[payload(body)] * 2)
    store.write_source({"gpu_rental_offers": [offer()]}, run("r2"), payloads=[payload(body)])
    assert query(store, "SELECT count(*) FROM raw_payloads") == [(1,)]
    assert len(list(store.raw_dir.rglob("*.gz"))) == 1


def test_timestamps_stored_as_naive_utc(store: Store) -> None:
    plus_two = timezone(timedelta(hours=2))
    row = offer(
        observed_at=datetime(2026, 1, 5, 12, 0, tzinfo=plus_two),
        fetched_at=datetime(2026, 1, 5, 12, 30, tzinfo=plus_two),
    )
    store.write_source({"gpu_rental_offers": [row]}, run())
    [(observed, fetched)] = query(store, "SELECT observed_at, fetched_at FROM gpu_rental_offers")
    assert observed == datetime(2026, 1, 5, 10, 0)
    assert fetched == datetime(2026, 1, 5, 10, 30)


def test_run_record_is_logged_with_the_rows(store: Store) -> None:
    store.write_source({"gpu_rental_offers": [offer("1"), offer("2")]}, run("r1"))
    assert query(store, "SELECT run_id, source, status, rows_written FROM scrape_runs") == [
        ("r1", "vastai", "ok", 2)
    ]


def test_table_counts(store: Store) -> None:
    store.write_source({"gpu_rental_offers": [offer("1")]}, run())
    with read_connection(store.db_path) as con:
        counts = table_counts(con)
    assert counts["gpu_rental_offers"] == 1
    assert set(counts) == {t.name for t in DATA_TABLES}


def test_read_connection_without_database(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no database at"):
        with read_connection(str(tmp_path / "missing.duckdb")):
            pass


def test_read_waits_then_reports_busy(store: Store) -> None:
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys; con = duckdb.connect(sys.argv[1]); print('held', flush=True);"
            " sys.stdin.read()",
            store.db_path,
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(StoreBusy, match="stayed locked by another process"):
            with read_connection(store.db_path, wait_s=0.3):
                pass
    finally:
        holder.communicate("")
    with read_connection(store.db_path) as con:  # released with the holder's exit
        assert con.execute("SELECT 1").fetchone() == (1,)
