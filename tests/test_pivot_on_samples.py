"""`rigshift pivot --json` on a store filled by refreshing the recorded payloads over HTTP."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from dashboard.cli.main import main
from tests.support.local_http import LocalServer, Reply, point_cli
from tests.support.payloads import sample
from tests.support.upstreams import (
    VAST_PATH,
    serve_vastai,
    serve_whattomine,
    vast_doc,
    vast_handler,
)

POWER = 0.06


@pytest.fixture
def db(monkeypatch: pytest.MonkeyPatch, server: LocalServer, tmp_path: Path) -> str:
    """Refresh vastai and whattomine from their recorded samples into a fresh store."""
    path = str(tmp_path / "rigshift.duckdb")
    point_cli(monkeypatch, server.url, path)
    serve_vastai(server)
    serve_whattomine(server)
    assert main(["refresh", "--source", "vastai", "--source", "whattomine", "--quiet"]) == 0
    return path


def _pivot(capsys, *extra: str) -> dict:
    capsys.readouterr()
    code = main(["pivot", "--gpu", "RTX 3090", "--power-price", str(POWER), "--json", *extra])
    assert code == 0
    return json.loads(capsys.readouterr().out)


def _rvn_revenue_usd_day(hashrate_hs: float) -> float:
    coins = json.loads(sample("whattomine", "coins.json"))["coins"]
    btc_usd = json.loads(sample("whattomine", "asic.json"))["coins"]["Bitcoin"]["exchange_rate"]
    rvn = coins["Ravencoin"]
    coins_per_day = (
        hashrate_hs
        / float(rvn["nethash"])
        * 86_400
        / float(rvn["block_time"])
        * float(rvn["block_reward"])
    )
    return coins_per_day * float(rvn["exchange_rate"]) * btc_usd * (1 - 0.01)


def _rtx3090_index_rate() -> float:
    offers = json.loads(sample("vastai", "on_demand.json"))["offers"]
    rates = np.array(
        [o["dph_total"] / o["num_gpus"] for o in offers if o["gpu_name"] == "RTX 3090"]
    )
    lo, hi = np.quantile(rates, [0.10, 0.90])
    return float(np.median(rates[(rates >= lo) & (rates <= hi)]))


def test_mining_revenue_matches_the_formula(db: str, capsys) -> None:
    doc = _pivot(capsys, "--hashrate", "KawPow=55MH/s", "--mining-power", "300")
    assert doc["mining"]["best_coin"] == "RVN"
    assert doc["mining"]["revenue_usd_day"] == pytest.approx(_rvn_revenue_usd_day(55e6), rel=1e-9)
    assert doc["mining"]["power_cost_usd_day"] == pytest.approx(300 / 1000 * 24 * POWER * 1.10)


def test_rental_rate_is_the_index_trimmed_median(db: str, capsys) -> None:
    doc = _pivot(capsys)
    rate = _rtx3090_index_rate()
    assert doc["rental"]["rate_usd_per_gpu_hour"] == pytest.approx(rate)
    assert doc["rental"]["revenue_usd_day"] == pytest.approx(rate * 24 * 0.70 * 0.75)


def test_spread_and_payback_follow_from_the_nets(db: str, capsys) -> None:
    doc = _pivot(capsys, "--conversion-capex", "600", "--rental-decline", "0")
    keep = max(doc["mining"]["net_usd_day"], 0.0)
    assert doc["keep_net_usd_day"] == pytest.approx(keep)
    assert doc["spread_usd_day"] == pytest.approx(doc["rental"]["net_usd_day"] - keep)
    assert doc["payback_months"] == pytest.approx(600 / (doc["spread_usd_day"] * 365.25 / 12))
    assert doc["fleet"]["spread_usd_day"] == pytest.approx(doc["spread_usd_day"] * 1000)


def test_status_json_reports_unknown_gpu_names(db: str, server: LocalServer, capsys) -> None:
    def with_unknown(label: str) -> Reply:
        doc = vast_doc(label)
        doc["offers"][0]["gpu_name"] = "Mystery GPU 9000"
        return Reply(json.dumps(doc).encode())

    server.route(VAST_PATH, vast_handler(with_unknown))
    assert main(["refresh", "--source", "vastai", "--force", "--quiet"]) == 0
    capsys.readouterr()
    assert main(["status", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["unknown_gpu_names"] == ["Mystery GPU 9000"]
    vast = next(s for s in doc["sources"] if s["source"] == "vastai")
    assert {"last_success", "rows", "staleness", "last_error"} <= set(vast)


def test_site_json_hashprice_from_the_recorded_btc_row(db: str, capsys) -> None:
    btc = json.loads(sample("whattomine", "asic.json"))["coins"]["Bitcoin"]
    capsys.readouterr()
    assert main(["site", "--mw", "10", "--power-price", str(POWER), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    network_ph_s = btc["difficulty"] * 2**32 / 600 / 1e15
    expected = 144 * btc["block_reward"] * btc["exchange_rate"] / network_ph_s
    assert doc["hashprice_usd_per_ph_day"] == pytest.approx(expected, rel=1e-6)
    assert [u["use"] for u in doc["uses"]] == ["btc_mining", "gpu_cloud", "colocation"]
    for use in doc["uses"]:
        assert {"revenue_usd_per_mw_year", "net_usd_per_mw_year", "capex_usd_per_mw"} <= set(use)
