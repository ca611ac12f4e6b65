"""``rigshift sql "QUERY"``: the sandboxed read-only SQL console for scripts.

The query comes from the argument, from ``--file PATH``, or from stdin (``-`` as the query or
as the file). Every refusal, bad flag or unreadable file is one line on stderr and exit 2.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

from dashboard.cli.commands.output import print_json
from dashboard.engine.queries.sql_sandbox import (
    DEFAULT_ROW_CAP,
    DEFAULT_TIME_LIMIT_S,
    MAX_QUERY_CHARS,
    MAX_ROW_CAP,
    MAX_TIME_LIMIT_S,
)
from scrapers.config import Settings
from scrapers.errors import QueryRefused, RigShiftError


class _BadInput(Exception):
    """A flag or input file the command cannot use; the message is the whole story."""


def register(sub: argparse._SubParsersAction) -> None:
    """Add the sql subcommand."""
    p = sub.add_parser("sql", help="run one read-only query against the store")
    p.add_argument("query", nargs="?", help="one SELECT statement, or - to read it from stdin")
    p.add_argument("--file", metavar="PATH", help="read the query from PATH (- for stdin)")
    p.add_argument("--format", choices=["csv", "json", "table"], default="table")
    # Parsed as text and checked here, so -1, nan, inf and 1e308 each get one clear line.
    p.add_argument(
        "--max-rows",
        default=str(DEFAULT_ROW_CAP),
        help=f"row cap, 1 to {MAX_ROW_CAP} (default {DEFAULT_ROW_CAP})",
    )
    p.add_argument(
        "--timeout",
        default=str(DEFAULT_TIME_LIMIT_S),
        help=f"time limit in seconds, above 0 and at most {MAX_TIME_LIMIT_S:g} "
        f"(default {DEFAULT_TIME_LIMIT_S:g})",
    )
    p.set_defaults(func=run)


def parse_max_rows(text: str) -> int:
    """The --max-rows value as a whole number within 1..MAX_ROW_CAP, or _BadInput."""
    try:
        value = int(text.strip())
    except ValueError:
        raise _BadInput(f"--max-rows must be a whole number from 1 to {MAX_ROW_CAP}") from None
    if not 1 <= value <= MAX_ROW_CAP:
        raise _BadInput(f"--max-rows must be from 1 to {MAX_ROW_CAP}, got {text.strip()}")
    return value


def parse_timeout(text: str) -> float:
    """The --timeout value as finite seconds in (0, MAX_TIME_LIMIT_S], or _BadInput."""
    try:
        value = float(text.strip())
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or not 0 < value <= MAX_TIME_LIMIT_S:
        raise _BadInput(
            f"--timeout must be a number of seconds above 0 and at most {MAX_TIME_LIMIT_S:g}, "
            f"got {text.strip()[:40]}"
        )
    return value


def _read_source(source: str) -> str:
    limit = MAX_QUERY_CHARS * 4  # bytes, enough for any UTF-8 query under the char limit
    try:
        if source == "-":
            data = sys.stdin.buffer.read(limit + 1)
            where = "stdin"
        else:
            with Path(source).open("rb") as fh:
                data = fh.read(limit + 1)
            where = source
    except OSError as exc:
        raise _BadInput(f"cannot read {source}: {exc.strerror or exc}") from None
    if len(data) > limit:
        raise _BadInput(f"the query in {where} is larger than {limit:,} bytes")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise _BadInput(f"the query in {where} is not UTF-8 text") from None


def query_text(args: argparse.Namespace) -> str:
    """The query from the argument, --file or stdin; _BadInput when missing or doubled."""
    if args.file is not None and args.query is not None:
        raise _BadInput("give the query as an argument or with --file, not both")
    if args.file is not None:
        return _read_source(args.file)
    if args.query is None:
        raise _BadInput('no query: rigshift sql "SELECT ...", --file PATH, or - for stdin')
    return _read_source("-") if args.query == "-" else args.query


def _json_safe(record: dict) -> dict:
    # JSON has no NaN or infinity; a query may well return them (and pandas uses NaN for NULL).
    return {
        k: None if isinstance(v, float) and not math.isfinite(v) else v for k, v in record.items()
    }


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Run the query and print it in the chosen format; exit 2 with one line when refused."""
    from dashboard.engine.queries.sql_sandbox import run_query

    try:
        max_rows = parse_max_rows(args.max_rows)
        timeout_s = parse_timeout(args.timeout)
        sql = query_text(args)
        result = run_query(settings.db_path, sql, max_rows, timeout_s)
    except _BadInput as exc:
        print(f"rigshift sql: {exc}", file=sys.stderr)
        return 2
    except QueryRefused as exc:
        print(f"rigshift sql: refused: {exc.one_line()}", file=sys.stderr)
        return 2
    except RigShiftError as exc:
        print(f"rigshift sql: {exc.one_line()}", file=sys.stderr)
        return 2
    frame = result.frame
    if args.format == "csv":
        frame.to_csv(sys.stdout, index=False)
    elif args.format == "json":
        print_json([_json_safe(rec) for rec in frame.to_dict(orient="records")])
    else:
        print(frame.to_string(index=False) if not frame.empty else "(no rows)")
    if result.truncated:
        print(f"rigshift sql: output capped at {result.row_cap} rows", file=sys.stderr)
    return 0
