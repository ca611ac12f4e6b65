"""The one composition point ("model chain"): fleet + market + assumptions -> one decision.

Every surface (Overview, Fleet, Timing, Scenarios, the memo, alerts, ``rigshift pivot``)
renders the :class:`Decision` built here and nothing else, so they cannot disagree.

Chain: per fleet line, the per-GPU economics (:func:`economics.evaluate`) on the forward model
(rental decline, difficulty growth, coin price drift, fixed opex), the seeded Monte Carlo
(:mod:`montecarlo`) with shocks from that model's stored history, the start options now /
3 / 6 / 12 months / never valued as incremental expected NPV vs never, and the verdict
(:func:`verdict.judge`). The fleet sums the lines path by path (same seed, same months).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd

from dashboard.engine import terms as m
from dashboard.engine.economics.montecarlo import (
    MonteCarloResult,
    monthly_log_returns,
    path_flows,
    simulate_paths,
    summarise,
)
from dashboard.engine.economics.per_gpu import (
    evaluate,
    forward_flows_usd,
    payback_on_path,
    terminal_value_usd,
    upfront_usd_per_gpu,
    validate,
)
from dashboard.engine.economics.specs import apply_overrides
from dashboard.engine.economics.verdict import Verdict, judge
from dashboard.engine.terms import GpuAssumptions, GpuSpec, MarketSnapshot, PivotResult
from dashboard.engine.views.formatting import pct, usd
from scrapers.errors import ConfigError

N_PATHS = 10_000
SEED = 0
NEVER = "never"

# Datacenter GPUs (server share of conversion cost); everything else is a consumer card.
DATACENTER_PREFIXES = ("A100", "H100", "H200", "B200", "GB200", "L40", "MI300", "MI250", "A40")


def forward_model_inputs(a: GpuAssumptions) -> tuple[tuple[str, str], ...]:
    """The forward model's assumptions as (name, shown value): one wording and one rounding for
    "How this is computed", ``rigshift pivot --json`` and the pages' assumption tables."""
    return (
        ("horizon", f"{a.horizon_months} months"),
        ("discount rate", f"{pct(a.discount_rate, 1)}/yr"),
        ("rental price decline", f"{pct(a.rental_decline, 1)}/yr"),
        ("difficulty growth", f"{pct(a.difficulty_growth, 1)}/yr"),
        ("BTC (coin) price drift", f"{pct(a.btc_price_drift, 1)}/yr"),
        ("fixed opex", f"{usd(a.fixed_opex_usd_per_gpu_month)}/GPU-month"),
    )


def gpu_class(gpu_model: str) -> str:
    """``datacenter`` or ``consumer``: which conversion-cost default applies."""
    return "datacenter" if gpu_model.upper().startswith(DATACENTER_PREFIXES) else "consumer"


def default_conversion_capex_usd(gpu_model: str, a: GpuAssumptions) -> float:
    """The class default: the consumer input (sidebar) or the datacenter GPU default."""
    if gpu_class(gpu_model) == "datacenter":
        return m.DEFAULT_DATACENTER_CONVERSION_CAPEX_USD
    return a.conversion_capex_usd


@dataclass(frozen=True)
class FleetLine:
    """One model in the fleet: a count and optional per-model overrides."""

    gpu_model: str
    count: int
    conversion_capex_usd: float | None = None  # None: the class default
    rental_rate_usd_per_gpu_hour: float | None = None  # None: the market index


@dataclass(frozen=True)
class Fleet:
    """The unit of decision: one or more fleet lines."""

    lines: tuple[FleetLine, ...]

    @classmethod
    def single(cls, gpu_model: str, count: int) -> Fleet:
        """A one-model fleet (the default: 1,000 x RTX 3090)."""
        return cls((FleetLine(gpu_model, int(count)),))

    @property
    def total_count(self) -> int:
        """GPUs across every line."""
        return sum(line.count for line in self.lines)

    @property
    def label(self) -> str:
        """``200 × H100 SXM + 500 × RTX 4090``."""
        return " + ".join(f"{line.count:,} × {line.gpu_model}" for line in self.lines)

    def to_text(self) -> str:
        """URL/scenario form: ``H100 SXM:200,RTX 4090:500`` (capex as ``:capex`` when set)."""
        parts = []
        for line in self.lines:
            text = f"{line.gpu_model}:{line.count}"
            if line.conversion_capex_usd is not None:
                text += f":{line.conversion_capex_usd:g}"
            parts.append(text)
        return ",".join(parts)


