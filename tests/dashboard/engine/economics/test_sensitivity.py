"""dashboard.engine.economics.sensitivity: the one-at-a-time tornado of NPV drivers."""

from __future__ import annotations

import pytest

from dashboard.engine.economics.per_gpu import evaluate
from dashboard.engine.economics.sensitivity import COLUMNS, DRIVERS, Driver, format_value, tornado
from tests.support.markets import assumptions, market, specs


def _tornado(**changes: object):  # noqa: ANN202
    return tornado(specs()["RTX 3090"], market(), assumptions(**changes))


def test_every_brief_input_is_a_driver() -> None:
    names = {d.name for d in DRIVERS}
    for expected in (
        "power price",
        "rental utilization",
        "rental rate",
        "marketplace fee",
        "conversion capex",
        "rental price decline",
        "difficulty growth",
        "discount rate",
    ):
        assert expected in names


def test_rows_are_sorted_by_swing() -> None:
    table = _tornado()
    swings = table["swing ($/GPU)"].tolist()
    assert swings == sorted(swings, reverse=True)
    assert list(table.columns) == COLUMNS


def test_base_npv_is_the_engine_npv() -> None:
    a = assumptions()
    table = tornado(specs()["RTX 3090"], market(), a)
    assert table["base NPV ($/GPU)"].iloc[0] == pytest.approx(
        evaluate(specs()["RTX 3090"], market(), a).npv_usd
    )


def test_power_price_moves_twenty_percent_each_way() -> None:
    row = _tornado().set_index("input").loc["power price"]
    assert row["low value"] == pytest.approx(0.048)
    assert row["high value"] == pytest.approx(0.072)


def test_higher_rental_rate_raises_npv() -> None:
    row = _tornado().set_index("input").loc["rental rate"]
    assert row["NPV at high ($/GPU)"] > row["base NPV ($/GPU)"] > row["NPV at low ($/GPU)"]


def test_higher_conversion_capex_lowers_npv_by_the_capex_change() -> None:
    row = _tornado(terminal_value_usd=0.0).set_index("input").loc["conversion capex"]
    assert row["NPV at low ($/GPU)"] - row["NPV at high ($/GPU)"] == pytest.approx(240.0)


def test_utilization_is_clipped_to_one() -> None:
    row = _tornado(utilization=0.95).set_index("input").loc["rental utilization"]
    assert row["high value"] == 1.0
    assert row["low value"] == pytest.approx(0.76)


def test_a_zero_base_gives_zero_swing_for_relative_drivers() -> None:
    row = _tornado(conversion_capex_usd=0.0).set_index("input").loc["conversion capex"]
    assert row["swing ($/GPU)"] == 0.0


def test_difficulty_growth_moves_by_fixed_points() -> None:
    row = _tornado().set_index("input").loc["difficulty growth"]
    assert (row["low value"], row["high value"]) == pytest.approx((-0.20, 0.20))


def test_coin_prices_matter_when_mining_pays() -> None:
    # Cheap power and a pricier coin make mining the fallback, so coin prices move NPV.
    a = assumptions(power_price_usd_per_kwh=0.01)
    table = tornado(specs()["RTX 3090"], market(coin_price_usd=0.05), a).set_index("input")
    row = table.loc["coin prices (mining revenue)"]
    assert row["NPV at high ($/GPU)"] < row["NPV at low ($/GPU)"]


def test_driver_bounds_clip_both_ends() -> None:
    d = Driver("x", "%", "utilization", absolute=0.5, lower=0.0, upper=1.0)
    assert d.values(0.2) == (0.0, pytest.approx(0.7))
    assert d.values(0.9) == (pytest.approx(0.4), 1.0)


def test_ranges_read_in_units() -> None:
    assert format_value("USD/kWh", 0.06) == "$0.060/kWh"
    assert format_value("%", 0.7) == "70%"
    assert format_value("%/yr", -0.2) == "-20%/yr"
    row = _tornado().set_index("input").loc["power price"]
    assert row["range"] == "$0.048/kWh to $0.072/kWh (base $0.060/kWh)"
