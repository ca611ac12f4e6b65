"""Which inputs move the pivot's NPV most: a one-at-a-time tornado. Pure, no I/O.

Each input is set to a low and a high value with everything else at the base case, and the
per-GPU NPV is recomputed with :func:`economics.evaluate`. Prices and costs move ±20 % of
their base; rates that are already percentages per year move by fixed points (±20 % of a
0 % difficulty growth would be no range at all).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import pandas as pd

from dashboard.engine.bounds import BY_FIELD
from dashboard.engine.economics.per_gpu import evaluate, resolve_rental_rate
from dashboard.engine.economics.specs import apply_overrides
from dashboard.engine.terms import GpuAssumptions, GpuSpec, MarketSnapshot

RELATIVE_STEP = 0.20

COLUMNS = [
    "input",
    "unit",
    "range",
    "low value",
    "high value",
    "NPV at low ($/GPU)",
    "NPV at high ($/GPU)",
    "swing ($/GPU)",
    "base NPV ($/GPU)",
]


@dataclass(frozen=True)
class Driver:
    """One input of the tornado: how to read it, how far to move it, and its bounds."""

    name: str
    unit: str  # "USD/kWh", "%", "%/yr", ... ("%" values are fractions, shown × 100)
    field: str  # a GpuAssumptions field, or "coin_price_factor" for the market
    relative: float | None = RELATIVE_STEP  # ± share of the base value
    absolute: float | None = None  # ± fixed step (used when given)
    lower: float | None = None
    upper: float | None = None

    def values(self, base: float) -> tuple[float, float]:
        """(low, high) around ``base``, clipped to the bounds."""
        if self.absolute is not None:
            low, high = base - self.absolute, base + self.absolute
        else:
            step = abs(base) * (self.relative or 0.0)
            low, high = base - step, base + step
        if self.lower is not None:
            low, high = max(low, self.lower), max(high, self.lower)
        if self.upper is not None:
            low, high = min(low, self.upper), min(high, self.upper)
        # The shared input bounds hold here too (a 100 %/yr discount rate + 4 points is not
        # an input anyone may type, so the tornado must not evaluate it either).
        bound = BY_FIELD.get(self.field)
        if bound is not None:
            lo, hi = bound.lo / bound.scale, bound.hi / bound.scale
            low, high = min(max(low, lo), hi), min(max(high, lo), hi)
        return low, high


DRIVERS: tuple[Driver, ...] = (
    Driver("power price", "USD/kWh", "power_price_usd_per_kwh", lower=0.0),
    Driver("rental utilization", "%", "utilization", lower=0.0, upper=1.0),
    Driver("rental rate", "USD/GPU-hour", "rental_rate_usd_per_gpu_hour", lower=0.0),
    Driver("marketplace fee", "%", "platform_fee", lower=0.0, upper=1.0),
    Driver("conversion capex", "USD/GPU", "conversion_capex_usd", lower=0.0),
    Driver("coin prices (mining revenue)", "× today", "coin_price_factor", lower=0.0),
    Driver("rental price decline", "%/yr", "rental_decline", absolute=0.10, upper=0.95),
    Driver("difficulty growth", "%/yr", "difficulty_growth", absolute=0.20, lower=-0.95),
    Driver("discount rate", "%/yr", "discount_rate", absolute=0.04, lower=0.0),
)


def _with_coin_prices(market: MarketSnapshot, factor: float) -> MarketSnapshot:
    coins = tuple(replace(c, price_usd=c.price_usd * factor) for c in market.coins)
    return replace(market, coins=coins)


def _base_value(driver: Driver, spec: GpuSpec, market: MarketSnapshot, a: GpuAssumptions) -> float:
    if driver.field == "coin_price_factor":
        return 1.0
    if driver.field == "rental_rate_usd_per_gpu_hour":
        return resolve_rental_rate(spec, market, a)
    return float(getattr(a, driver.field))


def _npv_at(
    driver: Driver, value: float, spec: GpuSpec, market: MarketSnapshot, a: GpuAssumptions
) -> float:
    if driver.field == "coin_price_factor":
        return evaluate(spec, _with_coin_prices(market, value), a).npv_usd
    return evaluate(spec, market, replace(a, **{driver.field: value})).npv_usd


def format_value(unit: str, value: float) -> str:
    """A driver value in its unit: ``$0.060/kWh``, ``70%``, ``+20%/yr``, ``1.20× today``."""
    if unit == "%":
        return f"{value * 100:.0f}%"
    if unit == "%/yr":
        return f"{value * 100:+.0f}%/yr"
    if unit == "USD/kWh":
        return f"${value:.3f}/kWh"
    if unit == "USD/GPU-hour":
        return f"${value:.3f}/GPU-hour"
    if unit == "USD/GPU":
        return f"${value:,.0f}/GPU"
    return f"{value:.2f}{unit}"


def tornado(
    spec: GpuSpec,
    market: MarketSnapshot,
    a: GpuAssumptions,
    drivers: Sequence[Driver] = DRIVERS,
) -> pd.DataFrame:
    """Per-GPU NPV at each driver's low and high value, sorted by swing (largest first)."""
    spec = apply_overrides(spec, a)
    base_npv = evaluate(spec, market, a).npv_usd
    rows = []
    for d in drivers:
        base = _base_value(d, spec, market, a)
        low, high = d.values(base)
        npv_low = _npv_at(d, low, spec, market, a)
        npv_high = _npv_at(d, high, spec, market, a)
        rows.append(
            {
                "input": d.name,
                "unit": d.unit,
                "range": f"{format_value(d.unit, low)} to {format_value(d.unit, high)} "
                f"(base {format_value(d.unit, base)})",
                "low value": low,
                "high value": high,
                "NPV at low ($/GPU)": npv_low,
                "NPV at high ($/GPU)": npv_high,
                "swing ($/GPU)": abs(npv_high - npv_low),
                "base NPV ($/GPU)": base_npv,
            }
        )
    frame = pd.DataFrame(rows, columns=COLUMNS)
    return frame.sort_values("swing ($/GPU)", ascending=False, kind="stable").reset_index(drop=True)
