"""Shared output helpers for CLI commands: JSON for machines, aligned text for people."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any


def _default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def print_json(doc: Any) -> None:
    """Print ``doc`` as indented JSON on stdout."""
    json.dump(doc, sys.stdout, indent=2, default=_default, allow_nan=False)
    sys.stdout.write("\n")


def print_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Print rows as a plain aligned text table."""
    cells = [[str(h) for h in headers]] + [["" if c is None else str(c) for c in r] for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    for n, row in enumerate(cells):
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
        if n == 0:
            print("  ".join("-" * w for w in widths))


def progress_printer(quiet: bool):  # noqa: ANN201 - returns a callable or None
    """A progress callback printing to stderr, or None when quiet."""
    if quiet:
        return None
    return lambda message: print(message, file=sys.stderr, flush=True)
