"""``rigshift pivot`` and ``rigshift site`` against a small real store."""

from __future__ import annotations

import json

import pytest

from dashboard.cli.main import main
from tests.support.tiny_store import T0, coin, offer, write

# RTX 3090 reference: Etchash 120 MH/s @330 W, Autolykos 245 MH/s @330 W, KawPow 55 MH/s @330 W;
# AI 350 W, idle 30 W.
COINS = [
    coin(
        "ETC",
        algorithm="Etchash",
        nethash_hs=2e14,
        block_time_s=13.0,
        block_reward_coins=2.56,
        price_usd=20.0,
    ),
    coin(
        "RVN",
        algorithm="KawPow",
        nethash_hs=5e12,
        block_time_s=60.0,
        block_reward_coins=2500.0,
        price_usd=0.02,
    ),
    coin(
        "ERG",
        algorithm="Autolykos",
        nethash_hs=2e13,
        block_time_s=120.0,
        block_reward_coins=6.0,
        price_btc=1e-5,
    ),
    coin(
        "BTC",
        source="mempool",
        algorithm="SHA-256",
        difficulty=1.2e14,
        block_reward_coins=3.2,
        price_usd=100_000.0,
    ),
]


@pytest.fixture
def db(tmp_path, monkeypatch) -> str:
    path = str(tmp_path / "store.duckdb")
    write(
        path,
        coin_network=COINS,
        gpu_rental_offers=[offer("RTX 3090", 0.30), offer("H100 SXM", 2.0, offer_id="2")],
    )
    write(
        path,
        source="eia",
        energy_prices=[
            {
                "source": "eia",
                "region": "US-TX",
                "sector": "industrial",
                "period": "month",
                "period_start": T0.date(),
                "price_usd_per_kwh": 0.066,
                "price_native": 6.6,
                "native_unit": "USc/kWh",
            }
        ],
    )
    monkeypatch.setenv("RIGSHIFT_DB", path)
    return path


def _json(capsys, *argv: str) -> dict:
    assert main(list(argv)) == 0
    return json.loads(capsys.readouterr().out)


def test_pivot_json_has_every_kpi(db, capsys) -> None:
    doc = _json(capsys, "pivot", "--gpu", "RTX 3090", "--json")
    for key in (
        "keep_net_usd_day",
        "spread_usd_day",
        "payback_months",
        "npv_usd",
        "fleet",
        "verdict",
    ):
        assert key in doc
    assert set(doc["mining"]) >= {
        "best_coin",
        "revenue_usd_day",
        "power_cost_usd_day",
        "net_usd_day",
    }
    assert set(doc["breakeven"]) == {
        "rental_rate_usd_per_gpu_hour",
        "utilization",
        "power_price_usd_per_kwh",
    }


def test_pivot_values_follow_the_formulas(db, capsys) -> None:
    doc = _json(capsys, "pivot", "--gpu", "RTX 3090", "--rental-decline", "0", "--json")
    # RVN: 55e6/5e12 x 1440 x 2500 x 0.02 x 0.99 = 0.78408; 330 W x 24 h x 0.06 x 1.1 = 0.52272
    assert doc["mining"]["best_coin"] == "RVN"
    assert doc["mining"]["revenue_usd_day"] == pytest.approx(0.78408)
    assert doc["mining"]["power_cost_usd_day"] == pytest.approx(0.52272)
    # 0.30 x 24 x 0.7 x 0.75 = 3.78; (350 x 0.7 + 30 x 0.3) W = 254 W -> 0.402336
    assert doc["rental"]["rate_usd_per_gpu_hour"] == pytest.approx(0.30)
    assert doc["rental"]["net_usd_day"] == pytest.approx(3.78 - 0.402336)
    spread = 3.78 - 0.402336 - (0.78408 - 0.52272)
    assert doc["spread_usd_day"] == pytest.approx(spread)
    assert doc["payback_months"] == pytest.approx(600 / (spread * 30.4375))
    assert doc["fleet"]["spread_usd_day"] == pytest.approx(1000 * spread)


