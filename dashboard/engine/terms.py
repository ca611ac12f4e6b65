"""The engine's vocabulary: assumptions in, market data in, results out. Units in every name.

These dataclasses are the contract between the store queries, the economics functions, the
CLI (``rigshift pivot``/``site``) and the app pages.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

# Defaults from the product notes; each is shown in the app with its basis.
DEFAULT_GPU_MODEL = "RTX 3090"
DEFAULT_FLEET_COUNT = 1000
DEFAULT_POWER_PRICE_USD_PER_KWH = 0.06
DEFAULT_PUE = 1.10
DEFAULT_UTILIZATION = 0.70
DEFAULT_PLATFORM_FEE = 0.25
DEFAULT_POOL_FEE = 0.01
DEFAULT_CONVERSION_CAPEX_USD = 600.0  # per GPU: an explicit assumption, no citable figure
DEFAULT_HORIZON_MONTHS = 24
DEFAULT_PAYBACK_TARGET_MONTHS = 12
DEFAULT_DISCOUNT_RATE = 0.12
DEFAULT_RENTAL_DECLINE = 0.20
DEFAULT_DIFFICULTY_GROWTH = 0.0
DEFAULT_BTC_PRICE_DRIFT = 0.0
# Conversion cost by class (no citable single figure; see product-notes "Conversion cost by
# class"): a consumer card's share of a host (x16 board, CPU, RAM >= VRAM, NVMe, network) vs a
# datacenter GPU's share of a server chassis, CPUs, RAM, NVMe and fabric networking.
DEFAULT_DATACENTER_CONVERSION_CAPEX_USD = 4000.0
# Fixed opex of a rented fleet (staff, bandwidth, maintenance, marketplace support): no
# citable figure either, so the default is a visible assumption the user is asked to set.
DEFAULT_FIXED_OPEX_USD_PER_GPU_MONTH = 0.0
# Share of the conversion spend (host parts) still worth something at the horizon: used
# server parts resell at about a quarter of cost after two years (assumption, no citation).
DEFAULT_TERMINAL_SHARE = 0.25


@dataclass(frozen=True)
class GpuAssumptions:
    """Inputs of the per-GPU pivot model. ``None`` means "use the market or reference value"."""

    gpu_model: str = DEFAULT_GPU_MODEL
    count: int = DEFAULT_FLEET_COUNT
    power_price_usd_per_kwh: float = DEFAULT_POWER_PRICE_USD_PER_KWH
    pue: float = DEFAULT_PUE
    utilization: float = DEFAULT_UTILIZATION
    platform_fee: float = DEFAULT_PLATFORM_FEE
    pool_fee: float = DEFAULT_POOL_FEE
    hashrates_hs: dict[str, float] | None = None  # algorithm -> H/s; only these when given
    mining_power_w: float | None = None
    ai_power_w: float | None = None
    idle_power_w: float | None = None
    rental_rate_usd_per_gpu_hour: float | None = None
    conversion_capex_usd: float = DEFAULT_CONVERSION_CAPEX_USD  # per GPU
    transition_cost_usd: float = 0.0  # one-off, whole fleet
    horizon_months: int = DEFAULT_HORIZON_MONTHS
    payback_target_months: float = DEFAULT_PAYBACK_TARGET_MONTHS
    discount_rate: float = DEFAULT_DISCOUNT_RATE  # annual
    rental_decline: float = DEFAULT_RENTAL_DECLINE  # annual decline of rental rates
    difficulty_growth: float = DEFAULT_DIFFICULTY_GROWTH  # annual growth of difficulty
    btc_price_drift: float = DEFAULT_BTC_PRICE_DRIFT  # annual drift of coin prices
    fixed_opex_usd_per_gpu_month: float = DEFAULT_FIXED_OPEX_USD_PER_GPU_MONTH
    # Residual value per GPU at the horizon of what the conversion bought; None = share x capex.
    terminal_value_usd: float | None = None


@dataclass(frozen=True)
class GpuSpec:
    """Reference figures for one GPU model (from data/reference/gpu_specs.csv)."""

    gpu_model: str
    hashrates_hs: dict[str, float]  # algorithm -> H/s
    mining_power_w: dict[str, float]  # algorithm -> W at the wall for that hashrate
    ai_power_w: float
    idle_power_w: float
    vram_gb: float | None = None
    msrp_usd: float | None = None
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class CoinMarket:
    """Latest network state and USD price of one mineable coin."""

    coin: str
    algorithm: str
    nethash_hs: float
    block_time_s: float
    block_reward_coins: float
    price_usd: float
    observed_at: datetime
    source: str


@dataclass(frozen=True)
class MarketSnapshot:
    """What the economics need from the store, with timestamps for "as of" lines."""

    coins: tuple[CoinMarket, ...]
    rental_rates_usd_per_gpu_hour: dict[str, float]  # gpu_model -> index median (on demand)
    resale_usd: dict[str, float]  # gpu_model -> latest used price
    btc_price_usd: float | None
    btc_difficulty: float | None
    btc_fees_per_block_btc: float | None
    as_of: dict[str, datetime | None]  # data kind (coins, rental, hardware, energy) -> time
    is_demo: bool = False

    @property
    def rent_or_mine_as_of(self) -> datetime | None:
        """The "as of" of a rent-vs-mine figure: the rental index's time, else the coins'."""
        return self.as_of.get("rental") or self.as_of.get("coins")


@dataclass(frozen=True)
class CoinRevenue:
    """Mining one coin with one GPU for a day."""

    coin: str
    algorithm: str
    revenue_usd_day: float
    power_cost_usd_day: float
    net_usd_day: float


@dataclass(frozen=True)
class MiningResult:
    """Best-coin mining per GPU per day."""

    best_coin: str | None
    revenue_usd_day: float
    power_cost_usd_day: float
    net_usd_day: float
    per_coin: tuple[CoinRevenue, ...] = ()


@dataclass(frozen=True)
class RentalResult:
    """Renting one GPU out for a day at the assumed utilization."""

    rate_usd_per_gpu_hour: float
    revenue_usd_day: float
    power_cost_usd_day: float
    net_usd_day: float


@dataclass(frozen=True)
class Breakeven:
    """Values where spread = 0; None when no admissible value exists."""

    rental_rate_usd_per_gpu_hour: float | None
    utilization: float | None
    power_price_usd_per_kwh: float | None


@dataclass(frozen=True)
class PivotResult:
    """The per-GPU answer (values per GPU per day unless named otherwise) plus fleet totals."""

    assumptions: GpuAssumptions
    mining: MiningResult
    keep_net_usd_day: float
    rental: RentalResult
    spread_usd_day: float
    payback_months: float | None  # on the forward path; None = never within the horizon
    npv_usd: float  # per GPU over the horizon, net of conversion capex, plus terminal value
    breakeven: Breakeven
    resale_usd: float | None
    fleet: dict[str, float | None] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The CLI's JSON shape (``mining.best_coin``, ``spread_usd_day``, ``fleet`` ...)."""
        doc = asdict(self)
        doc["mining"].pop("per_coin", None)
        doc["mining"]["per_coin"] = [asdict(c) for c in self.mining.per_coin]
        return doc
