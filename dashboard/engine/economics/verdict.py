"""The verdict table of product-notes.md, applied to one set of decision numbers.

Every start option is valued as incremental expected NPV against never pivoting (never = 0 by
construction), over the same calendar window; the rules below are the table, in order:

| Verdict | When |
|---|---|
| Pivot now | now has the highest incremental expected NPV, > 0, payback <= target, P >= 70 % |
| Borderline | now is best and > 0, but payback > target or P(payback <= horizon) < 70 % |
| Wait until month M | a later start (3 / 6 / 12) is best, and its expected NPV > 0 |
| Keep mining | no start beats never and mining net > 0 |
| Sell or switch off | no start beats never and mining net <= 0 (resale value shown) |
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from dashboard.engine.views.formatting import months, pct, usd

PIVOT_NOW = "Pivot now"
BORDERLINE = "Borderline"
WAIT_PREFIX = "Wait until month"
KEEP_MINING = "Keep mining"
SELL_OR_SWITCH_OFF = "Sell or switch off"
MIN_PAYBACK_PROBABILITY = 0.70

RULE_TABLE: tuple[tuple[str, str], ...] = (
    (
        PIVOT_NOW,
        "starting now has the highest incremental expected NPV, it is > 0, payback ≤ target "
        "and P(payback ≤ horizon) ≥ 70 %",
    ),
    (
        BORDERLINE,
        "starting now is best and > 0, but payback > target or P(payback ≤ horizon) < 70 %: "
        "the reason says which bar it misses and by how much",
    ),
    (
        f"{WAIT_PREFIX} M",
        "a later start (3 / 6 / 12 months) has the highest incremental expected NPV, and it is > 0",
    ),
    (KEEP_MINING, "no start beats never (every incremental expected NPV ≤ 0) and mining net > 0"),
    (SELL_OR_SWITCH_OFF, "no start beats never and mining net ≤ 0: the resale value is shown"),
)


def wait_label(month: int) -> str:
    """``Wait until month 6``."""
    return f"{WAIT_PREFIX} {month}"


def is_wait(label: str) -> bool:
    """True for any ``Wait until month M`` label."""
    return label.startswith(WAIT_PREFIX)


@dataclass(frozen=True)
class Verdict:
    """A label from the verdict table and a one-line reason naming the deciding numbers."""

    label: str
    reason: str


def best_start(npv_by_start: Mapping[int, float]) -> int | None:
    """The start month with the highest incremental expected NPV, None when none is > 0.

    Ties go to the sooner start.
    """
    if not npv_by_start:
        return None
    k = max(npv_by_start, key=lambda m: (npv_by_start[m], -m))
    return k if npv_by_start[k] > 0 else None


def judge(
    npv_by_start: Mapping[int, float],
    payback_months: float | None,
    p_payback: float,
    mining_net_usd_day: float,
    resale_usd: float | None,
    horizon_months: int,
    payback_target_months: float,
    unit: str = "/GPU",
) -> Verdict:
    """Apply the verdict table; amounts are per ``unit`` (``/GPU``, or ``""`` for fleet totals)."""
    best = best_start(npv_by_start)
    now = npv_by_start.get(0, 0.0)
    if best is None:
        beaten = (
            f"no start beats never pivoting (now {usd(now, 0)}{unit} expected NPV over "
            f"{months(horizon_months, 0)})"
        )
        if mining_net_usd_day > 0:
            return Verdict(
                KEEP_MINING, f"{beaten}; mining nets {usd(mining_net_usd_day)}{unit}/day"
            )
        resale = (
            f"resale {usd(resale_usd, 0)}{unit}" if resale_usd is not None else "no resale price"
        )
        return Verdict(
            SELL_OR_SWITCH_OFF,
            f"{beaten}; mining nets {usd(mining_net_usd_day)}{unit}/day; {resale}",
        )
    if best != 0:
        return Verdict(
            wait_label(best),
            f"pivoting in {months(best, 0)} adds {usd(npv_by_start[best], 0)}{unit} expected NPV "
            f"vs never, more than now ({usd(now, 0)}{unit})",
        )
    head = f"pivoting now adds {usd(now, 0)}{unit} expected NPV over {months(horizon_months, 0)}"
    misses: list[str] = []
    if payback_months is None or payback_months > payback_target_months:
        if payback_months is None:
            misses.append(
                f"payback is never within the {months(horizon_months, 0)} horizon (target "
                f"{payback_target_months:g} months)"
            )
        else:
            over = payback_months - payback_target_months
            misses.append(
                f"payback {months(payback_months)} misses the "
                f"{payback_target_months:g}-month target by {months(over)}"
            )
    if p_payback < MIN_PAYBACK_PROBABILITY:
        gap = (MIN_PAYBACK_PROBABILITY - p_payback) * 100
        # One decimal where whole percents would read "70% is 0 points below the 70% bar".
        digits = 0 if gap >= 1 else 1
        misses.append(
            f"P(payback ≤ {months(horizon_months, 0)}) {pct(p_payback, digits)} is "
            f"{gap:.{digits}f} points below the 70% bar"
        )
    if misses:
        return Verdict(BORDERLINE, f"{head}, but " + "; ".join(misses))
    return Verdict(
        PIVOT_NOW,
        f"{head}; payback {months(payback_months)} (target "
        f"{months(payback_target_months, 0)}); P(payback ≤ {months(horizon_months, 0)}) "
        f"{pct(p_payback)}",
    )
