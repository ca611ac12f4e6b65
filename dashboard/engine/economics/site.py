"""Same megawatt, three uses: BTC mining, own GPU cloud, colocation lease. Pure, no I/O.

All money figures are per MW of IT load (critical IT MW). PUE turns IT MW into grid MW:
power bills are paid on grid MW = IT MW x PUE, which is the only place grid MW enters.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

import pandas as pd

from dashboard.engine.bounds import BY_FIELD
from dashboard.engine.terms import MarketSnapshot
from scrapers.errors import ConfigError
from scrapers.units import (
    BTC_DIFFICULTY_1_HASHES,
    BTC_TARGET_BLOCK_TIME_S,
    DAYS_PER_YEAR,
    HOURS_PER_YEAR,
    btc_nethash_hs,
    mw_to_kw,
    ph_per_mw,
    usd_per_kw_month_to_usd_per_mw_year,
)

BLOCKS_PER_DAY = 86_400 / BTC_TARGET_BLOCK_TIME_S  # 144

# Halvings (block 210,000 x n) by date; the fourth: 2024-04-20, block 840,000 (bitgetapp).
_HALVINGS: tuple[tuple[date, float], ...] = (
    (date(2024, 4, 20), 3.125),
    (date(2020, 5, 11), 6.25),
    (date(2016, 7, 9), 12.5),
    (date(2012, 11, 28), 25.0),
)


def btc_subsidy_btc(on: date) -> float:
    """Block subsidy in BTC on a date (the next halving, ~2028, is not assumed)."""
    for start, subsidy in _HALVINGS:
        if on >= start:
            return subsidy
    return 50.0


# Every default below is shown in the app with its basis (SITE_DEFAULTS_BASIS).
@dataclass(frozen=True)
class SiteAssumptions:
    """Inputs of the per-site comparison; ``None`` means "take it from the market snapshot"."""

    mw_it: float = 10.0
    pue: float = 1.20
    power_price_usd_per_kwh: float = 0.06
    # BTC mining
    asic_efficiency_j_per_th: float = 20.0
    btc_price_usd: float | None = None
    btc_difficulty: float | None = None
    btc_fees_per_block_btc: float | None = None
    btc_subsidy_btc: float | None = None
    asic_capex_usd_per_mw: float = 1_000_000.0
    mining_other_opex_pct: float = 0.10
    # Own GPU cloud
    gpu_model: str = "H100 SXM"
    all_in_w_per_gpu: float = 1_275.0
    rental_rate_usd_per_gpu_hour: float | None = None
    utilization: float = 0.70
    platform_fee: float = 0.0
    gpu_capex_usd: float = 30_000.0
    gpu_nodes_share_of_cluster: float = 0.85
    gpu_cloud_other_opex_pct: float = 0.15
    hall_capex_usd_per_mw: float = 10_700_000.0
    # Colocation lease (powered shell)
    colo_rent_usd_per_kw_month: float = 150.0
    colo_power_pass_through: bool = True
    colo_other_opex_pct: float = 0.15
    # The forward model (the same inputs as the fleet decision): GPU-cloud revenue falls with
    # the rental decline, BTC revenue moves with price drift over difficulty growth.
    rental_decline: float = 0.20
    difficulty_growth: float = 0.0
    btc_price_drift: float = 0.0
    fixed_opex_usd_per_mw_year: float = 0.0  # staff, maintenance, insurance; no citable figure


SITE_DEFAULTS_BASIS: dict[str, str] = {
    "mw_it": "example 10 MW of critical IT load",
    "pue": "Applied Digital designs for 1.18; Bitfarms targets 1.2-1.3 (economics.md §1.4, "
    "peers.md §3.2)",
    "power_price_usd_per_kwh": "$0.06/kWh default of the product notes; EIA industrial by state "
    "when chosen",
    "asic_efficiency_j_per_th": "15-20 J/TH fleets (peers.md §3.1); S21 ~17.5, S19 XP ~21.5",
    "asic_capex_usd_per_mw": "~$1M/MW for BTC self-mining, low end (cardencex via peers.md §3.1)",
    "mining_other_opex_pct": "assumption: staff, repairs, pool and hosting overhead; no citable "
    "figure",
    "all_in_w_per_gpu": "assumption: 700 W H100 SXM TDP plus host, network and storage share "
    "(~10.2 kW per 8-GPU server)",
    "rental_rate_usd_per_gpu_hour": "RigShift rental index for the model; else $2.25 (H100/H200 "
    "on-demand $2.00-2.50 May 2026, economics.md §3)",
    "utilization": "a debt-financed GPU fleet breaks even around 70 % (peers.md §3.2)",
    "platform_fee": "0 when selling direct; set 0.25 to sell through a marketplace",
    "gpu_capex_usd": "H100 $25-40k new (neighborhoodsf via economics.md §2)",
    "gpu_nodes_share_of_cluster": "GPU nodes are 85 % of cluster cost, networking 10 %, storage "
    "5 % (CoreWeave notes)",
    "gpu_cloud_other_opex_pct": "assumption: staff, support, bandwidth; no citable figure",
    "hall_capex_usd_per_mw": "data hall build $7.7M/MW (2023) -> $10.7M/MW (2025) (build.inc "
    "citing CBRE)",
    "colo_rent_usd_per_kw_month": "North America asking rent $137.86 (2022) -> $163.44 (2023) "
    "per kW-month (CBRE)",
    "colo_power_pass_through": "tenants usually pay power at cost (modified gross / NNN leases)",
    "colo_other_opex_pct": "site NOI ~85 % of rent (TeraWulf, Cipher), so ~15 % operating cost",
}

FALLBACK_RENTAL_RATE_USD_PER_GPU_HOUR = 2.25


@dataclass(frozen=True)
class SiteUse:
    """One use of the site's megawatts, per MW of IT load per year."""

    use: str  # btc_mining | gpu_cloud | colocation
    revenue_usd_per_mw_year: float
    power_cost_usd_per_mw_year: float
    opex_usd_per_mw_year: float  # power included
    net_usd_per_mw_year: float
    capex_usd_per_mw: float
    payback_years: float | None
    basis: str = ""