@dataclass(frozen=True)
class StartOption:
    """One start option: now / in 3 / 6 / 12 months / never, and its value vs never."""

    start_month: int | None  # None = never
    label: str
    expected_npv_usd: float  # incremental vs never; never = 0
    best: bool


@dataclass(frozen=True)
class Outcome:
    """The decision numbers of one fleet line (per GPU) or of the fleet (totals)."""

    mining_net_usd_day: float
    rental_net_usd_day: float
    spread_usd_day: float
    upfront_usd: float
    terminal_value_usd: float
    npv_usd: float  # deterministic forward path, pivot now vs never
    payback_months: float | None  # forward path; None = never within the horizon
    p_payback: float  # P(payback <= horizon) over the simulated paths
    options: tuple[StartOption, ...]
    verdict: Verdict
    resale_usd: float | None

    def option(self, start_month: int | None) -> StartOption:
        """The option starting in ``start_month`` months (None = never)."""
        return next(o for o in self.options if o.start_month == start_month)


@dataclass(frozen=True)
class ModelDecision:
    """One fleet line: its resolved assumptions, per-GPU result, simulation and verdict."""

    line: FleetLine
    assumptions: GpuAssumptions
    spec: GpuSpec  # with the user's overrides applied
    result: PivotResult
    mc: MonteCarloResult
    per_gpu: Outcome


@dataclass(frozen=True)
class Decision:
    """The one answer for a fleet: every surface renders this and nothing else."""

    fleet: Fleet
    assumptions: GpuAssumptions
    models: tuple[ModelDecision, ...]
    fleet_outcome: Outcome
    mc: MonteCarloResult  # fleet totals ($ for the whole fleet)
    as_of: dict[str, datetime | None]
    is_demo: bool
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def verdict(self) -> Verdict:
        """The fleet verdict."""
        return self.fleet_outcome.verdict

    def model(self, gpu_model: str) -> ModelDecision:
        """The line for ``gpu_model``."""
        return next(md for md in self.models if md.line.gpu_model == gpu_model)

    def formula_inputs(self) -> tuple[tuple[str, str], ...]:
        """The forward model's inputs as (name, value) pairs, for "How this is computed"."""
        return forward_model_inputs(self.assumptions) + (
            ("paths / seed", f"{self.mc.n_paths:,} / {self.mc.seed}"),
        )

    def report(self, power_price_basis: str) -> dict[str, Any]:
        """The whole ``rigshift pivot --json`` document: the one place its shape is defined.

        A one-model fleet also carries that model's per-GPU result at the top level, as
        ``rigshift pivot --gpu`` printed before fleets existed.
        """
        doc: dict[str, Any] = {}
        if len(self.models) == 1:
            md = self.models[0]
            doc = {**md.result.to_dict(), "gpu_model": md.line.gpu_model}
        return {
            **doc,
            "power_price_basis": power_price_basis,
            "verdict": {"label": self.verdict.label, "reason": self.verdict.reason},
            "decision": self.to_dict(),
            "dataset": "demo" if self.is_demo else "live",
            "as_of": self.as_of,
        }

    def to_dict(self) -> dict[str, Any]:
        """The decision as JSON-ready data (``report()``'s ``decision`` member)."""

        def outcome(o: Outcome) -> dict[str, Any]:
            return {
                "verdict": {"label": o.verdict.label, "reason": o.verdict.reason},
                "mining_net_usd_day": o.mining_net_usd_day,
                "rental_net_usd_day": o.rental_net_usd_day,
                "spread_usd_day": o.spread_usd_day,
                "upfront_usd": o.upfront_usd,
                "terminal_value_usd": o.terminal_value_usd,
                "npv_usd": o.npv_usd,
                "payback_months": o.payback_months,
                "p_payback_within_horizon": o.p_payback,
                "resale_usd": o.resale_usd,
                "start_options": [
                    {
                        "start": o_.label,
                        "start_month": o_.start_month,
                        "expected_npv_usd": o_.expected_npv_usd,
                        "best": o_.best,
                    }
                    for o_ in o.options
                ],
            }

        return {
            "fleet": [
                {"gpu_model": md.line.gpu_model, "count": md.line.count} for md in self.models
            ],
            "verdict": {"label": self.verdict.label, "reason": self.verdict.reason},
            "fleet_totals": outcome(self.fleet_outcome),
            "models": {
                md.line.gpu_model: {
                    "conversion_capex_usd": md.assumptions.conversion_capex_usd,
                    "gpu_class": gpu_class(md.line.gpu_model),
                    "per_gpu": outcome(md.per_gpu),
                }
                for md in self.models
            },
            "simulation": {
                "n_paths": self.mc.n_paths,
                "seed": self.mc.seed,
                "volatility_source": self.mc.volatility_source,
            },
            "formula_inputs": dict(self.formula_inputs()),
        }


