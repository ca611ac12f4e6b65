"""The Site page's charts: one megawatt's three uses, and the public deals beside them.

Builders take the display tables from ``views.site`` so the chart and its CSV download show
exactly the same numbers.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from dashboard.engine.charts import theme
from dashboard.engine.charts.theme import (
    CLOUD_COLOR,
    GAIN_COLOR,
    MINING_COLOR,
    RENTAL_COLOR,
    SITE_COLOR,
)

DEAL_COLORS = {"colocation lease": RENTAL_COLOR, "GPU cloud": CLOUD_COLOR}
MEASURE_COLORS = {"revenue": RENTAL_COLOR, "opex incl. power": MINING_COLOR, "net": GAIN_COLOR}
SITE_AXIS = "$ per IT MW-year (MW of IT load)"


DEALS_AXIS = "Revenue, $ per IT MW-year"


def site_uses_figure(bars: pd.DataFrame) -> go.Figure:
    """Revenue, opex and net per IT MW-year for each use of the site, grouped."""
    fig = go.Figure()
    for measure, group in bars.groupby("measure", sort=False):
        fig.add_trace(
            go.Bar(
                x=group["use"],
                y=group["$/IT MW-yr"],
                name=str(measure),
                marker_color=MEASURE_COLORS.get(str(measure)),
                hovertemplate="%{x}<br>"
                + str(measure)
                + " $%{y:,.0f} per IT MW-year<extra></extra>",
            )
        )
    theme.apply(fig, 420, barmode="group")
    fig.update_yaxes(title_text=SITE_AXIS, tickprefix="$", tickformat=theme.USD_LARGE)
    fig.update_xaxes(title_text="Use of the site")
    return fig


def deals_figure(deals: pd.DataFrame) -> go.Figure:
    """Each public deal's $/MW-year and this site's three uses, highest at the top."""
    fig = go.Figure()
    ordered = deals.sort_values("$/IT MW-yr", ascending=True)
    # One legend entry for this site's three uses, one per deal type.
    legend = ordered["deal type"].where(ordered["kind"] != "this site", "this site")
    for entry, group in ordered.groupby(legend, sort=False):
        mine = entry == "this site"
        name = "this site" if mine else f"deal: {entry}"
        deal_type = group["deal type"].iloc[0]
        fig.add_trace(
            go.Bar(
                x=group["$/IT MW-yr"],
                y=group["label"],
                orientation="h",
                name=name,
                marker_color=SITE_COLOR if mine else DEAL_COLORS.get(str(deal_type), RENTAL_COLOR),
                customdata=group[["source", "announced"]].fillna("").to_numpy(),
                text=[f"${v / 1e6:,.2f}M" for v in group["$/IT MW-yr"]],
                textposition="auto",
                hovertemplate="%{y}<br>$%{x:,.0f} per IT MW-year"
                + ("" if mine else "<br>announced %{customdata[1]}<br>%{customdata[0]}")
                + "<extra></extra>",
            )
        )
    theme.apply(fig, 140 + 34 * len(deals))
    fig.update_xaxes(title_text=DEALS_AXIS, tickprefix="$", tickformat=theme.USD_LARGE)
    fig.update_yaxes(
        title_text="Deal (company → counterparty) or this site",
        categoryorder="array",
        categoryarray=ordered["label"].tolist(),
    )
    return fig