@dataclass(frozen=True)
class SiteResult:
    """The three uses side by side, plus the BTC figures they rest on."""

    assumptions: SiteAssumptions
    uses: tuple[SiteUse, ...]
    hashprice_usd_per_ph_day: float
    network_hashrate_hs: float
    btc_price_usd: float
    grid_mw: float
    gpus_per_mw: float
    rental_rate_usd_per_gpu_hour: float
    rental_rate_source: str
    totals: dict[str, dict[str, float | None]] = field(default_factory=dict)

    def use(self, name: str) -> SiteUse:
        """The entry for ``name`` (btc_mining, gpu_cloud or colocation)."""
        return next(u for u in self.uses if u.use == name)

    def to_dict(self) -> dict[str, Any]:
        """JSON shape of ``rigshift site --json``."""
        return asdict(self)


# Unit suffixes of the field names, as the Site page and the site command's help spell them.
_UNIT_SUFFIXES = (
    ("_usd_per_gpu_hour", "$/GPU-hour"),
    ("_usd_per_kw_month", "$/kW-month"),
    ("_usd_per_mw_year", "$/MW-year"),
    ("_usd_per_kwh", "$/kWh"),
    ("_usd_per_mw", "$/MW"),
    ("_j_per_th", "J/TH"),
    ("_w_per_gpu", "W/GPU"),
    ("_pct", "share"),
    ("_btc", "BTC"),
    ("_usd", "$"),
)


def site_input_label(name: str) -> str:
    """A site field's name as a person reads it, with its unit: ``IT load (MW)``."""
    if name == "mw_it":
        return "IT load (MW)"
    for suffix, unit in _UNIT_SUFFIXES:
        if name.endswith(suffix):
            return f"{name[: -len(suffix)].replace('_', ' ')} ({unit})"
    return name.replace("_", " ")


