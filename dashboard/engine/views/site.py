"""Display tables for the Site page: the three uses per IT and per grid MW, and the deals.

Pure, no I/O. ``site.evaluate_site`` gives every money figure per MW of IT load; this module
adds the per-grid-MW view (÷ PUE) and the whole-site totals the page shows next to them.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from dashboard.engine.economics.site import SiteResult, SiteUse


@dataclass(frozen=True)
class SiteInput:
    """One number the Site page asks for: its widget, its link parameter and its shown unit."""

    field: str  # SiteAssumptions field
    label: str  # with its unit, as the widget shows it
    key: str  # Streamlit widget key
    url: str  # URL / saved-scenario parameter
    step: float
    format: str | None = None
    shown: str = ""  # "%": shown as a percent of the field; "M": in millions of the field

    def to_shown(self, value: float) -> float:
        """The field value in the widget's unit."""
        return value * 100 if self.shown == "%" else value / 1e6 if self.shown == "M" else value

    def from_shown(self, value: float) -> float:
        """The widget's value back in the field's unit."""
        return value / 100 if self.shown == "%" else value * 1e6 if self.shown == "M" else value


# Order is the order in links and saved scenarios.
SITE_INPUTS: tuple[SiteInput, ...] = (
    SiteInput("mw_it", "IT load (MW)", "site_mw_it", "site_mw", 1.0),
    SiteInput("pue", "PUE (grid MW ÷ IT MW)", "site_pue", "site_pue", 0.01, "%.2f"),
    SiteInput(
        "power_price_usd_per_kwh",
        "Power price ($/kWh)",
        "site_power_price",
        "site_price",
        0.005,
        "%.3f",
    ),
    SiteInput(
        "asic_efficiency_j_per_th",
        "ASIC efficiency (J/TH)",
        "site_asic_j_th",
        "site_asic",
        0.5,
        "%.1f",
    ),
    SiteInput(
        "colo_rent_usd_per_kw_month",
        "Colocation rent ($/kW-month of IT)",
        "site_colo_rent",
        "site_rent",
        5.0,
        "%.2f",
    ),
    SiteInput(
        "hall_capex_usd_per_mw",
        "Data hall capex ($M per IT MW)",
        "site_hall_capex_musd",
        "site_hall",
        0.1,
        "%.2f",
        shown="M",
    ),
    SiteInput(
        "all_in_w_per_gpu", "All-in power per GPU (W)", "site_w_per_gpu", "site_w", 25.0, "%.0f"
    ),
    SiteInput(
        "utilization",
        "GPU utilization (%)",
        "site_utilization_pct",
        "site_util",
        5.0,
        "%.0f",
        shown="%",
    ),
    SiteInput(
        "gpu_capex_usd", "GPU price ($/GPU)", "site_gpu_capex", "site_gpu_capex", 1000.0, "%.0f"
    ),
)
SITE_INPUT: dict[str, SiteInput] = {i.field: i for i in SITE_INPUTS}


USE_LABELS = {
    "btc_mining": "BTC self-mining",
    "gpu_cloud": "GPU cloud (own GPUs)",
    "colocation": "Colocation lease",
}


def uses_frame(site: SiteResult) -> pd.DataFrame:
    """One row per measure, one column per use: per IT MW, per grid MW and whole-site totals.

    Money is rounded to whole dollars and payback to 0.1 year (what the page shows); payback
    is NaN when a use never earns back its capex.
    """
    pue = site.assumptions.pue
    measures: list[tuple[str, str, Callable[[SiteUse], float | None]]] = [
        ("revenue", "$/IT MW-yr", lambda u: u.revenue_usd_per_mw_year),
        ("power cost", "$/IT MW-yr", lambda u: u.power_cost_usd_per_mw_year),
        ("opex incl. power", "$/IT MW-yr", lambda u: u.opex_usd_per_mw_year),
        ("net", "$/IT MW-yr", lambda u: u.net_usd_per_mw_year),
        ("net", "$/grid MW-yr", lambda u: u.net_usd_per_mw_year / pue),
        ("capex", "$/IT MW", lambda u: u.capex_usd_per_mw),
        ("payback", "years", lambda u: u.payback_years),
        ("site revenue", "$/yr", lambda u: site.totals[u.use]["revenue_usd_year"]),
        ("site net", "$/yr", lambda u: site.totals[u.use]["net_usd_year"]),
        ("site capex", "$", lambda u: site.totals[u.use]["capex_usd"]),
    ]
    rows = []
    for name, unit, get in measures:
        row: dict[str, object] = {"measure": name, "unit": unit}
        for u in site.uses:
            value = get(u)
            if value is None:
                row[USE_LABELS[u.use]] = math.nan
            else:
                row[USE_LABELS[u.use]] = round(value, 1 if unit == "years" else 0)
        rows.append(row)
    return pd.DataFrame(rows, columns=["measure", "unit", *(USE_LABELS[u.use] for u in site.uses)])


def bars_frame(site: SiteResult) -> pd.DataFrame:
    """Long table of revenue, opex and net per IT MW-year for the grouped bar chart."""
    rows = [
        {"use": USE_LABELS.get(u.use, u.use), "measure": measure, "$/IT MW-yr": value}
        for u in site.uses
        for measure, value in (
            ("revenue", u.revenue_usd_per_mw_year),
            ("opex incl. power", u.opex_usd_per_mw_year),
            ("net", u.net_usd_per_mw_year),
        )
    ]
    return pd.DataFrame(rows, columns=["use", "measure", "$/IT MW-yr"])


DEAL_TYPE_LABELS = {
    "btc_mining": "BTC self-mining",
    "gpu_cloud": "GPU cloud",
    "colocation": "colocation lease",
}
DEALS_COLUMNS = [
    "label",
    "deal type",
    "$/IT MW-yr",
    "$/kW-month",
    "announced",
    "source",
    "kind",
    "share of colocation deals below",
]


def deals_frame(placed: pd.DataFrame) -> pd.DataFrame:
    """``site.place_against_deals`` output with display names (rent only for colocation)."""
    frame = placed.rename(
        columns={
            "deal_type": "deal type",
            "usd_per_mw_year": "$/IT MW-yr",
            "share_of_colocation_deals_below": "share of colocation deals below",
            "source_url": "source",
        }
    )
    frame["deal type"] = frame["deal type"].map(lambda t: DEAL_TYPE_LABELS.get(t, t))
    frame["label"] = _unique_labels(frame)
    # The same figure in the unit colocation is quoted in: $/MW-year / 1,000 kW / 12 months.
    frame["$/kW-month"] = (frame["$/IT MW-yr"].astype(float) / 1000 / 12).round(2)
    frame["$/IT MW-yr"] = frame["$/IT MW-yr"].round(0)
    return frame[DEALS_COLUMNS]


def _unique_labels(frame: pd.DataFrame) -> list[str]:
    """Chart categories must be unique: one company can sign several deals with one tenant."""
    labels: list[str] = []
    for label, kind, announced in zip(
        frame["label"], frame["kind"], frame["announced"], strict=True
    ):
        text = str(label).replace(" -> ", " → ")
        if kind != "this site" and isinstance(announced, str) and announced:
            text += f" ({announced})"
        while text in labels:
            text += " ·"
        labels.append(text)
    return labels
