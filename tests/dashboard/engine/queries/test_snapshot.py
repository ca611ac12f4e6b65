"""Store queries feeding the engine: snapshot, margin history, crossovers, power price."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest

from dashboard.engine.queries.snapshot import (
    crossovers,
    history_inputs,
    load_market,
    margin_history,
    margins_from,
    power_price_for_region,
)
from dashboard.engine.terms import GpuAssumptions, GpuSpec
from scrapers.store import read_connection
from tests.support.tiny_store import coin, offer, write

SPEC = GpuSpec(
    "RTX 3090", {"Etchash": 1e8}, {"Etchash": 250.0}, ai_power_w=300.0, idle_power_w=25.0
)
A = GpuAssumptions(gpu_model="RTX 3090", power_price_usd_per_kwh=0.1, pue=1.0, pool_fee=0.0)
D0 = datetime(2025, 3, 1, 12)


def _etchash(ticker: str, day: int, price: float, block_time_s: float) -> dict:
    """An Etchash coin's row ``day`` days after D0: 1e14 H/s, 2 coins a block."""
    return coin(
        ticker,
        observed_at=D0 + timedelta(days=day),
        algorithm="Etchash",
        nethash_hs=1e14,
        block_time_s=block_time_s,
        block_reward_coins=2.0,
        price_usd=price,
    )


def _etc(day: int, price: float) -> dict:
    return _etchash("ETC", day, price, block_time_s=10.0)


def _store(tmp_path, coins: list[dict], offers: list[dict], **kw) -> str:
    path = str(tmp_path / "m.duckdb")
    write(path, coin_network=coins, gpu_rental_offers=offers, **kw)
    return path


def test_snapshot_rates_resale_and_demo_flag(tmp_path) -> None:
    path = _store(
        tmp_path,
        [_etc(0, 25.0)],
        [
            offer("RTX 3090", 0.2, offer_id="a"),
            offer("RTX 3090", 0.4, offer_id="b"),
            offer("RTX 3090", 9.0, offer_id="s", pricing_type="spot"),
        ],
        meta={"dataset": "demo"},
    )
    write(
        path,
        source="hw",
        gpu_hardware_prices=[
            {
                "source": "ebay",
                "item_id": "1",
                "observed_at": D0,
                "title": "3090",
                "gpu_model": "RTX 3090",
                "condition": "used",
                "price_usd": 700.0,
            }
        ],
    )
    with read_connection(path) as con:
        m = load_market(con)
    assert m.rental_rates_usd_per_gpu_hour["RTX 3090"] == pytest.approx(0.3)
    assert m.resale_usd == {"RTX 3090": 700.0}
    assert m.is_demo is True
    assert m.as_of["coins"] == D0


def test_margin_history_by_hand(tmp_path) -> None:
    path = _store(
        tmp_path,
        [_etc(0, 25.0), _etc(2, 50.0)],
        [offer("RTX 3090", 0.5, observed_at=D0 + timedelta(days=1))],
    )
    with read_connection(path) as con:
        h = margin_history(con, SPEC, A)
    # Day 0 has no rental yet; day 1 carries ETC forward; day 2 has a new price.
    assert list(h["day"]) == [date(2025, 3, 2), date(2025, 3, 3)]
    # 1e8/1e14 x 8640 x 2 x 25 = 0.432 revenue; 250 W -> 0.60 power
    assert h["mining_net_usd_day"].tolist() == pytest.approx([0.432 - 0.6, 0.864 - 0.6])
    rental_net = 0.5 * 24 * 0.7 * 0.75 - (300 * 0.7 + 25 * 0.3) / 1000 * 24 * 0.1
    assert h["rental_net_usd_day"].tolist() == pytest.approx([rental_net, rental_net])
    assert set(h["best_coin"]) == {"ETC"}


def test_margins_from_read_series_match_the_store_read_at_any_power_price(tmp_path) -> None:
    path = _store(
        tmp_path,
        [_etc(0, 25.0), _etc(2, 50.0)],
        [offer("RTX 3090", 0.5, observed_at=D0 + timedelta(days=1))],
    )
    dearer = replace(A, power_price_usd_per_kwh=0.2)
    with read_connection(path) as con:
        inputs = history_inputs(con, "RTX 3090")
        direct = margin_history(con, SPEC, dearer)
    # The series are read without the assumptions: one read serves every power price.
    assert margins_from(inputs, SPEC, dearer).equals(direct)
    assert not margins_from(inputs, SPEC, A).equals(direct)


def test_margin_history_empty_without_rental(tmp_path) -> None:
    path = _store(tmp_path, [_etc(0, 25.0)], [offer("RTX 4090", 0.5)])
    with read_connection(path) as con:
        assert margin_history(con, SPEC, A).empty


def test_crossovers_mark_sign_changes() -> None:
    import pandas as pd

    h = pd.DataFrame(
        {
            "day": [date(2025, 1, d) for d in (1, 2, 3, 4)],
            "mining_net_usd_day": [2.0, 0.5, -1.0, 3.0],
            "rental_net_usd_day": [1.0, 1.0, 0.5, 1.0],
        }
    )
    assert crossovers(h) == [(date(2025, 1, 2), "rental_ahead"), (date(2025, 1, 4), "mining_ahead")]


def test_power_price_for_region_latest(tmp_path) -> None:
    path = _store(tmp_path, [_etc(0, 25.0)], [offer("RTX 3090", 0.5)])
    rows = [
        {
            "source": "eia",
            "region": "US-TX",
            "sector": "industrial",
            "period": "month",
            "period_start": date(2025, m, 1),
            "price_usd_per_kwh": p,
            "price_native": p * 100,
            "native_unit": "USc/kWh",
        }
        for m, p in ((1, 0.07), (2, 0.065))
    ]
    write(path, source="eia", energy_prices=rows)
    with read_connection(path) as con:
        assert power_price_for_region(con, "US-TX") == (pytest.approx(0.065), date(2025, 2, 1))
        assert power_price_for_region(con, "US-CA") is None


def _eth(day: int) -> dict:
    return _etchash("ETH", day, 1000.0, block_time_s=13.0)


def test_dead_coin_is_not_current(tmp_path) -> None:
    # ETH stops reporting (the Merge); ETC goes on 60 days later.
    path = _store(tmp_path, [_eth(0), _etc(60, 25.0)], [offer("RTX 3090", 0.5)])
    with read_connection(path) as con:
        assert [c.coin for c in load_market(con).coins] == ["ETC"]


def test_dead_coin_is_not_carried_forward_in_history(tmp_path) -> None:
    offers = [
        offer("RTX 3090", 0.5, observed_at=D0 + timedelta(days=d), offer_id=str(d))
        for d in range(0, 61, 10)
    ]
    path = _store(tmp_path, [_eth(0), _etc(0, 25.0), _etc(60, 25.0)], offers)
    with read_connection(path) as con:
        h = margin_history(con, SPEC, A)
    late = h[h["day"] > (D0 + timedelta(days=14)).date()]
    assert not late.empty and set(late["best_coin"].dropna()) <= {"ETC"}