def validate_site(sa: SiteAssumptions) -> None:
    """Raise ConfigError listing every invalid site input, one line per problem."""
    problems = [
        f"{site_input_label(name)} must be a finite number (got {value})."
        for name, value in asdict(sa).items()
        if isinstance(value, float) and not math.isfinite(value)
    ]
    if problems:  # nan compares false with everything: stop before the range checks
        raise ConfigError("\n".join(problems))
    from dashboard.engine.bounds import check_display

    # Upper bounds from the shared table (the sign checks below name the lower ones).
    for name, value, floor in (
        ("mw_it", sa.mw_it, 0.0),
        ("power_price_usd_per_kwh", sa.power_price_usd_per_kwh, -1.0),
    ):
        if value > floor:
            try:
                check_display(BY_FIELD[name], value)
            except ConfigError as exc:
                problems.append(str(exc))
    if not -3 <= sa.rental_decline < 1:
        problems.append(f"rental decline must be in [-3, 1) (got {sa.rental_decline}).")
    if sa.difficulty_growth <= -1 or sa.btc_price_drift <= -1:
        problems.append("difficulty growth and BTC price drift must be above -1.")
    if sa.fixed_opex_usd_per_mw_year < 0:
        problems.append(f"fixed opex must not be negative (got {sa.fixed_opex_usd_per_mw_year}).")
    if sa.mw_it <= 0:
        problems.append(f"IT load must be positive (got {sa.mw_it} MW).")
    if sa.pue < 1:
        problems.append(f"PUE must be at least 1 (got {sa.pue}).")
    if sa.power_price_usd_per_kwh < 0:
        problems.append(
            f"power price must not be negative (got {sa.power_price_usd_per_kwh} USD/kWh)."
        )
    if sa.asic_efficiency_j_per_th <= 0:
        problems.append(
            f"ASIC efficiency must be positive (got {sa.asic_efficiency_j_per_th} J/TH)."
        )
    if sa.all_in_w_per_gpu <= 0:
        problems.append(f"power per GPU must be positive (got {sa.all_in_w_per_gpu} W).")
    if not 0 <= sa.utilization <= 1:
        problems.append(f"utilization must be between 0 and 1 (got {sa.utilization}).")
    for name in (
        "platform_fee",
        "mining_other_opex_pct",
        "gpu_cloud_other_opex_pct",
        "colo_other_opex_pct",
    ):
        value = getattr(sa, name)
        if not 0 <= value <= 1:
            problems.append(f"{name.replace('_', ' ')} must be between 0 and 1 (got {value}).")
    if not 0 < sa.gpu_nodes_share_of_cluster <= 1:
        problems.append(f"GPU nodes share must be in (0, 1] (got {sa.gpu_nodes_share_of_cluster}).")
    for name in (
        "asic_capex_usd_per_mw",
        "gpu_capex_usd",
        "hall_capex_usd_per_mw",
        "colo_rent_usd_per_kw_month",
    ):
        if getattr(sa, name) < 0:
            problems.append(
                f"{name.replace('_', ' ')} must not be negative (got {getattr(sa, name)})."
            )
    for name in ("btc_price_usd", "btc_difficulty", "rental_rate_usd_per_gpu_hour"):
        value = getattr(sa, name)
        if value is not None and value <= 0:
            problems.append(f"{name.replace('_', ' ')} must be positive (got {value}).")
    if problems:
        raise ConfigError("\n".join(problems))


def hashprice_usd_per_ph_day(
    btc_price_usd: float, difficulty: float, subsidy_btc: float, fees_btc: float = 0.0
) -> float:
    """(144 x (subsidy + fees) x price) / network PH/s, with H/s = D x 2^32 / 600."""
    network_ph = btc_nethash_hs(difficulty) / 1e15
    return BLOCKS_PER_DAY * (subsidy_btc + fees_btc) * btc_price_usd / network_ph


SITE_PAYBACK_HORIZON_YEARS = 20


