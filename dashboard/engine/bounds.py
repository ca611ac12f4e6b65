"""One table of input bounds: the sidebar widgets, the URL/scenario parser, the CLI flags and
the engine's validation all read it, so a value one accepts the others accept too.

Values are in the *display* unit (percent inputs in percent); ``scale`` converts to the
assumption field (``utilization = util / 100``). Every bound is finite, so ``inf``, ``nan``
and ``1e308`` are refused everywhere with one line.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from dashboard.engine import terms as m
from scrapers.errors import ConfigError


@dataclass(frozen=True)
class Bound:
    """One input: what it is, its unit, its admissible range and where it is typed."""

    field: str  # GpuAssumptions field (or a site/fleet name)
    label: str
    unit: str
    lo: float
    hi: float
    default: float | None
    url_key: str | None
    cli_flag: str | None
    scale: float = 1.0  # field value x scale = display value
    integer: bool = False

    def describe(self) -> str:
        """``power price ($/kWh) must be between 0 and 10``."""
        return f"{self.title} must be between {_t(self.lo)} and {_t(self.hi)}"

    @property
    def title(self) -> str:
        """``power price ($/kWh)``; a unitless input (PUE) is just its label."""
        return f"{self.label} ({self.unit})" if self.unit else self.label


def _t(value: float) -> str:
    return f"{value:,.10g}"


BOUNDS: tuple[Bound, ...] = (
    Bound(
        "count",
        "fleet size",
        "GPUs",
        1,
        10_000_000,
        m.DEFAULT_FLEET_COUNT,
        "n",
        "--count",
        integer=True,
    ),
    Bound(
        "power_price_usd_per_kwh",
        "power price",
        "$/kWh",
        0,
        10,
        m.DEFAULT_POWER_PRICE_USD_PER_KWH,
        "price",
        "--power-price",
    ),
    Bound("pue", "PUE", "", 1, 5, m.DEFAULT_PUE, "pue", "--pue"),
    Bound(
        "utilization",
        "rental utilization",
        "%",
        0,
        100,
        m.DEFAULT_UTILIZATION * 100,
        "util",
        "--utilization",
        scale=100,
    ),
    Bound(
        "platform_fee",
        "marketplace fee",
        "%",
        0,
        100,
        m.DEFAULT_PLATFORM_FEE * 100,
        "fee",
        "--platform-fee",
        scale=100,
    ),
    Bound(
        "pool_fee",
        "pool fee",
        "%",
        0,
        100,
        m.DEFAULT_POOL_FEE * 100,
        "pool",
        "--pool-fee",
        scale=100,
    ),
    Bound(
        "conversion_capex_usd",
        "conversion capex",
        "$/GPU",
        0,
        1_000_000,
        m.DEFAULT_CONVERSION_CAPEX_USD,
        "capex",
        "--conversion-capex",
    ),
    Bound(
        "transition_cost_usd",
        "one-off transition cost",
        "$",
        0,
        1e11,
        0.0,
        "transition",
        "--transition-cost",
    ),
    Bound(
        "horizon_months",
        "horizon",
        "months",
        1,
        120,
        m.DEFAULT_HORIZON_MONTHS,
        "horizon",
        "--horizon-months",
        integer=True,
    ),
    Bound(
        "payback_target_months",
        "payback target",
        "months",
        1,
        120,
        m.DEFAULT_PAYBACK_TARGET_MONTHS,
        "target",
        "--payback-target",
    ),
    Bound(
        "discount_rate",
        "discount rate",
        "%/yr",
        0,
        100,
        m.DEFAULT_DISCOUNT_RATE * 100,
        "disc",
        "--discount-rate",
        scale=100,
    ),
    Bound(
        "rental_decline",
        "rental price decline",
        "%/yr",
        -300,
        99,
        m.DEFAULT_RENTAL_DECLINE * 100,
        "decline",
        "--rental-decline",
        scale=100,
    ),
    Bound(
        "difficulty_growth",
        "difficulty growth",
        "%/yr",
        -99,
        1000,
        m.DEFAULT_DIFFICULTY_GROWTH * 100,
        "difficulty",
        "--difficulty-growth",
        scale=100,
    ),
    Bound(
        "btc_price_drift",
        "BTC (coin) price drift",
        "%/yr",
        -99,
        1000,
        m.DEFAULT_BTC_PRICE_DRIFT * 100,
        "drift",
        "--btc-price-drift",
        scale=100,
    ),
    Bound(
        "fixed_opex_usd_per_gpu_month",
        "fixed opex",
        "$/GPU-month",
        0,
        100_000,
        m.DEFAULT_FIXED_OPEX_USD_PER_GPU_MONTH,
        "opex",
        "--fixed-opex",
    ),
    Bound(
        "terminal_value_usd",
        "terminal value",
        "$/GPU",
        0,
        1_000_000,
        None,
        "terminal",
        "--terminal-value",
    ),
    Bound(
        "rental_rate_usd_per_gpu_hour",
        "rental rate",
        "$/GPU-hour",
        0,
        1_000,
        None,
        None,
        "--rental-rate",
    ),
    Bound("mining_power_w", "mining power", "W", 0, 100_000, None, None, "--mining-power"),
    Bound("ai_power_w", "AI power", "W", 0, 100_000, None, None, "--ai-power"),
    Bound("idle_power_w", "idle power", "W", 0, 100_000, None, None, "--idle-power"),
    # Site inputs (rigshift site, Site page).
    Bound("mw_it", "site IT load", "MW", 0.001, 10_000, None, "site_mw", "--mw"),
    Bound(
        "site_capex_usd_per_mw",
        "site conversion capex",
        "$/MW",
        0,
        1e9,
        None,
        "site_capex",
        "--capex-per-mw",
    ),
)
BY_FIELD: dict[str, Bound] = {b.field: b for b in BOUNDS}
BY_URL: dict[str, Bound] = {b.url_key: b for b in BOUNDS if b.url_key}
BY_FLAG: dict[str, Bound] = {b.cli_flag: b for b in BOUNDS if b.cli_flag}


def check_display(bound: Bound, value: float) -> float:
    """``value`` (display unit) if finite, whole where needed and in range; else ConfigError."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ConfigError(f"{bound.label} must be a finite number (got {value!r}).")
    if bound.integer and value != int(value):
        raise ConfigError(f"{bound.label} must be a whole number (got {value!r}).")
    if not bound.lo <= value <= bound.hi:
        raise ConfigError(f"{bound.describe()} (got {_t(value)}).")
    return float(value)


