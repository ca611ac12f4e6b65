"""Unit conversions in scrapers.units."""

from __future__ import annotations

import pytest

from scrapers import units


def test_parse_hashrate_with_unit() -> None:
    assert units.parse_hashrate("120MH/s") == pytest.approx(1.2e8)


def test_parse_hashrate_with_space_and_case() -> None:
    assert units.parse_hashrate("1.5 gh/s") == pytest.approx(1.5e9)


def test_parse_hashrate_plain_number_is_hs() -> None:
    assert units.parse_hashrate("1540") == 1540.0


def test_parse_hashrate_rejects_garbage() -> None:
    with pytest.raises(ValueError):
        units.parse_hashrate("fast")


def test_to_hs_unknown_unit() -> None:
    with pytest.raises(ValueError):
        units.to_hs(1, "XH/s")


def test_from_hs_round_trip() -> None:
    assert units.from_hs(units.to_hs(3.0, "TH/s"), "TH/s") == pytest.approx(3.0)


def test_power_cost_per_day() -> None:
    # 1000 W for 24 h = 24 kWh; x $0.10 x PUE 1.5 = $3.60
    assert units.power_cost_usd_per_day(1000, 0.10, 1.5) == pytest.approx(3.60)


def test_btc_nethash_from_difficulty() -> None:
    assert units.btc_nethash_hs(600.0) == pytest.approx(2**32)


def test_ph_per_mw_at_20_j_per_th() -> None:
    # 1 MW / 20 J/TH = 50,000 TH/s = 50 PH/s
    assert units.ph_per_mw(20) == pytest.approx(50.0)


def test_colo_rent_per_mw_year() -> None:
    assert units.usd_per_kw_month_to_usd_per_mw_year(150) == pytest.approx(1_800_000)


def test_days_per_month_is_30_44() -> None:
    assert units.DAYS_PER_MONTH == pytest.approx(30.4375)


def test_cents_to_usd_per_kwh() -> None:
    assert units.cents_per_kwh_to_usd_per_kwh(6.6) == pytest.approx(0.066)
