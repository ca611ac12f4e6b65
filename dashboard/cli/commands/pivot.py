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
    p = sub.add_parser("pivot", help="compare mining and renting out one GPU model")
    p.add_argument("--gpu", required=True, metavar="MODEL", help='canonical model, e.g. "RTX 3090"')
    p.add_argument("--count", type=int, help="GPUs in the fleet (default 1000)")
    power = p.add_mutually_exclusive_group()
    power.add_argument("--power-price", type=float, metavar="USD_PER_KWH")
    power.add_argument("--region", help='latest EIA industrial price for a state, e.g. "US-TX"')
    p.add_argument("--pue", type=float)
    p.add_argument("--utilization", type=float, metavar="U", help="0..1 (default 0.70)")
    p.add_argument("--platform-fee", type=float, metavar="F", help="0..1 (default 0.25)")
    p.add_argument("--pool-fee", type=float, metavar="F", help="0..1 (default 0.01)")
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
    p.add_argument("--conversion-capex", type=float, metavar="USD", help="per GPU")
    p.add_argument("--transition-cost", type=float, metavar="USD", help="one-off, whole fleet")
    p.add_argument("--horizon-months", type=int, metavar="M")
    p.add_argument("--discount-rate", type=float, metavar="R", help="annual, e.g. 0.12")
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
    from dashboard.engine.model import GpuAssumptions

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
        "discount_rate": args.discount_rate,
    }
    return GpuAssumptions(
        gpu_model=args.gpu, **{k: v for k, v in overrides.items() if v is not None}
    )


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Print the pivot result for one model."""
    from dashboard.engine.economics import evaluate, validate
    from dashboard.engine.market import load_market, require_power_price
    from dashboard.engine.specs import custom_spec, load_gpu_specs
    from dashboard.engine.verdict import verdict

    a = _assumptions(args, args.power_price)
    validate(a)  # fail on bad flags before touching the store
    power_note = "assumed"
    with read_connection(settings.db_path) as con:
        market = load_market(con)
        if args.region:
            found = require_power_price(con, args.region)
            a = _assumptions(args, found[0])
            power_note = f"EIA industrial {args.region.upper()} {found[1]}"
    specs = load_gpu_specs()
    spec = specs.get(args.gpu) or custom_spec(args.gpu, a)
    result = evaluate(spec, market, a)
    v = verdict(result)
    doc = result.to_dict()
    doc["gpu_model"] = spec.gpu_model
    doc["power_price_basis"] = power_note
    doc["verdict"] = {"label": v.label, "reason": v.reason}
    doc["dataset"] = "demo" if market.is_demo else "live"
    doc["as_of"] = market.as_of
    if args.json:
        print_json(doc)
        return 0
    _print_text(result, spec.gpu_model, v, doc)
    return 0


def _fmt(value: float | None, spec: str = ",.2f", none: str = "never") -> str:
    return none if value is None else format(value, spec)


def _print_text(result, model: str, v, doc: dict) -> None:  # noqa: ANN001
    a, m, r, b = result.assumptions, result.mining, result.rental, result.breakeven
    print(f"{model} x {a.count}: {v.label} - {v.reason}")
    print(
        f"({doc['dataset']} data; power {a.power_price_usd_per_kwh:.4f} USD/kWh, "
        f"{doc['power_price_basis']})"
    )
    print_table(
        ["per GPU per day (USD)", "revenue", "power", "net"],
        [
            (
                f"mining ({m.best_coin or 'no coin'})",
                _fmt(m.revenue_usd_day),
                _fmt(m.power_cost_usd_day),
                _fmt(m.net_usd_day),
            ),
            (
                f"rental (${r.rate_usd_per_gpu_hour:.3f}/GPU-h)",
                _fmt(r.revenue_usd_day),
                _fmt(r.power_cost_usd_day),
                _fmt(r.net_usd_day),
            ),
        ],
    )
    print(
        f"keep net {_fmt(result.keep_net_usd_day)}; "
        f"spread {_fmt(result.spread_usd_day)} USD/GPU/day"
    )
    print(
        f"payback {_fmt(result.payback_months, ',.1f')} months; NPV "
        f"{_fmt(result.npv_usd, ',.0f')} USD/GPU over {a.horizon_months} months"
    )
    print(
        f"break-even: rental {_fmt(b.rental_rate_usd_per_gpu_hour, '.3f', 'none')} USD/GPU-h; "
        f"utilization {_fmt(b.utilization, '.2f', 'none')}; power "
        f"{_fmt(b.power_price_usd_per_kwh, '.4f', 'none')} USD/kWh"
    )
    f = result.fleet
    print(
        f"fleet: spread {_fmt(f['spread_usd_day'])} USD/day; NPV {_fmt(f['npv_usd'], ',.0f')} USD; "
        f"capex {_fmt(f['conversion_capex_usd'], ',.0f')} USD; resale "
        f"{_fmt(f['resale_usd'], ',.0f', 'unknown')} USD"
    )
