"""Alert rules an executive sets once, evaluated against the store after every refresh.

Rules live in ``<db dir>/alerts.json`` (see docs/alerts.md)::

    {"webhook": "https://hooks.example.com/rigshift",   # optional
     "cooldown_hours": 24,                               # optional, refresh re-notifies after
     "rules": [
       {"id": "rent-3090", "type": "rental_beats_mining", "usd_per_gpu_day": 0.5,
        "scenario": {"gpu": "RTX 3090", "price": "0.05"}},
       {"id": "payback", "type": "payback_under", "months": 12},
       {"id": "hashprice", "type": "hashprice_below", "usd_per_ph_day": 40},
       {"id": "fleet-be", "type": "hashprice_below", "j_per_th": 21.5,
        "power_price_usd_per_kwh": 0.05, "pue": 1.05},
       {"id": "3090-week", "type": "rental_index_move", "gpu": "RTX 3090", "pct": 10},
       {"id": "act", "type": "verdict_is", "labels": ["Pivot now", "Wait until month"],
        "scenario": {"fleet": "H100 SXM:200,RTX 4090:500", "price": "0.05"}}]}

``scenario`` holds the app's URL parameters (:mod:`dashboard.engine.scenario`), so a rule
can be pasted from a "Copy link" URL; missing ones take the product defaults.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import duckdb

from dashboard.engine.terms import GpuAssumptions, MarketSnapshot, PivotResult

if TYPE_CHECKING:
    from dashboard.engine.decision import Decision, Fleet
from dashboard.engine.scenario import from_params
from scrapers.errors import ConfigError
from scrapers.units import power_cost_usd_per_day

RENTAL_BEATS_MINING = "rental_beats_mining"
PAYBACK_UNDER = "payback_under"
HASHPRICE_BELOW = "hashprice_below"
RENTAL_INDEX_MOVE = "rental_index_move"
VERDICT_IS = "verdict_is"
RULE_TYPES = (RENTAL_BEATS_MINING, PAYBACK_UNDER, HASHPRICE_BELOW, RENTAL_INDEX_MOVE, VERDICT_IS)
# A verdict rule without "labels" fires when the fleet should act: pivot now or soon.
DEFAULT_VERDICT_LABELS = ("Pivot now", "Wait until month")
DEFAULT_COOLDOWN_HOURS = 24.0


@dataclass(frozen=True)
class Rule:
    """One alert rule: an id, a type from RULE_TYPES and its settings."""

    id: str
    type: str
    settings: dict[str, Any] = field(default_factory=dict)

    def number(self, key: str, default: float | None = None) -> float:
        """A numeric setting (validated by :func:`parse_rules`)."""
        value = self.settings.get(key, default)
        assert value is not None
        return float(value)

    @property
    def assumptions(self) -> GpuAssumptions:
        """The fleet the rule is about (its ``scenario`` URL parameters over the defaults)."""
        raw = self.settings.get("scenario") or {}
        a, _ = from_params({str(k): str(v) for k, v in raw.items()})
        return a


@dataclass(frozen=True)
class RuleSet:
    """The parsed rules file."""

    rules: tuple[Rule, ...]
    webhook: str | None = None
    cooldown_hours: float = DEFAULT_COOLDOWN_HOURS


@dataclass(frozen=True)
class Fired:
    """A rule whose condition holds now, with the number that tripped it."""

    rule_id: str
    rule_type: str
    message: str
    value: float
    threshold: float
    unit: str
    as_of: datetime | None
    fired_at: datetime

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (timestamps ISO 8601, UTC)."""
        doc = asdict(self)
        doc["as_of"] = self.as_of.isoformat() if self.as_of else None
        doc["fired_at"] = self.fired_at.isoformat()
        return doc


@dataclass(frozen=True)
class Evaluation:
    """Fired alerts plus rules that could not be evaluated (missing data), one line each."""

    fired: list[Fired]
    skipped: list[str]


