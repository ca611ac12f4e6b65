"""Alert rules: parsing, evaluation on real stores, and end to end through refresh + webhook."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from dashboard.cli.main import main
from dashboard.engine.alerts import (
    Fired,
    breakeven_hashprice_usd_per_ph_day,
    due,
    evaluate,
    evaluate_rules,
    parse_rules,
)
from scrapers.errors import ConfigError
from scrapers.refresh import refresh
from scrapers.store import read_connection
from tests.support.app import build_app_store
from tests.support.local_http import LocalServer, Reply, local_settings, point_cli
from tests.support.upstreams import VAST_PATH, vast_doc, vast_handler

NOW = datetime(2026, 10, 1, 12, 0)
WEEKLY_MOVE = {"id": "3090-week", "type": "rental_index_move", "gpu": "RTX 3090", "pct": 20}


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo store, built once for this module."""
    return build_app_store(tmp_path_factory.mktemp("demo-alerts") / "rigshift.duckdb")


def _eval(db: Path, *rules: dict) -> tuple[list[Fired], list[str]]:
    with read_connection(str(db)) as con:
        result = evaluate(con, parse_rules({"rules": list(rules)}), NOW)
    return result.fired, result.skipped


# -- parsing ---------------------------------------------------------------------------


def test_parse_rules_reads_webhook_and_cooldown() -> None:
    rules = parse_rules({"webhook": "https://h.example/x", "cooldown_hours": 6, "rules": []})
    assert (rules.webhook, rules.cooldown_hours, rules.rules) == ("https://h.example/x", 6.0, ())


