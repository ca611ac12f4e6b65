"""The rental index: median, interquartile mean, stable chain, quartiles and counts per day."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest

from scrapers.rental_index import MIN_OFFERS, rebuild_sql
from scrapers.schema import GPU_RENTAL_OFFERS, Row
from scrapers.store import Store, rows_to_frame, upsert, write_connection

DAY = datetime(2025, 11, 3, 10)


def offer(
    offer_id: str,
    rate: float,
    *,
    source: str = "vastai",
    model: str | None = "RTX 4090",
    pricing_type: str = "on_demand",
    observed_at: datetime = DAY,
    available: bool | None = True,
    num_gpus: int = 1,
) -> Row:
    """One gpu_rental_offers row with lineage."""
    return {
        "source": source,
        "offer_id": offer_id,
        "pricing_type": pricing_type,
        "observed_at": observed_at,
        "gpu_name_raw": model or "Mystery GPU",
        "gpu_model": model,
        "num_gpus": num_gpus,
        "rate_usd_per_gpu_hour": rate,
        "offer_rate_usd_per_hour": rate * num_gpus,
        "gpu_ram_gb": None,
        "location": None,
        "reliability": None,
        "available": available,
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


def test_interquartile_mean_of_symmetric_outliers_stays_at_the_centre(db: str) -> None:
    # 11 offers: p25 = 0.325 and p75 = 0.375 ((n - 1) * p = 2.5 and 7.5), so 0.33..0.37 stay.
    rates = [0.01, 0.31, 0.32, 0.33, 0.34, 0.35, 0.36, 0.37, 0.38, 0.39, 9.00]
    load(db, [offer(str(i), r) for i, r in enumerate(rates)])
    row = index(db)
    assert row["median_usd_per_gpu_hour"] == pytest.approx(0.35)
    assert row["iqm_usd_per_gpu_hour"] == pytest.approx(0.35)


def test_estimator_trims_and_differs_from_the_median(db: str) -> None:
    # p25 = 0.20, p75 = 0.40: kept 0.20, 0.20, 0.30, 0.40 -> mean 0.275; the median is 0.30.
    load(db, [offer(str(i), r) for i, r in enumerate([0.20, 0.20, 0.30, 0.40, 0.50])])
    row = index(db)
    assert row["median_usd_per_gpu_hour"] == pytest.approx(0.30)
    assert row["iqm_usd_per_gpu_hour"] == pytest.approx(0.275)


def test_old_column_name_holds_the_new_estimator(db: str) -> None:
    load(db, [offer(str(i), r) for i, r in enumerate([0.20, 0.20, 0.30, 0.40, 0.50])])
    assert index(db)["trimmed_median_usd_per_gpu_hour"] == pytest.approx(0.275)


def test_interquartile_mean_ignores_a_fat_upper_tail(db: str) -> None:
    # p25 = 0.3, p75 = 25.45: the three 50+ offers fall outside; kept 0.5..0.9 -> 0.7.
    rates = [0.1, 0.1, 0.1, 0.5, 0.6, 0.7, 0.8, 0.9, 50.0, 60.0, 70.0]
    load(db, [offer(str(i), r) for i, r in enumerate(rates)])
    assert index(db)["iqm_usd_per_gpu_hour"] == pytest.approx(0.7)


def test_unavailable_offers_are_not_priced(db: str) -> None:
    load(db, [offer("a", 0.30), offer("b", 0.40), offer("sold", 4.99, available=False)])
    row = index(db)
    assert row["offer_count"] == 2
    assert row["median_usd_per_gpu_hour"] == pytest.approx(0.35)


def test_a_model_with_only_sold_out_offers_has_no_index_day(db: str) -> None:
    load(db, [offer("a", 0.30), offer("b200", 4.99, model="B200", available=False)])
    assert [r[1] for r in all_index_rows(db)] == ["RTX 4090"]


def test_unknown_availability_counts_as_available(db: str) -> None:
    load(db, [offer("list-price", 2.49, available=None)])
    assert index(db)["offer_count"] == 1


def test_offer_turned_unavailable_later_that_day_is_excluded(db: str) -> None:
    load(
        db,
        [
            offer("a", 0.30, observed_at=datetime(2025, 11, 3, 8)),
            offer("a", 0.30, observed_at=datetime(2025, 11, 3, 9), available=False),
            offer("b", 0.50),
        ],
    )
    assert index(db)["offer_count"] == 1


def test_below_the_minimum_sample_the_day_is_low_confidence(db: str) -> None:
    load(db, [offer(str(i), 0.3 + i / 100) for i in range(MIN_OFFERS - 1)])
    assert index(db)["low_confidence"] is True


def test_at_the_minimum_sample_the_day_is_confident(db: str) -> None:
    load(db, [offer(str(i), 0.3 + i / 100) for i in range(MIN_OFFERS)])
    assert index(db)["low_confidence"] is False


def test_gpu_count_and_source_mix_per_day(db: str) -> None:
    load(
        db,
        [
            offer("1", 2.0, num_gpus=8),
            offer("2", 2.1),
            offer("3", 2.5, source="runpod"),
        ],
    )
    row = index(db)
    assert row["gpu_count"] == 10
    assert row["source_mix"] == "runpod 1, vastai 2"


def test_source_daily_counts_listed_and_available_offers(db: str) -> None:
    load(db, [offer("a", 0.30), offer("b", 0.90, available=False)])
    with write_connection(db) as con:
        row = con.execute(
            "SELECT median_usd_per_gpu_hour, offer_count, listed_count FROM gpu_rental_source_daily"
        ).fetchone()
    assert row == (pytest.approx(0.30), 1, 2)


DAY2 = datetime(2025, 11, 4, 10)


def stable(db: str, day: date) -> tuple[float, float]:
    """(stable, interquartile mean) of RTX 4090 on-demand on ``day``."""
    with write_connection(db) as con:
        row = con.execute(
            "SELECT stable_usd_per_gpu_hour, iqm_usd_per_gpu_hour FROM gpu_rental_index "
            "WHERE day = ? AND gpu_model = 'RTX 4090' AND pricing_type = 'on_demand'",
            [day],
        ).fetchone()
    assert row is not None
    return row[0], row[1]


VAST_RATES = [1.9, 2.0, 2.0, 2.0, 2.1]


def test_a_source_joining_does_not_move_the_stable_index(db: str) -> None:
    day1 = [offer(f"v{i}", r) for i, r in enumerate(VAST_RATES)]
    day2 = [offer(f"v{i}", r, observed_at=DAY2) for i, r in enumerate(VAST_RATES)]
    day2 += [offer(f"r{i}", 3.0, source="runpod", observed_at=DAY2) for i in range(8)]
    load(db, day1 + day2)
    stable1, pooled1 = stable(db, DAY.date())
    stable2, pooled2 = stable(db, DAY2.date())
    assert pooled2 > pooled1 * 1.2  # the pooled level jumps with the new source...
    assert stable2 == pytest.approx(stable1)  # ...the stable one does not
    assert stable1 == pytest.approx(pooled1)


def test_the_stable_index_follows_price_changes_within_a_source(db: str) -> None:
    day1 = [offer(f"v{i}", r) for i, r in enumerate(VAST_RATES)]
    day2 = [offer(f"v{i}", r * 1.1, observed_at=DAY2) for i, r in enumerate(VAST_RATES)]
    load(db, day1 + day2)
    assert stable(db, DAY2.date())[0] == pytest.approx(stable(db, DAY.date())[0] * 1.1)


def test_rebuilding_one_day_rechains_later_days(db: str) -> None:
    day1 = [offer(f"v{i}", r) for i, r in enumerate(VAST_RATES)]
    day2 = [offer(f"v{i}", r, observed_at=DAY2) for i, r in enumerate(VAST_RATES)]
    load(db, day1 + day2)
    # Day 1 re-parsed 10 % cheaper: day 2 is then 10 % above it, from the new base.
    load(db, [offer(f"v{i}", r / 1.1) for i, r in enumerate(VAST_RATES)], days=[DAY.date()])
    assert stable(db, DAY2.date())[0] == pytest.approx(stable(db, DAY.date())[0] * 1.1)


def test_a_store_with_the_old_index_tables_is_upgraded(tmp_path: Path) -> None:
    path = str(tmp_path / "old.duckdb")
    with duckdb.connect(path) as con:
        con.execute(OLD_INDEX_DDL)
    load(path, [offer("a", 0.30)])
    assert index(path)["stable_usd_per_gpu_hour"] == pytest.approx(0.30)


OLD_INDEX_DDL = """
CREATE TABLE store_meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL);
CREATE TABLE gpu_rental_index (
  day DATE NOT NULL, gpu_model VARCHAR NOT NULL, pricing_type VARCHAR NOT NULL,
  median_usd_per_gpu_hour DOUBLE NOT NULL, trimmed_median_usd_per_gpu_hour DOUBLE NOT NULL,
  p25_usd_per_gpu_hour DOUBLE NOT NULL, p75_usd_per_gpu_hour DOUBLE NOT NULL,
  offer_count INTEGER NOT NULL, sources VARCHAR NOT NULL,
  PRIMARY KEY (day, gpu_model, pricing_type));
CREATE TABLE gpu_rental_source_daily (
  day DATE NOT NULL, source VARCHAR NOT NULL, gpu_model VARCHAR NOT NULL,
  pricing_type VARCHAR NOT NULL, median_usd_per_gpu_hour DOUBLE NOT NULL,
  offer_count INTEGER NOT NULL, PRIMARY KEY (day, source, gpu_model, pricing_type));
"""


def test_single_offer_gives_its_own_rate_everywhere(db: str) -> None:
    load(db, [offer("a", 0.42)])
    row = index(db)
    assert row["median_usd_per_gpu_hour"] == pytest.approx(0.42)
    assert row["iqm_usd_per_gpu_hour"] == pytest.approx(0.42)
    assert row["stable_usd_per_gpu_hour"] == pytest.approx(0.42)
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
