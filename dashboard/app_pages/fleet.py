"""Fleet page: per-model fleet comparison (built out in a later task)."""

from __future__ import annotations

from dashboard.ui.widgets import coming_soon

coming_soon(
    "Fleet",
    "a per-GPU-model comparison of your fleet: spread, payback, resale value and break-evens",
)
