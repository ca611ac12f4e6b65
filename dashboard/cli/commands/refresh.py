"""``rigshift refresh`` and ``rigshift backfill``."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from dashboard.cli.commands.alerts import after_refresh
from dashboard.cli.commands.output import print_json, print_table, progress_printer
from scrapers.config import Settings
from scrapers.errors import ConfigError
from scrapers.refresh import SourceResult, refresh


def register(sub: argparse._SubParsersAction) -> None:
    """Add the refresh and backfill subcommands."""
    p = sub.add_parser("refresh", help="fetch every source (or --source ones) into the store")
    _common(p)
    p.add_argument("--force", action="store_true", help="ignore per-source minimum intervals")
    p.set_defaults(func=run_refresh)

    b = sub.add_parser("backfill", help="pull multi-year history from sources' history endpoints")
    _common(b)
    b.add_argument("--since", metavar="DATE", help="earliest date, YYYY-MM-DD")
    b.set_defaults(func=run_backfill)


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--source",
        action="append",
        default=[],
        metavar="NAME",
        help="limit to this source id (repeatable)",
    )
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--quiet", action="store_true", help="no progress lines (for cron)")


def run_refresh(args: argparse.Namespace, settings: Settings) -> int:
    """Refresh sources and report; exit 1 when any failed."""
    results = refresh(
        settings, args.source, force=args.force, progress=progress_printer(args.quiet or args.json)
    )
    code = report(results, args.json, args.quiet)
    after_refresh(settings, to_stderr=args.json, quiet=args.quiet)
    return code


def run_backfill(args: argparse.Namespace, settings: Settings) -> int:
    """Backfill history and report."""
    since = None
    if args.since:
        try:
            since = datetime.strptime(args.since, "%Y-%m-%d").replace(tzinfo=UTC)
        except ValueError:
            raise ConfigError(f"--since must be YYYY-MM-DD, got {args.since!r}") from None
    results = refresh(
        settings,
        args.source,
        backfill=True,
        since=since,
        progress=progress_printer(args.quiet or args.json),
    )
    return report(results, args.json, args.quiet)


def report(results: list[SourceResult], as_json: bool, quiet: bool) -> int:
    """Print results; 0 when none failed, 1 when some failed and some were committed, 4 when
    every source attempted failed (nothing committed)."""
    failed = [r for r in results if r.status == "failed"]
    committed = [r for r in results if r.status == "ok"]
    if as_json:
        print_json(
            {
                "ok": not failed,
                "sources": [r.__dict__ for r in results],
            }
        )
    elif not quiet or failed:
        print_table(
            ["source", "status", "rows", "error"],
            [(r.source, r.status, r.rows_written, r.error or "") for r in results],
        )
    if not failed:
        return 0
    return 1 if committed else 4
