"""Carbon and revenue per kWh, mining vs rental: every expected number computed by hand."""

from __future__ import annotations

from datetime import datetime

import pytest

from dashboard.engine.economics.per_gpu import evaluate
from dashboard.engine.economics.sustainability import (
    by_region,
    compare,
    footprint,
    footprint_table,
    mining_power_w,
)
from dashboard.engine.terms import CoinMarket, GpuAssumptions, GpuSpec, MarketSnapshot

# 300 W AI, 50 W idle, 200 W mining Etchash at 100 MH/s
SPEC = GpuSpec(
    gpu_model="Test GPU",
    hashrates_hs={"Etchash": 1e8},
    mining_power_w={"Etchash": 200.0},
    ai_power_w=300.0,
    idle_power_w=50.0,
)
# 1e8 / 1e14 x (86400 / 10) blocks x 2 coins x $10 = $0.1728/day with no pool fee
COIN = CoinMarket("ETC", "Etchash", 1e14, 10.0, 2.0, 10.0, datetime(2025, 1, 1), "test")
MARKET = MarketSnapshot(
    coins=(COIN,),
    rental_rates_usd_per_gpu_hour={"Test GPU": 1.0},
    resale_usd={},
    btc_price_usd=None,
    btc_difficulty=None,
    btc_fees_per_block_btc=None,
    as_of={},
)
# rental revenue: $1.00 x 24 h x 50 % x (1 - 25 %) = $9.00/day
A = GpuAssumptions(gpu_model="Test GPU", pue=1.2, utilization=0.5, platform_fee=0.25, pool_fee=0.0)


@pytest.fixture
def result():  # noqa: ANN201
    """The engine's answer for the test GPU."""
    return evaluate(SPEC, MARKET, A)


def test_footprint_by_hand() -> None:
    fp = footprint("mining", 1000.0, 1.5, 400.0, 12.0)
    assert fp.energy_kwh_day == pytest.approx(36.0)  # 1 kW x 24 h x 1.5
    assert fp.kg_co2_day == pytest.approx(14.4)  # 36 kWh x 400 g
    assert fp.kg_co2_per_usd == pytest.approx(1.2)
    assert fp.revenue_usd_per_kwh == pytest.approx(12.0 / 36.0)


def test_no_revenue_means_no_per_dollar_figure() -> None:
    assert footprint("rental", 300.0, 1.1, 400.0, 0.0).kg_co2_per_usd is None


def test_no_power_means_no_per_kwh_figure() -> None:
    fp = footprint("rental", 0.0, 1.1, 400.0, 5.0)
    assert fp.revenue_usd_per_kwh is None and fp.kg_co2_day == 0.0


def test_zero_carbon_grid_emits_nothing() -> None:
    assert footprint("mining", 250.0, 1.1, 0.0, 3.0).kg_co2_per_usd == 0.0


def test_mining_power_is_the_best_coins_algorithm(result) -> None:  # noqa: ANN001
    assert mining_power_w(SPEC, result) == 200.0


def test_rental_uses_ai_and_idle_power_at_utilization(result) -> None:  # noqa: ANN001
    _, rental = compare(SPEC, result, 500.0)
    assert rental.power_w == pytest.approx(175.0)  # 300 x 0.5 + 50 x 0.5
    assert rental.energy_kwh_day == pytest.approx(5.04)  # 175 W x 24 h x 1.2
    assert rental.kg_co2_day == pytest.approx(2.52)
    assert rental.revenue_usd_day == pytest.approx(9.0)
    assert rental.kg_co2_per_usd == pytest.approx(0.28)
    assert rental.revenue_usd_per_kwh == pytest.approx(9.0 / 5.04)


def test_mining_footprint_by_hand(result) -> None:  # noqa: ANN001
    mining, _ = compare(SPEC, result, 500.0)
    assert mining.energy_kwh_day == pytest.approx(5.76)  # 200 W x 24 h x 1.2
    assert mining.kg_co2_day == pytest.approx(2.88)
    assert mining.revenue_usd_day == pytest.approx(0.1728)
    assert mining.kg_co2_per_usd == pytest.approx(2.88 / 0.1728)


def test_gpu_that_cannot_mine_has_no_mining_footprint() -> None:
    spec = GpuSpec("No-mine GPU", {}, {}, ai_power_w=300.0, idle_power_w=50.0)
    a = GpuAssumptions(gpu_model="No-mine GPU", rental_rate_usd_per_gpu_hour=1.0)
    mining, rental = compare(spec, evaluate(spec, MARKET, a), 400.0)
    assert mining is None and rental.kg_co2_day > 0


def test_footprint_table_has_both_columns(result) -> None:  # noqa: ANN001
    table = footprint_table(*compare(SPEC, result, 500.0))
    row = table.set_index("measure").loc["Emissions"]
    assert row["unit"] == "kg CO2e/GPU-day"
    assert row["mining"] == pytest.approx(2.88) and row["AI rental"] == pytest.approx(2.52)


def test_footprint_table_without_mining_is_blank_there(result) -> None:  # noqa: ANN001
    _, rental = compare(SPEC, result, 500.0)
    assert footprint_table(None, rental)["mining"].isna().all()


def test_by_region_sorted_cleanest_first(result) -> None:  # noqa: ANN001
    frame = by_region(
        SPEC, result, [("US", "United States", 2024, 400.0), ("NO", "Norway", 2024, 25.0)]
    )
    assert frame["region"].tolist() == ["NO", "US"]
    assert frame.loc[1, "rental_kg_co2_day"] == pytest.approx(5.04 * 0.4)
    assert frame.loc[1, "mining_kg_co2_per_usd"] == pytest.approx(5.76 * 0.4 / 0.1728)


def test_by_region_with_no_regions_is_empty(result) -> None:  # noqa: ANN001
    frame = by_region(SPEC, result, [])
    assert frame.empty and "rental_kg_co2_per_usd" in frame.columns
