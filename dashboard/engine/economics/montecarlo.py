"""Monte Carlo of the pivot: bootstrapped monthly shocks around the deterministic drift.

Design: the drift (rental decline, difficulty growth) comes from the assumptions, exactly as
in the deterministic NPV; stored history only supplies the *shocks*: its monthly log returns
are demeaned and resampled. So with zero volatility every path is the deterministic path and
the NPV equals :func:`economics.npv_usd`. Without enough history, shocks are normal with the
documented default volatilities below, and ``volatility_source`` says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from dashboard.engine.economics.per_gpu import (
    discount_factor,
    mining_factor,
    monthly_spread_usd,
    rental_factor,
    terminal_value_usd,
    upfront_usd_per_gpu,
)
from dashboard.engine.terms import GpuAssumptions, PivotResult

PERCENTILES = (5, 25, 50, 75, 95)
START_MONTHS = (0, 3, 6, 12)
MIN_RETURNS = 3  # fewer monthly returns than this is not a volatility estimate

# Assumptions (no citable figure): GPU-coin revenue per hash moves with coin prices, so
# ~15 %/month log volatility; marketplace rental indices move slowly, ~5 %/month.
DEFAULT_MINING_MONTHLY_VOL = 0.15
DEFAULT_RENTAL_MONTHLY_VOL = 0.05


def monthly_log_returns(series: pd.Series) -> np.ndarray:
    """Month-on-month log returns of a daily series (monthly means of positive values)."""
    if series is None or len(series) == 0:
        return np.array([], dtype=float)
    s = pd.Series(np.asarray(series, dtype=float), index=pd.to_datetime(series.index))
    s = s[s > 0]
    if s.empty:
        return np.array([], dtype=float)
    monthly = s.resample("MS").mean()
    # Gaps stay NaN, so a return is never taken across a missing month.
    returns = np.log(monthly).diff().to_numpy()
    return returns[np.isfinite(returns)]


def drift_from_returns(mining_returns: np.ndarray, rental_returns: np.ndarray) -> dict[str, float]:
    """Annual difficulty growth and rental decline implied by mean monthly log returns."""
    out: dict[str, float] = {}
    if len(mining_returns) >= MIN_RETURNS:
        out["difficulty_growth"] = float(np.exp(-12 * np.mean(mining_returns)) - 1)
    if len(rental_returns) >= MIN_RETURNS:
        out["rental_decline"] = float(1 - np.exp(12 * np.mean(rental_returns)))
    return out


@dataclass
class MonteCarloResult:
    """Distribution of the pivot's outcome per GPU."""

    months: int
    n_paths: int
    seed: int
    cumulative_bands: dict[int, np.ndarray]  # percentile -> cumulative spread net of capex
    payback_months: np.ndarray  # per path; NaN when not paid back within the months
    p_payback_by_month: np.ndarray  # [m - 1] = P(payback <= m months)
    npv_usd: np.ndarray  # per path, discounted, net of capex
    expected_npv_by_start: dict[int, float]  # pivot in k months -> incremental NPV vs never
    volatility_source: str
    mining_monthly_vol: float
    rental_monthly_vol: float
    notes: list[str] = field(default_factory=list)

    def p_payback_within(self, months: float) -> float:
        """P(payback <= ``months``) across paths."""
        paid = self.payback_months[np.isfinite(self.payback_months)]
        return float(np.count_nonzero(paid <= months) / self.n_paths)

    @property
    def expected_npv_usd(self) -> float:
        """Mean NPV of pivoting now."""
        return float(np.mean(self.npv_usd))

    def best_start_month(self) -> int:
        """The start month (0, 3, 6, 12) with the highest expected NPV; ties go to sooner."""
        return max(self.expected_npv_by_start, key=lambda k: (self.expected_npv_by_start[k], -k))

    def median_payback_months(self) -> float | None:
        """Payback of the median path (None when under half the paths pay back)."""
        value = float(
            np.median(np.where(np.isfinite(self.payback_months), self.payback_months, np.inf))
        )
        return value if np.isfinite(value) else None

    def npv_percentiles(self) -> dict[int, float]:
        """NPV at the standard percentiles."""
        return {
            p: float(v)
            for p, v in zip(PERCENTILES, np.percentile(self.npv_usd, PERCENTILES), strict=True)
        }

    def to_dict(self) -> dict[str, Any]:
        """A JSON-friendly summary (bands as lists)."""
        return {
            "months": self.months,
            "n_paths": self.n_paths,
            "seed": self.seed,
            "volatility_source": self.volatility_source,
            "mining_monthly_vol": self.mining_monthly_vol,
            "rental_monthly_vol": self.rental_monthly_vol,
            "expected_npv_usd": self.expected_npv_usd,
            "npv_percentiles_usd": self.npv_percentiles(),
            "p_payback_within_horizon": float(self.p_payback_by_month[-1]),
            "expected_npv_by_start": self.expected_npv_by_start,
            "cumulative_bands": {p: v.tolist() for p, v in self.cumulative_bands.items()},
            "notes": self.notes,
        }


