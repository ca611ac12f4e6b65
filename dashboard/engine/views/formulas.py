""" "How this is computed": one markdown block per KPI, with the inputs filled in when given."""

from __future__ import annotations

from dashboard.engine.economics.site import SiteResult
from dashboard.engine.terms import PivotResult
from scrapers.units import DAYS_PER_MONTH


def _v(value: float | None, fmt: str = ",.2f", none: str = "n/a") -> str:
    return none if value is None else format(value, fmt)


def formulas(result: PivotResult | None = None, site: SiteResult | None = None) -> dict[str, str]:
    """KPI name -> markdown explaining its formula; numbers inserted from ``result``/``site``."""
    out = {
        "mining_net": (
            "**Mining net** ($/GPU/day) = best coin's revenue − mining power cost.  \n"
            "Revenue per coin = (GPU hashrate / network hashrate) × (86,400 / block time s) × "
            "block reward × coin price USD × (1 − pool fee). Network hashrate is the upstream's "
            "`nethash`, else difficulty / block time (difficulty × 2³² / block time for SHA-256 "
            "and KawPow). Coins priced in BTC are converted with the latest BTC/USD.  \n"
            "Power cost = mining W / 1000 × 24 × $/kWh × PUE."
        ),
        "keep_net": "**Keep net** = max(mining net, 0): the better of mining and switching off.",
        "rental_net": (
            "**Rental net** ($/GPU/day) = rate × 24 × utilization × (1 − platform fee) − "
            "(AI W × utilization + idle W × (1 − utilization)) / 1000 × 24 × $/kWh × PUE. "
            "Rate = the RigShift index (on-demand trimmed median) unless you set one."
        ),
        "spread": "**Spread** = rental net − keep net ($/GPU/day). Positive means renting wins.",
        "payback": (
            "**Payback** (months) = the first month the cumulative forward spread (the NPV's "
            "monthly flows, undiscounted, fixed opex deducted) recovers the conversion cost per "
            "GPU + transition cost / GPUs, interpolated within the month; the simulation uses "
            "the same rule per path, so payback ≤ horizon exactly when the zero-volatility path "
            'pays back. "Never within the horizon" when it does not.'
        ),
        "npv": (
            "**NPV** ($/GPU, pivot now vs never) = Σ over months m of [rental net_m − "
            f"max(mining net_m, 0)] × {DAYS_PER_MONTH:.2f} − fixed opex, each / (1 + "
            "discount)^(m/12), − upfront cost + terminal value / (1 + discount)^(H/12), where "
            "mining revenue is multiplied by ((1 + coin price drift) / (1 + difficulty "
            "growth))^(m/12) and rental revenue by (1 − rental decline)^(m/12); power costs "
            "stay flat. A start in k months earns the spread from month k + 1 and pays the "
            "upfront cost discounted from month k."
        ),
        "breakeven": (
            "**Break-evens** are the values where spread = 0 with everything else fixed: rental "
            "rate = (keep net + rental power cost) / (24 × utilization × (1 − fee)); utilization "
            "solves the linear rental net = keep net within 0–1; power price is the root of the "
            "piecewise-linear spread nearest the assumed price (none when there is no root ≥ 0)."
        ),
        "monte_carlo": (
            "**Risk simulation**: monthly log returns of mining revenue and rental rates from "
            "stored history are demeaned and resampled around the assumed drift (difficulty "
            "growth, rental decline); without history, normal shocks at default volatility. "
            "Bands are percentiles of the cumulative spread net of capex; P(payback) counts "
            "paths that recover the upfront cost by each month."
        ),
        "hashprice": (
            "**Hashprice** ($/PH/day) = 144 × (subsidy + fees per block) × BTC price / network "
            "PH/s, with network H/s = difficulty × 2³² / 600."
        ),
        "site": (
            "**Per MW of IT load** per year. Power is billed on grid MW = IT MW × PUE. BTC mining "
            "revenue = hashprice × PH/s per MW (10⁶ / J/TH / 1000) × 365.25; GPU cloud revenue = "
            "GPUs per MW × rate × 8,766 h × utilization × (1 − fee); colocation revenue = rent "
            "$/kW-month × 12,000 (+ power passed through). "
            "Payback = capex per MW / net per MW-year."
        ),
    }
    if result is not None:
        a, m, r = result.assumptions, result.mining, result.rental
        out["mining_net"] += (
            f"  \nNow: best coin {m.best_coin or 'none'}: {_v(m.revenue_usd_day)} − "
            f"{_v(m.power_cost_usd_day)} = **{_v(m.net_usd_day)} $/GPU/day** "
            f"(pool fee {a.pool_fee:.0%}, {_v(a.power_price_usd_per_kwh, '.3f')} $/kWh, PUE "
            f"{a.pue:g})."
        )
        out["keep_net"] += (
            f"  \nNow: max({_v(m.net_usd_day)}, 0) = **{_v(result.keep_net_usd_day)}**."
        )
        out["rental_net"] += (
            f"  \nNow: {_v(r.rate_usd_per_gpu_hour, '.3f')} × 24 × {a.utilization:.0%} × "
            f"(1 − {a.platform_fee:.0%}) = {_v(r.revenue_usd_day)}; power "
            f"{_v(r.power_cost_usd_day)}; "
            f"net **{_v(r.net_usd_day)} $/GPU/day**."
        )
        out["spread"] += (
            f"  \nNow: {_v(r.net_usd_day)} − {_v(result.keep_net_usd_day)} = "
            f"**{_v(result.spread_usd_day)} $/GPU/day**."
        )
        out["payback"] += (
            f"  \nNow: upfront {_v(a.conversion_capex_usd, ',.0f')} + "
            f"{_v(a.transition_cost_usd, ',.0f')} / {a.count} per GPU against a spread of "
            f"{_v(result.spread_usd_day)} $/GPU/day declining {a.rental_decline:.0%}/yr → "
            f"**{_v(result.payback_months, ',.1f', 'never within the horizon')} months**."
        )
        out["npv"] += (
            f"  \nNow: {a.horizon_months} months, discount {a.discount_rate:.0%}/yr, difficulty "
            f"growth {a.difficulty_growth:.0%}/yr, rental decline {a.rental_decline:.0%}/yr → "
            f"**{_v(result.npv_usd, ',.0f')} $/GPU**."
        )
        b = result.breakeven
        out["breakeven"] += (
            f"  \nNow: rate {_v(b.rental_rate_usd_per_gpu_hour, '.3f')} $/GPU-h; utilization "
            f"{_v(None if b.utilization is None else b.utilization * 100, '.0f')} %; power "
            f"{_v(b.power_price_usd_per_kwh, '.3f')} $/kWh."
        )
    if site is not None:
        sa = site.assumptions
        out["hashprice"] += (
            f"  \nNow: BTC {_v(site.btc_price_usd, ',.0f')} USD, network "
            f"{site.network_hashrate_hs / 1e18:,.0f} EH/s → "
            f"**{_v(site.hashprice_usd_per_ph_day)} $/PH/day**."
        )
        out["site"] += (
            f"  \nNow: {sa.mw_it:g} MW IT × PUE {sa.pue:g} = {site.grid_mw:g} grid MW; "
            + "; ".join(
                f"{u.use.replace('_', ' ')} net {_v(u.net_usd_per_mw_year, ',.0f')} $/MW-yr"
                for u in site.uses
            )
            + "."
        )
    return out
