"""Per-GPU pivot economics: mining vs renting, per GPU per day. Pure functions, no I/O.

Every formula is the one in docs (economics.md §1, product-notes KPI definitions); units are
in the names. Functions accept floats and, where noted, numpy arrays (the history and the
Monte Carlo reuse them).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np

from dashboard.engine.economics.specs import algo_key, apply_overrides
from dashboard.engine.terms import (
    DEFAULT_TERMINAL_SHARE,
    Breakeven,
    CoinMarket,
    CoinRevenue,
    GpuAssumptions,
    GpuSpec,
    MarketSnapshot,
    MiningResult,
    PivotResult,
    RentalResult,
)
from scrapers.errors import ConfigError
from scrapers.units import DAYS_PER_MONTH, HOURS_PER_DAY, SECONDS_PER_DAY, power_cost_usd_per_day


def validate(a: GpuAssumptions) -> None:
    """Raise ConfigError listing every invalid assumption, one plain line per problem."""
    problems: list[str] = []

    def check(ok: bool, message: str) -> None:
        if not ok:
            problems.append(message)

    check(
        a.power_price_usd_per_kwh >= 0,
        f"power price must not be negative (got {a.power_price_usd_per_kwh} USD/kWh).",
    )
    check(a.pue >= 1, f"PUE must be at least 1 (got {a.pue}).")
    check(0 <= a.utilization <= 1, f"utilization must be between 0 and 1 (got {a.utilization}).")
    check(0 <= a.platform_fee <= 1, f"platform fee must be between 0 and 1 (got {a.platform_fee}).")
    check(0 <= a.pool_fee <= 1, f"pool fee must be between 0 and 1 (got {a.pool_fee}).")
    for algo, rate in (a.hashrates_hs or {}).items():
        check(rate > 0, f"hashrate for {algo} must be positive (got {rate} H/s).")
    for name, value in (
        ("mining power", a.mining_power_w),
        ("AI power", a.ai_power_w),
        ("idle power", a.idle_power_w),
    ):
        check(value is None or value >= 0, f"{name} must not be negative (got {value} W).")
    rate = a.rental_rate_usd_per_gpu_hour
    check(rate is None or rate >= 0, f"rental rate must not be negative (got {rate} USD/GPU-hour).")
    check(
        a.conversion_capex_usd >= 0,
        f"conversion capex must not be negative (got {a.conversion_capex_usd} USD).",
    )
    check(
        a.transition_cost_usd >= 0,
        f"transition cost must not be negative (got {a.transition_cost_usd} USD).",
    )
    check(a.count >= 1, f"GPU count must be at least 1 (got {a.count}).")
    check(a.horizon_months >= 1, f"horizon must be at least 1 month (got {a.horizon_months}).")
    check(
        a.payback_target_months > 0,
        f"payback target must be positive (got {a.payback_target_months} months).",
    )
    check(a.discount_rate > -1, f"discount rate must be above -1 (got {a.discount_rate}).")
    check(a.rental_decline < 1, f"rental decline must be below 1 (got {a.rental_decline}).")
    check(
        a.difficulty_growth > -1, f"difficulty growth must be above -1 (got {a.difficulty_growth})."
    )
    check(a.btc_price_drift > -1, f"BTC price drift must be above -1 (got {a.btc_price_drift}).")
    check(
        a.fixed_opex_usd_per_gpu_month >= 0,
        f"fixed opex must not be negative (got {a.fixed_opex_usd_per_gpu_month} USD/GPU-month).",
    )
    tv = a.terminal_value_usd
    check(tv is None or tv >= 0, f"terminal value must not be negative (got {tv} USD/GPU).")
    if not problems:
        # The shared bounds table: non-finite and absurd values (inf, nan, 1e308, 1e11 GPUs).
        from dashboard.engine.bounds import field_problems

        problems = field_problems({f: getattr(a, f) for f in a.__dataclass_fields__})
    if problems:
        raise ConfigError("\n".join(problems))


def hashrate_for_algo(spec: GpuSpec, algorithm: str) -> tuple[float, float] | None:
    """(hashrate H/s, mining power W) of ``spec`` on ``algorithm``, or None if it cannot mine it."""
    key = algo_key(algorithm)
    for algo, rate in spec.hashrates_hs.items():
        if algo_key(algo) == key and key:
            return rate, spec.mining_power_w.get(algo, spec.ai_power_w)
    return None


def coin_revenue_usd_day(
    hashrate_hs, nethash_hs, block_time_s, block_reward_coins, price_usd, pool_fee: float
):  # noqa: ANN001, ANN201 - floats or numpy arrays alike
    """Expected USD/day: (h / H) x (86400 / T) x reward x price x (1 - pool fee)."""
    blocks_per_day = SECONDS_PER_DAY / block_time_s
    return (
        hashrate_hs / nethash_hs * blocks_per_day * block_reward_coins * price_usd * (1 - pool_fee)
    )


def mining_result(spec: GpuSpec, coins: Iterable[CoinMarket], a: GpuAssumptions) -> MiningResult:
    """Every coin ``spec`` can mine, and the best one (highest net) per GPU per day."""
    per_coin: list[CoinRevenue] = []
    for coin in coins:
        match = hashrate_for_algo(spec, coin.algorithm)
        if match is None or coin.nethash_hs <= 0 or coin.block_time_s <= 0:
            continue
        hashrate, power_w = match
        revenue = coin_revenue_usd_day(
            hashrate,
            coin.nethash_hs,
            coin.block_time_s,
            coin.block_reward_coins,
            coin.price_usd,
            a.pool_fee,
        )
        cost = power_cost_usd_per_day(power_w, a.power_price_usd_per_kwh, a.pue)
        per_coin.append(CoinRevenue(coin.coin, coin.algorithm, revenue, cost, revenue - cost))
    per_coin.sort(key=lambda c: c.net_usd_day, reverse=True)
    if not per_coin:
        return MiningResult(
            best_coin=None, revenue_usd_day=0.0, power_cost_usd_day=0.0, net_usd_day=0.0
        )
    best = per_coin[0]
    return MiningResult(
        best_coin=best.coin,
        revenue_usd_day=best.revenue_usd_day,
        power_cost_usd_day=best.power_cost_usd_day,
        net_usd_day=best.net_usd_day,
        per_coin=tuple(per_coin),
    )


def rental_power_w(spec: GpuSpec, utilization: float) -> float:
    """Average draw of a rented GPU: AI power while rented, idle power otherwise."""
    return spec.ai_power_w * utilization + spec.idle_power_w * (1 - utilization)


def rental_revenue_usd_day(rate_usd_per_gpu_hour, utilization, platform_fee):  # noqa: ANN001, ANN201
    """rate x 24 x utilization x (1 - platform fee); floats or arrays."""
    return rate_usd_per_gpu_hour * HOURS_PER_DAY * utilization * (1 - platform_fee)


def rental_result(spec: GpuSpec, rate_usd_per_gpu_hour: float, a: GpuAssumptions) -> RentalResult:
    """Renting one GPU out for a day at the assumed utilization."""
    revenue = rental_revenue_usd_day(rate_usd_per_gpu_hour, a.utilization, a.platform_fee)
    cost = power_cost_usd_per_day(
        rental_power_w(spec, a.utilization), a.power_price_usd_per_kwh, a.pue
    )
    return RentalResult(rate_usd_per_gpu_hour, revenue, cost, revenue - cost)


def keep_net(mining_net_usd_day: float) -> float:
    """The better of mining and switching off."""
    return max(mining_net_usd_day, 0.0)


def upfront_usd_per_gpu(a: GpuAssumptions) -> float:
    """Conversion capex per GPU plus this GPU's share of the one-off transition cost."""
    return a.conversion_capex_usd + a.transition_cost_usd / a.count