def _shocks(
    rng: np.random.Generator,
    returns: np.ndarray | None,
    default_vol: float,
    shape: tuple[int, int],
    idx: np.ndarray | None,
) -> tuple[np.ndarray, float, bool]:
    if returns is not None and len(returns) >= MIN_RETURNS:
        centred = np.asarray(returns, dtype=float) - np.mean(returns)
        if idx is None:
            idx = rng.integers(0, len(centred), size=shape)
        return centred[idx], float(np.std(centred)), True
    return rng.normal(0.0, default_vol, size=shape), default_vol, False


@dataclass(frozen=True)
class Paths:
    """Simulated revenue multipliers (months, paths) and where their volatility came from."""

    mining_mult: np.ndarray
    rental_mult: np.ndarray
    volatility_source: str
    mining_monthly_vol: float
    rental_monthly_vol: float
    notes: tuple[str, ...] = ()


def simulate_paths(
    a: GpuAssumptions,
    mining_returns: np.ndarray | None,
    rental_returns: np.ndarray | None,
    n_paths: int,
    months: int,
    seed: int,
    zero_volatility: bool = False,
) -> Paths:
    """Seeded multipliers: the forward model's drift times bootstrapped (or normal) shocks."""
    if n_paths < 1 or months < 1:
        raise ValueError("n_paths and months must be at least 1")
    rng = np.random.default_rng(seed)
    # Months-major layout (months, paths): cumulative sums and percentiles then run along
    # contiguous rows, several times faster than paths-major for 10k x 60.
    shape = (months, n_paths)
    if zero_volatility:
        m_shock, r_shock = np.zeros(shape), np.zeros(shape)
        m_vol = r_vol = 0.0
        source, notes = "zero volatility (the forward model's path)", ()
    else:
        # Same-length histories are resampled on the same months, keeping their correlation.
        joint = (
            mining_returns is not None
            and rental_returns is not None
            and len(mining_returns) == len(rental_returns) >= MIN_RETURNS
        )
        idx = rng.integers(0, len(mining_returns), size=shape) if joint else None  # type: ignore[arg-type]
        m_shock, m_vol, m_hist = _shocks(
            rng, mining_returns, DEFAULT_MINING_MONTHLY_VOL, shape, idx
        )
        r_shock, r_vol, r_hist = _shocks(
            rng, rental_returns, DEFAULT_RENTAL_MONTHLY_VOL, shape, idx
        )
        source = {
            (True, True): "history (bootstrapped monthly returns)",
            (True, False): "mining from history; rental default volatility",
            (False, True): "rental from history; mining default volatility",
            (False, False): "default volatility (no stored history)",
        }[(m_hist, r_hist)]
        notes = ()
        if not (m_hist and r_hist):
            notes = (
                f"default monthly volatility used: mining {DEFAULT_MINING_MONTHLY_VOL:.0%}, "
                f"rental {DEFAULT_RENTAL_MONTHLY_VOL:.0%} (assumptions)",
            )
    mining_mult = np.exp(np.cumsum(m_shock, axis=0, out=m_shock), out=m_shock)
    mining_mult *= mining_factor(a, months)[:, None]
    rental_mult = np.exp(np.cumsum(r_shock, axis=0, out=r_shock), out=r_shock)
    rental_mult *= rental_factor(a, months)[:, None]
    return Paths(mining_mult, rental_mult, source, m_vol, r_vol, notes)


def path_flows(result: PivotResult, paths: Paths) -> np.ndarray:
    """Per-GPU monthly pivot cash flow on every path (months, paths), fixed opex included."""
    flows = monthly_spread_usd(result.mining, result.rental, paths.mining_mult, paths.rental_mult)
    flows -= result.assumptions.fixed_opex_usd_per_gpu_month
    return flows


