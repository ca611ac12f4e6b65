"""Units in one place: every conversion RigShift makes goes through these functions.

Names carry their unit (``hashrate_hs``, ``price_usd_per_kwh``) so a value's unit is never
a guess. Base units: H/s for hashrate, W for power, USD/kWh for energy, USD per GPU-hour
for rental rates, seconds for time.
"""

from __future__ import annotations

HASHRATE_UNITS_HS: dict[str, float] = {
    "H/s": 1.0,
    "kH/s": 1e3,
    "MH/s": 1e6,
    "GH/s": 1e9,
    "TH/s": 1e12,
    "PH/s": 1e15,
    "EH/s": 1e18,
    "ZH/s": 1e21,
}

SECONDS_PER_DAY = 86_400
HOURS_PER_DAY = 24
DAYS_PER_YEAR = 365.25
DAYS_PER_MONTH = DAYS_PER_YEAR / 12  # 30.44: the product notes' payback month
HOURS_PER_YEAR = HOURS_PER_DAY * DAYS_PER_YEAR
BTC_DIFFICULTY_1_HASHES = 2**32
BTC_TARGET_BLOCK_TIME_S = 600


def to_hs(value: float, unit: str) -> float:
    """Convert a hashrate in ``unit`` (e.g. "MH/s") to H/s."""
    key = unit.strip().replace("Hs", "H/s")
    for name, factor in HASHRATE_UNITS_HS.items():
        if name.lower() == key.lower():
            return float(value) * factor
    raise ValueError(f"unknown hashrate unit {unit!r}; use one of {', '.join(HASHRATE_UNITS_HS)}")


def from_hs(hashrate_hs: float, unit: str) -> float:
    """Convert H/s to ``unit``."""
    return hashrate_hs / to_hs(1.0, unit)


def parse_hashrate(text: str) -> float:
    """Parse "120 MH/s", "120MH/s" or "1.2e8" into H/s."""
    raw = text.strip()
    for name in sorted(HASHRATE_UNITS_HS, key=len, reverse=True):
        if raw.lower().endswith(name.lower()):
            return to_hs(float(raw[: -len(name)].strip()), name)
    return float(raw)


def cents_per_kwh_to_usd_per_kwh(cents: float) -> float:
    """US cents per kWh (EIA's unit) to USD per kWh."""
    return cents / 100.0


def usd_per_mwh_to_usd_per_kwh(usd_per_mwh: float) -> float:
    """USD per MWh to USD per kWh."""
    return usd_per_mwh / 1000.0


def eur_per_mwh_to_usd_per_kwh(eur_per_mwh: float, usd_per_eur: float) -> float:
    """EUR per MWh to USD per kWh at an explicit FX rate (USD per 1 EUR)."""
    return eur_per_mwh * usd_per_eur / 1000.0


def usd_per_th_day_to_usd_per_ph_day(usd_per_th_day: float) -> float:
    """Hashprice in USD per TH/s per day (Braiins' unit) to USD per PH/s per day."""
    return usd_per_th_day * 1000.0


def watts_to_kw(watts: float) -> float:
    """W to kW."""
    return watts / 1000.0


def mw_to_kw(mw: float) -> float:
    """MW to kW."""
    return mw * 1000.0


def energy_kwh_per_day(power_w: float) -> float:
    """Energy drawn in a day by a constant load of ``power_w`` watts."""
    return power_w / 1000.0 * HOURS_PER_DAY


def power_cost_usd_per_day(power_w: float, price_usd_per_kwh: float, pue: float = 1.0) -> float:
    """Daily cost of a constant load at the wall, PUE included."""
    return energy_kwh_per_day(power_w) * price_usd_per_kwh * pue


def cents_to_usd(cents: float) -> float:
    """US cents to USD."""
    return cents / 100.0


def mb_to_gb(mb: float) -> float:
    """Megabytes (vast.ai's gpu_ram) to gigabytes (binary, 1024 MB)."""
    return mb / 1024.0


def btc_nethash_hs(difficulty: float, block_time_s: float = BTC_TARGET_BLOCK_TIME_S) -> float:
    """Bitcoin-style network hashrate from difficulty: D x 2^32 / T."""
    return difficulty * BTC_DIFFICULTY_1_HASHES / block_time_s


def ph_per_mw(efficiency_j_per_th: float) -> float:
    """PH/s that one MW of ASICs delivers at ``efficiency_j_per_th`` (J/TH = W per TH/s)."""
    if efficiency_j_per_th <= 0:
        raise ValueError("efficiency must be positive J/TH")
    th_per_s = 1_000_000.0 / efficiency_j_per_th
    return th_per_s / 1000.0


def usd_per_kw_month_to_usd_per_mw_year(usd_per_kw_month: float) -> float:
    """Colocation rent in $/kW-month to $/MW-year."""
    return usd_per_kw_month * 1000.0 * 12


def annual_to_monthly_rate(annual: float) -> float:
    """Compound annual rate to the equivalent monthly rate."""
    return (1.0 + annual) ** (1.0 / 12.0) - 1.0
