"""Timing page: when to pivot (built out in a later task)."""

from __future__ import annotations

from dashboard.ui.widgets import coming_soon

coming_soon(
    "Timing",
    "when to pivot: expected NPV of pivoting now vs in 3, 6 or 12 months, and revenue stability",
)
