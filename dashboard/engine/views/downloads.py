"""Bytes for the app's download buttons: exactly the frame shown, as CSV or Parquet. Pure."""

from __future__ import annotations

import io

import pandas as pd

FORMATS = {"csv": "text/csv", "parquet": "application/vnd.apache.parquet"}


def table_bytes(frame: pd.DataFrame, fmt: str) -> bytes:
    """``frame`` without its index as CSV (UTF-8) or Parquet (pyarrow) bytes."""
    if fmt == "csv":
        return frame.to_csv(index=False).encode("utf-8")
    if fmt == "parquet":
        buffer = io.BytesIO()
        frame.to_parquet(buffer, index=False, engine="pyarrow")
        return buffer.getvalue()
    raise ValueError(f"unknown download format {fmt!r}; use one of {', '.join(FORMATS)}")


def file_name(name: str, fmt: str) -> str:
    """A safe file name such as ``rental_index.parquet`` from a display name."""
    stem = "".join(c if c.isalnum() or c in "-_" else "_" for c in name.strip().lower())
    return f"{stem.strip('_') or 'data'}.{fmt}"
