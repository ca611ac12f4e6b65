"""``rigshift pivot``: mining vs renting for one GPU model, per GPU per day and for the fleet."""

from __future__ import annotations

import argparse

from dashboard.cli.commands.output import print_json, print_table
from scrapers.config import Settings
from scrapers.errors import ConfigError
from scrapers.store import read_connection
from scrapers.units import parse_hashrate


def register(sub: argparse._SubParsersAction) -> None:
    """Add the pivot subcommand."""
    # Numbers are checked against the shared bounds table (engine validate) in run(), so a
    # bad value is one line and exit 2 like every other configuration error.
    p = sub.add_parser("pivot", help="should the fleet pivot to renting, now, later or never")
    p.add_argument("--gpu", metavar="MODEL", help='canonical model, e.g. "RTX 3090"')
    p.add_argument(
        "--fleet",
        action="append",
        metavar="MODEL=COUNT",
        help='a fleet line, e.g. "H100 SXM=200"; repeat for a mixed fleet (instead of --gpu)',
    )
    p.add_argument("--count", type=int, help="GPUs in the fleet (default 1000)")
    power = p.add_mutually_exclusive_group()
    power.add_argument("--power-price", type=float, metavar="USD")
    power.add_argument("--region", help='latest EIA industrial price for a state, e.g. "US-TX"')
    p.add_argument("--pue", type=float)
    p.add_argument("--utilization", type=float, metavar="U", help="0..1")
    p.add_argument("--platform-fee", type=float, metavar="F", help="0..1")
    p.add_argument("--pool-fee", type=float, metavar="F", help="0..1")
    p.add_argument(
        "--hashrate",
        action="append",
        metavar="ALGO=HS",
        help="e.g. Etchash=120MH/s; repeat; only the given algorithms are mined",
    )
    p.add_argument("--mining-power", type=float, metavar="W")
    p.add_argument("--ai-power", type=float, metavar="W")
    p.add_argument("--idle-power", type=float, metavar="W")
    p.add_argument("--rental-rate", type=float, metavar="USD_PER_GPU_HOUR")
    p.add_argument(
        "--conversion-capex",
        type=float,
        metavar="USD",
        help="per consumer card (default 600, as the sidebar); datacenter GPUs default to 4000: "
        "set theirs per model with --fleet MODEL=COUNT:CAPEX_USD",
    )
    p.add_argument("--transition-cost", type=float, metavar="USD", help="one-off")
    p.add_argument("--horizon-months", type=int, metavar="M")
    p.add_argument("--payback-target", type=float, metavar="M")
    p.add_argument("--discount-rate", type=float, metavar="R", help="0.12")
    p.add_argument("--rental-decline", type=float, metavar="R", help="0.20")
    p.add_argument("--difficulty-growth", type=float, metavar="R")
    p.add_argument("--btc-price-drift", type=float, metavar="R")
    p.add_argument("--fixed-opex", type=float, metavar="USD_PER_GPU_MONTH")
    p.add_argument(
        "--terminal-value",
        type=float,
        metavar="USD",
        help="per GPU at the horizon (default 25%% of the conversion capex)",
    )
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=run)


def parse_hashrates(items: list[str] | None) -> dict[str, float] | None:
    """``["Etchash=120MH/s"]`` -> ``{"Etchash": 1.2e8}``; ConfigError on a bad item."""
    if not items:
        return None
    out: dict[str, float] = {}
    for item in items:
        algo, sep, value = item.partition("=")
        if not sep or not algo.strip() or not value.strip():
            raise ConfigError(
                f"--hashrate wants ALGO=HASHRATE (e.g. Etchash=120MH/s), got {item!r}"
            )
        try:
            out[algo.strip()] = parse_hashrate(value)
        except ValueError:
            raise ConfigError(f"--hashrate {item!r}: cannot read {value!r} as a hashrate") from None
    return out


