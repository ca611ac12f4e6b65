"""Market page queries on a tiny hand-made store: filters, buckets, derived series, empties."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import duckdb
import pytest

from dashboard.engine.queries import market_page as ex
from dashboard.engine.queries.market_page import MarketFilters
from scrapers.schema import COIN_NETWORK
from scrapers.store import Store, read_connection
from tests.support.market_store import (
    COIN_DAYS,
    SNAPSHOTS,
    build_market_store,
    coin_rows,
    write_rows,
)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The hand-made Market store, built once for this module."""
    return build_market_store(tmp_path_factory.mktemp("market") / "x.duckdb")


@pytest.fixture
def con(store: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection to it."""
    with read_connection(str(store)) as c:
        yield c


@pytest.fixture
def empty_con(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A store with the schema and no rows."""
    Store(str(tmp_path / "empty.duckdb")).init()
    with read_connection(str(tmp_path / "empty.duckdb")) as c:
        yield c


# --- resolution ----------------------------------------------------------------------------


def test_short_range_is_daily() -> None:
    assert ex.resolution_for(date(2024, 1, 1), date(2024, 12, 31)) == "day"


def test_1500_days_is_still_daily() -> None:
    assert ex.resolution_for(date(2020, 1, 1), date(2024, 2, 8)) == "day"  # 1,500 days


def test_1501_days_is_weekly() -> None:
    assert ex.resolution_for(date(2020, 1, 1), date(2024, 2, 9)) == "week"


def test_decades_are_monthly() -> None:
    assert ex.resolution_for(date(1990, 1, 1), date(2030, 1, 1)) == "month"


def test_single_day_and_inverted_range_are_daily() -> None:
    assert ex.resolution_for(date(2024, 1, 1), date(2024, 1, 1)) == "day"
    assert ex.resolution_for(date(2024, 2, 1), date(2024, 1, 1)) == "day"


# --- coins ---------------------------------------------------------------------------------


def test_coin_series_has_every_coin_daily(con: duckdb.DuckDBPyConnection) -> None:
    result = ex.coin_series(con, MarketFilters())
    assert result.resolution == "day"
    assert result.frame.groupby("coin").size().to_dict() == {
        "BTC": COIN_DAYS,
        "RVN": COIN_DAYS,
        "XMR": COIN_DAYS,
    }


def test_coin_filter_keeps_only_chosen_coins(con: duckdb.DuckDBPyConnection) -> None:
    result = ex.coin_series(con, MarketFilters(coins=("RVN",)))
    assert set(result.frame["coin"]) == {"RVN"}


def test_source_filter_applies_to_coins(con: duckdb.DuckDBPyConnection) -> None:
    result = ex.coin_series(con, MarketFilters(sources=("pool",)))
    assert set(result.frame["coin"]) == {"XMR"}


def test_date_range_is_inclusive(con: duckdb.DuckDBPyConnection) -> None:
    f = MarketFilters(start=date(2024, 1, 3), end=date(2024, 1, 5), coins=("BTC",))
    days = ex.coin_series(con, f).frame["period"].dt.date.tolist()
    assert days == [date(2024, 1, 3), date(2024, 1, 4), date(2024, 1, 5)]


def test_revenue_per_mhs_by_hand(con: duckdb.DuckDBPyConnection) -> None:
    rvn = ex.coin_series(con, MarketFilters(coins=("RVN",))).frame.iloc[0]
    # 1e6 / 1e12 H/s x (86400 / 60 s) blocks x 10 RVN x $2 = $0.0288 per MH/s per day
    assert rvn["revenue_usd_per_mhs_day"] == pytest.approx(0.0288)
    assert rvn["algorithm"] == "KawPow"


def test_btc_hashprice_derives_nethash_from_difficulty(con: duckdb.DuckDBPyConnection) -> None:
    btc = ex.coin_series(con, MarketFilters(coins=("BTC",))).frame.iloc[0]
    nethash = 1e14 * 2**32 / 600
    assert btc["nethash_hs"] == pytest.approx(nethash)
    assert btc["hashprice_usd_per_ph_day"] == pytest.approx(1e15 / nethash * 144 * 3.125 * 100_000)


def test_hashprice_only_for_btc(con: duckdb.DuckDBPyConnection) -> None:
    frame = ex.coin_series(con, MarketFilters()).frame
    assert frame.loc[frame["coin"] != "BTC", "hashprice_usd_per_ph_day"].isna().all()


def test_btc_priced_coin_uses_btc_usd_even_when_btc_is_filtered_out(
    con: duckdb.DuckDBPyConnection,
) -> None:
    xmr = ex.coin_series(con, MarketFilters(coins=("XMR",))).frame.iloc[0]
    assert xmr["price_usd"] == pytest.approx(0.002 * 100_000)


def test_long_range_is_bucketed_in_sql(tmp_path: Path) -> None:
    db = tmp_path / "long.duckdb"
    write_rows(db, COIN_NETWORK, coin_rows(days=1600))
    with read_connection(str(db)) as c:
        result = ex.coin_series(c, MarketFilters(coins=("BTC",)))
    assert result.resolution == "week"
    assert len(result.frame) <= ex.MAX_POINTS
    assert (result.frame["period"].dt.day_of_week == 0).all()  # ISO weeks start on Monday
    assert result.frame["days"].sum() == 1600


def test_weekly_bucket_is_the_mean_of_its_days(tmp_path: Path) -> None:
    db = tmp_path / "long.duckdb"
    write_rows(db, COIN_NETWORK, coin_rows(days=1600))
    with read_connection(str(db)) as c:
        frame = ex.coin_series(c, MarketFilters(coins=("BTC",))).frame
    # 2024-01-01 is a Monday: the first week holds days 0..6, prices 100000..100006.
    assert frame.iloc[0]["price_usd"] == pytest.approx(100_003.0)


# --- rental --------------------------------------------------------------------------------


def test_rental_index_filters_model_and_pricing(con: duckdb.DuckDBPyConnection) -> None:
    f = MarketFilters(gpu_models=("RTX 3090",), pricing_types=("on_demand",))
    frame = ex.rental_index_series(con, f).frame
    assert frame["index_usd_per_gpu_hour"].tolist() == pytest.approx([0.30, 0.40])
    assert frame["p25_usd_per_gpu_hour"].tolist() == pytest.approx([0.25, 0.35])
    assert frame["offer_count"].tolist() == [5, 7]


def test_provider_medians_by_hand(con: duckdb.DuckDBPyConnection) -> None:
    f = MarketFilters(gpu_models=("RTX 3090",), start=date(2024, 1, 5), end=date(2024, 1, 5))
    frame = ex.provider_medians(con, f).frame.set_index("source")
    assert frame.loc["alpha", "median_usd_per_gpu_hour"] == pytest.approx(0.30)
    assert frame.loc["beta", "median_usd_per_gpu_hour"] == pytest.approx(0.30)
    assert frame.loc["alpha", "offer_rows"] == 3


def test_provider_medians_skip_unknown_gpus(con: duckdb.DuckDBPyConnection) -> None:
    frame = ex.provider_medians(con, MarketFilters()).frame
    assert frame["gpu_model"].notna().all()
    assert frame["median_usd_per_gpu_hour"].max() < 9


def test_current_offers_are_the_latest_snapshot_only(con: duckdb.DuckDBPyConnection) -> None:
    result = ex.current_offers(con, MarketFilters())
    assert set(result.frame["observed_at"]) == {SNAPSHOTS[-1]}
    assert len(result.frame) == 6  # every offer of the snapshot, not one per model


def test_current_offers_respect_the_end_date(con: duckdb.DuckDBPyConnection) -> None:
    result = ex.current_offers(con, MarketFilters(end=date(2024, 1, 5)))
    assert set(result.frame["observed_at"]) == {SNAPSHOTS[0]}
    assert sorted(result.frame["rate_usd_per_gpu_hour"]) == pytest.approx(
        [0.20, 0.25, 0.30, 0.35, 0.40, 0.50]
    )


def test_current_offers_filter_by_source(con: duckdb.DuckDBPyConnection) -> None:
    frame = ex.current_offers(con, MarketFilters(sources=("beta",))).frame
    assert set(frame["source"]) == {"beta"} and len(frame) == 2


# --- hardware, energy, carbon ----------------------------------------------------------------


def test_hardware_medians_and_share_of_msrp(con: duckdb.DuckDBPyConnection) -> None:
    frame = ex.hardware_prices(con, MarketFilters(), {"RTX 3090": 1499.0}).frame
    by = frame.set_index("condition")
    assert by.loc["new", "median_price_usd"] == pytest.approx(1600.0)
    assert by.loc["used", "median_price_usd"] == pytest.approx(800.0)
    assert by.loc["used", "share_of_msrp"] == pytest.approx(800.0 / 1499.0)


def test_hardware_without_msrp_has_no_share(con: duckdb.DuckDBPyConnection) -> None:
    frame = ex.hardware_prices(con, MarketFilters(), {}).frame
    assert frame["share_of_msrp"].isna().all()


def test_energy_region_filter(con: duckdb.DuckDBPyConnection) -> None:
    frame = ex.energy_prices(con, MarketFilters(regions=("US-TX",))).frame
    assert set(frame["region"]) == {"US-TX"}
    assert frame["price_usd_per_kwh"].tolist() == pytest.approx([0.06, 0.08])


def test_state_filter_shows_its_country_grid(con: duckdb.DuckDBPyConnection) -> None:
    frame = ex.grid_carbon(con, MarketFilters(regions=("US-TX",))).frame
    assert set(frame["region"]) == {"US"}


def test_carbon_years_follow_the_date_range(con: duckdb.DuckDBPyConnection) -> None:
    f = MarketFilters(start=date(2024, 3, 1), end=date(2024, 6, 1))
    assert set(ex.grid_carbon(con, f).frame["year"]) == {2024}


def test_carbon_for_region_by_code_or_name(con: duckdb.DuckDBPyConnection) -> None:
    assert ex.carbon_for_region(con, "us").carbon_g_per_kwh == 370.0  # latest year
    assert ex.carbon_for_region(con, "Norway").region == "NO"
    assert ex.carbon_for_region(con, "Atlantis") is None


def test_filter_options_list_the_store(con: duckdb.DuckDBPyConnection) -> None:
    opts = ex.filter_options(con)
    assert opts.coins == ("BTC", "RVN", "XMR")
    assert opts.gpu_models == ("RTX 3090", "RTX 4090")
    assert "US-TX" in opts.regions and "NO" in opts.regions
    assert opts.first_day == date(2024, 1, 1)


# --- empty results ---------------------------------------------------------------------------

ALL_QUERIES = [
    ex.coin_series,
    ex.rental_index_series,
    ex.provider_medians,
    ex.current_offers,
    ex.energy_prices,
    ex.grid_carbon,
    lambda c, f: ex.hardware_prices(c, f, {"RTX 3090": 1499.0}),
]


@pytest.mark.parametrize("query", ALL_QUERIES)
def test_future_dates_give_an_empty_result(con: duckdb.DuckDBPyConnection, query) -> None:  # noqa: ANN001
    result = query(con, MarketFilters(start=date(2099, 1, 1), end=date(2099, 12, 31)))
    assert result.empty and result.as_of is None


@pytest.mark.parametrize("query", ALL_QUERIES)
def test_empty_selection_matches_nothing(con: duckdb.DuckDBPyConnection, query) -> None:  # noqa: ANN001
    f = MarketFilters(gpu_models=(), sources=(), regions=(), coins=())
    assert query(con, f).empty


@pytest.mark.parametrize("query", ALL_QUERIES)
def test_empty_store_gives_empty_results(empty_con: duckdb.DuckDBPyConnection, query) -> None:  # noqa: ANN001
    result = query(empty_con, MarketFilters())
    assert result.empty
    assert list(result.frame.columns)  # columns are still named for the download


def test_empty_store_filter_options(empty_con: duckdb.DuckDBPyConnection) -> None:
    opts = ex.filter_options(empty_con)
    assert opts.first_day is None and opts.coins == () and opts.gpu_models == ()
