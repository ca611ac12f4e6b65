"""SQL page: read-only SQL console (built out in a later task)."""

from __future__ import annotations

from dashboard.ui.widgets import coming_soon

coming_soon("SQL", "a read-only SQL console over the store")