def test_pivot_btc_priced_coin_converted(db, capsys) -> None:
    doc = _json(capsys, "pivot", "--gpu", "RTX 3090", "--json")
    erg = next(c for c in doc["mining"]["per_coin"] if c["coin"] == "ERG")
    # 245e6/2e13 x 720 x 6 x (1e-5 x 100,000) x 0.99
    assert erg["revenue_usd_day"] == pytest.approx(245e6 / 2e13 * 720 * 6 * 1.0 * 0.99)


def test_pivot_hashrate_flag_limits_algorithms(db, capsys) -> None:
    doc = _json(capsys, "pivot", "--gpu", "RTX 3090", "--hashrate", "Etchash=100MH/s", "--json")
    assert [c["coin"] for c in doc["mining"]["per_coin"]] == ["ETC"]
    assert doc["mining"]["revenue_usd_day"] == pytest.approx(
        1e8 / 2e14 * 86400 / 13 * 2.56 * 20 * 0.99
    )


def test_pivot_region_uses_eia_price(db, capsys) -> None:
    doc = _json(capsys, "pivot", "--gpu", "RTX 3090", "--region", "us-tx", "--json")
    assert doc["assumptions"]["power_price_usd_per_kwh"] == pytest.approx(0.066)
    assert doc["power_price_basis"].startswith("EIA industrial US-TX")


def test_pivot_unknown_region_exits_2(db, capsys) -> None:
    assert main(["pivot", "--gpu", "RTX 3090", "--region", "US-ZZ"]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


def test_pivot_flags_override(db, capsys) -> None:
    doc = _json(
        capsys,
        "pivot",
        "--gpu",
        "RTX 3090",
        "--rental-rate",
        "0.5",
        "--count",
        "10",
        "--utilization",
        "1",
        "--json",
    )
    assert doc["rental"]["revenue_usd_day"] == pytest.approx(0.5 * 24 * 0.75)
    assert doc["fleet"]["count"] == 10


def test_pivot_text_output(db, capsys) -> None:
    assert main(["pivot", "--gpu", "RTX 3090"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("1,000 x RTX 3090: ")
    assert "(RVN)" in out and "payback" in out


@pytest.mark.parametrize(
    "argv",
    [
        ["--utilization", "1.5"],
        ["--pue", "0.9"],
        ["--power-price", "-0.1"],
        ["--hashrate", "Etchash=fast"],
        ["--hashrate", "Etchash"],
        ["--count", "0"],
        ["--power-price", "inf"],
        ["--conversion-capex", "1e308"],
        ["--count", "100000000000"],
        ["--rental-decline", "nan"],
    ],
)
def test_pivot_bad_input_exits_2_with_one_line(db, capsys, argv: list[str]) -> None:
    assert main(["pivot", "--gpu", "RTX 3090", *argv]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("rigshift: error:")


def test_pivot_model_without_rental_rate(db, capsys) -> None:
    assert main(["pivot", "--gpu", "RTX 4090"]) == 2
    assert "no rental rate for RTX 4090: run `rigshift refresh`" in capsys.readouterr().err


def test_pivot_unknown_model_needs_power(db, capsys) -> None:
    assert main(["pivot", "--gpu", "GTX 1080", "--rental-rate", "0.1"]) == 2
    assert "unknown GPU model" in capsys.readouterr().err


def test_site_json_three_uses(db, capsys) -> None:
    doc = _json(capsys, "site", "--mw", "20", "--json")
    assert [u["use"] for u in doc["uses"]] == ["btc_mining", "gpu_cloud", "colocation"]
    assert doc["rental_rate_usd_per_gpu_hour"] == pytest.approx(2.0)
    network_ph = 1.2e14 * 2**32 / 600 / 1e15
    # fees = 3.2 - 3.125 subsidy
    assert doc["hashprice_usd_per_ph_day"] == pytest.approx(144 * 3.2 * 100_000 / network_ph)


def test_site_bad_input_exits_2(db, capsys) -> None:
    assert main(["site", "--mw", "-1"]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


def test_site_text_output(db, capsys) -> None:
    assert main(["site", "--mw", "5", "--power-price", "0.04"]) == 0
    assert "colocation" in capsys.readouterr().out


@pytest.mark.parametrize("argv", [["--mw", "nan"], ["--mw", "inf"], ["--mw", "10", "--pue", "nan"]])
def test_site_non_finite_input_exits_2_with_one_line(db, capsys, argv: list[str]) -> None:
    assert main(["site", *argv]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "finite" in err