def _num(rule_id: str, doc: Mapping[str, Any], key: str, positive: bool = False) -> float:
    value = doc.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"alert rule {rule_id!r}: {key} must be a number, got {value!r}")
    if value < 0 or (positive and value == 0):
        raise ConfigError(f"alert rule {rule_id!r}: {key} must be positive, got {value!r}")
    return float(value)


def _rule(n: int, doc: Any) -> Rule:
    if not isinstance(doc, dict):
        raise ConfigError(f"alert rule #{n} must be an object, got {type(doc).__name__}")
    rule_id = str(doc.get("id") or f"rule-{n}")
    kind = doc.get("type")
    if kind not in RULE_TYPES:
        raise ConfigError(
            f"alert rule {rule_id!r}: type must be one of {', '.join(RULE_TYPES)}, got {kind!r}"
        )
    if kind == RENTAL_BEATS_MINING:
        _num(rule_id, doc, "usd_per_gpu_day")
    elif kind == PAYBACK_UNDER:
        _num(rule_id, doc, "months", positive=True)
    elif kind == HASHPRICE_BELOW:
        if "usd_per_ph_day" in doc:
            _num(rule_id, doc, "usd_per_ph_day")
        else:
            _num(rule_id, doc, "j_per_th", positive=True)
            _num(rule_id, doc, "power_price_usd_per_kwh")
            if "pue" in doc:
                _num(rule_id, doc, "pue", positive=True)
    elif kind == VERDICT_IS:
        labels = doc.get("labels", list(DEFAULT_VERDICT_LABELS))
        if not isinstance(labels, list) or not all(isinstance(x, str) and x for x in labels):
            raise ConfigError(
                f"alert rule {rule_id!r}: labels must be a list of verdict labels, e.g. "
                '["Pivot now", "Borderline"]'
            )
    else:
        if not str(doc.get("gpu") or "").strip():
            raise ConfigError(f'alert rule {rule_id!r}: gpu is required (e.g. "RTX 3090")')
        _num(rule_id, doc, "pct", positive=True)
        if "days" in doc:
            _num(rule_id, doc, "days", positive=True)
    scenario = doc.get("scenario")
    if scenario is not None:
        if not isinstance(scenario, dict):
            raise ConfigError(f"alert rule {rule_id!r}: scenario must be an object of URL params")
        _, problems = from_params({str(k): str(v) for k, v in scenario.items()})
        if problems:
            raise ConfigError(f"alert rule {rule_id!r}: {problems[0]}")
    settings = {k: v for k, v in doc.items() if k not in ("id", "type")}
    return Rule(rule_id, str(kind), settings)


def parse_rules(doc: Any) -> RuleSet:
    """Validate a rules document; ConfigError with a one-line message on the first problem."""
    if not isinstance(doc, dict) or not isinstance(doc.get("rules"), list):
        raise ConfigError('alert rules must be an object with a "rules" list')
    rules = tuple(_rule(n, r) for n, r in enumerate(doc["rules"], start=1))
    ids = [r.id for r in rules]
    if len(set(ids)) != len(ids):
        raise ConfigError("alert rule ids must be unique")
    webhook = doc.get("webhook")
    if webhook is not None and not (
        isinstance(webhook, str) and webhook.startswith(("http://", "https://"))
    ):
        raise ConfigError(f"alert webhook must be an http(s) URL, got {webhook!r}")
    cooldown = doc.get("cooldown_hours", DEFAULT_COOLDOWN_HOURS)
    cooldown = _num("cooldown", {"cooldown_hours": cooldown}, "cooldown_hours")
    return RuleSet(rules, webhook or None, cooldown)


def breakeven_hashprice_usd_per_ph_day(
    j_per_th: float, power_price_usd_per_kwh: float, pue: float = 1.0
) -> float:
    """Hashprice at which 1 PH/s of ASICs at ``j_per_th`` just pays its power (J/TH x 1000 W)."""
    return power_cost_usd_per_day(j_per_th * 1000.0, power_price_usd_per_kwh, pue)


