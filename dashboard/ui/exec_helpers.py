"""Render helpers for the executive pages (Fleet, Site, Timing): errors, numbers, explainers."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd
import streamlit as st

from dashboard.engine.economics.specs import apply_overrides
from dashboard.engine.views.formatting import months, usd
from dashboard.ui import data
from scrapers.errors import RigShiftError

ROW_PX, HEADER_PX = 35, 38


def table_height(rows: int) -> int:
    """Pixels that show every row of a dataframe without an inner scrollbar."""
    return HEADER_PX + ROW_PX * max(rows, 1) + 2


def one_line_errors(exc: RigShiftError | str, prefix: str = "") -> None:
    """One ``st.error`` per problem line: validation errors list several, one per line."""
    text = exc if isinstance(exc, str) else str(exc)
    lines = [" ".join(line.split()) for line in text.splitlines() if line.strip()]
    if not lines and isinstance(exc, RigShiftError):
        lines = [exc.one_line()]
    for line in lines:
        st.error(f"{prefix}{line}")


def inputs_table(rows: Iterable[tuple[str, str, str]]) -> pd.DataFrame:
    """The "How this is computed" inputs: one row per input with its value and basis."""
    return pd.DataFrame(list(rows), columns=["input", "value", "basis / data timestamp"])


def explainer(blocks: Iterable[str], inputs: Iterable[tuple[str, str, str]] = ()) -> None:
    """The "How this is computed" expander: formula blocks, then the inputs table."""
    with st.expander("How this is computed"):
        for block in blocks:
            st.markdown(block)
        table = inputs_table(inputs)
        if not table.empty:
            st.dataframe(table, hide_index=True, width="stretch")


def per_model_frame(d: Any) -> pd.DataFrame:
    """One row per fleet line: its verdict beside the fleet's, with the deciding numbers."""
    return pd.DataFrame(
        [
            {
                "GPU model": md.line.gpu_model,
                "GPUs": md.line.count,
                "verdict": md.per_gpu.verdict.label,
                "expected NPV now ($/GPU)": usd(md.per_gpu.option(0).expected_npv_usd, 0),
                "payback": months(md.per_gpu.payback_months),
                "reason": md.per_gpu.verdict.reason,
            }
            for md in d.models
        ]
    )


def first_model_history(path: str, version: Any, specs: Any, decision: Any) -> pd.DataFrame:
    """The margin history of the decision's first model, or an empty frame and a one-line
    error (the page goes on without its history chart)."""
    first = decision.models[0]
    spec = apply_overrides(specs[first.line.gpu_model], first.assumptions)
    try:
        return data.margin_history(path, version, spec, first.assumptions)
    except RigShiftError as exc:
        st.error(f"History unavailable: {exc.one_line()}")
        return pd.DataFrame()
