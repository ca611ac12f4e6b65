"""Tiny hand-made market and GPU specs for the Fleet/Site/Timing engine tests (no store)."""

from __future__ import annotations

from datetime import datetime

from dashboard.engine.terms import CoinMarket, GpuAssumptions, GpuSpec, MarketSnapshot

T0 = datetime(2026, 1, 1, 12)

# 1,440 blocks/day x 2,500 coins x $0.02 = $72,000/day for the network: 50 MH/s of
# 3.6 TH/s earns $1.00/day before the pool fee.
NETHASH_HS = 3.6e12


def coin(price_usd: float = 0.02) -> CoinMarket:
    """A KawPow coin whose 50 MH/s share is worth $1/day at $0.02."""
    return CoinMarket(
        coin="TST",
        algorithm="KawPow",
        nethash_hs=NETHASH_HS,
        block_time_s=60.0,
        block_reward_coins=2500.0,
        price_usd=price_usd,
        observed_at=T0,
        source="test",
    )


def specs() -> dict[str, GpuSpec]:
    """Two reference models: one that mines and rents, one datacentre card that only rents."""
    return {
        "RTX 3090": GpuSpec(
            gpu_model="RTX 3090",
            hashrates_hs={"KawPow": 50e6},
            mining_power_w={"KawPow": 200.0},
            ai_power_w=300.0,
            idle_power_w=30.0,
        ),
        "H100 SXM": GpuSpec(
            gpu_model="H100 SXM",
            hashrates_hs={},
            mining_power_w={},
            ai_power_w=700.0,
            idle_power_w=70.0,
        ),
    }


def market(coin_price_usd: float = 0.02, **rates: float) -> MarketSnapshot:
    """Rental rates for both reference models (and ``H200 SXM``), resale for RTX 3090 only."""
    table = {"RTX 3090": 0.30, "H100 SXM": 2.0, "H200 SXM": 3.0}
    table.update({k.replace("_", " "): v for k, v in rates.items()})
    return MarketSnapshot(
        coins=(coin(coin_price_usd),),
        rental_rates_usd_per_gpu_hour=table,
        resale_usd={"RTX 3090": 700.0},
        btc_price_usd=90_000.0,
        btc_difficulty=1.5e14,
        btc_fees_per_block_btc=0.02,
        as_of={"coins": T0, "rental": T0, "hardware": T0, "energy": None},
    )


def assumptions(**changes: object) -> GpuAssumptions:
    """Defaults with a 100-GPU fleet of RTX 3090s."""
    base = {"gpu_model": "RTX 3090", "count": 100}
    base.update(changes)
    return GpuAssumptions(**base)  # type: ignore[arg-type]
