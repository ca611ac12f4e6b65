"""``rigshift status``: per-source freshness, rows, last error and unknown GPU names."""

from __future__ import annotations

import argparse

from dashboard.cli.commands.output import print_json, print_table
from scrapers.config import Settings
from scrapers.status import source_statuses, store_meta
from scrapers.store import read_connection


def register(sub: argparse._SubParsersAction) -> None:
    """Add the status subcommand."""
    p = sub.add_parser("status", help="show each source's freshness, rows and last error")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Print source statuses."""
    with read_connection(settings.db_path) as con:
        statuses = source_statuses(con)
        meta = store_meta(con)
    unknown = sorted({n for s in statuses for n in s.unknown_gpu_names})
    if args.json:
        print_json(
            {
                "database": settings.db_path,
                "dataset": meta.get("dataset", "live"),
                "sources": [s.to_dict() for s in statuses],
                "unknown_gpu_names": unknown,
            }
        )
        return 0
    print(f"database: {settings.db_path} ({meta.get('dataset', 'live')} data)")
    print_table(
        ["source", "kind", "staleness", "last success (UTC)", "rows", "last error"],
        [
            (
                s.source,
                s.kind,
                s.staleness,
                f"{s.last_success:%Y-%m-%d %H:%M}" if s.last_success else "never",
                s.rows,
                s.last_error or "",
            )
            for s in statuses
        ],
    )
    if unknown:
        print(f"unknown GPU names (kept with no canonical model): {', '.join(unknown)}")
    return 0