def terminal_value_usd(a: GpuAssumptions) -> float:
    """Residual value per GPU at the horizon of what the conversion bought (explicit or share)."""
    if a.terminal_value_usd is not None:
        return float(a.terminal_value_usd)
    return DEFAULT_TERMINAL_SHARE * a.conversion_capex_usd


def payback_on_path(flows: np.ndarray, upfront_usd: float) -> float | None:
    """First month the cumulative flows recover ``upfront_usd``, interpolated; None if never.

    ``flows`` are month-end cash flows (month 1 first). The Monte Carlo uses the same rule per
    path, so the deterministic payback is the zero-volatility path's payback.
    """
    flows = np.asarray(flows, dtype=float)
    cumulative = np.cumsum(flows) - upfront_usd
    crossed = np.flatnonzero(cumulative >= 0)
    if len(crossed) == 0:
        return None
    k = int(crossed[0])
    prev = cumulative[k - 1] if k > 0 else -upfront_usd
    return float(k + (-prev) / flows[k]) if flows[k] > 0 else float(k)


def forward_flows_usd(
    mining: MiningResult, rental: RentalResult, a: GpuAssumptions, months: int
) -> np.ndarray:
    """Per-GPU monthly pivot cash flow on the forward model (decline, growth, drift, opex)."""
    flows = monthly_spread_usd(mining, rental, mining_factor(a, months), rental_factor(a, months))
    return flows - a.fixed_opex_usd_per_gpu_month


