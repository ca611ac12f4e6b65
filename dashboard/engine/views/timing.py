"""When to pivot: the simulation run, its display tables, break-evens and revenue stability.

Pure, no I/O: the Timing page (and anything else) turns a PivotResult, its daily margin
history and a Monte Carlo result into the small tables it charts and offers for download.
"""

from __future__ import annotations

import math
from datetime import timedelta

import numpy as np
import pandas as pd

from dashboard.engine.decision import Outcome, history_returns
from dashboard.engine.economics.montecarlo import (
    PERCENTILES,
    MonteCarloResult,
    simulate,
)
from dashboard.engine.terms import PivotResult

N_PATHS = 10_000
SEED = 0
STABILITY_DAYS = 365
MIN_STABILITY_DAYS = 30
# Below this |mean| ($/GPU/day) a coefficient of variation explodes and means nothing.
MIN_MEAN_FOR_CV = 0.01


def simulate_pivot(
    result: PivotResult, history: pd.DataFrame, n_paths: int = N_PATHS, seed: int = SEED
) -> MonteCarloResult:
    """The seeded Monte Carlo with shocks bootstrapped from stored monthly returns."""
    mining, rental = history_returns(history)
    return simulate(result, mining, rental, n_paths=n_paths, seed=seed)


def fan_frame(mc: MonteCarloResult) -> pd.DataFrame:
    """Cumulative spread net of conversion cost ($/GPU) per month at each percentile."""
    data: dict[str, object] = {"month": np.arange(1, mc.months + 1)}
    for p in PERCENTILES:
        data[f"p{p} ($/GPU)"] = mc.cumulative_bands[p]
    return pd.DataFrame(data)


def payback_curve_frame(mc: MonteCarloResult) -> pd.DataFrame:
    """P(payback <= N months) for N = 1 .. the simulated months, in percent."""
    return pd.DataFrame(
        {
            "months N": np.arange(1, mc.months + 1),
            "P(payback ≤ N months) (%)": np.asarray(mc.p_payback_by_month) * 100,
        }
    )


def start_label(months: int) -> str:
    """``now`` or ``in 3 months``."""
    return "now" if months == 0 else f"in {months} months"


def wait_frame(mc: MonteCarloResult) -> pd.DataFrame:
    """Expected NPV ($/GPU, over the horizon) of pivoting now or in 3/6/12 months; best flagged."""
    best = mc.best_start_month() if mc.expected_npv_by_start else None
    rows = [
        {
            "pivot": start_label(k),
            "start month": k,
            "expected NPV ($/GPU)": v,
            "best": k == best,
        }
        for k, v in sorted(mc.expected_npv_by_start.items())
    ]
    return pd.DataFrame(rows, columns=["pivot", "start month", "expected NPV ($/GPU)", "best"])


def options_frame(outcome: Outcome, per: int = 1) -> pd.DataFrame:
    """Start options now / in 3 / 6 / 12 months / never: incremental expected NPV vs never.

    ``per`` divides fleet totals into a per-GPU (fleet-average) figure.
    """
    rows = [
        {
            "pivot": o.label,
            # Null for "never" (the pivot column says so): the column stays integer, so the
            # Parquet download keeps its type.
            "start month": o.start_month,
            "expected NPV ($/GPU)": o.expected_npv_usd / per,
            "best": o.best,
        }
        for o in outcome.options
    ]
    frame = pd.DataFrame(rows, columns=["pivot", "start month", "expected NPV ($/GPU)", "best"])
    return frame.astype({"start month": "Int64"})


def per_gpu_mc(mc: MonteCarloResult, count: int) -> MonteCarloResult:
    """A fleet simulation scaled to per GPU (fleet average) for the per-GPU charts."""
    from dataclasses import replace

    if count == 1:
        return mc
    return replace(
        mc,
        cumulative_bands={p: v / count for p, v in mc.cumulative_bands.items()},
        npv_usd=mc.npv_usd / count,
        expected_npv_by_start={k: v / count for k, v in mc.expected_npv_by_start.items()},
    )


def breakeven_frame(result: PivotResult) -> pd.DataFrame:
    """Today's value and the break-even value (spread = 0) of rate, utilization and power price."""
    a, b = result.assumptions, result.breakeven
    rows = [
        (
            "rental rate",
            "$/GPU-hour",
            result.rental.rate_usd_per_gpu_hour,
            b.rental_rate_usd_per_gpu_hour,
        ),
        (
            "rental utilization",
            "%",
            a.utilization * 100,
            None if b.utilization is None else b.utilization * 100,
        ),
        (
            "power price",
            "$/kWh",
            a.power_price_usd_per_kwh,
            b.power_price_usd_per_kwh,
        ),
    ]
    return pd.DataFrame(
        [
            {
                "input": name,
                "unit": unit,
                "today": today,
                "break-even": math.nan if be is None else be,
                "break-even exists": be is not None,
            }
            for name, unit, today, be in rows
        ]
    )


def revenue_stability(history: pd.DataFrame, days: int = STABILITY_DAYS) -> pd.DataFrame:
    """Coefficient of variation (std ÷ |mean|) of daily net, mining vs rental, last ``days``.

    CV is NaN when there are fewer than 30 days or the mean is within a cent of zero.
    """
    columns = [
        "series",
        "days",
        "from",
        "to",
        "mean ($/GPU/day)",
        "std ($/GPU/day)",
        "coefficient of variation",
    ]
    if history.empty:
        return pd.DataFrame(columns=columns)
    day = pd.to_datetime(history["day"])
    window = history[day > day.max() - timedelta(days=days)]
    wday = pd.to_datetime(window["day"])
    rows = []
    for label, column in (
        ("mining net", "mining_net_usd_day"),
        ("rental net", "rental_net_usd_day"),
    ):
        values = window[column].astype(float).dropna()
        n = len(values)
        mean = float(values.mean()) if n else math.nan
        std = float(values.std(ddof=0)) if n else math.nan
        ok = n >= MIN_STABILITY_DAYS and abs(mean) >= MIN_MEAN_FOR_CV
        rows.append(
            {
                "series": label,
                "days": n,
                "from": wday.min().date() if n else None,
                "to": wday.max().date() if n else None,
                "mean ($/GPU/day)": mean,
                "std ($/GPU/day)": std,
                "coefficient of variation": std / abs(mean) if ok else math.nan,
            }
        )
    return pd.DataFrame(rows, columns=columns)
