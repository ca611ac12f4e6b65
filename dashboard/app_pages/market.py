"""Market page: coin, rental, hardware and energy series (built out in a later task)."""

from __future__ import annotations

from dashboard.ui.widgets import coming_soon

coming_soon(
    "Market",
    "the coin, rental, hardware and energy series behind every number, filterable and downloadable",
)