def _options(npv_by_start: Mapping[int, float]) -> tuple[StartOption, ...]:
    values: dict[int | None, float] = {k: npv_by_start[k] for k in sorted(npv_by_start)}
    values[None] = 0.0
    best = max(values, key=lambda k: (values[k], -(k if k is not None else 10_000)))
    return tuple(
        StartOption(k, "now" if k == 0 else NEVER if k is None else f"in {k} months", v, k == best)
        for k, v in values.items()
    )


def _outcome(
    mining_net: float,
    rental_net: float,
    spread: float,
    flows: np.ndarray,
    upfront: float,
    terminal: float,
    npv: float,
    mc: MonteCarloResult,
    resale: float | None,
    a: GpuAssumptions,
    unit: str,
) -> Outcome:
    payback = payback_on_path(flows, upfront)
    p = mc.p_payback_within(a.horizon_months)
    v = judge(
        mc.expected_npv_by_start,
        payback,
        p,
        mining_net,
        resale,
        a.horizon_months,
        a.payback_target_months,
        unit,
    )
    return Outcome(
        mining_net_usd_day=mining_net,
        rental_net_usd_day=rental_net,
        spread_usd_day=spread,
        upfront_usd=upfront,
        terminal_value_usd=terminal,
        npv_usd=npv,
        payback_months=payback,
        p_payback=p,
        options=_options(mc.expected_npv_by_start),
        verdict=v,
        resale_usd=resale,
    )


def history_returns(history: pd.DataFrame | None) -> tuple[np.ndarray | None, np.ndarray | None]:
    """Monthly log returns of mining revenue and rental rate from a margin history."""
    if history is None or history.empty:
        return None, None
    days = pd.to_datetime(history["day"])
    mining = monthly_log_returns(history["mining_revenue_usd_day"].set_axis(days))
    rental = monthly_log_returns(history["rental_rate_usd_per_gpu_hour"].set_axis(days))
    return mining, rental


def line_assumptions(line: FleetLine, fleet: Fleet, a: GpuAssumptions) -> GpuAssumptions:
    """``a`` for one line: its model, count, class capex and share of the transition cost."""
    capex = line.conversion_capex_usd
    if capex is None:
        capex = default_conversion_capex_usd(line.gpu_model, a)
    share = line.count / fleet.total_count
    rate = line.rental_rate_usd_per_gpu_hour
    return replace(
        a,
        gpu_model=line.gpu_model,
        count=line.count,
        conversion_capex_usd=float(capex),
        transition_cost_usd=a.transition_cost_usd * share,
        rental_rate_usd_per_gpu_hour=rate if rate is not None else a.rental_rate_usd_per_gpu_hour,
    )


def validate_fleet(fleet: Fleet) -> None:
    """ConfigError unless the fleet has lines with positive counts and distinct models."""
    if not fleet.lines:
        raise ConfigError("the fleet is empty: add at least one GPU model with a count.")
    models = [line.gpu_model for line in fleet.lines]
    if len(set(models)) != len(models):
        raise ConfigError("each GPU model may appear once in the fleet.")
    for line in fleet.lines:
        if line.count < 1:
            raise ConfigError(f"{line.gpu_model}: GPU count must be at least 1 (got {line.count}).")


