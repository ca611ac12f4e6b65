"""Site page: powered-site view (built out in a later task)."""

from __future__ import annotations

from dashboard.ui.widgets import coming_soon

coming_soon(
    "Site",
    "the powered-site view: revenue per MW-year, mining vs hosting AI, beside public HPC deals",
)