def payback_months(mining: MiningResult, rental: RentalResult, a: GpuAssumptions) -> float | None:
    """Months to recover the upfront cost on the forward path; None = never within the horizon."""
    flows = forward_flows_usd(mining, rental, a, a.horizon_months)
    return payback_on_path(flows, upfront_usd_per_gpu(a))


def month_index(months: int) -> np.ndarray:
    """Month numbers 1..months (cash flow at the end of each month)."""
    return np.arange(1, months + 1, dtype=float)


def mining_factor(a: GpuAssumptions, months: int) -> np.ndarray:
    """Mining revenue multiplier per month: coin price drift over difficulty growth."""
    return ((1 + a.btc_price_drift) / (1 + a.difficulty_growth)) ** (month_index(months) / 12)


def rental_factor(a: GpuAssumptions, months: int) -> np.ndarray:
    """Rental revenue multiplier per month from the annual rental price decline."""
    return (1 - a.rental_decline) ** (month_index(months) / 12)


def discount_factor(a: GpuAssumptions, months: int) -> np.ndarray:
    """1 / (1 + r)^(m / 12) for each month m."""
    return (1 + a.discount_rate) ** (-month_index(months) / 12)


def monthly_spread_usd(
    mining: MiningResult,
    rental: RentalResult,
    mining_mult: np.ndarray,
    rental_mult: np.ndarray,
) -> np.ndarray:
    """Pivot cash flow per month: rental net - max(best mining net, 0); power costs flat.

    Multipliers may be (months,) or (paths, months); the best coin is re-chosen each month.
    """
    mining_mult = np.asarray(mining_mult, dtype=float)
    rental_mult = np.asarray(rental_mult, dtype=float)
    shape = np.broadcast_shapes(mining_mult.shape, rental_mult.shape)
    # In-place ufuncs: the Monte Carlo calls this on 10k x 60 arrays, so temporaries matter.
    keep = np.zeros(shape)
    tmp = np.empty(shape)
    for c in mining.per_coin:
        np.multiply(mining_mult, c.revenue_usd_day, out=tmp)
        tmp -= c.power_cost_usd_day
        np.maximum(keep, tmp, out=keep)
    np.multiply(rental_mult, rental.revenue_usd_day, out=tmp)
    tmp -= rental.power_cost_usd_day
    tmp -= keep
    tmp *= DAYS_PER_MONTH
    return tmp


def npv_usd(
    mining: MiningResult, rental: RentalResult, a: GpuAssumptions, months: int | None = None
) -> float:
    """NPV per GPU of pivoting now vs never: forward flows, capex, terminal value at the end."""
    months = months or a.horizon_months
    disc = discount_factor(a, months)
    flows = forward_flows_usd(mining, rental, a, months)
    return float(np.sum(flows * disc) - upfront_usd_per_gpu(a) + terminal_value_usd(a) * disc[-1])


def _rental_denominator(a: GpuAssumptions) -> float:
    return HOURS_PER_DAY * a.utilization * (1 - a.platform_fee)


def breakeven_rental_rate(spec: GpuSpec, keep_usd_day: float, a: GpuAssumptions) -> float | None:
    """Rental rate (USD/GPU-hour) at which rental net equals keep net."""
    denom = _rental_denominator(a)
    if denom <= 0:
        return None
    power = power_cost_usd_per_day(
        rental_power_w(spec, a.utilization), a.power_price_usd_per_kwh, a.pue
    )
    return (keep_usd_day + power) / denom


def breakeven_utilization(
    spec: GpuSpec, rate_usd_per_gpu_hour: float, keep_usd_day: float, a: GpuAssumptions
) -> float | None:
    """Utilization in [0, 1] at which rental net equals keep net (rental net is linear in u)."""
    usd_per_w_day = power_cost_usd_per_day(1.0, a.power_price_usd_per_kwh, a.pue)
    idle_cost = spec.idle_power_w * usd_per_w_day
    slope = (
        rate_usd_per_gpu_hour * HOURS_PER_DAY * (1 - a.platform_fee)
        - (spec.ai_power_w - spec.idle_power_w) * usd_per_w_day
    )
    if slope == 0:
        return None
    u = (keep_usd_day + idle_cost) / slope
    return u if 0 <= u <= 1 else None


