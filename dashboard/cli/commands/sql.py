"""``rigshift sql "QUERY"``: the sandboxed read-only SQL console for scripts."""

from __future__ import annotations

import argparse
import sys

from dashboard.cli.commands.output import print_json
from scrapers.config import Settings
from scrapers.errors import QueryRefused


def register(sub: argparse._SubParsersAction) -> None:
    """Add the sql subcommand."""
    p = sub.add_parser("sql", help="run one read-only query against the store")
    p.add_argument("query", help="one SELECT statement")
    p.add_argument("--format", choices=["csv", "json", "table"], default="table")
    p.add_argument("--max-rows", type=int, default=10_000, help="row cap (default 10000)")
    p.add_argument("--timeout", type=float, default=10.0, help="time limit, seconds")
    p.set_defaults(func=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Run the query and print it in the chosen format; exit 2 with one line when refused."""
    from dashboard.engine.sql_sandbox import run_query

    try:
        result = run_query(settings.db_path, args.query, args.max_rows, args.timeout)
    except QueryRefused as exc:
        print(f"rigshift sql: refused: {exc.one_line()}", file=sys.stderr)
        return 2
    frame = result.frame
    if args.format == "csv":
        frame.to_csv(sys.stdout, index=False)
    elif args.format == "json":
        print_json(frame.to_dict(orient="records"))
    else:
        print(frame.to_string(index=False) if not frame.empty else "(no rows)")
    if result.truncated:
        print(f"rigshift sql: output capped at {result.row_cap} rows", file=sys.stderr)
    return 0