def _assumptions(args: argparse.Namespace, power_price: float | None):  # noqa: ANN202
    from dashboard.engine.terms import GpuAssumptions

    overrides = {
        "count": args.count,
        "power_price_usd_per_kwh": power_price,
        "pue": args.pue,
        "utilization": args.utilization,
        "platform_fee": args.platform_fee,
        "pool_fee": args.pool_fee,
        "hashrates_hs": parse_hashrates(args.hashrate),
        "mining_power_w": args.mining_power,
        "ai_power_w": args.ai_power,
        "idle_power_w": args.idle_power,
        "rental_rate_usd_per_gpu_hour": args.rental_rate,
        "conversion_capex_usd": args.conversion_capex,
        "transition_cost_usd": args.transition_cost,
        "horizon_months": args.horizon_months,
        "payback_target_months": args.payback_target,
        "discount_rate": args.discount_rate,
        "rental_decline": args.rental_decline,
        "difficulty_growth": args.difficulty_growth,
        "btc_price_drift": args.btc_price_drift,
        "fixed_opex_usd_per_gpu_month": args.fixed_opex,
        "terminal_value_usd": args.terminal_value,
    }
    return GpuAssumptions(
        gpu_model=args.gpu or "", **{k: v for k, v in overrides.items() if v is not None}
    )


def _fleet(args: argparse.Namespace):  # noqa: ANN202
    from dashboard.engine.decision import Fleet, FleetLine, parse_fleet

    if args.fleet and args.gpu:
        raise ConfigError("give either --gpu (with --count) or --fleet MODEL=COUNT, not both")
    if args.fleet:
        if args.count is not None:
            raise ConfigError(
                "--count applies to --gpu; with --fleet write MODEL=COUNT[:CAPEX_USD]"
            )
        return parse_fleet(",".join(args.fleet))
    if not args.gpu:
        raise ConfigError('name the fleet: --gpu "RTX 3090" (and --count) or --fleet MODEL=COUNT')
    # --conversion-capex is the consumer-card class input, exactly as the sidebar and the
    # link's capex=; a datacenter GPU's own figure goes in --fleet MODEL=COUNT:CAPEX_USD.
    return Fleet((FleetLine(args.gpu, args.count if args.count is not None else 1000),))


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Print the fleet's decision (the same object the app renders)."""
    from dataclasses import replace

    from dashboard.engine.decision import decide_from_store
    from dashboard.engine.economics.per_gpu import validate
    from dashboard.engine.economics.specs import custom_spec, load_gpu_specs
    from dashboard.engine.queries.snapshot import load_market, require_power_price

    fleet = _fleet(args)
    a = _assumptions(args, args.power_price)
    validate(replace(a, count=fleet.total_count))  # fail on bad flags before the store
    specs = dict(load_gpu_specs())
    for line in fleet.lines:
        if line.gpu_model not in specs:
            specs[line.gpu_model] = custom_spec(line.gpu_model, a)
    power_note = "assumed"
    with read_connection(settings.db_path) as con:
        market = load_market(con)
        if args.region:
            found = require_power_price(con, args.region)
            a = _assumptions(args, found[0])
            power_note = f"EIA industrial {args.region.upper()} {found[1]}"
        decision = decide_from_store(con, fleet, a, specs, market)
    doc = decision.report(power_note)
    if args.json:
        print_json(doc)
        return 0
    _print_text(decision, doc)
    return 0


def _print_text(decision, doc: dict) -> None:  # noqa: ANN001
    from dashboard.engine.views.formatting import months, pct, usd

    a, v, f = decision.assumptions, decision.verdict, decision.fleet_outcome
    print(f"{decision.fleet.label.replace(' × ', ' x ')}: {v.label} - {v.reason}")
    print(
        f"({doc['dataset']} data; power {a.power_price_usd_per_kwh:.4f} USD/kWh, "
        f"{doc['power_price_basis']})"
    )
    rows = []
    for md in decision.models:
        o, m = md.per_gpu, md.result.mining
        rows.append(
            (
                f"{md.line.count:,} x {md.line.gpu_model}",
                f"{usd(o.mining_net_usd_day)} ({m.best_coin or 'no coin'})",
                usd(o.rental_net_usd_day),
                usd(o.spread_usd_day),
                months(o.payback_months),
                usd(o.option(0).expected_npv_usd, 0),
                o.verdict.label,
            )
        )
    print_table(
        ["model", "mining net/GPU/day", "rental net", "spread", "payback", "E[NPV] now", "verdict"],
        rows,
    )
    print(
        "start options (fleet, expected NPV vs never): "
        + "; ".join(f"{o.label} {usd(o.expected_npv_usd, 0)}" for o in f.options)
    )
    print(
        f"fleet: spread {usd(f.spread_usd_day)}/day; payback {months(f.payback_months)}; "
        f"P(payback <= {a.horizon_months} months) {pct(f.p_payback)}; "
        f"upfront {usd(f.upfront_usd, 0)}; resale {usd(f.resale_usd, 0, 'unknown')}"
    )
