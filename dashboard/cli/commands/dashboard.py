"""``rigshift dashboard``: serve the Streamlit app (building the demo database if none exists)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from dashboard.cli.commands.output import progress_printer
from scrapers.config import PROJECT_ROOT, Settings

APP = PROJECT_ROOT / "dashboard" / "app.py"


def register(sub: argparse._SubParsersAction) -> None:
    """Add the dashboard subcommand."""
    p = sub.add_parser("dashboard", help="serve the app on http://localhost:8501")
    p.add_argument("--port", type=int, default=8501, help="port (default 8501)")
    p.add_argument("--address", default="0.0.0.0", help="bind address (default 0.0.0.0)")
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
        args.address,
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
    ]
    print(f"serving RigShift on http://localhost:{args.port} (Ctrl+C to stop)", file=sys.stderr)
    # Streamlit reads .streamlit/config.toml from the working directory: serve from the
    # project root, with the database path made absolute so it still points at the same file.
    if not settings.db_path.startswith("md:"):
        os.environ["RIGSHIFT_DB"] = str(Path(settings.db_path).resolve())
    os.chdir(PROJECT_ROOT)
    os.execv(sys.executable, argv)
    return 0  # not reached
