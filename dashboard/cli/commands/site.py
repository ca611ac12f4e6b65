"""``rigshift site``: one site's megawatts three ways: BTC mining, GPU cloud, colocation."""

from __future__ import annotations

import argparse
from dataclasses import replace

from dashboard.cli.commands.output import print_json, print_table
from scrapers.config import Settings
from scrapers.store import read_connection

# flag -> SiteAssumptions field
_FLOAT_FLAGS = {
    "pue": "pue",
    "asic_efficiency": "asic_efficiency_j_per_th",
    "asic_capex": "asic_capex_usd_per_mw",
    "btc_price": "btc_price_usd",
    "btc_difficulty": "btc_difficulty",
    "btc_fees": "btc_fees_per_block_btc",
    "all_in_power": "all_in_w_per_gpu",
    "rental_rate": "rental_rate_usd_per_gpu_hour",
    "utilization": "utilization",
    "platform_fee": "platform_fee",
    "gpu_capex": "gpu_capex_usd",
    "hall_capex": "hall_capex_usd_per_mw",
    "colo_rent": "colo_rent_usd_per_kw_month",
    "rental_decline": "rental_decline",
    "difficulty_growth": "difficulty_growth",
    "btc_price_drift": "btc_price_drift",
    "fixed_opex": "fixed_opex_usd_per_mw_year",
}


def register(sub: argparse._SubParsersAction) -> None:
    """Add the site subcommand."""
    p = sub.add_parser("site", help="compare BTC mining, GPU cloud and colocation per MW of IT")
    p.add_argument("--mw", type=float, required=True, help="critical IT load, MW")
    power = p.add_mutually_exclusive_group()
    power.add_argument("--power-price", type=float, metavar="USD_PER_KWH")
    power.add_argument("--region", help='latest EIA industrial price for a state, e.g. "US-TX"')
    p.add_argument("--pue", type=float, help="grid MW / IT MW (default 1.20)")
    p.add_argument("--asic-efficiency", type=float, metavar="J_PER_TH")
    p.add_argument("--asic-capex", type=float, metavar="USD_PER_MW")
    p.add_argument("--btc-price", type=float, metavar="USD")
    p.add_argument("--btc-difficulty", type=float)
    p.add_argument("--btc-fees", type=float, metavar="BTC_PER_BLOCK")
    p.add_argument("--gpu", metavar="MODEL", help="GPU for the cloud option (default H100 SXM)")
    p.add_argument("--all-in-power", type=float, metavar="W", help="watts per GPU incl. host share")
    p.add_argument("--rental-rate", type=float, metavar="USD_PER_GPU_HOUR")
    p.add_argument("--utilization", type=float, metavar="U")
    p.add_argument("--platform-fee", type=float, metavar="F")
    p.add_argument("--gpu-capex", type=float, metavar="USD", help="per GPU")
    p.add_argument("--hall-capex", type=float, metavar="USD_PER_MW")
    p.add_argument("--colo-rent", type=float, metavar="USD_PER_KW_MONTH")
    p.add_argument("--rental-decline", type=float, metavar="R", help="annual, default 0.20")
    p.add_argument("--difficulty-growth", type=float, metavar="R", help="annual, default 0")
    p.add_argument("--btc-price-drift", type=float, metavar="R", help="annual, default 0")
    p.add_argument("--fixed-opex", type=float, metavar="USD_PER_MW_YEAR", help="default 0")
    p.add_argument("--no-pass-through", action="store_true", help="colocation rent includes power")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Print the three uses of the site."""
    from dashboard.engine.economics.site import SiteAssumptions, evaluate_site, validate_site
    from dashboard.engine.queries.snapshot import load_market, require_power_price

    values = {field: getattr(args, flag) for flag, field in _FLOAT_FLAGS.items()}
    sa = SiteAssumptions(mw_it=args.mw, **{k: v for k, v in values.items() if v is not None})
    if args.power_price is not None:
        sa = replace(sa, power_price_usd_per_kwh=args.power_price)
    if args.gpu:
        sa = replace(sa, gpu_model=args.gpu)
    if args.no_pass_through:
        sa = replace(sa, colo_power_pass_through=False)
    validate_site(sa)
    with read_connection(settings.db_path) as con:
        market = load_market(con)
        if args.region:
            sa = replace(sa, power_price_usd_per_kwh=require_power_price(con, args.region)[0])
    result = evaluate_site(market, sa)
    if args.json:
        doc = result.to_dict()
        doc["dataset"] = "demo" if market.is_demo else "live"
        doc["as_of"] = market.as_of
        print_json(doc)
        return 0
    print(
        f"{sa.mw_it:g} MW IT ({result.grid_mw:g} MW grid at PUE {sa.pue:g}); power "
        f"{sa.power_price_usd_per_kwh:.4f} USD/kWh; hashprice "
        f"{result.hashprice_usd_per_ph_day:,.2f} USD/PH/day"
    )
    print_table(
        [
            "use (per MW IT)",
            "revenue USD/yr",
            "opex USD/yr",
            "net USD/yr",
            "capex USD",
            "payback yrs",
            "basis",
        ],
        [
            (
                u.use,
                f"{u.revenue_usd_per_mw_year:,.0f}",
                f"{u.opex_usd_per_mw_year:,.0f}",
                f"{u.net_usd_per_mw_year:,.0f}",
                f"{u.capex_usd_per_mw:,.0f}",
                "never within 20 yrs" if u.payback_years is None else f"{u.payback_years:.1f}",
                u.basis,
            )
            for u in result.uses
        ],
    )
    return 0
