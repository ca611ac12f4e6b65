"""Columnar (Arrow) batches through the runner and the store: same rows as dicts, idempotent."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from scrapers.checks import check_batch
from scrapers.config import Settings
from scrapers.errors import EmptyDataError, SanityError
from scrapers.refresh import run_source, stamp, unknown_gpu_names
from scrapers.rental_index import snapshot_days
from scrapers.sources.base import Context
from scrapers.sources.vastai import VastAi
from scrapers.store import RunRecord, Store, read_connection

SNAPSHOT = datetime(2026, 1, 5, 12, 0)
FETCHED = datetime(2026, 1, 5, 12, 3, tzinfo=UTC)
URL = "https://console.vast.ai/api/v0/bundles/"
COLUMNS = (
    "source, offer_id, pricing_type, observed_at, gpu_name_raw, gpu_model, num_gpus, "
    "rate_usd_per_gpu_hour, offer_rate_usd_per_hour, gpu_ram_gb, location, reliability, "
    "available, source_url, fetched_at, parser_version"
)


def offer(offer_id: str, rate: float = 0.5, **overrides: Any) -> dict[str, Any]:
    """One parsed vast.ai row (no lineage), as a parser returns it."""
    row: dict[str, Any] = {
        "offer_id": offer_id,
        "pricing_type": "on_demand",
        "observed_at": SNAPSHOT,
        "gpu_name_raw": "RTX 4090",
        "gpu_model": "RTX 4090",
        "num_gpus": 1,
        "rate_usd_per_gpu_hour": rate,
        "offer_rate_usd_per_hour": rate,
        "gpu_ram_gb": 24.0,
        "location": "NO",
        "reliability": None,
        "available": True,
    }
    row.update(overrides)
    return row


def arrow(rows: list[dict[str, Any]]) -> pa.Table:
    return pa.Table.from_pylist(rows)


def stamped(parsed: list[dict[str, Any]] | pa.Table) -> dict[str, Any]:
    batch: dict[str, Any] = {}
    stamp(VastAi(), {"gpu_rental_offers": parsed}, URL, FETCHED, batch)
    return batch


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store(str(tmp_path / "rigshift.duckdb"))
    s.init()
    return s


def stored(store: Store) -> list[tuple]:
    with read_connection(store.db_path) as con:
        return con.execute(f"SELECT {COLUMNS} FROM gpu_rental_offers ORDER BY offer_id").fetchall()


def run(run_id: str = "r1") -> RunRecord:
    return RunRecord(run_id=run_id, source="vastai", started_at=SNAPSHOT)


ROWS = [offer("1", 0.5), offer("2", 0.7, location=None, gpu_model=None, gpu_name_raw="X9")]


def test_arrow_batch_stores_the_same_rows_as_dicts(store: Store, tmp_path: Path) -> None:
    other = Store(str(tmp_path / "dicts.duckdb"))
    other.init()
    store.write_source(stamped(arrow([dict(r) for r in ROWS])), run())
    other.write_source(stamped([dict(r) for r in ROWS]), run())
    assert stored(store) == stored(other)
    assert len(stored(store)) == 2


def test_stamp_adds_lineage_columns() -> None:
    table = stamped(arrow([dict(r) for r in ROWS]))["gpu_rental_offers"]
    assert set(table["source"].to_pylist()) == {"vastai"}
    assert set(table["source_url"].to_pylist()) == {URL}
    assert set(table["fetched_at"].to_pylist()) == {datetime(2026, 1, 5, 12, 3)}


def test_stamp_combines_two_answers_and_mixed_forms() -> None:
    batch: dict[str, Any] = {}
    stamp(VastAi(), {"gpu_rental_offers": arrow([offer("1")])}, URL, FETCHED, batch)
    stamp(VastAi(), {"gpu_rental_offers": [offer("2")]}, URL, FETCHED, batch)
    stamp(VastAi(), {"gpu_rental_offers": arrow([offer("3")])}, URL, FETCHED, batch)
    assert batch["gpu_rental_offers"]["offer_id"].to_pylist() == ["1", "2", "3"]


def test_writing_the_same_arrow_batch_twice_is_idempotent(store: Store) -> None:
    batch = stamped(arrow([dict(r) for r in ROWS]))
    store.write_source(batch, run("r1"))
    store.write_source(batch, run("r2"))
    assert len(stored(store)) == 2


def test_later_arrow_value_replaces_earlier(store: Store) -> None:
    store.write_source(stamped(arrow([offer("1", 0.5)])), run("r1"))
    store.write_source(stamped(arrow([offer("1", 0.9)])), run("r2"))
    assert [r[7] for r in stored(store)] == [0.9]


def test_duplicate_keys_in_one_arrow_batch_collapse_to_the_last(store: Store) -> None:
    written = store.write_source(
        stamped(arrow([offer("1", 0.5), offer("2", 0.6), offer("1", 0.9)])), run()
    )
    assert written == 2
    assert [(r[1], r[7]) for r in stored(store)] == [("1", 0.9), ("2", 0.6)]


def test_arrow_timestamps_stored_as_naive_utc(store: Store) -> None:
    plus_two = timezone(timedelta(hours=2))
    table = arrow([offer("1")])
    table = table.set_column(
        table.column_names.index("observed_at"),
        "observed_at",
        pa.array([datetime(2026, 1, 5, 12, 0, tzinfo=plus_two)], pa.timestamp("us", tz="UTC")),
    )
    store.write_source(stamped(table), run())
    assert stored(store)[0][3] == datetime(2026, 1, 5, 10, 0)


def test_check_batch_flags_arrow_values_like_dicts() -> None:
    bad = [offer("1", 0.5), offer("2", 5000.0)]
    messages = []
    for form in (bad, arrow(bad)):
        with pytest.raises(SanityError) as err:
            check_batch("vastai", {"gpu_rental_offers": form}, "offers")
        messages.append(str(err.value))
    assert messages[0] == messages[1]
    assert "1 of 2 offers have rate_usd_per_gpu_hour outside 0.001..150 (e.g. 5000)" in messages[0]


def test_check_batch_flags_nan_in_arrow() -> None:
    with pytest.raises(SanityError):
        check_batch("vastai", {"gpu_rental_offers": arrow([offer("1", float("nan"))])})


def test_check_batch_rejects_an_empty_arrow_table() -> None:
    empty = arrow([offer("1")]).slice(0, 0)
    with pytest.raises(EmptyDataError, match="0 offers parsed"):
        check_batch("vastai", {"gpu_rental_offers": empty}, "offers")


def test_unknown_gpu_names_from_arrow() -> None:
    batch = stamped(
        arrow([dict(r) for r in ROWS] + [offer("3", gpu_model=None, gpu_name_raw="X9")])
    )
    assert unknown_gpu_names(batch) == ["X9"]


def test_snapshot_days_from_both_forms() -> None:
    rows = [offer("1"), offer("2", observed_at=SNAPSHOT + timedelta(days=1))]
    want = [date(2026, 1, 5), date(2026, 1, 6)]
    assert snapshot_days(rows) == want
    assert snapshot_days(arrow(rows)) == want


def test_run_source_with_an_arrow_batch_rebuilds_the_index(store: Store) -> None:
    ctx = Context(settings=Settings(db_path=store.db_path), now=FETCHED)
    batch = stamped(arrow([offer("1", 0.4), offer("2", 0.6)]))
    done = run_source(VastAi(), ctx, store, "r1", lambda: (batch, []))
    assert (done.status, done.rows_written) == ("ok", 2)
    with read_connection(store.db_path) as con:
        index = con.execute(
            "SELECT day, gpu_model, median_usd_per_gpu_hour, offer_count FROM gpu_rental_index"
        ).fetchall()
    assert index == [(date(2026, 1, 5), "RTX 4090", pytest.approx(0.5), 2)]
