"""``rigshift demo``: build the demo database offline from bundled payloads and anchors."""

from __future__ import annotations

import argparse

from dashboard.cli.commands.output import progress_printer
from scrapers.config import Settings


def register(sub: argparse._SubParsersAction) -> None:
    """Add the demo subcommand."""
    p = sub.add_parser("demo", help="build the demo database (no network needed)")
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    p.set_defaults(func=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Build the demo store at the configured database path."""
    from scrapers.demo import build_demo

    summary = build_demo(settings, progress=progress_printer(args.quiet))
    print(f"demo database ready at {settings.db_path}: {summary}")
    return 0
