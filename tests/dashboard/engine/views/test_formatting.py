"""The one number formatter: signs, rounding and words the app, memo and CLI share."""

from __future__ import annotations

import math
from datetime import datetime

import pytest

from dashboard.engine.views.formatting import (
    MINUS,
    NEVER_WITHIN,
    as_of_text,
    format_age,
    months,
    number,
    pct,
    usd,
    usd_compact,
)


def test_negative_dollars_carry_a_real_minus_before_the_sign() -> None:
    assert usd(-3.1) == f"{MINUS}$3.10"


def test_an_amount_that_rounds_to_zero_has_no_minus() -> None:
    assert usd(-0.001) == "$0.00"
    assert number(-0.4) == "0"


def test_thousands_are_separated() -> None:
    assert usd(1234567.891, 0) == "$1,234,568"
    assert number(-1234) == f"{MINUS}1,234"


@pytest.mark.parametrize("value", [None, math.nan])
def test_missing_values_read_n_a(value: float | None) -> None:
    assert usd(value) == "n/a"
    assert pct(value) == "n/a"


def test_shares_read_as_percent() -> None:
    assert pct(0.7) == "70%"


@pytest.mark.parametrize(
    ("value", "text"), [(1, "1 month"), (2, "2 months"), (2.5, "2.5 months"), (12.0, "12 months")]
)
def test_months_agree_in_number(value: float, text: str) -> None:
    assert months(value) == text


def test_no_payback_reads_never_within_the_horizon() -> None:
    assert months(None) == NEVER_WITHIN


@pytest.mark.parametrize(
    ("value", "text"),
    [(1_530_000, "$1.53M"), (-23_600, "\u2212$23.6k"), (980, "$980"), (2.5e9, "$2.50B")],
)
def test_compact_dollars_keep_three_figures_and_the_real_minus(value: float, text: str) -> None:
    assert usd_compact(value) == text


def test_compact_dollars_of_nothing_read_n_a() -> None:
    assert usd_compact(None) == "n/a"


def test_ages_read_in_minutes_hours_or_days() -> None:
    assert [format_age(h) for h in (None, 0.5, 6, 72)] == ["never", "30 min", "6.0 h", "3.0 d"]


def test_as_of_reads_utc_to_the_minute() -> None:
    assert as_of_text(datetime(2024, 4, 20, 9, 5)) == "2024-04-20 09:05 UTC"
    assert as_of_text(None) == "unknown"