def forward_payback_years(
    capex_usd: float,
    revenue_usd_year: float,
    variable_opex_share: float,
    fixed_opex_usd_year: float,
    annual_growth: float,
) -> float | None:
    """Years until cumulative net recovers capex, revenue moving by ``annual_growth`` a year.

    Month-by-month on the same rule as the fleet payback (economics.payback_on_path); None
    when it does not pay back within 20 years.
    """
    from dashboard.engine.economics.per_gpu import month_index, payback_on_path

    months = SITE_PAYBACK_HORIZON_YEARS * 12
    mult = (1 + annual_growth) ** (month_index(months) / 12)
    net = (revenue_usd_year * mult * (1 - variable_opex_share) - fixed_opex_usd_year) / 12
    paid = payback_on_path(net, capex_usd)
    return paid / 12 if paid is not None else None


def grid_power_cost_usd_per_mw_year(sa: SiteAssumptions, load_factor: float = 1.0) -> float:
    """Power bill for 1 MW of IT load running ``load_factor`` of the time: paid on grid MW."""
    return mw_to_kw(1.0) * sa.pue * load_factor * HOURS_PER_YEAR * sa.power_price_usd_per_kwh


def evaluate_site(market: MarketSnapshot, sa: SiteAssumptions) -> SiteResult:
    """Revenue, opex, net, capex and payback per MW of IT for mining, GPU cloud and colocation."""
    validate_site(sa)
    price = sa.btc_price_usd or market.btc_price_usd
    difficulty = sa.btc_difficulty or market.btc_difficulty
    if not price or not difficulty:
        missing = "BTC price" if not price else "BTC difficulty"
        raise ConfigError(f"no {missing} in the store: run `rigshift refresh` to load it")
    subsidy = (
        sa.btc_subsidy_btc if sa.btc_subsidy_btc is not None else btc_subsidy_btc(date.today())
    )
    fees = sa.btc_fees_per_block_btc
    if fees is None:
        fees = market.btc_fees_per_block_btc or 0.0
    hashprice = hashprice_usd_per_ph_day(price, difficulty, subsidy, fees)

    # BTC mining: 1 MW of ASICs at J/TH delivers ph_per_mw PH/s, all day.
    mining_rev = hashprice * ph_per_mw(sa.asic_efficiency_j_per_th) * DAYS_PER_YEAR
    mining_power = grid_power_cost_usd_per_mw_year(sa)
    mining_opex = (
        mining_power + sa.mining_other_opex_pct * mining_rev + sa.fixed_opex_usd_per_mw_year
    )
    mining = SiteUse(
        "btc_mining",
        mining_rev,
        mining_power,
        mining_opex,
        mining_rev - mining_opex,
        sa.asic_capex_usd_per_mw,
        forward_payback_years(
            sa.asic_capex_usd_per_mw,
            mining_rev,
            sa.mining_other_opex_pct,
            mining_power + sa.fixed_opex_usd_per_mw_year,
            (1 + sa.btc_price_drift) / (1 + sa.difficulty_growth) - 1,
        ),
        f"hashprice ${hashprice:,.2f}/PH/day x {ph_per_mw(sa.asic_efficiency_j_per_th):,.1f} "
        f"PH/s per MW",
    )

    # Own GPU cloud: GPUs per MW from all-in watts; rented hours earn, idle hours draw little
    # (power is billed at full draw: servers stay powered between jobs).
    rate, rate_source = sa.rental_rate_usd_per_gpu_hour, "assumption"
    if rate is None:
        rate = market.rental_rates_usd_per_gpu_hour.get(sa.gpu_model)
        rate_source = "rental index"
    if rate is None:
        rate, rate_source = FALLBACK_RENTAL_RATE_USD_PER_GPU_HOUR, "fallback default"
    gpus_per_mw = 1e6 / sa.all_in_w_per_gpu
    gpu_rev = gpus_per_mw * rate * HOURS_PER_YEAR * sa.utilization * (1 - sa.platform_fee)
    gpu_power = grid_power_cost_usd_per_mw_year(sa)
    gpu_opex = gpu_power + sa.gpu_cloud_other_opex_pct * gpu_rev + sa.fixed_opex_usd_per_mw_year
    gpu_capex = (
        gpus_per_mw * sa.gpu_capex_usd / sa.gpu_nodes_share_of_cluster + sa.hall_capex_usd_per_mw
    )
    gpu = SiteUse(
        "gpu_cloud",
        gpu_rev,
        gpu_power,
        gpu_opex,
        gpu_rev - gpu_opex,
        gpu_capex,
        forward_payback_years(
            gpu_capex,
            gpu_rev,
            sa.gpu_cloud_other_opex_pct,
            gpu_power + sa.fixed_opex_usd_per_mw_year,
            -sa.rental_decline,
        ),
        f"{gpus_per_mw:,.0f} x {sa.gpu_model} per MW at ${rate:.2f}/GPU-h, "
        f"{sa.utilization:.0%} used",
    )

    # Colocation: rent per kW of IT; power passed through to the tenant at cost.
    colo_rent = usd_per_kw_month_to_usd_per_mw_year(sa.colo_rent_usd_per_kw_month)
    colo_power = grid_power_cost_usd_per_mw_year(sa)
    colo_rev = colo_rent + (colo_power if sa.colo_power_pass_through else 0.0)
    colo_opex = colo_power + sa.colo_other_opex_pct * colo_rent + sa.fixed_opex_usd_per_mw_year
    colo = SiteUse(
        "colocation",
        colo_rev,
        colo_power,
        colo_opex,
        colo_rev - colo_opex,
        sa.hall_capex_usd_per_mw,
        forward_payback_years(
            sa.hall_capex_usd_per_mw,
            colo_rent,
            sa.colo_other_opex_pct,
            sa.fixed_opex_usd_per_mw_year + (0.0 if sa.colo_power_pass_through else colo_power),
            0.0,
        ),
        f"rent ${sa.colo_rent_usd_per_kw_month:,.2f}/kW-month"
        + (", power passed through" if sa.colo_power_pass_through else ", power included"),
    )
    uses = (mining, gpu, colo)
    totals = {
        u.use: {
            "revenue_usd_year": u.revenue_usd_per_mw_year * sa.mw_it,
            "net_usd_year": u.net_usd_per_mw_year * sa.mw_it,
            "capex_usd": u.capex_usd_per_mw * sa.mw_it,
        }
        for u in uses
    }
    return SiteResult(
        assumptions=sa,
        uses=uses,
        hashprice_usd_per_ph_day=hashprice,
        network_hashrate_hs=difficulty * BTC_DIFFICULTY_1_HASHES / BTC_TARGET_BLOCK_TIME_S,
        btc_price_usd=price,
        grid_mw=sa.mw_it * sa.pue,
        gpus_per_mw=gpus_per_mw,
        rental_rate_usd_per_gpu_hour=rate,
        rental_rate_source=rate_source,
        totals=totals,
    )


