"""One number formatter for the app, the memo and the CLI: the same words and rounding.

A negative amount carries a real minus sign (U+2212) before the dollar sign, as the KPI cards
show it; the memo's PDF core font spells it ASCII later. Months read "1 month" / "2 months".
"""

from __future__ import annotations

import math
from datetime import datetime

import pandas as pd

MINUS = "\u2212"
NEVER_WITHIN = "never within the horizon"


def _bad(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def usd(value: float | None, digits: int = 2, none: str = "n/a") -> str:
    """``$1,234.56`` or ``−$3.10``; ``none`` for None/NaN; rounding first, so −$0.00 is $0.00."""
    return _signed(value, digits, none, unit="$")


def number(value: float | None, digits: int = 0, none: str = "n/a") -> str:
    """``1,234`` with thousands separators and a real minus sign."""
    return _signed(value, digits, none)


def _signed(value: float | None, digits: int, none: str, unit: str = "") -> str:
    # Round first, so a value that rounds to zero never shows a minus sign (−$0.00).
    if _bad(value):
        return none
    rounded = round(float(value), digits)  # type: ignore[arg-type]
    sign = MINUS if rounded < 0 else ""
    return f"{sign}{unit}{abs(rounded):,.{digits}f}"


def pct(share: float | None, digits: int = 0, none: str = "n/a") -> str:
    """A share 0.7 as ``70%``."""
    if _bad(share):
        return none
    return number(float(share) * 100, digits) + "%"  # type: ignore[arg-type]


def months(value: float | None, digits: int = 1, none: str = NEVER_WITHIN) -> str:
    """``1 month``, ``2.5 months``, ``12 months``; ``none`` when there is no value."""
    if _bad(value):
        return none
    text = number(value, digits)
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"{text} month" if text == "1" else f"{text} months"


def format_age(hours: float | None) -> str:
    """A compact human age such as ``45 min``, ``6.0 h`` or ``3.2 d``; ``never`` for None."""
    if hours is None:
        return "never"
    if hours < 1:
        return f"{hours * 60:.0f} min"
    if hours < 48:
        return f"{hours:.1f} h"
    return f"{hours / 24:.1f} d"


def as_of_text(value: datetime | None) -> str:
    """``2024-05-01 12:00 UTC`` or ``unknown``."""
    if value is None or pd.isna(value):
        return "unknown"
    return pd.Timestamp(value).strftime("%Y-%m-%d %H:%M UTC")
