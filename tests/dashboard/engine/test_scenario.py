"""Scenario URL parameters (pure) and the named-scenario file."""

from __future__ import annotations

from pathlib import Path

import pytest

from dashboard.engine.saved_scenarios import delete_scenario, load_scenarios, save_scenario
from dashboard.engine.scenario import PARAM_NAMES, default_params, from_params, to_params
from dashboard.engine.terms import GpuAssumptions
from scrapers.errors import ConfigError

CUSTOM = GpuAssumptions(
    gpu_model="RTX 4090",
    count=250,
    power_price_usd_per_kwh=0.0425,
    pue=1.18,
    utilization=0.07,
    platform_fee=0.2,
    pool_fee=0.015,
    conversion_capex_usd=812.5,
    transition_cost_usd=150_000.0,
    horizon_months=36,
    payback_target_months=9,
    discount_rate=0.1,
)


def test_params_use_short_stable_names() -> None:
    # Optional inputs (terminal value) and the mixed-fleet parameter travel only when set.
    site = {n for n in PARAM_NAMES if n.startswith("site_")}
    assert set(to_params(GpuAssumptions())) == set(PARAM_NAMES) - {"terminal", "fleet"} - site
    assert {"gpu", "n", "price", "pue", "util", "fee", "pool", "capex", "transition"} <= set(
        PARAM_NAMES
    )


def test_defaults_read_as_people_type_them() -> None:
    p = default_params()
    assert (p["gpu"], p["n"], p["price"], p["util"], p["fee"], p["pool"]) == (
        "RTX 3090",
        "1000",
        "0.06",
        "70",
        "25",
        "1",
    )


@pytest.mark.parametrize("a", [GpuAssumptions(), CUSTOM], ids=["defaults", "custom"])
def test_round_trip_assumptions(a: GpuAssumptions) -> None:
    back, warnings = from_params(to_params(a))
    assert warnings == []
    assert back == a


def test_round_trip_params_are_stable() -> None:
    params = to_params(CUSTOM)
    assert to_params(from_params(params)[0]) == params
    assert params["util"] == "7"  # 0.07 x 100 without float noise


def test_missing_params_keep_defaults() -> None:
    a, warnings = from_params({"price": "0.08"})
    assert warnings == []
    assert a == GpuAssumptions(power_price_usd_per_kwh=0.08)


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"price": "cheap"}, "price='cheap' is not a number"),
        ({"pue": "0.5"}, "PUE must be between 1 and 5"),
        ({"util": "150"}, "utilization (%) must be between 0 and 100"),
        ({"n": "2.5"}, "must be a whole number"),
        ({"horizon": "nan"}, "not a finite number"),
        ({"capex": "-1"}, "must be between 0 and 1000000"),
        ({"price": "1e308"}, "must be between 0 and 10"),
        ({"n": "100000000000"}, "must be between 1 and 10000000"),
    ],
)
def test_bad_param_is_a_warning_and_the_default(params: dict, fragment: str) -> None:
    a, warnings = from_params(params)
    assert a == GpuAssumptions()
    assert len(warnings) == 1 and fragment in warnings[0] and "\n" not in warnings[0]
    assert "using" in warnings[0]


def test_unknown_gpu_is_a_warning() -> None:
    a, warnings = from_params({"gpu": "Voodoo 5"}, known_models=["RTX 3090", "RTX 4090"])
    assert a.gpu_model == "RTX 3090"
    assert warnings == ["gpu='Voodoo 5' is not a known GPU model; using RTX 3090"]


def test_bad_and_good_params_mix() -> None:
    a, warnings = from_params({"n": "x", "price": "0.05", "other_page_param": "1"})
    assert a.count == GpuAssumptions().count and a.power_price_usd_per_kwh == 0.05
    assert len(warnings) == 1


def test_list_values_take_the_last() -> None:
    a, _ = from_params({"n": ["10", "20"]})
    assert a.count == 20


def test_saved_scenarios_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "scenarios.json"
    assert load_scenarios(path) == {}
    save_scenario(path, "  Texas   2027 ", to_params(CUSTOM))
    save_scenario(path, "Base", to_params(GpuAssumptions()))
    saved = load_scenarios(path)
    assert list(saved) == ["Base", "Texas 2027"]
    assert from_params(saved["Texas 2027"])[0] == CUSTOM


def test_saving_writes_atomically_without_leftovers(tmp_path: Path) -> None:
    path = tmp_path / "scenarios.json"
    save_scenario(path, "A", {"n": "5"})
    save_scenario(path, "A", {"n": "6"})
    assert load_scenarios(path) == {"A": {"n": "6"}}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["scenarios.json", "scenarios.json.lock"]


def test_delete_scenario(tmp_path: Path) -> None:
    path = tmp_path / "scenarios.json"
    save_scenario(path, "A", {"n": "5"})
    assert delete_scenario(path, "A") is True
    assert delete_scenario(path, "A") is False
    assert load_scenarios(path) == {}


def test_empty_name_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="name"):
        save_scenario(tmp_path / "s.json", "   ", {})


def test_corrupt_file_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "scenarios.json"
    path.write_text("{not json")
    with pytest.raises(ConfigError, match="not valid JSON"):
        load_scenarios(path)


def test_a_mixed_fleet_travels_in_one_parameter() -> None:
    from dashboard.engine.decision import Fleet, FleetLine
    from dashboard.engine.scenario import fleet_from_params, fleet_param

    fleet = Fleet((FleetLine("H100 SXM", 200), FleetLine("RTX 4090", 500, 900.0)))
    params = fleet_param(fleet)
    assert params == {"fleet": "H100 SXM:200,RTX 4090:500:900"}
    assert fleet_from_params(params, ["H100 SXM", "RTX 4090"]) == (fleet, None)
    assert fleet_param(Fleet.single("RTX 3090", 1000)) == {}  # gpu= and n= say it


def test_a_bad_fleet_parameter_is_a_warning() -> None:
    from dashboard.engine.scenario import fleet_from_params

    fleet, problem = fleet_from_params({"fleet": "H100 SXM:inf"})
    assert fleet is None and problem is not None and "finite" in problem


def test_saved_scenarios_keep_the_fleet_and_site_inputs(tmp_path) -> None:  # noqa: ANN001
    from dashboard.engine.saved_scenarios import load_scenarios, save_scenario

    path = tmp_path / "scenarios.json"
    save_scenario(
        path, "mix", {"gpu": "RTX 3090", "fleet": "H100 SXM:2,RTX 4090:3", "site_mw": "25"}
    )
    assert load_scenarios(path)["mix"] == {
        "gpu": "RTX 3090",
        "fleet": "H100 SXM:2,RTX 4090:3",
        "site_mw": "25",
    }
