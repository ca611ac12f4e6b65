"""dashboard.engine.economics.fleet: a mixed fleet priced row by row, prompts not errors."""

from __future__ import annotations

import math
from dataclasses import replace

import pandas as pd
import pytest

from dashboard.engine.economics.fleet import (
    GAIN,
    ROW_KEYS,
    TABLE_COLUMNS,
    TOTAL_LABEL,
    apply_table_edits,
    default_rows,
    evaluate_fleet,
    resolve_model,
    with_totals_row,
)
from dashboard.engine.economics.per_gpu import evaluate
from tests.support.markets import assumptions, market, specs


def _row(model: str | None, count: float | None, **extra: object) -> dict[str, object]:
    return {"model": model, "count": count, **extra}


def test_default_rows_hold_the_sidebar_model_and_count() -> None:
    rows = default_rows("RTX 3090", 1000)
    assert len(rows) == 1
    assert rows[0]["model"] == "RTX 3090" and rows[0]["count"] == 1000
    assert rows[0]["hashrate"] is None and rows[0]["conversion_capex_usd"] is None


def test_one_known_row_matches_the_single_gpu_engine() -> None:
    a = assumptions(count=100)
    ev = evaluate_fleet(default_rows("RTX 3090", 100), specs(), market(), a)
    single = evaluate(specs()["RTX 3090"], market(), a)
    row = ev.table.iloc[0]
    assert row["spread ($/GPU/day)"] == pytest.approx(single.spread_usd_day)
    assert row["NPV ($/GPU)"] == pytest.approx(single.npv_usd)
    assert row[GAIN] == pytest.approx(single.spread_usd_day * 100)
    assert row["resale (fleet $)"] == pytest.approx(700.0 * 100)


def test_table_has_every_column_with_units() -> None:
    ev = evaluate_fleet(default_rows("RTX 3090", 10), specs(), market(), assumptions())
    assert list(ev.table.columns) == TABLE_COLUMNS
    assert all(
        "$" in c or c in {"GPU model", "GPUs", "best coin", "payback (months)", "figures"}
        for c in TABLE_COLUMNS
    )


def test_rows_are_sorted_by_gain_from_pivoting() -> None:
    rows = [_row("RTX 3090", 10), _row("H100 SXM", 8), _row("RTX 3090", 500)]
    ev = evaluate_fleet(rows, specs(), market(), assumptions())
    gains = ev.table[GAIN].tolist()
    assert gains == sorted(gains, reverse=True)
    assert len(ev.table) == 3


def test_totals_sum_the_fleet_columns() -> None:
    rows = [_row("RTX 3090", 10), _row("H100 SXM", 8)]
    ev = evaluate_fleet(rows, specs(), market(), assumptions())
    t = ev.totals
    assert t["gpus"] == 18
    assert t["spread_usd_day"] == pytest.approx(ev.table[GAIN].sum())
    assert t["npv_usd"] == pytest.approx(ev.table["NPV (fleet $)"].sum())


def test_fleet_payback_is_upfront_over_monthly_gain() -> None:
    a = assumptions(transition_cost_usd=1000.0)
    ev = evaluate_fleet([_row("RTX 3090", 10)], specs(), market(), a)
    t = ev.totals
    assert t["upfront_usd"] == pytest.approx(600.0 * 10 + 1000.0)
    assert t["payback_months"] == pytest.approx(7000.0 / (t["spread_usd_day"] * 30.4375))


def test_transition_cost_lowers_fleet_npv_by_exactly_its_amount() -> None:
    rows = [_row("RTX 3090", 10), _row("H100 SXM", 5)]
    without = evaluate_fleet(rows, specs(), market(), assumptions())
    with_cost = evaluate_fleet(rows, specs(), market(), assumptions(transition_cost_usd=3000.0))
    assert without.totals["npv_usd"] - with_cost.totals["npv_usd"] == pytest.approx(3000.0)


def test_unknown_model_without_figures_is_a_prompt_not_an_error() -> None:
    ev = evaluate_fleet([_row("RTX 2080", 50)], specs(), market(), assumptions())
    assert ev.table.empty
    (problem,) = ev.problems
    assert problem.kind == "needs_figures"
    assert "not in the reference GPU table" in problem.message
    assert "hashrate" in problem.message and "mining power (W)" in problem.message