def place_against_deals(site_result: SiteResult, deals: pd.DataFrame) -> pd.DataFrame:
    """Public deals and this site's three uses on one $/MW-year (IT) scale, highest first."""
    rows = [
        {
            "label": f"{d.company} -> {d.counterparty}",
            "kind": "deal",
            "deal_type": d.deal_type,
            "usd_per_mw_year": float(d.usd_per_mw_year),
            "announced": d.announced,
            "source_url": d.source_url,
        }
        for d in deals.itertuples(index=False)
    ]
    for u in site_result.uses:
        value = u.revenue_usd_per_mw_year
        if u.use == "colocation" and site_result.assumptions.colo_power_pass_through:
            value -= u.power_cost_usd_per_mw_year  # deal values are rent, without power
        rows.append(
            {
                "label": f"this site: {u.use.replace('_', ' ')}",
                "kind": "this site",
                "deal_type": u.use,
                "usd_per_mw_year": value,
                "announced": None,
                "source_url": None,
            }
        )
    frame = pd.DataFrame(rows)
    colo = deals.loc[deals["deal_type"] == "colocation", "usd_per_mw_year"].astype(float)
    # Where each row sits among the public colocation deals (0 = below all, 1 = above all).
    frame["share_of_colocation_deals_below"] = [
        float((colo < v).mean()) if len(colo) else None for v in frame["usd_per_mw_year"]
    ]
    return frame.sort_values("usd_per_mw_year", ascending=False).reset_index(drop=True)
