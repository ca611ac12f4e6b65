"""charts.theme: one look for every figure, and the app's config.toml agrees with it."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import plotly.graph_objects as go
import pytest

from dashboard.engine.charts import theme
from tests.support.paths import ROOT

CHARTS = ROOT / "dashboard" / "engine" / "charts"
HEX = re.compile(r"#[0-9A-Fa-f]{6}\b")


def test_config_toml_uses_the_theme_colours() -> None:
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["theme"]["primaryColor"] == theme.RENTAL_COLOR
    assert config["theme"]["textColor"] == theme.TEXT_COLOR
    assert config["theme"]["backgroundColor"] == theme.BACKGROUND_COLOR
    assert config["theme"]["secondaryBackgroundColor"] == theme.SECONDARY_BACKGROUND_COLOR


@pytest.mark.parametrize(
    "path", sorted(p for p in CHARTS.glob("*.py") if p.name != "theme.py"), ids=lambda p: p.name
)
def test_chart_modules_take_colours_from_the_theme(path: Path) -> None:
    assert HEX.findall(path.read_text(encoding="utf-8")) == []


def test_apply_sets_margins_legend_and_height() -> None:
    fig = theme.apply(go.Figure(), 300, hovermode="x unified")
    assert fig.layout.height == 300
    assert fig.layout.margin.t == theme.MARGIN["t"]
    assert fig.layout.legend.orientation == "h"
    assert fig.layout.hovermode == "x unified"


def test_apply_moves_a_long_legend_to_the_side() -> None:
    fig = theme.apply(go.Figure(), 300, series=theme.SIDE_LEGEND_AFTER + 1)
    assert fig.layout.legend.orientation == "v"


def test_color_cycles_and_takes_an_alpha() -> None:
    assert theme.color(0) == theme.color(len(theme.COLORWAY))
    assert theme.color(0, 0.5).startswith("rgba(") and theme.color(0, 0.5).endswith(", 0.5)")
