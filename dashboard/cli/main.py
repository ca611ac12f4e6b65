"""The ``rigshift`` command line. Exit codes: 0 success; 1 some sources failed while the others
were committed; 2 usage or configuration error; 3 an alert fired (``alerts``); 75 another
refresh holds the lock (try later)."""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Sequence

from dashboard.cli.commands import COMMAND_MODULES
from scrapers.config import load_settings
from scrapers.errors import ConfigError, RefreshLocked, RigShiftError

EXIT_OK = 0
EXIT_PARTIAL = 1
EXIT_USAGE = 2
EXIT_ALERT = 3
EXIT_BUSY = 75


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors in one line and exits 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_USAGE, f"rigshift: error: {message} (see `rigshift --help`)\n")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand registered."""
    parser = _Parser(prog="rigshift", description=__doc__)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for module in COMMAND_MODULES:
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
        return int(args.func(args, settings))
    except RefreshLocked as exc:
        print(f"rigshift: {exc.one_line()}", file=sys.stderr)
        return EXIT_BUSY
    except ConfigError as exc:
        print(f"rigshift: error: {exc.one_line()}", file=sys.stderr)
        return EXIT_USAGE
    except RigShiftError as exc:
        print(f"rigshift: error: {exc.one_line()}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("rigshift: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug: still one line, the traceback on request
        if os.environ.get("RIGSHIFT_DEBUG"):
            raise
        text = " ".join(str(exc).split())
        print(
            f"rigshift: internal error: {type(exc).__name__}: {text} "
            "(set RIGSHIFT_DEBUG=1 for the traceback)",
            file=sys.stderr,
        )
        return EXIT_USAGE


def entry() -> None:
    """The console script: ``main`` with Unix pipe manners, then exit with its code."""
    # End quietly on a closed pipe (`rigshift pivot --json | head`), like other Unix tools; a
    # write in progress is one transaction, so nothing partial is left behind.
    if hasattr(signal, "SIGPIPE"):
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    sys.exit(main())


if __name__ == "__main__":
    entry()
