"""A mixed fleet: mine, rent or sell, per GPU model and for the whole fleet. Pure, no I/O.

The user's fleet is a list of rows (model, count and optional figures of their own); each
valid row is one :func:`economics.evaluate` call. Rows the engine cannot price (a model with
no reference figures, a bad number) come back as :class:`FleetProblem` prompts, never as
exceptions, so the page can ask for exactly the missing figures.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any, NamedTuple

import pandas as pd

from dashboard.engine.economics.per_gpu import evaluate, mining_result
from dashboard.engine.economics.specs import algo_key
from dashboard.engine.terms import GpuAssumptions, GpuSpec, MarketSnapshot
from scrapers.errors import RigShiftError
from scrapers.gpu_models import canonical_gpu
from scrapers.units import DAYS_PER_MONTH, to_hs

# Keys of one fleet row (the page's editor columns); every override is optional.
ROW_KEYS = (
    "model",
    "count",
    "hashrate",
    "hashrate_unit",
    "algorithm",
    "mining_power_w",
    "ai_power_w",
    "rental_rate_usd_per_gpu_hour",
    "conversion_capex_usd",
)
HASHRATE_UNITS = ("H/s", "kH/s", "MH/s", "GH/s", "TH/s")
DEFAULT_HASHRATE_UNIT = "MH/s"

MODEL = "GPU model"
GPUS = "GPUs"
GAIN = "gain from pivoting (fleet $/day)"
TABLE_COLUMNS = [
    MODEL,
    GPUS,
    "best coin",
    "mining net ($/GPU/day)",
    "rental net ($/GPU/day)",
    "spread ($/GPU/day)",
    "payback (months)",
    "resale ($/GPU)",
    "NPV ($/GPU)",
    "mining net (fleet $/day)",
    "rental net (fleet $/day)",
    GAIN,
    "resale (fleet $)",
    "NPV (fleet $)",
    "conversion cost ($/GPU)",
    "rental rate ($/GPU-hour)",
    "figures",
]
TOTAL_LABEL = "Fleet total"
# The page shows the table as two views: per GPU, and whole fleet (with the totals row).
PER_GPU_COLUMNS = [c for c in TABLE_COLUMNS if "fleet" not in c]
FLEET_COLUMNS = [
    MODEL,
    GPUS,
    "mining net (fleet $/day)",
    "rental net (fleet $/day)",
    GAIN,
    "payback (months)",
    "resale (fleet $)",
    "NPV (fleet $)",
]


@dataclass(frozen=True)
class FleetProblem:
    """One row the engine could not price: ``needs_figures`` (ask for them) or ``invalid``."""

    row: int  # 1-based, as the user counts rows in the table
    model: str
    kind: str
    message: str


class FleetEvaluation(NamedTuple):
    """The per-model table (sorted by gain from pivoting), fleet totals and row problems."""

    table: pd.DataFrame
    totals: dict[str, Any]
    problems: list[FleetProblem]


def default_rows(
    model: str, count: int, conversion_capex_usd: float | None = None
) -> list[dict[str, Any]]:
    """The one-row fleet the page starts from: the sidebar model and count (no overrides)."""
    row = dict.fromkeys(ROW_KEYS)
    row.update(
        model=model,
        count=count,
        hashrate_unit=DEFAULT_HASHRATE_UNIT,
        conversion_capex_usd=conversion_capex_usd,
    )
    return [row]


def _blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _number(value: Any) -> float | None:
    """A finite float, None for blank; ValueError for text that is not a number."""
    if _blank(value):
        return None
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"{value!r} is not a finite number")
    return number


def normalize_rows(rows: pd.DataFrame | Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Rows as plain dicts with every key of :data:`ROW_KEYS` (missing ones None)."""
    records = rows.to_dict("records") if isinstance(rows, pd.DataFrame) else list(rows)
    return [{k: (None if _blank(r.get(k)) else r.get(k)) for k in ROW_KEYS} for r in records]


