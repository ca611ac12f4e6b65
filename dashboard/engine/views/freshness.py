"""Data freshness as a table: one row per source and data kind (Overview and Data health)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from dashboard.engine.views.formatting import format_age


def freshness_frame(statuses: Sequence[Any]) -> pd.DataFrame:
    """One row per source and data kind: last success, age, expected interval, rows, state."""
    rows = [
        {
            "data kind": s.kind,
            "source": s.source,
            "title": s.title,
            "state": s.staleness,
            "last success (UTC)": s.last_success,
            "age": format_age(s.age_hours),
            "expected every (h)": s.expected_interval_hours,
            "rows": s.rows,
            "last status": s.last_status or "never run",
            "last error": s.last_error or "",
            "unknown GPU names": ", ".join(s.unknown_gpu_names or []),
        }
        for s in statuses
    ]
    columns = [
        "data kind",
        "source",
        "title",
        "state",
        "last success (UTC)",
        "age",
        "expected every (h)",
        "rows",
        "last status",
        "last error",
        "unknown GPU names",
    ]
    frame = pd.DataFrame(rows, columns=columns)
    return frame.sort_values(["data kind", "source"], kind="stable").reset_index(drop=True)
