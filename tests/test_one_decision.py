"""Issue 10: one decision, everywhere. Each named scenario (URL parameters, as a shared link
or saved scenario holds them) must give the same verdict label and reason on the Overview
(AppTest), the Timing page (AppTest), ``rigshift pivot --json``, the memo text and the alert
evaluator, on the demo store."""

from __future__ import annotations

import html
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

from dashboard.cli.main import main
from dashboard.engine.alerts import evaluate, parse_rules
from dashboard.engine.bounds import BY_URL
from dashboard.engine.decision import Decision, Fleet, decide_from_store
from dashboard.engine.economics.specs import load_gpu_specs
from dashboard.engine.queries.snapshot import load_market, margin_history
from dashboard.engine.scenario import fleet_from_params, from_params
from dashboard.engine.views.memo import memo_html
from dashboard.engine.views.overview import build_overview
from scrapers.store import read_connection
from tests.support.app import open_page, page_text

MIXED = "H100 SXM:200,A100 80GB SXM:300,RTX 4090:500"

# name -> (URL parameters, expected verdict label). The first five are the cases.
SCENARIOS: dict[str, tuple[dict[str, str], str]] = {
    "cfo-3090-loses-money": (
        {"gpu": "RTX 3090", "n": "1000", "price": "0.10", "util": "50", "transition": "2000000"},
        "Sell or switch off",
    ),
    "3080-payback-target-24": ({"gpu": "RTX 3080", "target": "24"}, "Borderline"),
    "mixed-fleet": ({"fleet": MIXED}, "Pivot now"),
    "later-beats-now": (
        {"gpu": "RTX 3090", "util": "2.5", "price": "0.02", "decline": "-100", "capex": "0"},
        "Wait until month 6",
    ),
    "h100-steep-rental-decline": (
        {"gpu": "H100 SXM", "n": "100", "decline": "60"},
        "Pivot now",
    ),
    "defaults": ({}, "Pivot now"),
    "cheap-power-low-utilization": (
        {"gpu": "RTX 3090", "util": "20", "price": "0.02"},
        "Keep mining",
    ),
    "dear-conversion": ({"gpu": "RTX 3090", "capex": "1500"}, "Borderline"),
    "heavy-fixed-opex": ({"gpu": "RTX 3090", "opex": "60"}, "Sell or switch off"),
    "wait-a-year": (
        {"gpu": "RTX 3090", "util": "2", "price": "0.02", "decline": "-100", "capex": "0"},
        "Wait until month 12",
    ),
    "cheap-power": ({"gpu": "RTX 3090", "price": "0.03"}, "Pivot now"),
    "difficulty-races-ahead": (
        {"gpu": "RTX 3090", "price": "0.02", "difficulty": "400", "decline": "-20"},
        "Pivot now",
    ),
    "expensive-money": (
        {"gpu": "RTX 3090", "disc": "100", "capex": "1500", "decline": "0", "horizon": "60"},
        "Borderline",
    ),
}
NAMES = list(SCENARIOS)


def _inputs(params: dict[str, str]):  # noqa: ANN202
    a, warnings = from_params(params)
    assert not warnings, warnings
    fleet, problem = fleet_from_params(params)
    assert problem is None
    return fleet or Fleet.single(a.gpu_model, a.count), a


@pytest.fixture(scope="module")
def decisions(demo_db: Path) -> dict[str, Decision]:
    """The engine's decision per scenario: what every surface must show."""
    out = {}
    with read_connection(str(demo_db)) as con:
        for name, (params, _) in SCENARIOS.items():
            fleet, a = _inputs(params)
            out[name] = decide_from_store(con, fleet, a)
    return out


def _cli_args(params: dict[str, str]) -> list[str]:
    args: list[str] = []
    for key, value in params.items():
        if key == "gpu":
            args += ["--gpu", value]
        elif key == "fleet":
            for item in value.split(","):
                args += ["--fleet", item]
        else:
            bound = BY_URL[key]
            number = float(value) / bound.scale
            args += [str(bound.cli_flag), str(int(number)) if bound.integer else repr(number)]
    if "gpu" not in params and "fleet" not in params:
        args += ["--gpu", "RTX 3090"]
    return args


