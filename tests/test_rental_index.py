"""The rental index: median, trimmed median, quartiles and counts per day, model and type."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from scrapers.rental_index import rebuild_sql
from scrapers.schema import GPU_RENTAL_OFFERS
from scrapers.store import Row, Store, rows_to_frame, upsert, write_connection

DAY = datetime(2025, 11, 3, 10)


def offer(
    offer_id: str,
    rate: float,
    *,
    source: str = "vastai",
    model: str | None = "RTX 4090",
    pricing_type: str = "on_demand",
    observed_at: datetime = DAY,
) -> Row:
    """One gpu_rental_offers row with lineage."""
    return {
        "source": source,
        "offer_id": offer_id,
        "pricing_type": pricing_type,
        "observed_at": observed_at,
        "gpu_name_raw": model or "Mystery GPU",
        "gpu_model": model,
        "num_gpus": 1,
        "rate_usd_per_gpu_hour": rate,
        "offer_rate_usd_per_hour": rate,
        "gpu_ram_gb": None,
        "location": None,
        "reliability": None,
        "available": True,
        "source_url": f"https://{source}.example/api",
        "fetched_at": observed_at,
        "parser_version": "1",
    }


@pytest.fixture
def db(tmp_path: Path) -> str:
    """An empty store."""
    path = str(tmp_path / "index.duckdb")
    Store(path).init()
    return path


def load(db: str, rows: list[Row], days: list[date] | None = None) -> None:
    """Write offers and rebuild the index, as the refresh runner does."""
    with write_connection(db) as con:
        upsert(con, GPU_RENTAL_OFFERS, rows_to_frame(GPU_RENTAL_OFFERS, rows))
        con.execute(rebuild_sql(days))


def index(db: str, model: str = "RTX 4090", pricing_type: str = "on_demand") -> dict[str, Any]:
    """The single index row for ``model`` on DAY."""
    with write_connection(db) as con:
        cur = con.execute(
            "SELECT * FROM gpu_rental_index WHERE gpu_model = ? AND pricing_type = ?",
            [model, pricing_type],
        )
        names = [d[0] for d in cur.description]
        found = cur.fetchall()
    assert len(found) == 1, found
    return dict(zip(names, found[0], strict=True))


def all_index_rows(db: str) -> list[tuple]:
    """Every index row, sorted."""
    with write_connection(db) as con:
        return con.execute("SELECT * FROM gpu_rental_index ORDER BY ALL").fetchall()


def test_median_of_odd_count(db: str) -> None:
    load(db, [offer("a", 0.30), offer("b", 0.40), offer("c", 0.50)])
    assert index(db)["median_usd_per_gpu_hour"] == pytest.approx(0.40)


def test_median_of_even_count_interpolates(db: str) -> None:
    load(db, [offer("a", 0.30), offer("b", 0.40), offer("c", 0.50), offer("d", 0.70)])
    assert index(db)["median_usd_per_gpu_hour"] == pytest.approx(0.45)


def test_quartiles_are_continuous(db: str) -> None:
    load(db, [offer(str(i), rate) for i, rate in enumerate([0.1, 0.2, 0.3, 0.4, 0.5])])
    row = index(db)
    assert row["p25_usd_per_gpu_hour"] == pytest.approx(0.2)
    assert row["p75_usd_per_gpu_hour"] == pytest.approx(0.4)


def test_trimmed_median_of_symmetric_outliers_stays_at_the_centre(db: str) -> None:
    # 11 offers: p10 sits at 0.31 and p90 at 0.39 ((n - 1) * p = 1 and 9), so 0.01 and
    # 9.00 fall outside and 0.31..0.39 stay: their median is 0.35.
    rates = [0.01, 0.31, 0.32, 0.33, 0.34, 0.35, 0.36, 0.37, 0.38, 0.39, 9.00]
    load(db, [offer(str(i), r) for i, r in enumerate(rates)])
    row = index(db)
    assert row["median_usd_per_gpu_hour"] == pytest.approx(0.35)
    assert row["trimmed_median_usd_per_gpu_hour"] == pytest.approx(0.35)


def test_trimmed_median_keeps_ties_at_the_lower_bound(db: str) -> None:
    # p10 = 0.20 (both low values tie on it, so both stay); p90 = 0.46 drops 0.50 only.
    # Kept: 0.20, 0.20, 0.30, 0.40 -> 0.25, while the plain median is 0.30.
    load(db, [offer(str(i), r) for i, r in enumerate([0.20, 0.20, 0.30, 0.40, 0.50])])
    row = index(db)
    assert row["median_usd_per_gpu_hour"] == pytest.approx(0.30)
    assert row["trimmed_median_usd_per_gpu_hour"] == pytest.approx(0.25)


def test_trimmed_median_drops_the_top_decile(db: str) -> None:
    # p10 = 0.10 (position 1), p90 = 60 (position 9): 70 is dropped, the three 0.10 ties
    # stay, so the kept ten values have median (0.6 + 0.7) / 2; the plain median is 0.7.
    rates = [0.1, 0.1, 0.1, 0.5, 0.6, 0.7, 0.8, 0.9, 50.0, 60.0, 70.0]
    load(db, [offer(str(i), r) for i, r in enumerate(rates)])
    row = index(db)
    assert row["median_usd_per_gpu_hour"] == pytest.approx(0.7)
    assert row["trimmed_median_usd_per_gpu_hour"] == pytest.approx(0.65)


def test_single_offer_gives_its_own_rate_everywhere(db: str) -> None:
    load(db, [offer("a", 0.42)])
    row = index(db)
    assert row["median_usd_per_gpu_hour"] == pytest.approx(0.42)
    assert row["trimmed_median_usd_per_gpu_hour"] == pytest.approx(0.42)
    assert row["p25_usd_per_gpu_hour"] == pytest.approx(0.42)
    assert row["offer_count"] == 1


def test_offer_count_and_sources_span_sources(db: str) -> None:
    load(
        db,
        [
            offer("1", 0.30, source="vastai"),
            offer("2", 0.35, source="vastai"),
            offer("NVIDIA GeForce RTX 4090|secure", 0.69, source="runpod"),
        ],
    )
    row = index(db)
    assert row["offer_count"] == 3
    assert row["sources"] == "runpod,vastai"


def test_same_offer_id_in_two_sources_counts_twice(db: str) -> None:
    load(db, [offer("7", 0.30, source="vastai"), offer("7", 0.40, source="runpod")])
    assert index(db)["offer_count"] == 2


def test_one_row_per_day_model_and_pricing_type(db: str) -> None:
    load(
        db,
        [
            offer("a", 0.30),
            offer("b", 0.20, pricing_type="spot"),
            offer("c", 2.99, model="H100 SXM"),
            offer("d", 0.31, observed_at=datetime(2025, 11, 4, 9)),
        ],
    )
    keys = [(r[0], r[1], r[2]) for r in all_index_rows(db)]
    assert keys == [
        (date(2025, 11, 3), "H100 SXM", "on_demand"),
        (date(2025, 11, 3), "RTX 4090", "on_demand"),
        (date(2025, 11, 3), "RTX 4090", "spot"),
        (date(2025, 11, 4), "RTX 4090", "on_demand"),
    ]


def test_pricing_types_are_not_mixed(db: str) -> None:
    load(db, [offer("a", 0.40), offer("b", 0.10, pricing_type="spot")])
    assert index(db, pricing_type="on_demand")["median_usd_per_gpu_hour"] == pytest.approx(0.40)
    assert index(db, pricing_type="spot")["median_usd_per_gpu_hour"] == pytest.approx(0.10)


def test_unknown_gpu_model_is_excluded(db: str) -> None:
    load(db, [offer("a", 0.40), offer("b", 99.0, model=None)])
    rows = all_index_rows(db)
    assert len(rows) == 1
    assert rows[0][1] == "RTX 4090"
    assert index(db)["offer_count"] == 1


def test_hourly_snapshots_of_one_offer_count_once_at_the_latest_rate(db: str) -> None:
    load(
        db,
        [
            offer("a", 0.30, observed_at=datetime(2025, 11, 3, 8)),
            offer("a", 0.32, observed_at=datetime(2025, 11, 3, 9)),
            offer("a", 0.34, observed_at=datetime(2025, 11, 3, 10)),
            offer("b", 0.50, observed_at=datetime(2025, 11, 3, 10)),
        ],
    )
    row = index(db)
    assert row["offer_count"] == 2
    assert row["median_usd_per_gpu_hour"] == pytest.approx((0.34 + 0.50) / 2)


def test_rebuilding_twice_changes_nothing(db: str) -> None:
    rows = [offer(str(i), 0.2 + i / 100, source=("vastai", "runpod")[i % 2]) for i in range(9)]
    load(db, rows)
    first = all_index_rows(db)
    with write_connection(db) as con:
        con.execute(rebuild_sql())
        con.execute(rebuild_sql([DAY.date()]))
    assert all_index_rows(db) == first


def test_rebuilding_some_days_leaves_other_days_alone(db: str) -> None:
    load(db, [offer("a", 0.30), offer("b", 0.40, observed_at=datetime(2025, 11, 4, 9))])
    load(db, [offer("c", 0.90, observed_at=datetime(2025, 11, 4, 10))], days=[date(2025, 11, 4)])
    by_day = {r[0]: r for r in all_index_rows(db)}
    assert by_day[date(2025, 11, 3)][3] == pytest.approx(0.30)
    assert by_day[date(2025, 11, 4)][3] == pytest.approx(0.65)


def test_rebuild_drops_a_model_that_lost_its_offers(db: str) -> None:
    load(db, [offer("a", 0.30, model="RTX 4090")])
    # A re-parse maps the same offer to another model; the old index row must go.
    load(db, [offer("a", 0.30, model="RTX 4090 D")], days=[DAY.date()])
    assert [r[1] for r in all_index_rows(db)] == ["RTX 4090 D"]
