"""``rigshift export --parquet DIR``: every table as Hive-partitioned Parquet."""

from __future__ import annotations

import argparse
from pathlib import Path

from dashboard.cli.commands.output import print_table, progress_printer
from scrapers.config import Settings


def register(sub: argparse._SubParsersAction) -> None:
    """Add the export subcommand."""
    p = sub.add_parser("export", help="write every table as partitioned Parquet")
    p.add_argument("--parquet", required=True, metavar="DIR", help="output folder")
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Export and print the row counts."""
    from scrapers.export import export_parquet

    counts = export_parquet(settings.db_path, Path(args.parquet), progress_printer(args.quiet))
    print_table(["table", "rows"], sorted(counts.items()))
    return 0