@pytest.mark.parametrize("name", NAMES)
def test_engine_verdict_is_the_expected_label(name: str, decisions: dict) -> None:
    assert decisions[name].verdict.label == SCENARIOS[name][1], decisions[name].verdict


@pytest.mark.parametrize("name", NAMES)
def test_cli_pivot_json_gives_the_same_verdict(
    name: str, decisions: dict, demo_db: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    monkeypatch.setenv("RIGSHIFT_DB", str(demo_db))
    assert main(["pivot", *_cli_args(SCENARIOS[name][0]), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    v = decisions[name].verdict
    assert doc["verdict"] == {"label": v.label, "reason": v.reason}


@pytest.mark.parametrize("name", NAMES)
def test_memo_text_gives_the_same_verdict(name: str, decisions: dict, demo_db: Path) -> None:
    d = decisions[name]
    first = d.models[0]
    with read_connection(str(demo_db)) as con:
        market = load_market(con)
        spec = load_gpu_specs()[first.line.gpu_model]
        history = margin_history(con, spec, first.assumptions)
    doc = memo_html(build_overview(d, market, history))
    assert f"Verdict: {html.escape(d.verdict.label)}" in doc
    assert html.escape(d.verdict.reason) in doc


@pytest.mark.parametrize("name", NAMES)
def test_alert_evaluator_gives_the_same_verdict(name: str, decisions: dict, demo_db: Path) -> None:
    params, label = SCENARIOS[name]
    rules = parse_rules(
        {"rules": [{"id": "v", "type": "verdict_is", "labels": [label], "scenario": params}]}
    )
    with read_connection(str(demo_db)) as con:
        result = evaluate(con, rules, datetime.now(UTC).replace(tzinfo=None))
    assert not result.skipped
    d = decisions[name]
    assert [f.message for f in result.fired] == [
        f"{d.fleet.label}: {d.verdict.label} - {d.verdict.reason}"
    ]


def _page(monkeypatch: pytest.MonkeyPatch, db: Path, params: dict, page: str | None) -> AppTest:
    at = open_page(monkeypatch, db, page, params=params, timeout=90)
    assert not at.exception
    return at


@pytest.mark.parametrize("page", [None, "timing"], ids=["overview", "timing"])
@pytest.mark.parametrize("name", NAMES)
def test_app_pages_give_the_same_verdict(
    name: str, page: str | None, decisions: dict, demo_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = _page(monkeypatch, demo_db, SCENARIOS[name][0], page)
    text = page_text(at)
    v = decisions[name].verdict
    assert f"Verdict: {v.label}" in text
    assert v.reason in text


random_params = st.fixed_dictionaries(
    {
        "gpu": st.sampled_from(["RTX 3090", "RTX 3080", "RTX 4090", "H100 SXM"]),
        "price": st.sampled_from(["0.02", "0.05", "0.08", "0.12"]),
        "util": st.sampled_from(["5", "30", "70", "95"]),
        "capex": st.sampled_from(["0", "300", "1500"]),
        "decline": st.sampled_from(["-50", "0", "20", "60"]),
        "target": st.sampled_from(["6", "12", "24"]),
    }
)


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(params=random_params)
def test_every_surface_verdict_equals_the_decision(
    params: dict[str, str], demo_db: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    fleet, a = _inputs(params)
    with read_connection(str(demo_db)) as con:
        v = decide_from_store(con, fleet, a).verdict
        rules = parse_rules(
            {"rules": [{"id": "v", "type": "verdict_is", "labels": [v.label], "scenario": params}]}
        )
        fired = evaluate(con, rules, datetime.now(UTC).replace(tzinfo=None)).fired
    assert [f.message for f in fired] == [f"{fleet.label}: {v.label} - {v.reason}"]
    monkeypatch.setenv("RIGSHIFT_DB", str(demo_db))
    capsys.readouterr()
    assert main(["pivot", *_cli_args(params), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["verdict"] == {"label": v.label, "reason": v.reason}