@pytest.mark.parametrize(
    ("doc", "fragment"),
    [
        ({}, '"rules" list'),
        ({"rules": [{"type": "moon"}]}, "type must be one of"),
        ({"rules": [{"type": "payback_under", "months": "soon"}]}, "months must be a number"),
        ({"rules": [{"type": "rental_index_move", "pct": 5}]}, "gpu is required"),
        ({"rules": [{"type": "hashprice_below"}]}, "j_per_th must be a number"),
        ({"rules": [], "webhook": "ftp://x"}, "http(s) URL"),
        (
            {"rules": [{"type": "payback_under", "months": 6, "scenario": {"pue": "0.2"}}]},
            "PUE must be between",
        ),
        ({"rules": [WEEKLY_MOVE, WEEKLY_MOVE]}, "unique"),
    ],
)
def test_bad_rules_are_one_line_config_errors(doc: dict, fragment: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_rules(doc)
    assert fragment in info.value.one_line() and "\n" not in info.value.one_line()


# -- evaluation on the demo store ---------------------------------------------------------


def test_spread_rule_fires_above_threshold(demo_db: Path) -> None:
    fired, _ = _eval(demo_db, {"id": "s", "type": "rental_beats_mining", "usd_per_gpu_day": 0})
    low, _ = _eval(
        demo_db,
        {"id": "s", "type": "rental_beats_mining", "usd_per_gpu_day": 0, "scenario": {"util": "0"}},
    )
    assert [f.rule_id for f in fired] == ["s"] and fired[0].value > 0
    assert "rental beats keep-mining by $" in fired[0].message
    assert low == []


def test_spread_rule_does_not_fire_below_threshold(demo_db: Path) -> None:
    fired, _ = _eval(demo_db, {"id": "s", "type": "rental_beats_mining", "usd_per_gpu_day": 1e6})
    assert fired == []


def test_payback_rule(demo_db: Path) -> None:
    fired, _ = _eval(demo_db, {"id": "p", "type": "payback_under", "months": 1000})
    none, _ = _eval(demo_db, {"id": "p", "type": "payback_under", "months": 0.001})
    assert fired and fired[0].unit == "months" and fired[0].value < 1000
    assert none == []


def test_hashprice_below_threshold(demo_db: Path) -> None:
    fired, _ = _eval(demo_db, {"id": "h", "type": "hashprice_below", "usd_per_ph_day": 1e9})
    quiet, _ = _eval(demo_db, {"id": "h", "type": "hashprice_below", "usd_per_ph_day": 0})
    assert fired and fired[0].unit == "USD/PH/day" and 0 < fired[0].value < 1e9
    assert quiet == []


def test_hashprice_below_fleet_breakeven(demo_db: Path) -> None:
    rule = {"type": "hashprice_below", "j_per_th": 30, "power_price_usd_per_kwh": 10.0}
    fired, _ = _eval(demo_db, {"id": "b", **rule})
    assert fired and fired[0].threshold == pytest.approx(breakeven_hashprice_usd_per_ph_day(30, 10))
    assert "break-even at 30 J/TH" in fired[0].message


def test_breakeven_hashprice_formula() -> None:
    # 1 PH/s at 20 J/TH draws 20 kW: 480 kWh/day at $0.05 = $24/PH/day.
    assert breakeven_hashprice_usd_per_ph_day(20, 0.05) == pytest.approx(24.0)
    assert breakeven_hashprice_usd_per_ph_day(20, 0.05, pue=1.1) == pytest.approx(26.4)


def test_rule_without_data_is_skipped_not_fired(demo_db: Path) -> None:
    fired, skipped = _eval(demo_db, {**WEEKLY_MOVE, "id": "x", "gpu": "Voodoo 5"})
    assert fired == [] and skipped == ["x: no on_demand rental index for Voodoo 5"]


def test_evaluate_rules_returns_fired(demo_db: Path) -> None:
    rules = parse_rules({"rules": [{"type": "payback_under", "months": 1000}]})
    with read_connection(str(demo_db)) as con:
        assert [f.rule_id for f in evaluate_rules(con, rules, NOW)] == ["rule-1"]


def test_cooldown_suppresses_repeats() -> None:
    f = Fired("r", "payback_under", "m", 3.0, 6.0, "months", None, NOW)
    log = [{"rule_id": "r", "fired_at": (NOW - timedelta(hours=2)).isoformat()}]
    assert due([f], log, cooldown_hours=24) == []
    assert due([f], log, cooldown_hours=1) == [f]
    assert due([f], [], cooldown_hours=24) == [f]


# -- end to end: refresh against a local vast.ai, webhook on another local server ----------


@pytest.fixture
def hook(other_server: LocalServer) -> LocalServer:
    """A second local server that receives webhook POSTs."""
    other_server.route("/hook", Reply(b'{"ok": true}'))
    return other_server


@pytest.fixture
def vast(server: LocalServer) -> dict[str, float]:
    """vast.ai on the local server, every price scaled by ``factor["price"]``."""
    factor = {"price": 1.0}
    server.route(
        VAST_PATH,
        vast_handler(lambda label: Reply(json.dumps(vast_doc(label, factor["price"])).encode())),
    )
    return factor


@pytest.fixture
def week_old_store(
    server: LocalServer,
    vast: dict[str, float],
    hook: LocalServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
):  # noqa: ANN201
    """A store with last week's vast.ai index, a rules file and the CLI pointed at both."""
    settings = local_settings(server.url, tmp_path / "rigshift.duckdb")
    week_ago = datetime.now(UTC) - timedelta(days=7)
    [result] = refresh(settings, ["vastai"], force=True, now=week_ago)
    assert result.status == "ok"
    settings.alert_rules_path.write_text(
        json.dumps({"webhook": f"{hook.url}/hook", "rules": [WEEKLY_MOVE]})
    )
    point_cli(monkeypatch, server.url, settings.db_path, ["vastai"], retries="0")
    return settings


def _posts(hook: LocalServer) -> list[dict]:
    return [json.loads(body) for method, path, body in hook.requests if method == "POST"]


def test_refresh_that_moves_the_index_fires_and_posts(
    week_old_store,
    vast: dict[str, float],
    hook: LocalServer,
    capsys: pytest.CaptureFixture,  # noqa: ANN001
) -> None:
    vast["price"] = 1.5
    assert main(["refresh", "--source", "vastai", "--force", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "3090-week" in out and "RTX 3090 rental index +50.0%" in out
    [doc] = _posts(hook)
    assert doc["source"] == "rigshift" and doc["fired"] == 1
    assert doc["alerts"][0]["rule_id"] == "3090-week"
    assert doc["alerts"][0]["value"] == pytest.approx(50.0)
    assert hook.hits("/robots.txt") == 0  # a user's webhook is not crawled

    logged = week_old_store.alerts_log_path.read_text().splitlines()
    assert [json.loads(line)["rule_id"] for line in logged] == ["3090-week"]

    assert main(["alerts", "--json"]) == 3
    report = json.loads(capsys.readouterr().out)
    assert report["fired"] == 1 and report["webhook_error"] is None
    assert len(_posts(hook)) == 2


def test_refresh_within_cooldown_does_not_post_again(
    week_old_store,
    vast: dict[str, float],
    hook: LocalServer,  # noqa: ANN001
) -> None:
    vast["price"] = 1.5
    main(["refresh", "--source", "vastai", "--force", "--quiet"])
    main(["refresh", "--source", "vastai", "--force", "--quiet"])
    assert len(_posts(hook)) == 1


def test_refresh_that_stays_inside_the_band_fires_nothing(
    week_old_store,
    vast: dict[str, float],
    hook: LocalServer,
    capsys: pytest.CaptureFixture,  # noqa: ANN001
) -> None:
    vast["price"] = 1.05
    assert main(["refresh", "--source", "vastai", "--force"]) == 0
    assert main(["alerts"]) == 0
    assert "no alerts fired" in capsys.readouterr().out
    assert _posts(hook) == []
    assert not week_old_store.alerts_log_path.exists()


def test_alerts_webhook_flag_overrides_the_file(
    week_old_store,
    vast: dict[str, float],
    hook: LocalServer,  # noqa: ANN001
) -> None:
    vast["price"] = 0.5
    refresh(week_old_store, ["vastai"], force=True)
    hook.route("/other", Reply(b"ok"))
    assert main(["alerts", "--webhook", f"{hook.url}/other"]) == 3
    assert hook.hits("/other") == 1 and hook.hits("/hook") == 0


def test_alerts_without_rules_file_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    monkeypatch.setenv("RIGSHIFT_DB", str(tmp_path / "rigshift.duckdb"))
    monkeypatch.setenv("RIGSHIFT_CONFIG", str(tmp_path / "absent.toml"))
    assert main(["alerts"]) == 2
    assert "no alert rules at" in capsys.readouterr().err


def test_broken_rules_file_does_not_fail_the_refresh(
    week_old_store,
    capsys: pytest.CaptureFixture,  # noqa: ANN001
) -> None:
    week_old_store.alert_rules_path.write_text("{broken")
    assert main(["refresh", "--source", "vastai", "--force", "--quiet"]) == 0
    assert "alerts not evaluated" in capsys.readouterr().err