def decide(
    fleet: Fleet,
    specs: Mapping[str, GpuSpec],
    market: MarketSnapshot,
    a: GpuAssumptions,
    histories: Mapping[str, pd.DataFrame] | None = None,
    n_paths: int = N_PATHS,
    seed: int = SEED,
    zero_volatility: bool = False,
) -> Decision:
    """Build the decision for ``fleet``; raises ConfigError for bad inputs or unknown models."""
    validate_fleet(fleet)
    validate(replace(a, count=fleet.total_count))
    histories = histories or {}
    months = a.horizon_months
    models: list[ModelDecision] = []
    fleet_flows = np.zeros((months, n_paths))
    fleet_det = np.zeros(months)
    totals = {"mining": 0.0, "rental": 0.0, "spread": 0.0, "upfront": 0.0, "terminal": 0.0}
    fleet_npv = 0.0
    resale_total: float | None = 0.0
    paths_first = None
    for line in fleet.lines:
        spec = specs.get(line.gpu_model)
        if spec is None:
            raise ConfigError(f"unknown GPU model {line.gpu_model!r}")
        la = line_assumptions(line, fleet, a)
        spec = apply_overrides(spec, la)
        result = evaluate(spec, market, la)
        mining_r, rental_r = history_returns(histories.get(line.gpu_model))
        paths = simulate_paths(la, mining_r, rental_r, n_paths, months, seed, zero_volatility)
        paths_first = paths_first or paths
        flows = path_flows(result, paths)
        upfront = upfront_usd_per_gpu(la)
        terminal = terminal_value_usd(la)
        mc = summarise(flows, upfront, terminal, la, paths, seed)
        det = forward_flows_usd(result.mining, result.rental, la, months)
        outcome = _outcome(
            result.mining.net_usd_day,
            result.rental.net_usd_day,
            result.spread_usd_day,
            det,
            upfront,
            terminal,
            result.npv_usd,
            mc,
            result.resale_usd,
            la,
            "/GPU",
        )
        models.append(ModelDecision(line, la, spec, result, mc, outcome))
        n = line.count
        fleet_flows += flows * n
        fleet_det += det * n
        totals["mining"] += result.mining.net_usd_day * n
        totals["rental"] += result.rental.net_usd_day * n
        totals["spread"] += result.spread_usd_day * n
        totals["upfront"] += upfront * n
        totals["terminal"] += terminal * n
        fleet_npv += result.npv_usd * n
        resale_total = (
            None
            if resale_total is None or result.resale_usd is None
            else resale_total + result.resale_usd * n
        )
    assert paths_first is not None
    fleet_a = replace(a, count=fleet.total_count)
    fleet_mc = summarise(
        fleet_flows, totals["upfront"], totals["terminal"], fleet_a, paths_first, seed
    )
    fleet_outcome = _outcome(
        totals["mining"],
        totals["rental"],
        totals["spread"],
        fleet_det,
        totals["upfront"],
        totals["terminal"],
        fleet_npv,
        fleet_mc,
        resale_total,
        fleet_a,
        "",
    )
    notes = []
    if market.is_demo:
        notes.append("DEMO DATA: bundled sample payloads, not live market data.")
    return Decision(
        fleet=fleet,
        assumptions=fleet_a,
        models=tuple(models),
        fleet_outcome=fleet_outcome,
        mc=fleet_mc,
        as_of=dict(market.as_of),
        is_demo=market.is_demo,
        notes=tuple(notes),
    )


def margin_histories(
    fleet: Fleet,
    specs: Mapping[str, GpuSpec],
    a: GpuAssumptions,
    read: Callable[[GpuSpec, GpuAssumptions], pd.DataFrame],
) -> dict[str, pd.DataFrame]:
    """Each known fleet model's margin history, read by ``read(spec, line assumptions)``.

    ``read`` is the store query (``decide_from_store``) or the app's cached copy of it, so the
    CLI and the pages gather exactly the same histories."""
    histories: dict[str, pd.DataFrame] = {}
    for line in fleet.lines:
        spec = specs.get(line.gpu_model)
        if spec is not None:
            histories[line.gpu_model] = read(spec, line_assumptions(line, fleet, a))
    return histories


def decide_from_store(
    con: Any,
    fleet: Fleet,
    a: GpuAssumptions,
    specs: Mapping[str, GpuSpec] | None = None,
    market: MarketSnapshot | None = None,
    n_paths: int = N_PATHS,
    seed: int = SEED,
) -> Decision:
    """:func:`decide` with the market and each model's margin history read from the store."""
    from dashboard.engine.economics.specs import load_gpu_specs
    from dashboard.engine.queries.snapshot import load_market, margin_history

    specs = specs if specs is not None else load_gpu_specs()
    market = market if market is not None else load_market(con)
    histories = margin_histories(fleet, specs, a, lambda spec, la: margin_history(con, spec, la))
    return decide(fleet, specs, market, a, histories, n_paths, seed)


def parse_fleet(text: str, known_models: Sequence[str] | None = None) -> Fleet:
    """``"H100 SXM:200,RTX 4090:500"`` (also ``=``) -> Fleet; ConfigError naming the bad part."""
    from dashboard.engine.bounds import check_value

    lines = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        pieces = [x.strip() for x in part.replace("=", ":").split(":")]
        if len(pieces) not in (2, 3) or not pieces[0]:
            raise ConfigError(f"fleet item {part!r} must be MODEL:COUNT (e.g. RTX 3090:1000)")
        model = pieces[0]
        if known_models is not None and model not in known_models:
            raise ConfigError(f"fleet item {part!r}: unknown GPU model {model!r}")
        count = check_value("count", pieces[1])
        capex = check_value("conversion_capex_usd", pieces[2]) if len(pieces) == 3 else None
        lines.append(FleetLine(model, int(count), capex))
    fleet = Fleet(tuple(lines))
    validate_fleet(fleet)
    return fleet