def _usd(value: float) -> str:
    return f"{'-' if value < 0 else ''}${abs(value):,.2f}"


class _Data:
    """Lazily loaded market and specs, shared by the rules of one evaluation."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        self._market: MarketSnapshot | None = None
        self._specs: dict[str, Any] | None = None

    @property
    def market(self) -> MarketSnapshot:
        if self._market is None:
            from dashboard.engine.queries.snapshot import load_market

            self._market = load_market(self.con)
        return self._market

    def result(self, a: GpuAssumptions) -> PivotResult:
        from dashboard.engine.economics.per_gpu import evaluate
        from dashboard.engine.economics.specs import apply_overrides, load_gpu_specs

        if self._specs is None:
            self._specs = load_gpu_specs()
        spec = self._specs.get(a.gpu_model)
        if spec is None:
            raise ConfigError(f"unknown GPU model {a.gpu_model!r}")
        return evaluate(apply_overrides(spec, a), self.market, a)


def _spread_rule(rule: Rule, data: _Data, now: datetime) -> Fired | None:
    a = rule.assumptions
    result = data.result(a)
    threshold = rule.number("usd_per_gpu_day")
    if result.spread_usd_day <= threshold:
        return None
    return Fired(
        rule.id,
        rule.type,
        f"{a.gpu_model}: rental beats keep-mining by {_usd(result.spread_usd_day)}/GPU/day "
        f"(rule: more than {_usd(threshold)})",
        result.spread_usd_day,
        threshold,
        "USD/GPU/day",
        data.market.as_of.get("rental"),
        now,
    )


def _payback_rule(rule: Rule, data: _Data, now: datetime) -> Fired | None:
    a = rule.assumptions
    result = data.result(a)
    threshold = rule.number("months")
    payback = result.payback_months
    if payback is None or payback >= threshold:
        return None
    return Fired(
        rule.id,
        rule.type,
        f"{a.gpu_model}: conversion pays back in {payback:.1f} months (rule: under {threshold:g})",
        payback,
        threshold,
        "months",
        data.market.as_of.get("rental"),
        now,
    )


def _hashprice_rule(rule: Rule, data: _Data, now: datetime) -> Fired | None:
    from dashboard.engine.economics.site import btc_subsidy_btc, hashprice_usd_per_ph_day

    market = data.market
    if not market.btc_price_usd or not market.btc_difficulty:
        raise LookupError("no BTC price or difficulty in the store")
    as_of = market.as_of.get("coins")
    subsidy = btc_subsidy_btc(as_of.date() if as_of else now.date())
    hashprice = hashprice_usd_per_ph_day(
        market.btc_price_usd, market.btc_difficulty, subsidy, market.btc_fees_per_block_btc or 0.0
    )
    if "usd_per_ph_day" in rule.settings:
        threshold = rule.number("usd_per_ph_day")
        basis = "threshold"
    else:
        threshold = breakeven_hashprice_usd_per_ph_day(
            rule.number("j_per_th"),
            rule.number("power_price_usd_per_kwh"),
            rule.number("pue", 1.0),
        )
        basis = (
            f"break-even at {rule.number('j_per_th'):g} J/TH and "
            f"${rule.number('power_price_usd_per_kwh'):.3f}/kWh"
        )
    if hashprice >= threshold:
        return None
    return Fired(
        rule.id,
        rule.type,
        f"BTC hashprice {_usd(hashprice)}/PH/day is below {_usd(threshold)}/PH/day ({basis})",
        hashprice,
        threshold,
        "USD/PH/day",
        as_of,
        now,
    )


def _index_rule(rule: Rule, data: _Data, now: datetime) -> Fired | None:
    gpu = str(rule.settings["gpu"]).strip()
    pricing = str(rule.settings.get("pricing_type") or "on_demand")
    days = int(rule.number("days", 7))
    row = data.con.execute(
        """
        WITH s AS (
          SELECT day, trimmed_median_usd_per_gpu_hour AS rate FROM gpu_rental_index
          WHERE gpu_model = ? AND pricing_type = ?
        ), last AS (SELECT max(day) AS day FROM s)
        SELECT l.day, (SELECT rate FROM s WHERE s.day = l.day),
               (SELECT arg_max(rate, day) FROM s WHERE s.day <= l.day - ?::INTEGER),
               (SELECT max(day) FROM s WHERE s.day <= l.day - ?::INTEGER)
        FROM last l
        """,
        [gpu, pricing, days, days],
    ).fetchone()
    if row is None or row[0] is None:
        raise LookupError(f"no {pricing} rental index for {gpu}")
    last_day, rate, before, before_day = row
    if before is None or not before:
        raise LookupError(f"no {gpu} rental index {days}+ days before {last_day}")
    change = (float(rate) / float(before) - 1.0) * 100.0
    threshold = rule.number("pct")
    if abs(change) <= threshold:
        return None
    return Fired(
        rule.id,
        rule.type,
        f"{gpu} rental index {'+' if change >= 0 else ''}{change:.1f}% "
        f"(${float(before):.3f} on {before_day} to ${float(rate):.3f}/GPU-h on {last_day}; "
        f"rule: more than {threshold:g}% in {days} days)",
        change,
        threshold,
        "%",
        datetime.combine(last_day, datetime.min.time()) if isinstance(last_day, date) else None,
        now,
    )


def rule_fleet(rule: Rule) -> Fleet:
    """The fleet a rule is about: its scenario's ``fleet`` (mixed) or ``gpu`` and ``n``."""
    from dashboard.engine.decision import Fleet
    from dashboard.engine.scenario import fleet_from_params

    raw = {str(k): str(v) for k, v in (rule.settings.get("scenario") or {}).items()}
    fleet, problem = fleet_from_params(raw)
    if problem:
        raise ConfigError(f"alert rule {rule.id!r}: {problem}")
    a = rule.assumptions
    return fleet or Fleet.single(a.gpu_model, a.count)


