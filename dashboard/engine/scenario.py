"""Scenarios as short, stable URL parameters: ``?gpu=RTX+3090&n=1000&price=0.06&util=70``.

Pure: no Streamlit, no I/O. Percent inputs travel as percents (``util=70``, ``fee=25``) as in
the sidebar, money in USD, the horizon and payback target in months. The names are a public
contract (saved links and alert rules use them): add new ones, never rename.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from dashboard.engine import terms as m
from dashboard.engine.terms import GpuAssumptions
from dashboard.engine.views.site import SITE_INPUTS

if TYPE_CHECKING:
    from dashboard.engine.decision import Fleet


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


def _from_bounds() -> tuple[Param, ...]:
    from dashboard.engine.bounds import BOUNDS

    fields = set(GpuAssumptions.__dataclass_fields__)
    return tuple(
        Param(b.url_key, b.field, b.title, b.lo, b.hi, b.scale, b.integer)
        for b in BOUNDS
        if b.url_key and b.field in fields
    )


# Order is the order in links; bounds are the shared table (dashboard/engine/bounds.py), the
# same ones the sidebar widgets, the CLI and the engine use.
PARAMS: tuple[Param, ...] = _from_bounds()
FLEET_PARAM = "fleet"
# Site inputs (the Site page writes them; saved scenarios keep them too).
SITE_PARAMS: tuple[str, ...] = tuple(i.url for i in SITE_INPUTS)
PARAM_NAMES: tuple[str, ...] = (
    ("gpu",) + tuple(p.name for p in PARAMS) + (FLEET_PARAM,) + SITE_PARAMS
)


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
        value = getattr(a, p.field)
        if value is not None:  # optional inputs (terminal value) travel only when set
            out[p.name] = _text(float(value) * p.scale, p.integer)
    return out


def fleet_param(fleet: Fleet) -> dict[str, str]:
    """``{"fleet": "H100 SXM:200,RTX 4090:500"}`` for a mixed fleet; {} for a one-model one."""
    if len(fleet.lines) == 1 and fleet.lines[0].conversion_capex_usd is None:
        return {}
    return {FLEET_PARAM: fleet.to_text()}


def fleet_from_params(
    params: Mapping[str, str | list[str]], known_models: Collection[str] | None = None
) -> tuple[Fleet | None, str | None]:
    """The fleet in ``params`` (None when absent) and a warning when it cannot be read."""
    from dashboard.engine.decision import parse_fleet
    from scrapers.errors import ConfigError

    raw = params.get(FLEET_PARAM)
    if isinstance(raw, list):
        raw = raw[-1] if raw else None
    if not raw:
        return None, None
    try:
        return parse_fleet(raw, list(known_models) if known_models is not None else None), None
    except ConfigError as exc:
        return None, f"fleet={raw!r}: {exc.one_line()}"


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
            current = getattr(a, p.field)
            default = "none" if current is None else _text(float(current) * p.scale, p.integer)
            warnings.append(f"{problem}; using {default}")
        else:
            changes[p.field] = value
    return replace(a, **changes), warnings  # type: ignore[arg-type]


def default_params() -> dict[str, str]:
    """The parameters of the product defaults (what a bare link means)."""
    return to_params(GpuAssumptions(gpu_model=m.DEFAULT_GPU_MODEL))
