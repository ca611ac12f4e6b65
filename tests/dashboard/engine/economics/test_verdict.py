"""The verdict table (product-notes.md): one rule per row, applied to decision numbers.

Issue 10 replaced the old Pivot now / Wait / Keep mining / Sell table: every start option is
valued as incremental expected NPV vs never, so these tests feed ``judge`` those numbers.
"""

from __future__ import annotations

import pytest

from dashboard.engine.economics.verdict import (
    BORDERLINE,
    KEEP_MINING,
    PIVOT_NOW,
    RULE_TABLE,
    SELL_OR_SWITCH_OFF,
    best_start,
    is_wait,
    judge,
    wait_label,
)


def _judge(npv: dict[int, float], payback: float | None = 6.0, p: float = 0.9, mining=0.5):  # noqa: ANN001, ANN202
    return judge(npv, payback, p, mining, 700.0, 24, 12)


def test_pivot_now_when_now_is_best_positive_and_both_bars_pass() -> None:
    v = _judge({0: 1000.0, 3: 800.0, 6: 600.0, 12: 100.0})
    assert v.label == PIVOT_NOW
    assert "$1,000/GPU" in v.reason and "payback 6 months" in v.reason and "90%" in v.reason


def test_borderline_names_the_payback_bar_and_the_gap() -> None:
    v = _judge({0: 1000.0, 3: 800.0}, payback=14.5)
    assert v.label == BORDERLINE
    assert "misses the 12-month target by 2.5 months" in v.reason


def test_borderline_names_the_probability_bar_and_the_gap() -> None:
    v = _judge({0: 1000.0, 3: 800.0}, p=0.51)
    assert v.label == BORDERLINE and "19 points below the 70% bar" in v.reason


def test_wait_until_the_best_later_month() -> None:
    v = _judge({0: -50.0, 3: 20.0, 6: 90.0, 12: 40.0})
    assert v.label == wait_label(6) == "Wait until month 6" and is_wait(v.label)
    assert "pivoting in 6 months adds $90/GPU" in v.reason and "now (−$50/GPU)" in v.reason


def test_negative_later_option_is_never_wait() -> None:
    v = _judge({0: -500.0, 3: -100.0, 6: -10.0, 12: -300.0})
    assert v.label == KEEP_MINING


def test_sell_or_switch_off_shows_the_resale_value() -> None:
    v = _judge({0: -500.0, 3: -100.0}, mining=-0.2)
    assert v.label == SELL_OR_SWITCH_OFF and "resale $700/GPU" in v.reason


@pytest.mark.parametrize(("npv", "best"), [({0: 5.0, 3: 5.0}, 0), ({0: 0.0, 3: 0.0}, None)])
def test_ties_go_to_the_sooner_start_and_zero_is_not_positive(npv: dict, best: int | None) -> None:
    assert best_start(npv) == best


def test_rule_table_has_the_five_verdicts() -> None:
    assert [row[0] for row in RULE_TABLE] == [
        PIVOT_NOW,
        BORDERLINE,
        "Wait until month M",
        KEEP_MINING,
        SELL_OR_SWITCH_OFF,
    ]


def test_a_near_miss_on_probability_is_not_rounded_onto_the_bar() -> None:
    v = _judge({0: 1000.0}, p=0.694)
    assert v.label == BORDERLINE and "69.4% is 0.6 points below the 70% bar" in v.reason