def test_unknown_model_with_its_figures_is_priced_as_yours() -> None:
    row = _row(
        "RTX 2080",
        4,
        hashrate=25,
        hashrate_unit="MH/s",
        algorithm="KawPow",
        mining_power_w=150,
        rental_rate_usd_per_gpu_hour=0.2,
    )
    ev = evaluate_fleet([row], specs(), market(), assumptions())
    assert not ev.problems
    priced = ev.table.iloc[0]
    assert priced["figures"] == "yours"
    assert priced["best coin"] == "TST"
    # 25 MH/s is half the 50 MH/s that earns $1/day, less the 1 % pool fee.
    power = 150 / 1000 * 24 * 0.06 * 1.10
    assert priced["mining net ($/GPU/day)"] == pytest.approx(0.5 * 0.99 - power)


def test_unknown_model_with_ai_power_only_rents_without_mining() -> None:
    ev = evaluate_fleet([_row("H200 SXM", 8, ai_power_w=1000)], specs(), market(), assumptions())
    assert not ev.problems
    assert ev.table.iloc[0]["best coin"] == "none"
    assert ev.table.iloc[0]["mining net ($/GPU/day)"] == 0.0


def test_model_without_a_rental_rate_asks_for_one() -> None:
    row = _row("B9000", 2, ai_power_w=900)
    (problem,) = evaluate_fleet([row], specs(), market(), assumptions()).problems
    assert problem.kind == "needs_figures"
    assert "$/GPU-hour" in problem.message


@pytest.mark.parametrize("count", [0, -3, 2.5, None])
def test_bad_count_is_a_plain_problem(count: float | None) -> None:
    ev = evaluate_fleet([_row("RTX 3090", count)], specs(), market(), assumptions())
    (problem,) = ev.problems
    assert problem.kind == "invalid"
    assert "whole number ≥ 1" in problem.message and "\n" not in problem.message


@pytest.mark.parametrize("hashrate", [0, -5])
def test_non_positive_hashrate_is_rejected(hashrate: float) -> None:
    ev = evaluate_fleet([_row("RTX 3090", 3, hashrate=hashrate)], specs(), market(), assumptions())
    assert ev.table.empty
    assert "hashrate must be positive" in ev.problems[0].message


def test_negative_conversion_cost_is_rejected() -> None:
    row = _row("RTX 3090", 3, conversion_capex_usd=-1)
    (problem,) = evaluate_fleet([row], specs(), market(), assumptions()).problems
    assert "conversion cost must not be negative" in problem.message


def test_empty_fleet_has_no_rows_and_zero_totals() -> None:
    ev = evaluate_fleet([], specs(), market(), assumptions())
    assert ev.table.empty and not ev.problems
    assert ev.totals["gpus"] == 0 and ev.totals["payback_months"] is None


def test_blank_editor_rows_are_ignored() -> None:
    rows = [_row("RTX 3090", 2), _row(None, None), _row("  ", math.nan)]
    ev = evaluate_fleet(rows, specs(), market(), assumptions())
    assert len(ev.table) == 1 and not ev.problems


def test_hashrate_override_scales_mining_revenue() -> None:
    base = evaluate_fleet([_row("RTX 3090", 1)], specs(), market(), assumptions())
    doubled = evaluate_fleet(
        [_row("RTX 3090", 1, hashrate=100, hashrate_unit="MH/s")], specs(), market(), assumptions()
    )
    power = 200 / 1000 * 24 * 0.06 * 1.10
    base_rev = base.table.iloc[0]["mining net ($/GPU/day)"] + power
    new_rev = doubled.table.iloc[0]["mining net ($/GPU/day)"] + power
    assert new_rev == pytest.approx(2 * base_rev)
    assert doubled.table.iloc[0]["figures"] == "reference + yours"