def rule_decision(rule: Rule, data: _Data) -> Decision:
    """The decision object for the rule's scenario: the one the app and CLI show for it."""
    from dashboard.engine.decision import decide_from_store

    return decide_from_store(data.con, rule_fleet(rule), rule.assumptions, market=data.market)


def _verdict_rule(rule: Rule, data: _Data, now: datetime) -> Fired | None:
    decision = rule_decision(rule, data)
    v = decision.verdict
    labels = rule.settings.get("labels") or list(DEFAULT_VERDICT_LABELS)
    if not any(v.label == x or v.label.startswith(x) for x in labels):
        return None
    return Fired(
        rule.id,
        rule.type,
        f"{decision.fleet.label}: {v.label} - {v.reason}",
        decision.fleet_outcome.option(0).expected_npv_usd,
        0.0,
        "USD expected NPV now vs never",
        data.market.as_of.get("rental"),
        now,
    )


_EVALUATORS = {
    VERDICT_IS: _verdict_rule,
    RENTAL_BEATS_MINING: _spread_rule,
    PAYBACK_UNDER: _payback_rule,
    HASHPRICE_BELOW: _hashprice_rule,
    RENTAL_INDEX_MOVE: _index_rule,
}


def evaluate(con: duckdb.DuckDBPyConnection, rules: RuleSet, now: datetime) -> Evaluation:
    """Every rule against the store; a rule without the data it needs is skipped, not fired."""
    data = _Data(con)
    fired: list[Fired] = []
    skipped: list[str] = []
    for rule in rules.rules:
        try:
            hit = _EVALUATORS[rule.type](rule, data, now)
        except (LookupError, ConfigError) as exc:
            text = exc.one_line() if isinstance(exc, ConfigError) else str(exc)
            skipped.append(f"{rule.id}: {text}")
            continue
        if hit is not None:
            fired.append(hit)
    return Evaluation(fired, skipped)


