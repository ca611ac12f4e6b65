"""Carbon and energy per GPU-day, mining vs AI rental, for one grid. Pure functions, no I/O.

Energy at the wall = IT power x 24 h x PUE. Emissions = energy x grid intensity.
Revenue is what the operator keeps: mining after the pool fee, rental after the marketplace
fee at the assumed utilization (the same revenue the Overview KPIs use).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from dashboard.engine.economics.per_gpu import hashrate_for_algo, rental_power_w
from dashboard.engine.terms import GpuSpec, PivotResult
from scrapers.units import energy_kwh_per_day

G_PER_KG = 1000.0


@dataclass(frozen=True)
class Footprint:
    """Energy, emissions and revenue of one GPU for one day of one activity."""

    activity: str  # "mining" | "rental"
    power_w: float  # average IT draw over the day
    energy_kwh_day: float  # at the wall, PUE included
    revenue_usd_day: float
    kg_co2_day: float
    kg_co2_per_usd: float | None  # None when the activity earns nothing
    revenue_usd_per_kwh: float | None  # None when it draws nothing


def footprint(
    activity: str, power_w: float, pue: float, carbon_g_per_kwh: float, revenue_usd_day: float
) -> Footprint:
    """Footprint of a constant ``power_w`` load for a day on a grid of ``carbon_g_per_kwh``."""
    energy = energy_kwh_per_day(power_w) * pue
    kg = energy * carbon_g_per_kwh / G_PER_KG
    return Footprint(
        activity=activity,
        power_w=power_w,
        energy_kwh_day=energy,
        revenue_usd_day=revenue_usd_day,
        kg_co2_day=kg,
        kg_co2_per_usd=kg / revenue_usd_day if revenue_usd_day > 0 else None,
        revenue_usd_per_kwh=revenue_usd_day / energy if energy > 0 else None,
    )


def mining_power_w(spec: GpuSpec, result: PivotResult) -> float | None:
    """Wall power of ``spec`` mining the result's best coin; None when it mines nothing."""
    best = next((c for c in result.mining.per_coin if c.coin == result.mining.best_coin), None)
    if best is None:
        return None
    match = hashrate_for_algo(spec, best.algorithm)
    return match[1] if match else None


def compare(
    spec: GpuSpec, result: PivotResult, carbon_g_per_kwh: float
) -> tuple[Footprint | None, Footprint]:
    """(mining, rental) footprints per GPU-day; mining is None when no coin can be mined."""
    a = result.assumptions
    rental = footprint(
        "rental",
        rental_power_w(spec, a.utilization),
        a.pue,
        carbon_g_per_kwh,
        result.rental.revenue_usd_day,
    )
    power = mining_power_w(spec, result)
    if power is None:
        return None, rental
    mining = footprint("mining", power, a.pue, carbon_g_per_kwh, result.mining.revenue_usd_day)
    return mining, rental


def footprint_table(mining: Footprint | None, rental: Footprint) -> pd.DataFrame:
    """The two footprints side by side, one row per measure with its unit."""
    measures = [
        ("Average IT power", "W", "power_w"),
        ("Energy at the wall (× PUE)", "kWh/GPU-day", "energy_kwh_day"),
        ("Revenue", "$/GPU-day", "revenue_usd_day"),
        ("Emissions", "kg CO2e/GPU-day", "kg_co2_day"),
        ("Emissions per $ of revenue", "kg CO2e/$", "kg_co2_per_usd"),
        ("Revenue per kWh", "$/kWh", "revenue_usd_per_kwh"),
    ]
    return pd.DataFrame(
        [
            {
                "measure": label,
                "unit": unit,
                "mining": getattr(mining, attr) if mining else None,
                "AI rental": getattr(rental, attr),
            }
            for label, unit, attr in measures
        ]
    ).astype({"mining": "float64", "AI rental": "float64"})


def by_region(
    spec: GpuSpec, result: PivotResult, intensities: Iterable[tuple[str, str, int, float]]
) -> pd.DataFrame:
    """Per grid region (code, name, year, gCO2e/kWh): kg CO2e per GPU-day and per $, both ways."""
    rows = []
    for region, name, year, g_per_kwh in intensities:
        mining, rental = compare(spec, result, g_per_kwh)
        rows.append(
            {
                "region": region,
                "region_name": name,
                "year": year,
                "carbon_g_per_kwh": g_per_kwh,
                "mining_kg_co2_day": mining.kg_co2_day if mining else None,
                "rental_kg_co2_day": rental.kg_co2_day,
                "mining_kg_co2_per_usd": mining.kg_co2_per_usd if mining else None,
                "rental_kg_co2_per_usd": rental.kg_co2_per_usd,
            }
        )
    columns = [
        "region",
        "region_name",
        "year",
        "carbon_g_per_kwh",
        "mining_kg_co2_day",
        "rental_kg_co2_day",
        "mining_kg_co2_per_usd",
        "rental_kg_co2_per_usd",
    ]
    frame = pd.DataFrame(rows, columns=columns)
    numeric = columns[3:]
    frame[numeric] = frame[numeric].astype("float64")
    return frame.sort_values("carbon_g_per_kwh", kind="stable").reset_index(drop=True)
