"""Reference GPU specs and public HPC deals, read from our own data/reference/*.csv files."""

from __future__ import annotations

import csv
import re
from dataclasses import replace
from pathlib import Path

import pandas as pd

from dashboard.engine.terms import GpuAssumptions, GpuSpec
from scrapers.config import REFERENCE_DIR
from scrapers.errors import ConfigError

GPU_SPECS_CSV = REFERENCE_DIR / "gpu_specs.csv"
HPC_DEALS_CSV = REFERENCE_DIR / "hpc_deals.csv"

# Upstreams spell algorithms differently (WhatToMine "Autolykos", minerstat "Autolykos2").
# Ethash measurements stand in for Etchash: same DAG family, near-identical GPU speed.
_ALGO_ALIASES = {
    "ethash": "etchash",
    "autolykos2": "autolykos",
    "kawpow": "kawpow",
    "heavyhash": "kheavyhash",
    "randomxmonero": "randomx",
    "sha256": "sha256",
}


def algo_key(name: str | None) -> str:
    """A spelling-independent key for an algorithm name ("Autolykos2" -> "autolykos")."""
    if not name:
        return ""
    key = re.sub(r"[^a-z0-9]", "", name.lower())
    return _ALGO_ALIASES.get(key, key)


def _num(value: str | None) -> float | None:
    text = (value or "").strip()
    return float(text) if text else None


def load_gpu_specs(path: Path | None = None) -> dict[str, GpuSpec]:
    """Every GPU model in gpu_specs.csv as a :class:`GpuSpec`, keyed by canonical model id."""
    path = path or GPU_SPECS_CSV
    grouped: dict[str, list[dict[str, str]]] = {}
    with path.open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            grouped.setdefault(row["gpu_model"].strip(), []).append(row)
    specs: dict[str, GpuSpec] = {}
    for model, rows in grouped.items():
        ai_power = next((_num(r["ai_power_w"]) for r in rows if _num(r["ai_power_w"])), None)
        if ai_power is None:
            raise ConfigError(f"{path.name}: {model} has no ai_power_w")
        idle = next((_num(r["idle_power_w"]) for r in rows if _num(r["idle_power_w"])), 0.0)
        hashrates: dict[str, float] = {}
        mining_power: dict[str, float] = {}
        for r in rows:
            algo, rate = r["algorithm"].strip(), _num(r["hashrate_hs"])
            if algo and rate:
                hashrates[algo] = rate
                # No measured mining power: the board limit is the honest upper bound.
                mining_power[algo] = _num(r["mining_power_w"]) or ai_power
        specs[model] = GpuSpec(
            gpu_model=model,
            hashrates_hs=hashrates,
            mining_power_w=mining_power,
            ai_power_w=ai_power,
            idle_power_w=idle or 0.0,
            vram_gb=next((_num(r["vram_gb"]) for r in rows if _num(r["vram_gb"])), None),
            msrp_usd=next((_num(r["msrp_usd"]) for r in rows if _num(r["msrp_usd"])), None),
            sources=tuple(dict.fromkeys(r["source"].strip() for r in rows if r["source"].strip())),
        )
    return specs


def get_spec(model: str, specs: dict[str, GpuSpec] | None = None) -> GpuSpec:
    """The spec of ``model``; ConfigError naming the known models when it is missing."""
    specs = specs if specs is not None else load_gpu_specs()
    if model in specs:
        return specs[model]
    raise ConfigError(f"unknown GPU model {model!r}; known: {', '.join(sorted(specs))}")


def apply_overrides(spec: GpuSpec, a: GpuAssumptions) -> GpuSpec:
    """The spec with the user's hashrates and power figures in place of the reference ones."""
    hashrates = dict(spec.hashrates_hs)
    mining_power = dict(spec.mining_power_w)
    if a.hashrates_hs is not None:
        # Given hashrates replace the reference list: only those algorithms are mined.
        hashrates = dict(a.hashrates_hs)
        by_key = {algo_key(k): v for k, v in spec.mining_power_w.items()}
        mining_power = {algo: by_key.get(algo_key(algo), spec.ai_power_w) for algo in hashrates}
    if a.mining_power_w is not None:
        mining_power = {algo: float(a.mining_power_w) for algo in hashrates}
    return replace(
        spec,
        hashrates_hs=hashrates,
        mining_power_w=mining_power,
        ai_power_w=float(a.ai_power_w) if a.ai_power_w is not None else spec.ai_power_w,
        idle_power_w=float(a.idle_power_w) if a.idle_power_w is not None else spec.idle_power_w,
    )


def custom_spec(model: str, a: GpuAssumptions) -> GpuSpec:
    """A spec for a model with no reference row, built only from the user's inputs."""
    if a.ai_power_w is None:
        raise ConfigError(f"unknown GPU model {model!r}: pass --ai-power (and --hashrate to mine)")
    hashrates = dict(a.hashrates_hs or {})
    power = a.mining_power_w if a.mining_power_w is not None else a.ai_power_w
    return GpuSpec(
        gpu_model=model,
        hashrates_hs=hashrates,
        mining_power_w={algo: float(power) for algo in hashrates},
        ai_power_w=float(a.ai_power_w),
        idle_power_w=float(a.idle_power_w or 0.0),
    )


def load_deals(path: Path | None = None) -> pd.DataFrame:
    """Public miner -> HPC deals with $/MW-year recomputed from value, term and MW."""
    frame = pd.read_csv(path or HPC_DEALS_CSV, dtype={"announced": str})
    derived = frame["total_value_usd"] / frame["term_years"] / frame["mw_it"]
    frame["usd_per_mw_year"] = derived.round(0)
    # The colocation unit sites are quoted in: $/kW-month = $/MW-year / 1,000 kW / 12 months.
    frame["usd_per_kw_month"] = (derived / 1000 / 12).round(2)
    return frame