def apply_table_edits(
    rows: Iterable[Mapping[str, Any]], edits: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """``rows`` after a table editor's edits, normalised (:func:`normalize_rows`).

    ``edits`` is ``st.data_editor``'s documented state: ``edited_rows`` ({position: {column:
    value}}), then ``added_rows`` (appended), then ``deleted_rows`` (positions after adding).
    """
    out = [dict(r) for r in rows]
    for position, change in (edits.get("edited_rows") or {}).items():
        if 0 <= int(position) < len(out):
            out[int(position)].update(change)
    out += [dict(r) for r in edits.get("added_rows") or []]
    gone = {int(p) for p in edits.get("deleted_rows") or []}
    return normalize_rows(r for i, r in enumerate(out) if i not in gone)


def resolve_model(name: str, specs: Mapping[str, GpuSpec]) -> str:
    """The reference id for a typed name ("rtx3090" -> "RTX 3090"); the trimmed name if unknown."""
    text = " ".join(str(name).split())
    if text in specs:
        return text
    canonical = canonical_gpu(text)
    if canonical:
        return canonical
    by_lower = {k.lower(): k for k in specs}
    return by_lower.get(text.lower(), text)


@dataclass(frozen=True)
class _Priced:
    row: int
    spec: GpuSpec
    count: int
    capex: float | None
    rate: float | None
    figures: str


def _best_algorithm(spec: GpuSpec, market: MarketSnapshot, a: GpuAssumptions) -> str | None:
    best = mining_result(spec, market.coins, a)
    return best.per_coin[0].algorithm if best.per_coin else None


def _target_algorithm(
    spec: GpuSpec, chosen: str | None, market: MarketSnapshot, a: GpuAssumptions
) -> str | None:
    """The algorithm the user's hashrate/power refer to: theirs, else the model's best one."""
    if chosen:
        key = algo_key(chosen)
        return next((k for k in spec.hashrates_hs if algo_key(k) == key), chosen)
    return _best_algorithm(spec, market, a)


def _with_overrides(
    spec: GpuSpec,
    algo: str,
    hashrate_hs: float | None,
    mining_w: float | None,
    ai_w: float | None,
) -> GpuSpec:
    hashrates = dict(spec.hashrates_hs)
    power = dict(spec.mining_power_w)
    if hashrate_hs is not None:
        hashrates[algo] = hashrate_hs
    if mining_w is not None:
        power[algo] = mining_w
    elif algo in hashrates and algo not in power:
        power[algo] = spec.ai_power_w
    return replace(
        spec,
        hashrates_hs=hashrates,
        mining_power_w=power,
        ai_power_w=ai_w if ai_w is not None else spec.ai_power_w,
    )


def _check_numbers(row: dict[str, Any]) -> tuple[dict[str, float | None], list[str]]:
    """Parse the numeric overrides; plain messages for the ones out of range."""
    values: dict[str, float | None] = {}
    errors: list[str] = []
    rules = {
        "hashrate": ("hashrate must be positive", lambda v: v > 0),
        "mining_power_w": ("mining power must be positive (W)", lambda v: v > 0),
        "ai_power_w": ("AI power must be positive (W)", lambda v: v > 0),
        "rental_rate_usd_per_gpu_hour": (
            "rental rate must not be negative ($/GPU-hour)",
            lambda v: v >= 0,
        ),
        "conversion_capex_usd": ("conversion cost must not be negative ($/GPU)", lambda v: v >= 0),
    }
    for key, (message, ok) in rules.items():
        try:
            value = _number(row.get(key))
        except (TypeError, ValueError):
            errors.append(f"{key.replace('_', ' ')} is not a number")
            continue
        if value is not None and not ok(value):
            errors.append(f"{message} (got {value:g})")
        values[key] = value
    return values, errors


def _price_row(
    i: int,
    row: dict[str, Any],
    specs: Mapping[str, GpuSpec],
    market: MarketSnapshot,
    base: GpuAssumptions,
) -> _Priced | FleetProblem | None:
    """One row -> a priced spec, a problem, or None for a blank row the editor left behind."""
    name = "" if _blank(row.get("model")) else " ".join(str(row["model"]).split())
    if not name and _blank(row.get("count")):
        return None
    if not name:
        return FleetProblem(i, "", "invalid", f"row {i}: enter a GPU model.")
    try:
        count_value = _number(row.get("count"))
    except (TypeError, ValueError):
        count_value = None
    if count_value is None or count_value < 1 or count_value != int(count_value):
        return FleetProblem(
            i, name, "invalid", f"row {i} ({name}): the GPU count must be a whole number ≥ 1."
        )
    values, errors = _check_numbers(row)
    unit = row.get("hashrate_unit") or DEFAULT_HASHRATE_UNIT
    if unit not in HASHRATE_UNITS:
        errors.append(f"hashrate unit must be one of {', '.join(HASHRATE_UNITS)}")
    if errors:
        return FleetProblem(i, name, "invalid", f"row {i} ({name}): " + "; ".join(errors) + ".")
    hashrate_hs = to_hs(values["hashrate"], unit) if values["hashrate"] is not None else None
    mining_w, ai_w = values["mining_power_w"], values["ai_power_w"]
    chosen_algo = None if _blank(row.get("algorithm")) else str(row["algorithm"]).strip()
    model = resolve_model(name, specs)

    if model in specs:
        spec = specs[model]
        overridden = any(v is not None for v in (hashrate_hs, mining_w, ai_w))
        figures = "reference + yours" if overridden else "reference"
        if hashrate_hs is not None or mining_w is not None:
            algo = _target_algorithm(spec, chosen_algo, market, base)
            if algo is None:
                return FleetProblem(
                    i,
                    name,
                    "needs_figures",
                    f"row {i} ({name}): pick the algorithm your hashrate/power refer to "
                    "(it mines no coin in the store at reference figures).",
                )
            spec = _with_overrides(spec, algo, hashrate_hs, mining_w, ai_w)
        elif ai_w is not None:
            spec = replace(spec, ai_power_w=ai_w)
    else:
        mines = hashrate_hs is not None and mining_w is not None and chosen_algo
        rents_only = hashrate_hs is None and mining_w is None and ai_w is not None
        if not (mines or rents_only):
            missing = [
                label
                for label, value in (
                    ("hashrate (with its unit)", hashrate_hs),
                    ("algorithm", chosen_algo),
                    ("mining power (W)", mining_w),
                )
                if value is None
            ]
            return FleetProblem(
                i,
                name,
                "needs_figures",
                f"'{name}' is not in the reference GPU table: enter its "
                f"{', '.join(missing)} in row {i}, or only its AI power (W) if it will not mine.",
            )
        algo = str(chosen_algo) if mines else ""
        spec = GpuSpec(
            gpu_model=model,
            hashrates_hs={algo: float(hashrate_hs)} if mines else {},  # type: ignore[arg-type]
            mining_power_w={algo: float(mining_w)} if mines else {},  # type: ignore[arg-type]
            ai_power_w=ai_w if ai_w is not None else float(mining_w),  # type: ignore[arg-type]
            idle_power_w=0.0,
        )
        figures = "yours"
    rate = values["rental_rate_usd_per_gpu_hour"]
    if rate is None and model not in market.rental_rates_usd_per_gpu_hour:
        return FleetProblem(
            i,
            name,
            "needs_figures",
            f"row {i} ({name}): the store has no rental rate for {model}: enter one in $/GPU-hour.",
        )
    return _Priced(i, spec, int(count_value), values["conversion_capex_usd"], rate, figures)


def _row_frame(priced: _Priced, result: Any) -> dict[str, Any]:
    n = priced.count
    resale = result.resale_usd
    payback = result.payback_months
    return {
        MODEL: priced.spec.gpu_model,
        GPUS: n,
        "best coin": result.mining.best_coin or "none",
        "mining net ($/GPU/day)": result.mining.net_usd_day,
        "rental net ($/GPU/day)": result.rental.net_usd_day,
        "spread ($/GPU/day)": result.spread_usd_day,
        "payback (months)": payback if payback is not None else math.nan,
        "resale ($/GPU)": resale if resale is not None else math.nan,
        "NPV ($/GPU)": result.npv_usd,
        "mining net (fleet $/day)": result.mining.net_usd_day * n,
        "rental net (fleet $/day)": result.rental.net_usd_day * n,
        GAIN: result.spread_usd_day * n,
        "resale (fleet $)": resale * n if resale is not None else math.nan,
        "NPV (fleet $)": result.npv_usd * n,
        "conversion cost ($/GPU)": result.assumptions.conversion_capex_usd,
        "rental rate ($/GPU-hour)": result.rental.rate_usd_per_gpu_hour,
        "figures": priced.figures,
    }


def fleet_totals(table: pd.DataFrame, base: GpuAssumptions) -> dict[str, Any]:
    """Whole-fleet sums, fleet payback, and the NPV of pivoting only the rows where renting wins."""
    gpus = int(table[GPUS].sum()) if len(table) else 0
    spread = float(table[GAIN].sum()) if len(table) else 0.0
    upfront = float((table["conversion cost ($/GPU)"] * table[GPUS]).sum())
    upfront += base.transition_cost_usd if gpus else 0.0
    winners = table[table["spread ($/GPU/day)"] > 0]
    resale_known = table["resale (fleet $)"].notna()
    return {
        "gpus": gpus,
        "models": len(table),
        "mining_net_usd_day": float(table["mining net (fleet $/day)"].sum()),
        "rental_net_usd_day": float(table["rental net (fleet $/day)"].sum()),
        "spread_usd_day": spread,
        "npv_usd": float(table["NPV (fleet $)"].sum()),
        "resale_usd": float(table.loc[resale_known, "resale (fleet $)"].sum())
        if resale_known.any()
        else None,
        "resale_missing": table.loc[~resale_known, MODEL].tolist(),
        "upfront_usd": upfront,
        "payback_months": upfront / (spread * DAYS_PER_MONTH) if spread > 0 else None,
        "winners_gpus": int(winners[GPUS].sum()),
        "winners_npv_usd": float(winners["NPV (fleet $)"].sum()),
    }


def evaluate_fleet(
    rows: pd.DataFrame | Iterable[Mapping[str, Any]],
    specs: Mapping[str, GpuSpec],
    market: MarketSnapshot,
    base: GpuAssumptions,
) -> FleetEvaluation:
    """Price every row under ``base`` (the sidebar assumptions); problems instead of errors.

    The one-off transition cost is a fleet figure: each GPU carries an equal share of it.
    """
    priced: list[_Priced] = []
    problems: list[FleetProblem] = []
    for i, row in enumerate(normalize_rows(rows), start=1):
        outcome = _price_row(i, row, specs, market, base)
        if isinstance(outcome, FleetProblem):
            problems.append(outcome)
        elif outcome is not None:
            priced.append(outcome)
    total = sum(p.count for p in priced)
    records = []
    for p in priced:
        a = replace(
            base,
            gpu_model=p.spec.gpu_model,
            count=p.count,
            conversion_capex_usd=p.capex if p.capex is not None else base.conversion_capex_usd,
            transition_cost_usd=base.transition_cost_usd * p.count / total,
            rental_rate_usd_per_gpu_hour=p.rate,
            hashrates_hs=None,
            mining_power_w=None,
            ai_power_w=None,
            idle_power_w=None,
        )
        try:
            result = evaluate(p.spec, market, a)
        except RigShiftError as exc:
            message = " ".join(exc.one_line().split())
            problems.append(FleetProblem(p.row, p.spec.gpu_model, "invalid", message))
            continue
        records.append(_row_frame(p, result))
    table = pd.DataFrame(records, columns=TABLE_COLUMNS)
    if len(table):
        table = table.sort_values(GAIN, ascending=False, kind="stable").reset_index(drop=True)
    return FleetEvaluation(table, fleet_totals(table, base), problems)


def with_totals_row(table: pd.DataFrame, totals: Mapping[str, Any]) -> pd.DataFrame:
    """The table plus a last "Fleet total" row (per-GPU columns blank, fleet columns summed)."""
    if table.empty:
        return table
    total = dict.fromkeys(TABLE_COLUMNS, math.nan)
    total.update(
        {
            MODEL: TOTAL_LABEL,
            GPUS: totals["gpus"],
            "best coin": "",
            "payback (months)": totals["payback_months"]
            if totals["payback_months"] is not None
            else math.nan,
            "mining net (fleet $/day)": totals["mining_net_usd_day"],
            "rental net (fleet $/day)": totals["rental_net_usd_day"],
            GAIN: totals["spread_usd_day"],
            "resale (fleet $)": totals["resale_usd"]
            if totals["resale_usd"] is not None
            else math.nan,
            "NPV (fleet $)": totals["npv_usd"],
            "figures": "",
        }
    )
    return pd.concat([table, pd.DataFrame([total])], ignore_index=True)
