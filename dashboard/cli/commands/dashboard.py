"""``rigshift dashboard``: serve the Streamlit app (building the demo database if none exists)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from dashboard.cli.commands.output import progress_printer
from scrapers.config import PROJECT_ROOT, Settings
from scrapers.errors import ConfigError

APP = PROJECT_ROOT / "dashboard" / "app.py"


def register(sub: argparse._SubParsersAction) -> None:
    """Add the dashboard subcommand."""
    p = sub.add_parser("dashboard", help="serve the app on http://127.0.0.1:8501")
    p.add_argument("--port", type=int, default=8501, help="port (default 8501)")
    # Loopback only by default: the app has no authentication of its own, so sharing it
    # goes through a reverse proxy that adds some (README, "Serving on a network").
    p.add_argument(
        "--host",
        "--address",
        dest="host",
        default="127.0.0.1",
        help="bind address (default 127.0.0.1; 0.0.0.0 exposes the app unauthenticated)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Build the demo store if missing, then exec ``streamlit run``."""
    if not settings.db_path.startswith("md:") and not Path(settings.db_path).exists():
        from scrapers.demo import build_demo

        print(
            f"no database at {settings.db_path}: building the demo dataset first", file=sys.stderr
        )
        build_demo(settings, progress=progress_printer(False))
    argv = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(APP),
        "--server.port",
        str(args.port),
        "--server.address",
        args.host,
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
    ]
    if not 1 <= args.port <= 65535:
        raise ConfigError(f"--port must be 1..65535, got {args.port}")
    print(f"serving RigShift on http://{args.host}:{args.port} (Ctrl+C to stop)", file=sys.stderr)
    # Streamlit reads .streamlit/config.toml from the working directory: serve from the
    # project root, with the database path made absolute so it still points at the same file.
    if not settings.db_path.startswith("md:"):
        os.environ["RIGSHIFT_DB"] = str(Path(settings.db_path).resolve())
    os.chdir(PROJECT_ROOT)
    os.execv(sys.executable, argv)
    return 0  # not reached