def summarise(
    flows: np.ndarray,
    upfront_usd: float,
    terminal_usd: float,
    a: GpuAssumptions,
    paths: Paths,
    seed: int,
) -> MonteCarloResult:
    """Bands, payback and incremental expected NPV per start month from simulated flows.

    Works per GPU or for a whole fleet (flows, upfront and terminal value summed over models
    path by path). Every start option is valued over the same calendar window from today.
    """
    months, n_paths = flows.shape
    disc = discount_factor(a, months)
    discounted = flows * disc[:, None]
    terminal_pv = terminal_usd * disc[-1]
    npv = discounted.sum(axis=0) - upfront_usd + terminal_pv

    cumulative = np.cumsum(flows, axis=0)
    cumulative -= upfront_usd
    bands = dict(zip(PERCENTILES, _row_percentiles(cumulative, PERCENTILES), strict=True))

    payback = _payback(cumulative, flows, upfront_usd)
    paid = np.sort(payback[np.isfinite(payback)])
    p_by_month = np.searchsorted(paid, np.arange(1, months + 1), side="right") / n_paths

    mean_discounted = discounted.mean(axis=1)
    by_start = {
        k: start_option_npv(mean_discounted, disc, upfront_usd, terminal_usd, k)
        for k in START_MONTHS
        if k < months
    }
    return MonteCarloResult(
        months=months,
        n_paths=n_paths,
        seed=seed,
        cumulative_bands=bands,
        payback_months=payback,
        p_payback_by_month=p_by_month,
        npv_usd=npv,
        expected_npv_by_start=by_start,
        volatility_source=paths.volatility_source,
        mining_monthly_vol=paths.mining_monthly_vol,
        rental_monthly_vol=paths.rental_monthly_vol,
        notes=list(paths.notes),
    )


def start_option_npv(
    discounted_flows: np.ndarray,
    disc: np.ndarray,
    upfront_usd: float,
    terminal_usd: float,
    start_month: int,
) -> float:
    """Incremental NPV vs never pivoting of starting in ``start_month`` months.

    Months 1..k keep mining (0 incremental by construction); the spread is earned from month
    k + 1 (rates as the calendar has them by then); the conversion is paid at month k and
    discounted from then; the terminal value closes the window at the horizon.
    """
    k = start_month
    spend_pv = upfront_usd * (1.0 if k == 0 else disc[k - 1])
    return float(discounted_flows[k:].sum() - spend_pv + terminal_usd * disc[-1])


def simulate(
    result: PivotResult,
    mining_returns: np.ndarray | None,
    rental_returns: np.ndarray | None,
    n_paths: int = 10_000,
    months: int | None = None,
    seed: int = 0,
    zero_volatility: bool = False,
) -> MonteCarloResult:
    """Simulate ``n_paths`` x ``months`` of the per-GPU pivot spread; seeded, so reproducible."""
    a = result.assumptions
    months = months or a.horizon_months
    paths = simulate_paths(
        a, mining_returns, rental_returns, n_paths, months, seed, zero_volatility
    )
    flows = path_flows(result, paths)
    return summarise(flows, upfront_usd_per_gpu(a), terminal_value_usd(a), a, paths, seed)


def _row_percentiles(x: np.ndarray, percentiles: tuple[int, ...]) -> np.ndarray:
    """np.percentile(x, q, axis=1) (linear method) via one sort: much faster than partition."""
    ordered = np.sort(x, axis=1)
    pos = np.asarray(percentiles, dtype=float) / 100 * (x.shape[1] - 1)
    lo = np.floor(pos).astype(int)
    hi = np.minimum(lo + 1, x.shape[1] - 1)
    frac = pos - lo
    return (ordered[:, lo] * (1 - frac) + ordered[:, hi] * frac).T


def _payback(cumulative: np.ndarray, flows: np.ndarray, upfront: float) -> np.ndarray:
    """First month the cumulative spread reaches 0, interpolated within the month; NaN if never.

    Arrays are (months, paths).
    """
    n = cumulative.shape[1]
    crossed = cumulative >= 0
    has = crossed.any(axis=0)
    k = np.argmax(crossed, axis=0)
    cols = np.arange(n)
    prev = np.where(k > 0, cumulative[np.maximum(k - 1, 0), cols], -upfront)
    flow = flows[k, cols]
    with np.errstate(divide="ignore", invalid="ignore"):
        months = np.where(flow > 0, k + (-prev) / flow, k)
    return np.where(has, months, np.nan)
