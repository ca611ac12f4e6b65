"""Scenarios as short, stable URL parameters: ``?gpu=RTX+3090&n=1000&price=0.06&util=70``.

Pure: no Streamlit, no I/O. Percent inputs travel as percents (``util=70``, ``fee=25``) as in
the sidebar, money in USD, the horizon and payback target in months. The names are a public
contract (saved links and alert rules use them): add new ones, never rename.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace

from dashboard.engine import model as m
from dashboard.engine.model import GpuAssumptions


@dataclass(frozen=True)
class Param:
    """One URL parameter: its assumption field, scale (percent = 100), bounds and kind."""

    name: str
    field: str
    label: str
    lo: float
    hi: float | None = None
    scale: float = 1.0
    integer: bool = False


# Order is the order in links. Bounds are the sidebar widgets' bounds and the engine's rules.
PARAMS: tuple[Param, ...] = (
    Param("n", "count", "fleet size", 1, 10_000_000, integer=True),
    Param("price", "power_price_usd_per_kwh", "power price ($/kWh)", 0),
    Param("pue", "pue", "PUE", 1, 5),
    Param("util", "utilization", "utilization (%)", 0, 100, scale=100),
    Param("fee", "platform_fee", "marketplace fee (%)", 0, 100, scale=100),
    Param("pool", "pool_fee", "pool fee (%)", 0, 100, scale=100),
    Param("capex", "conversion_capex_usd", "conversion capex ($/GPU)", 0),
    Param("transition", "transition_cost_usd", "transition cost ($)", 0),
    Param("horizon", "horizon_months", "horizon (months)", 1, 120, integer=True),
    Param("target", "payback_target_months", "payback target (months)", 1, 120),
    Param("disc", "discount_rate", "discount rate (%/yr)", 0, 100, scale=100),
)
PARAM_NAMES: tuple[str, ...] = ("gpu",) + tuple(p.name for p in PARAMS)


def _text(value: float, integer: bool) -> str:
    if integer:
        return str(int(value))
    # 10 significant digits undo the float noise of percent scaling (0.07 x 100) and are
    # still exact for every value a person types.
    text = f"{value:.10g}"
    return text if "e" not in text else repr(float(value))


def to_params(a: GpuAssumptions) -> dict[str, str]:
    """Every scenario input of ``a`` as a URL parameter string."""
    out = {"gpu": a.gpu_model}
    for p in PARAMS:
        out[p.name] = _text(float(getattr(a, p.field)) * p.scale, p.integer)
    return out


def _parse(p: Param, raw: str) -> tuple[float | int | None, str | None]:
    text = raw.strip()
    try:
        value = float(text)
    except ValueError:
        return None, f"{p.name}={raw!r} is not a number"
    if not math.isfinite(value):
        return None, f"{p.name}={raw!r} is not a finite number"
    if p.integer and value != int(value):
        return None, f"{p.name}={raw!r} must be a whole number"
    if value < p.lo or (p.hi is not None and value > p.hi):
        low = _text(p.lo, p.integer)
        bound = f"between {low} and {_text(p.hi, p.integer)}" if p.hi is not None else f">= {low}"
        return None, f"{p.name}={raw!r}: {p.label} must be {bound}"
    return (int(value) if p.integer else value / p.scale), None


def from_params(
    params: Mapping[str, str | list[str]],
    known_models: Collection[str] | None = None,
    base: GpuAssumptions | None = None,
) -> tuple[GpuAssumptions, list[str]]:
    """Assumptions from URL parameters; a bad or unknown value becomes a warning + the default.

    Missing parameters keep ``base`` (default: the product defaults). Unknown parameter names
    are ignored (other pages may add their own).
    """
    a = base or GpuAssumptions()
    warnings: list[str] = []
    changes: dict[str, object] = {}

    def first(name: str) -> str | None:
        value = params.get(name)
        if isinstance(value, list):
            value = value[-1] if value else None
        return value

    gpu = first("gpu")
    if gpu is not None:
        gpu = gpu.strip()
        if not gpu or (known_models is not None and gpu not in known_models):
            warnings.append(f"gpu={gpu!r} is not a known GPU model; using {a.gpu_model}")
        else:
            changes["gpu_model"] = gpu
    for p in PARAMS:
        raw = first(p.name)
        if raw is None:
            continue
        value, problem = _parse(p, raw)
        if problem:
            default = _text(float(getattr(a, p.field)) * p.scale, p.integer)
            warnings.append(f"{problem}; using {default}")
        else:
            changes[p.field] = value
    return replace(a, **changes), warnings  # type: ignore[arg-type]


def default_params() -> dict[str, str]:
    """The parameters of the product defaults (what a bare link means)."""
    return to_params(GpuAssumptions(gpu_model=m.DEFAULT_GPU_MODEL))