def test_hashrate_in_h_per_s_equals_the_same_rate_in_mh_per_s() -> None:
    one = evaluate_fleet(
        [_row("RTX 3090", 1, hashrate=60e6, hashrate_unit="H/s")], specs(), market(), assumptions()
    )
    other = evaluate_fleet(
        [_row("RTX 3090", 1, hashrate=60, hashrate_unit="MH/s")], specs(), market(), assumptions()
    )
    assert one.table.iloc[0]["mining net ($/GPU/day)"] == pytest.approx(
        other.table.iloc[0]["mining net ($/GPU/day)"]
    )


def test_conversion_cost_override_sets_payback() -> None:
    row = _row("RTX 3090", 10, conversion_capex_usd=300)
    flat = replace(assumptions(), rental_decline=0.0)  # flat path: upfront / monthly spread
    ev = evaluate_fleet([row], specs(), market(), flat)
    priced = ev.table.iloc[0]
    assert priced["conversion cost ($/GPU)"] == 300
    assert priced["payback (months)"] == pytest.approx(
        300 / (priced["spread ($/GPU/day)"] * 30.4375)
    )


def test_unprofitable_rental_has_blank_payback() -> None:
    ev = evaluate_fleet(
        [_row("RTX 3090", 5, rental_rate_usd_per_gpu_hour=0.0)], specs(), market(), assumptions()
    )
    assert math.isnan(ev.table.iloc[0]["payback (months)"])
    assert ev.totals["winners_gpus"] == 0


def test_editor_dataframe_input_is_accepted() -> None:
    frame = pd.DataFrame([_row("rtx3090", 7.0, hashrate=math.nan)])
    ev = evaluate_fleet(frame, specs(), market(), assumptions())
    assert ev.table.iloc[0]["GPU model"] == "RTX 3090"
    assert ev.table.iloc[0]["GPUs"] == 7


def test_resolve_model_canonicalises_spelling() -> None:
    assert resolve_model("rtx3090", specs()) == "RTX 3090"
    assert resolve_model("Mystery Card", specs()) == "Mystery Card"


def test_totals_row_is_last_and_sums_fleet_columns() -> None:
    rows = [_row("RTX 3090", 10), _row("H100 SXM", 2)]
    ev = evaluate_fleet(rows, specs(), market(), assumptions())
    shown = with_totals_row(ev.table, ev.totals)
    last = shown.iloc[-1]
    assert last["GPU model"] == TOTAL_LABEL and last["GPUs"] == 12
    assert last["NPV (fleet $)"] == pytest.approx(ev.table["NPV (fleet $)"].sum())
    assert math.isnan(last["spread ($/GPU/day)"])


def test_resale_missing_models_are_named() -> None:
    rows = [_row("RTX 3090", 1), _row("H100 SXM", 1)]
    t = evaluate_fleet(rows, specs(), market(), assumptions()).totals
    assert t["resale_usd"] == pytest.approx(700.0)
    assert t["resale_missing"] == ["H100 SXM"]


def _rows(*counts: int) -> list[dict[str, object]]:
    return [r for c in counts for r in default_rows("RTX 3090", c)]


def test_table_edits_change_the_cells_named() -> None:
    edited = apply_table_edits(_rows(10, 20), {"edited_rows": {1: {"count": 25}}})
    assert [r["count"] for r in edited] == [10, 25]


def test_table_edits_append_added_rows_with_every_key() -> None:
    edited = apply_table_edits(_rows(10), {"added_rows": [{"model": "RTX 4090", "count": 3}]})
    assert [(r["model"], r["count"]) for r in edited] == [("RTX 3090", 10), ("RTX 4090", 3)]
    assert set(edited[1]) == set(ROW_KEYS)


def test_table_edits_delete_by_position_after_adding() -> None:
    edits = {"added_rows": [{"model": "RTX 4090", "count": 3}], "deleted_rows": [0]}
    assert [r["model"] for r in apply_table_edits(_rows(10), edits)] == ["RTX 4090"]


def test_table_edits_ignore_a_position_past_the_table() -> None:
    assert apply_table_edits(_rows(10), {"edited_rows": {5: {"count": 1}}}) == _rows(10)


def test_a_cleared_cell_becomes_blank() -> None:
    edited = apply_table_edits(_rows(10), {"edited_rows": {0: {"count": None}}})
    assert edited[0]["count"] is None
