"""Benchmark (not a test): Monte Carlo for 10 GPU models x 10,000 paths x 60 months.

Run: ``.venv/bin/python -m benchmarks.bench_montecarlo``. Prints a table and returns figures
from :func:`run`. The plain-Python baseline runs fewer paths and is scaled linearly to the
full path count (its cost is linear in paths), measured in the same run.
"""

from __future__ import annotations

import math
import random
import statistics
import time
from dataclasses import replace
from datetime import datetime

import numpy as np

from dashboard.engine.economics.montecarlo import simulate
from dashboard.engine.economics.per_gpu import evaluate
from dashboard.engine.economics.specs import load_gpu_specs
from dashboard.engine.terms import CoinMarket, GpuAssumptions, MarketSnapshot, PivotResult
from scrapers.units import DAYS_PER_MONTH

N_PATHS = 10_000
MONTHS = 60
N_MODELS = 10
REPEATS = 5
LOOP_PATHS = 200

COINS = (
    CoinMarket("ETC", "Etchash", 2e14, 13.0, 2.56, 20.0, datetime(2025, 5, 1), "bench"),
    CoinMarket("RVN", "KawPow", 5e12, 60.0, 2500.0, 0.02, datetime(2025, 5, 1), "bench"),
    CoinMarket("ERG", "Autolykos", 2e13, 120.0, 6.0, 1.0, datetime(2025, 5, 1), "bench"),
)


def _results() -> list[PivotResult]:
    specs = list(load_gpu_specs().values())[:N_MODELS]
    market = MarketSnapshot(COINS, {}, {}, None, None, None, {})
    a = GpuAssumptions(rental_rate_usd_per_gpu_hour=0.4, horizon_months=MONTHS)
    return [evaluate(s, market, replace(a, gpu_model=s.gpu_model)) for s in specs]


def _loop_npv(
    result: PivotResult, m_ret: list[float], r_ret: list[float], paths: int
) -> list[float]:
    """The same simulation as plain Python loops (NPV only), for the baseline."""
    a = result.assumptions
    rng = random.Random(0)
    upfront = a.conversion_capex_usd + a.transition_cost_usd / a.count
    coins = [(c.revenue_usd_day, c.power_cost_usd_day) for c in result.mining.per_coin]
    out = []
    for _ in range(paths):
        cum_m = cum_r = 0.0
        npv = -upfront
        for m in range(1, MONTHS + 1):
            cum_m += rng.choice(m_ret)
            cum_r += rng.choice(r_ret)
            fm = (1 + a.difficulty_growth) ** (-m / 12) * math.exp(cum_m)
            fr = (1 - a.rental_decline) ** (m / 12) * math.exp(cum_r)
            keep = max([0.0] + [rev * fm - cost for rev, cost in coins])
            rental = result.rental.revenue_usd_day * fr - result.rental.power_cost_usd_day
            npv += (rental - keep) * DAYS_PER_MONTH / (1 + a.discount_rate) ** (m / 12)
        out.append(npv)
    return out


def run(repeats: int = REPEATS) -> dict[str, float]:
    """Time the vectorised simulation and the loop baseline; return the figures."""
    results = _results()
    rng = np.random.default_rng(42)
    m_ret, r_ret = rng.normal(0, 0.15, 36), rng.normal(0, 0.05, 36)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        for res in results:
            simulate(res, m_ret, r_ret, n_paths=N_PATHS, months=MONTHS, seed=1)
        times.append(time.perf_counter() - start)
    start = time.perf_counter()
    for res in results:
        _loop_npv(res, list(m_ret), list(r_ret), LOOP_PATHS)
    loop_scaled = (time.perf_counter() - start) * N_PATHS / LOOP_PATHS
    median = statistics.median(times)
    return {
        "models": float(len(results)),
        "paths": float(N_PATHS),
        "months": float(MONTHS),
        "repeats": float(repeats),
        "numpy_median_s": median,
        "numpy_min_s": min(times),
        "numpy_max_s": max(times),
        "loop_paths_measured": float(LOOP_PATHS),
        "loop_scaled_s": loop_scaled,
        "speedup": loop_scaled / median,
        "target_s": 0.5,
    }


def main() -> None:
    """Print the benchmark table."""
    f = run()
    print(
        f"Monte Carlo: {f['models']:.0f} GPU models x {f['paths']:,.0f} paths x "
        f"{f['months']:.0f} months"
    )
    print(f"{'method':<42}{'seconds':>10}")
    print(
        f"{'numpy, median of ' + str(int(f['repeats'])) + ' runs':<42}{f['numpy_median_s']:>10.3f}"
    )
    print(f"{'numpy, min / max':<42}{f['numpy_min_s']:>5.3f} / {f['numpy_max_s']:.3f}")
    label = f"plain Python loop ({f['loop_paths_measured']:.0f} paths, scaled)"
    print(f"{label:<42}{f['loop_scaled_s']:>10.1f}")
    print(
        f"speed-up {f['speedup']:,.0f}x; target < {f['target_s']} s: "
        f"{'met' if f['numpy_median_s'] < f['target_s'] else 'missed'}"
    )


if __name__ == "__main__":
    main()
