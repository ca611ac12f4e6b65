"""The ``rigshift`` command line. Exit codes: 0 success; 1 some sources failed while the others
were committed; 2 usage or configuration error (a one-line message says what to change);
3 an alert fired (``alerts``); 4 every source attempted failed, nothing was committed
(``refresh``, ``backfill``); 75 another refresh holds the lock (try later)."""

from __future__ import annotations

import argparse
import io
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
EXIT_ALL_FAILED = 4
EXIT_BUSY = 75


class GuardedStdout(io.TextIOBase):
    """stdout that survives its reader going away: a refresh must not die with its pipe.

    ``rigshift refresh | head -1`` closes the pipe after one line. The first failed write
    (EPIPE, or ENOSPC on ``/dev/full``) is remembered and every later write goes to
    /dev/null, so the command finishes its work (every source, then the alerts).
    """

    def __init__(self, stream: io.TextIOBase) -> None:
        self._stream = stream
        self.failure: OSError | None = None

    def write(self, text: str) -> int:  # type: ignore[override]
        """Write through, or drop once the stream has failed."""
        if self.failure is None:
            try:
                return self._stream.write(text)
            except OSError as exc:
                self._fail(exc)
        return len(text)

    def flush(self) -> None:
        """Flush through, or do nothing once the stream has failed."""
        if self.failure is None:
            try:
                self._stream.flush()
            except OSError as exc:
                self._fail(exc)

    def writable(self) -> bool:
        """Always: writes never raise."""
        return True

    def isatty(self) -> bool:
        """Whether the real stream is a terminal."""
        return self.failure is None and self._stream.isatty()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        """The real stream's encoding."""
        return getattr(self._stream, "encoding", "utf-8")

    def _fail(self, exc: OSError) -> None:
        self.failure = exc
        try:  # the interpreter flushes the real stdout at exit: make that go nowhere
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, self._stream.fileno())
            os.close(devnull)
        except (OSError, ValueError, io.UnsupportedOperation):
            pass


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
    except OSError as exc:  # a local file or device the user can fix, not a bug
        where = f" ({exc.filename})" if exc.filename else ""
        reason = exc.strerror or type(exc).__name__
        print(
            f"rigshift: error: {reason}{where}: check the path, its permissions and free space",
            file=sys.stderr,
        )
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
    # A closed pipe (`rigshift refresh | head -1`) must not kill the process mid-run, as
    # SIGPIPE's default action would: writes fail instead, and GuardedStdout drops them.
    if hasattr(signal, "SIGPIPE"):
        signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    sys.exit(run_guarded(sys.argv[1:]))


def run_guarded(argv: Sequence[str]) -> int:
    """``main`` with stdout guarded; a full device (not a closed pipe) is reported at the end."""
    guard = GuardedStdout(sys.stdout)  # type: ignore[arg-type]
    sys.stdout = guard
    try:
        code = main(argv)
        guard.flush()
    finally:
        sys.stdout = guard._stream  # type: ignore[assignment]
    failure = guard.failure
    if failure is not None and not isinstance(failure, BrokenPipeError):
        reason = (failure.strerror or type(failure).__name__).lower()
        print(
            f"rigshift: error: could not write the output: {reason}; send it elsewhere",
            file=sys.stderr,
        )
        return EXIT_USAGE
    return code


if __name__ == "__main__":
    entry()