def parse_display(bound: Bound, raw: str | float) -> float:
    """Text (URL, CLI, scenario) or a number in the display unit -> the checked number."""
    if isinstance(raw, str):
        try:
            value = float(raw.strip())
        except ValueError:
            raise ConfigError(f"{bound.label}: {raw!r} is not a number.") from None
    else:
        value = raw
    return check_display(bound, value)


def check_value(field: str, raw: str | float) -> float:
    """Parse and check ``raw`` (display unit) for ``field``; returns the *field* value."""
    bound = BY_FIELD[field]
    value = parse_display(bound, raw)
    return int(value) if bound.integer else value / bound.scale


def field_problems(values: dict[str, object]) -> list[str]:
    """One line per field value (in the field's unit) outside its bound; None is skipped."""
    problems = []
    for name, value in values.items():
        bound = BY_FIELD.get(name)
        if bound is None or value is None:
            continue
        try:
            check_display(bound, float(value) * bound.scale)  # type: ignore[arg-type]
        except (ConfigError, TypeError, ValueError) as exc:
            problems.append(str(exc))
    return problems


def cli_type(field: str):  # noqa: ANN201 - an argparse type callable
    """An argparse ``type=`` refusing non-finite and out-of-range values with one line.

    CLI flags take the field's own unit (``--utilization 0.7``), so the check scales first.
    """
    import argparse

    bound = BY_FIELD[field]

    def parse(text: str) -> float:
        try:
            value = float(text.strip())
        except ValueError:
            raise argparse.ArgumentTypeError(f"{bound.label}: {text!r} is not a number") from None
        try:
            check_display(bound, value * bound.scale)
        except ConfigError as exc:
            unit = f" (as a fraction: {_t(bound.lo / bound.scale)} to {_t(bound.hi / bound.scale)})"
            extra = unit if bound.scale != 1 else ""
            raise argparse.ArgumentTypeError(str(exc).rstrip(".") + extra) from None
        return int(value) if bound.integer else value

    parse.__name__ = bound.label  # argparse names the type in its error
    return parse