def evaluate_rules(con: duckdb.DuckDBPyConnection, rules: RuleSet, now: datetime) -> list[Fired]:
    """The rules that fire now (see :func:`evaluate` for the skipped ones)."""
    return evaluate(con, rules, now).fired


def payload(fired: list[Fired], now: datetime, dataset: str) -> dict[str, Any]:
    """The webhook / ``--json`` document."""
    return {
        "source": "rigshift",
        "generated_at": now.isoformat(),
        "dataset": dataset,
        "fired": len(fired),
        "alerts": [f.to_dict() for f in fired],
    }


def due(fired: list[Fired], log: list[dict[str, Any]], cooldown_hours: float) -> list[Fired]:
    """Alerts whose rule has not been notified within ``cooldown_hours`` (log newest first)."""
    out = []
    for f in fired:
        recent = next((d for d in log if d.get("rule_id") == f.rule_id), None)
        if recent is not None and cooldown_hours > 0:
            try:
                last = datetime.fromisoformat(str(recent.get("fired_at")))
            except ValueError:
                last = None
            if last is not None and f.fired_at - last < timedelta(hours=cooldown_hours):
                continue
        out.append(f)
    return out


def alert_line(doc: Mapping[str, Any]) -> str:
    """One fired-alert log entry as a line for the Overview and the memo."""
    when = str(doc.get("fired_at", ""))[:16].replace("T", " ")
    return f"{when} UTC · {doc.get('rule_id')}: {doc.get('message')}"


# --- Price spread between sources (issue 12: "which price?") ---------------------------------
# Self-contained and additive: the rule's settings (gpu, pct, days, pricing_type) pass the
# same validation as rental_index_move in _rule.

PRICE_SPREAD_WIDENS = "price_spread_widens"
RULE_TYPES = (*RULE_TYPES, PRICE_SPREAD_WIDENS)


def _spread_pct_on(data: _Data, gpu: str, pricing: str, day_sql: str, params: list) -> Any:
    return data.con.execute(
        f"""
        WITH d AS (
          SELECT day, median_usd_per_gpu_hour AS rate FROM gpu_rental_source_daily
          WHERE gpu_model = ? AND pricing_type = ? AND median_usd_per_gpu_hour > 0
        ), pick AS ({day_sql})
        SELECT p.day, (max(d.rate) / min(d.rate) - 1) * 100, count(*)
        FROM pick p JOIN d USING (day) GROUP BY p.day
        """,
        [gpu, pricing, *params],
    ).fetchone()


def _price_spread_rule(rule: Rule, data: _Data, now: datetime) -> Fired | None:
    gpu = str(rule.settings["gpu"]).strip()
    pricing = str(rule.settings.get("pricing_type") or "on_demand")
    days = int(rule.number("days", 7))
    latest = _spread_pct_on(data, gpu, pricing, "SELECT max(day) AS day FROM d", [])
    if latest is None or latest[0] is None or latest[2] < 2:
        raise LookupError(f"fewer than two sources price {gpu} {pricing}")
    last_day, spread_now, _ = latest
    earlier = _spread_pct_on(
        data,
        gpu,
        pricing,
        "SELECT max(day) AS day FROM d WHERE day <= ?::DATE",
        [last_day - timedelta(days=days)],
    )
    if earlier is None or earlier[0] is None or earlier[2] < 2:
        raise LookupError(f"no {gpu} price spread {days}+ days before {last_day}")
    before_day, spread_before, _ = earlier
    widened = float(spread_now) - float(spread_before)
    threshold = rule.number("pct")
    if widened <= threshold:
        return None
    return Fired(
        rule.id,
        rule.type,
        f"{gpu} {pricing} price spread between sources widened from {float(spread_before):.0f}%"
        f" on {before_day} to {float(spread_now):.0f}% on {last_day} "
        f"(rule: more than {threshold:g} points in {days} days)",
        widened,
        threshold,
        "points",
        datetime.combine(last_day, datetime.min.time()),
        now,
    )


_EVALUATORS[PRICE_SPREAD_WIDENS] = _price_spread_rule
