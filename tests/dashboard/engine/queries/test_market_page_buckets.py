"""Honest time buckets and a filter-aware rental index on tiny hand-made stores."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from dashboard.engine.queries import market_page as ex
from dashboard.engine.queries.market_page import MarketFilters
from scrapers.rental_index import rebuild_sql
from scrapers.schema import ENERGY_PRICES, GPU_RENTAL_OFFERS
from scrapers.store import read_connection, write_connection
from tests.support.market_store import write_rows
from tests.support.tiny_store import offer as rental_offer


def energy_row(day: date, price: float, period: str = "month", region: str = "DE") -> dict:
    """One energy_prices row (Ember-style monthly by default)."""
    return {
        "source": "ember",
        "region": region,
        "sector": "wholesale",
        "period": period,
        "period_start": day,
        "price_usd_per_kwh": price,
        "price_native": price * 1000,
        "native_unit": "EUR/MWh",
    }


def energy(tmp_path: Path, rows: list[dict], f: MarketFilters) -> ex.MarketResult:
    """Write ``rows`` and read the energy series under ``f``."""
    db = tmp_path / "e.duckdb"
    write_rows(db, ENERGY_PRICES, rows)
    with read_connection(str(db)) as con:
        return ex.energy_prices(con, f)


MONTHS = [date(2023, 11, 1), date(2023, 12, 1), date(2024, 1, 1)]


def test_monthly_data_bucketed_weekly_keeps_its_month(tmp_path: Path) -> None:
    rows = [energy_row(d, 0.1 + i / 100) for i, d in enumerate(MONTHS)]
    result = energy(tmp_path, rows, MarketFilters(resolution="week"))
    dec = result.frame.iloc[1]
    assert dec["period"] == pd_ts("2023-12-01")  # not the Monday 2023-11-27
    assert dec["period_label"] == "2023-12"
    assert dec["bucket"] == "month" and dec["native"] == "month"


def test_daily_data_beside_monthly_data_is_bucketed_as_asked(tmp_path: Path) -> None:
    rows = [energy_row(d, 0.1) for d in MONTHS]
    rows += [energy_row(date(2024, 1, d), 0.2, period="day", region="FR") for d in (1, 2, 8)]
    frame = energy(tmp_path, rows, MarketFilters(resolution="week")).frame
    fr = frame[frame["region"] == "FR"]
    assert fr["bucket"].tolist() == ["week", "week"]
    assert fr["periods"].tolist() == [2, 1]


def test_a_range_starting_mid_week_opens_with_its_own_days(tmp_path: Path) -> None:
    # 2021-01-01 is a Friday: the first bucket holds Jan 1-3 and says so.
    rows = [energy_row(date(2021, 1, 1) + timedelta(days=i), 0.1, period="day") for i in range(10)]
    f = MarketFilters(start=date(2021, 1, 1), end=date(2021, 1, 10), resolution="week")
    frame = energy(tmp_path, rows, f).frame
    first = frame.iloc[0]
    assert first["period"] == pd_ts("2021-01-01")
    assert first["period_label"] == "2021-01-01–01-03"
    assert first["periods"] == 3
    assert frame.iloc[1]["period_label"] == "2021-01-04–01-10"


def test_caption_names_monthly_data_as_monthly(tmp_path: Path) -> None:
    rows = [energy_row(d, 0.1) for d in MONTHS]
    result = energy(tmp_path, rows, MarketFilters(resolution="week"))
    assert ex.frequency_caption(result) == "Monthly data, one point per month."


def test_caption_names_daily_data_shown_weekly(tmp_path: Path) -> None:
    rows = [energy_row(date(2024, 1, d), 0.2, period="day") for d in (1, 2, 8)]
    result = energy(tmp_path, rows, MarketFilters(resolution="week"))
    assert ex.frequency_caption(result).startswith("Daily data as weekly aggregates.")


def test_auto_resolution_is_daily_for_a_short_range(tmp_path: Path) -> None:
    rows = [energy_row(date(2024, 1, d), 0.2, period="day") for d in (1, 2, 8)]
    assert energy(tmp_path, rows, MarketFilters()).frame["bucket"].tolist() == ["day"] * 3


def test_a_chosen_daily_bucket_is_coarsened_past_the_point_cap() -> None:
    assert ex.effective_resolution("day", date(1990, 1, 1), date(2030, 1, 1)) == "month"


def test_a_chosen_monthly_bucket_is_kept_for_a_short_range() -> None:
    assert ex.effective_resolution("month", date(2024, 1, 1), date(2024, 1, 31)) == "month"


def pd_ts(text: str) -> Any:
    """A pandas timestamp for comparisons with frame cells."""
    import pandas as pd

    return pd.Timestamp(text)


# --- the rental index honours the Sources filter ---------------------------------------------

T = datetime(2024, 3, 4, 12)


def offer(source: str, i: int, rate: float, t: datetime = T) -> dict:
    """One available on-demand RTX 4090 offer."""
    return rental_offer("RTX 4090", rate, t, f"{source}-{i}", source=source, available=True)


@pytest.fixture
def rental_db(tmp_path: Path) -> str:
    """vastai at 0.30-0.34 on two days; runpod (0.70) joins on the second day."""
    rows = [offer("vastai", i, 0.30 + i / 100) for i in range(5)]
    t2 = T + timedelta(days=1)
    rows += [offer("vastai", i, 0.30 + i / 100, t2) for i in range(5)]
    rows += [offer("runpod", i, 0.70, t2) for i in range(5)]
    db = tmp_path / "r.duckdb"
    write_rows(db, GPU_RENTAL_OFFERS, rows)
    with write_connection(str(db)) as con:
        con.execute(rebuild_sql())
    return str(db)


def index_frame(db: str, f: MarketFilters) -> Any:
    """The Market page's rental index frame under ``f``."""
    with read_connection(db) as con:
        return ex.rental_index_series(con, f).frame


def test_the_sources_filter_changes_the_index(rental_db: str) -> None:
    every = index_frame(rental_db, MarketFilters())
    runpod = index_frame(rental_db, MarketFilters(sources=("runpod",)))
    # Day 2 pooled: p25 = 0.3225, p75 = 0.70 keep 0.33, 0.34 and five 0.70 -> 4.17 / 7.
    assert every["index_usd_per_gpu_hour"].iloc[-1] == pytest.approx(4.17 / 7)
    assert runpod["index_usd_per_gpu_hour"].tolist() == pytest.approx([0.70])


def test_a_filtered_index_has_the_stored_index_values_for_all_sources(rental_db: str) -> None:
    every = index_frame(rental_db, MarketFilters())
    filtered = index_frame(rental_db, MarketFilters(sources=("runpod", "vastai")))
    cols = ["index_usd_per_gpu_hour", "stable_usd_per_gpu_hour", "offer_count"]
    assert filtered[cols].to_numpy().ravel() == pytest.approx(every[cols].to_numpy().ravel())


def test_the_pricing_type_filter_changes_the_index(rental_db: str) -> None:
    assert index_frame(rental_db, MarketFilters(pricing_types=("spot",))).empty


def test_the_page_series_carry_the_stable_index(rental_db: str) -> None:
    frame = index_frame(rental_db, MarketFilters())
    assert frame["stable_usd_per_gpu_hour"].tolist() == pytest.approx([0.32, 0.32])
