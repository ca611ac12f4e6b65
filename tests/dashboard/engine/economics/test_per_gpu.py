"""Per-GPU economics: every formula against a hand-computed case."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import pytest

from dashboard.engine.economics import per_gpu as eco
from dashboard.engine.economics.specs import apply_overrides, load_deals, load_gpu_specs
from dashboard.engine.queries.snapshot import load_market
from dashboard.engine.terms import CoinMarket, GpuAssumptions, GpuSpec, MarketSnapshot
from scrapers.errors import ConfigError
from scrapers.store import read_connection
from tests.support.tiny_store import coin, write

T = datetime(2025, 5, 1)
SPEC = GpuSpec(
    gpu_model="TEST",
    hashrates_hs={"Etchash": 1e8, "KawPow": 5e7},
    mining_power_w={"Etchash": 200.0, "KawPow": 250.0},
    ai_power_w=300.0,
    idle_power_w=20.0,
)
# Hand numbers: ETC revenue = 1e8/1e14 x 8640 x 2 x 25 x 0.99 = 0.42768; power 0.48
ETC = CoinMarket("ETC", "Etchash", 1e14, 10.0, 2.0, 25.0, T, "t")
A = GpuAssumptions(
    gpu_model="TEST",
    count=10,
    power_price_usd_per_kwh=0.10,
    pue=1.0,
    utilization=0.5,
    platform_fee=0.2,
    pool_fee=0.01,
    conversion_capex_usd=300.0,
    rental_rate_usd_per_gpu_hour=0.5,
)


def _market(*coins: CoinMarket, rates: dict | None = None) -> MarketSnapshot:
    return MarketSnapshot(coins, rates or {}, {"TEST": 400.0}, None, None, None, {})


def test_coin_revenue_formula() -> None:
    assert eco.coin_revenue_usd_day(1e8, 1e14, 10.0, 2.0, 25.0, 0.01) == pytest.approx(0.42768)


def test_mining_result_net_is_revenue_minus_power() -> None:
    m = eco.mining_result(SPEC, [ETC], A)
    assert (m.best_coin, m.revenue_usd_day, m.power_cost_usd_day) == (
        "ETC",
        pytest.approx(0.42768),
        pytest.approx(0.48),
    )
    assert m.net_usd_day == pytest.approx(0.42768 - 0.48)


def test_mining_power_cost_includes_pue() -> None:
    m = eco.mining_result(SPEC, [ETC], replace(A, pue=1.5))
    assert m.power_cost_usd_day == pytest.approx(0.72)


def test_best_coin_is_highest_net_not_highest_revenue() -> None:
    # RVN (KawPow, 250 W = $0.60/day): 5e7/1e13 x 1440 x 100 x 1.05 x 0.99 = 0.74844 revenue
    # ETC at $40 (Etchash, 200 W = $0.48/day): 0.42768 x 40/25 = 0.684288 revenue
    rvn = CoinMarket("RVN", "KawPow", 1e13, 60.0, 100.0, 1.05, T, "t")
    etc = replace(ETC, price_usd=40.0)
    m = eco.mining_result(SPEC, [rvn, etc], A)
    assert m.best_coin == "ETC"
    assert m.net_usd_day == pytest.approx(0.684288 - 0.48)
    assert [c.coin for c in m.per_coin] == ["ETC", "RVN"]


def test_coins_of_unknown_algorithms_are_ignored() -> None:
    m = eco.mining_result(SPEC, [CoinMarket("XMR", "RandomX", 1e9, 120, 0.6, 150, T, "t")], A)
    assert m.best_coin is None and m.net_usd_day == 0.0


def test_algorithm_spelling_does_not_matter() -> None:
    spec = replace(SPEC, hashrates_hs={"Ethash": 1e8}, mining_power_w={"Ethash": 200.0})
    assert eco.mining_result(spec, [ETC], A).best_coin == "ETC"


def test_rental_result_formula() -> None:
    r = eco.rental_result(SPEC, 0.5, A)
    assert r.revenue_usd_day == pytest.approx(0.5 * 24 * 0.5 * 0.8)
    # (300 x 0.5 + 20 x 0.5) W = 160 W -> 3.84 kWh x $0.10
    assert r.power_cost_usd_day == pytest.approx(0.384)
    assert r.net_usd_day == pytest.approx(4.8 - 0.384)


def test_keep_net_floors_at_zero() -> None:
    assert eco.keep_net(-1.0) == 0.0 and eco.keep_net(2.0) == 2.0


def test_spread_and_payback() -> None:
    # Flat forward path (no decline): payback is upfront / monthly spread.
    res = eco.evaluate(SPEC, _market(ETC), replace(A, rental_decline=0.0))
    assert res.keep_net_usd_day == 0.0
    assert res.spread_usd_day == pytest.approx(4.416)
    assert res.payback_months == pytest.approx(300 / (4.416 * 30.4375))


def test_payback_follows_the_rental_decline() -> None:
    # Issue 10: payback sits on the same declining path as P(payback); month 1 and 2 by hand.
    res = eco.evaluate(SPEC, _market(ETC), A)
    month = [(4.8 * 0.8 ** (m / 12) - 0.384) * 30.4375 for m in (1, 2, 3)]
    left = 300 - month[0] - month[1]
    assert res.payback_months == pytest.approx(2 + left / month[2], rel=1e-9)


def test_payback_never_within_the_horizon_is_none() -> None:
    res = eco.evaluate(SPEC, _market(ETC), replace(A, conversion_capex_usd=1e6))
    assert res.payback_months is None


def test_payback_includes_transition_share() -> None:
    a = replace(A, transition_cost_usd=1000.0, rental_decline=0.0)
    res = eco.evaluate(SPEC, _market(ETC), a)
    assert res.payback_months == pytest.approx(400 / (4.416 * 30.4375))


def test_payback_none_when_spread_not_positive() -> None:
    res = eco.evaluate(SPEC, _market(ETC), replace(A, rental_rate_usd_per_gpu_hour=0.01))
    assert res.spread_usd_day <= 0
    assert res.payback_months is None


def test_npv_with_zero_rates_is_simple_sum() -> None:
    a = replace(A, discount_rate=0.0, rental_decline=0.0, difficulty_growth=0.0, horizon_months=12)
    res = eco.evaluate(SPEC, _market(ETC), replace(a, terminal_value_usd=0.0))
    assert res.npv_usd == pytest.approx(12 * 4.416 * 30.4375 - 300)


def test_npv_adds_the_discounted_terminal_value() -> None:
    a = replace(A, discount_rate=0.12, rental_decline=0.0, horizon_months=12)
    without = eco.evaluate(SPEC, _market(ETC), replace(a, terminal_value_usd=0.0)).npv_usd
    res = eco.evaluate(SPEC, _market(ETC), replace(a, terminal_value_usd=100.0))
    assert res.npv_usd - without == pytest.approx(100.0 / 1.12, rel=1e-9)


def test_default_terminal_value_is_a_quarter_of_the_conversion() -> None:
    assert eco.terminal_value_usd(A) == pytest.approx(75.0)


def test_fixed_opex_lowers_npv_by_its_discounted_sum() -> None:
    a = replace(A, discount_rate=0.0, horizon_months=12)
    base = eco.evaluate(SPEC, _market(ETC), a).npv_usd
    res = eco.evaluate(SPEC, _market(ETC), replace(a, fixed_opex_usd_per_gpu_month=10.0))
    assert base - res.npv_usd == pytest.approx(120.0, rel=1e-9)


def test_npv_discounting_lowers_value() -> None:
    base = replace(A, rental_decline=0.0, difficulty_growth=0.0)
    plain = eco.evaluate(SPEC, _market(ETC), replace(base, discount_rate=0.0)).npv_usd
    assert eco.evaluate(SPEC, _market(ETC), replace(base, discount_rate=0.2)).npv_usd < plain


def test_npv_one_month_by_hand() -> None:
    a = replace(A, horizon_months=1, discount_rate=0.0, rental_decline=0.5, difficulty_growth=0.0)
    res = eco.evaluate(SPEC, _market(ETC), replace(a, terminal_value_usd=0.0))
    rental_net = 4.8 * 0.5 ** (1 / 12) - 0.384
    assert res.npv_usd == pytest.approx(rental_net * 30.4375 - 300)


def test_breakeven_rental_rate_closes_the_spread() -> None:
    res = eco.evaluate(SPEC, _market(ETC), A)
    rate = res.breakeven.rental_rate_usd_per_gpu_hour
    again = eco.evaluate(SPEC, _market(ETC), replace(A, rental_rate_usd_per_gpu_hour=rate))
    assert again.spread_usd_day == pytest.approx(0.0, abs=1e-12)


def test_breakeven_utilization_by_hand() -> None:
    # keep 0: u x (0.5 x 24 x 0.8 - 280 W x 0.0024) = 20 W x 0.0024 -> u = 0.048 / 8.928
    res = eco.evaluate(SPEC, _market(ETC), A)
    assert res.breakeven.utilization == pytest.approx(0.048 / (9.6 - 0.672))


def test_breakeven_utilization_none_outside_0_1() -> None:
    res = eco.evaluate(SPEC, _market(ETC), replace(A, rental_rate_usd_per_gpu_hour=0.001))
    assert res.breakeven.utilization is None


def test_breakeven_power_price_when_mining_is_off() -> None:
    # mining is off at any p >= 0.0891 (0.42768 / 4.8 kWh); rental net 4.8 - 3.84 p hits 0 at 1.25
    res = eco.evaluate(SPEC, _market(ETC), A)
    assert res.breakeven.power_price_usd_per_kwh == pytest.approx(1.25)


def test_breakeven_power_price_none_when_rental_always_wins() -> None:
    spec = replace(SPEC, ai_power_w=0.0, idle_power_w=0.0)
    res = eco.evaluate(spec, _market(ETC), A)
    assert res.breakeven.power_price_usd_per_kwh is None


def test_breakeven_power_price_against_profitable_mining() -> None:
    # Mining wins at low power prices: ETC revenue 4.2768 (price 250), 4.8 kWh/day;
    # rental 4.8 revenue, 3.84 kWh: 4.8 - 3.84p = 4.2768 - 4.8p -> p < 0 none; pick rate 0.4
    rich = replace(ETC, price_usd=250.0)
    a = replace(A, rental_rate_usd_per_gpu_hour=0.4)  # rental revenue 3.84
    res = eco.evaluate(SPEC, _market(rich), a)
    p = res.breakeven.power_price_usd_per_kwh
    assert p == pytest.approx((4.2768 - 3.84) / (4.8 - 3.84))
    at_p = eco.evaluate(SPEC, _market(rich), replace(a, power_price_usd_per_kwh=p))
    assert at_p.spread_usd_day == pytest.approx(0.0, abs=1e-9)


def test_fleet_totals_scale_by_count() -> None:
    res = eco.evaluate(SPEC, _market(ETC), replace(A, transition_cost_usd=500.0))
    assert res.fleet["spread_usd_day"] == pytest.approx(10 * res.spread_usd_day)
    assert res.fleet["conversion_capex_usd"] == pytest.approx(10 * 300 + 500)
    assert res.fleet["npv_usd"] == pytest.approx(10 * res.npv_usd)
    assert res.fleet["resale_usd"] == pytest.approx(4000.0)


def test_rental_rate_from_market_when_not_given() -> None:
    res = eco.evaluate(
        SPEC, _market(ETC, rates={"TEST": 0.25}), replace(A, rental_rate_usd_per_gpu_hour=None)
    )
    assert res.rental.rate_usd_per_gpu_hour == 0.25


def test_missing_rental_rate_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="no rental rate for TEST: run `rigshift refresh`"):
        eco.evaluate(SPEC, _market(ETC), replace(A, rental_rate_usd_per_gpu_hour=None))


def test_validate_lists_each_problem_on_its_own_line() -> None:
    bad = replace(
        A,
        power_price_usd_per_kwh=-1,
        utilization=1.5,
        pue=0.9,
        count=0,
        hashrates_hs={"Etchash": 0},
    )
    with pytest.raises(ConfigError) as info:
        eco.validate(bad)
    lines = str(info.value).splitlines()
    assert len(lines) == 5
    assert any(line.startswith("utilization must be between 0 and 1") for line in lines)


@pytest.mark.parametrize(
    "field,value",
    [
        ("platform_fee", 1.2),
        ("pool_fee", -0.1),
        ("horizon_months", 0),
        ("conversion_capex_usd", -5.0),
        ("rental_rate_usd_per_gpu_hour", -0.1),
        ("ai_power_w", -1.0),
    ],
)
def test_validate_rejects(field: str, value: float) -> None:
    with pytest.raises(ConfigError):
        eco.validate(replace(A, **{field: value}))


def test_validate_accepts_defaults() -> None:
    eco.validate(GpuAssumptions())


def test_apply_overrides_keeps_only_given_algorithms() -> None:
    spec = apply_overrides(SPEC, replace(A, hashrates_hs={"KawPow": 6e7}))
    assert spec.hashrates_hs == {"KawPow": 6e7}
    assert spec.mining_power_w == {"KawPow": 250.0}


def test_apply_overrides_power() -> None:
    spec = apply_overrides(
        SPEC, replace(A, mining_power_w=100.0, ai_power_w=250.0, idle_power_w=5.0)
    )
    assert set(spec.mining_power_w.values()) == {100.0}
    assert (spec.ai_power_w, spec.idle_power_w) == (250.0, 5.0)


def test_reference_specs_use_canonical_ids() -> None:
    from scrapers.gpu_models import canonical_gpu

    specs = load_gpu_specs()
    assert {"RTX 3090", "RTX 4090", "H100 SXM", "CMP 170HX", "RX 6800 XT"} <= set(specs)
    assert all(canonical_gpu(name) == name for name in specs)


def test_reference_spec_3090_is_sourced() -> None:
    spec = load_gpu_specs()["RTX 3090"]
    assert spec.hashrates_hs["Etchash"] == 120e6
    assert any("tomshardware" in s for s in spec.sources)


def test_deals_per_mw_year_is_derived() -> None:
    deals = load_deals()
    row = deals[deals["company"] == "TeraWulf"].iloc[0]
    assert row["usd_per_mw_year"] == pytest.approx(3.7e9 / 10 / 200)
    assert deals["source_url"].str.startswith("http").all()


# Store-backed: BTC-priced coins and nethash derivation.


def test_btc_priced_coin_is_converted_with_latest_btc_usd(tmp_path) -> None:
    db = str(tmp_path / "s.duckdb")
    write(
        db,
        coin_network=[
            coin("BTC", source="coingecko", price_usd=50_000.0),
            coin(
                "ERG",
                algorithm="Autolykos",
                nethash_hs=1e13,
                block_time_s=120.0,
                block_reward_coins=6.0,
                price_btc=1e-4,
            ),
        ],
    )
    with read_connection(db) as con:
        market = load_market(con)
    erg = next(c for c in market.coins if c.coin == "ERG")
    assert erg.price_usd == pytest.approx(5.0)


def test_nethash_derived_from_difficulty_when_missing(tmp_path) -> None:
    db = str(tmp_path / "s.duckdb")
    write(
        db,
        coin_network=[
            coin(
                "ETC",
                algorithm="Etchash",
                difficulty=2.6e15,
                block_time_s=13.0,
                block_reward_coins=2.56,
                price_usd=20.0,
            ),
            coin(
                "RVN",
                algorithm="KawPow",
                difficulty=60.0,
                block_time_s=60.0,
                block_reward_coins=2500.0,
                price_usd=0.02,
            ),
        ],
    )
    with read_connection(db) as con:
        coins = {c.coin: c for c in load_market(con).coins}
    assert coins["ETC"].nethash_hs == pytest.approx(2e14)
    assert coins["RVN"].nethash_hs == pytest.approx(2**32)


def test_coin_missing_a_number_is_skipped(tmp_path) -> None:
    db = str(tmp_path / "s.duckdb")
    write(
        db,
        coin_network=[
            coin(
                "KAS",
                algorithm="kHeavyHash",
                difficulty=1e15,
                block_time_s=1.0,
                block_reward_coins=50.0,
                price_usd=0.1,
            )
        ],
    )
    with read_connection(db) as con:
        assert load_market(con).coins == ()
