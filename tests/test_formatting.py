"""The one number formatter: signs, rounding and words the app, memo and CLI share."""

from __future__ import annotations

import math

import pytest

from dashboard.engine.views.formatting import MINUS, NEVER_WITHIN, months, number, pct, usd


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