def breakeven_power_price(
    spec: GpuSpec, mining: MiningResult, rate_usd_per_gpu_hour: float, a: GpuAssumptions
) -> float | None:
    """Power price >= 0 (USD/kWh) where spread = 0, nearest the assumed price; None if none.

    spread(p) = (Rr - Er p) - max(0, max_c(Rc - Ec p)) is piecewise linear, so every root
    lies where the rental line meets one of the pieces: check each candidate.
    """
    per_kwh = power_cost_usd_per_day(1.0, 1.0, a.pue)  # USD/day per W at 1 USD/kWh
    rr = rental_revenue_usd_day(rate_usd_per_gpu_hour, a.utilization, a.platform_fee)
    er = rental_power_w(spec, a.utilization) * per_kwh
    pieces = [(0.0, 0.0)]
    for c in mining.per_coin:
        match = hashrate_for_algo(spec, c.algorithm)
        power_w = match[1] if match else 0.0
        pieces.append((c.revenue_usd_day, power_w * per_kwh))

    def spread(p: float) -> float:
        return rr - er * p - max(r - e * p for r, e in pieces)

    roots: list[float] = []
    for r, e in pieces:
        if er != e:
            p = (rr - r) / (er - e)
            scale = max(1.0, abs(rr), abs(r))
            if p >= 0 and math.isfinite(p) and abs(spread(p)) <= 1e-9 * scale:
                roots.append(p)
    if not roots:
        return None
    return min(roots, key=lambda p: abs(p - a.power_price_usd_per_kwh))


def resolve_rental_rate(spec: GpuSpec, market: MarketSnapshot, a: GpuAssumptions) -> float:
    """The assumed rental rate, else the market index for the model; ConfigError when neither."""
    if a.rental_rate_usd_per_gpu_hour is not None:
        return float(a.rental_rate_usd_per_gpu_hour)
    rate = market.rental_rates_usd_per_gpu_hour.get(spec.gpu_model)
    if rate is None:
        raise ConfigError(f"no rental rate for {spec.gpu_model}: run `rigshift refresh`")
    return float(rate)


def evaluate(spec: GpuSpec, market: MarketSnapshot, a: GpuAssumptions) -> PivotResult:
    """The full per-GPU pivot answer with fleet totals."""
    validate(a)
    spec = apply_overrides(spec, a)
    rate = resolve_rental_rate(spec, market, a)
    mining = mining_result(spec, market.coins, a)
    rental = rental_result(spec, rate, a)
    keep = keep_net(mining.net_usd_day)
    spread = rental.net_usd_day - keep
    npv = npv_usd(mining, rental, a)
    breakeven = Breakeven(
        rental_rate_usd_per_gpu_hour=breakeven_rental_rate(spec, keep, a),
        utilization=breakeven_utilization(spec, rate, keep, a),
        power_price_usd_per_kwh=breakeven_power_price(spec, mining, rate, a),
    )
    resale = market.resale_usd.get(spec.gpu_model)
    n = a.count
    fleet: dict[str, float | None] = {
        "count": float(n),
        "mining_net_usd_day": mining.net_usd_day * n,
        "keep_net_usd_day": keep * n,
        "rental_net_usd_day": rental.net_usd_day * n,
        "spread_usd_day": spread * n,
        "npv_usd": npv * n,
        "conversion_capex_usd": a.conversion_capex_usd * n + a.transition_cost_usd,
        "resale_usd": resale * n if resale is not None else None,
    }
    return PivotResult(
        assumptions=a,
        mining=mining,
        keep_net_usd_day=keep,
        rental=rental,
        spread_usd_day=spread,
        payback_months=payback_months(mining, rental, a),
        npv_usd=npv,
        breakeven=breakeven,
        resale_usd=resale,
        fleet=fleet,
    )


def evaluate_many(
    specs: Sequence[GpuSpec], market: MarketSnapshot, a: GpuAssumptions
) -> dict[str, PivotResult]:
    """:func:`evaluate` for several models; models with no rental rate are left out."""
    out: dict[str, PivotResult] = {}
    for spec in specs:
        try:
            out[spec.gpu_model] = evaluate(spec, market, a)
        except ConfigError:
            if a.rental_rate_usd_per_gpu_hour is None and spec.gpu_model not in (
                market.rental_rates_usd_per_gpu_hour
            ):
                continue
            raise
    return out
