"""``rigshift alerts``: evaluate the alert rules now; also the hook run after ``rigshift refresh``.

Exit codes: 0 nothing fired, 3 something fired, 2 no/invalid rules file. The rules file format
is in :mod:`dashboard.engine.alerts` and docs/alerts.md.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path

from dashboard.cli.commands.output import print_json, print_table
from scrapers.config import Settings
from scrapers.errors import ConfigError, RigShiftError
from scrapers.http import PoliteSession
from scrapers.store import read_connection

EXIT_NONE_FIRED = 0
EXIT_FIRED = 3


def register(sub: argparse._SubParsersAction) -> None:
    """Add the alerts subcommand."""
    p = sub.add_parser("alerts", help="evaluate alert rules; exit 3 when any fired")
    p.add_argument(
        "--rules", metavar="FILE", help="rules file (default: alerts.json beside the database)"
    )
    p.add_argument("--webhook", metavar="URL", help="POST the fired alerts as JSON to this URL")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=run)


def load_rules(path: Path):  # noqa: ANN201 - dashboard.engine.alerts.RuleSet
    """The parsed rules file; ConfigError when missing or invalid."""
    from dashboard.engine.alerts import parse_rules
    from dashboard.engine.jsonfile import read_json

    doc = read_json(path, None)
    if doc is None:
        raise ConfigError(f"no alert rules at {path}: create it (see docs/alerts.md)")
    try:
        return parse_rules(doc)
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc.one_line()}") from None


def _evaluate(settings: Settings, rules, now: datetime):  # noqa: ANN001, ANN202
    from dashboard.engine.alerts import evaluate
    from dashboard.engine.queries.snapshot import is_demo

    with read_connection(settings.db_path) as con:
        return evaluate(con, rules, now), ("demo" if is_demo(con) else "live")


def post(settings: Settings, url: str, doc: dict) -> str | None:
    """POST ``doc`` to the webhook; None on success, else a one-line error."""
    try:
        with PoliteSession(settings) as http:
            http.post_webhook(url, json=doc)
    except RigShiftError as exc:
        return f"webhook {url} failed: {exc.one_line()}"
    return None


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Print what fires now; POST it when a webhook is given; exit 3 when anything fired."""
    from dashboard.engine.alerts import payload

    rules = load_rules(Path(args.rules) if args.rules else settings.alert_rules_path)
    now = datetime.now(UTC).replace(tzinfo=None)
    evaluation, dataset = _evaluate(settings, rules, now)
    fired = evaluation.fired
    doc = payload(fired, now, dataset)
    doc["skipped"] = evaluation.skipped
    webhook = args.webhook or rules.webhook
    error = post(settings, webhook, doc) if webhook and fired else None
    if args.json:
        print_json({**doc, "webhook_error": error})
    else:
        _print(fired, evaluation.skipped, dataset)
    if error:
        print(f"rigshift: {error}", file=sys.stderr)
    return EXIT_FIRED if fired else EXIT_NONE_FIRED


def _print(fired, skipped: list[str], dataset: str, out=None) -> None:  # noqa: ANN001
    out = out or sys.stdout
    if not fired:
        print(f"no alerts fired ({dataset} data)", file=out)
    else:
        if out is sys.stdout:
            print_table(["alert", "message"], [(f.rule_id, f.message) for f in fired])
        else:
            for f in fired:
                print(f"ALERT {f.rule_id}: {f.message}", file=out)
    for line in skipped:
        print(f"not evaluated: {line}", file=out)


def after_refresh(settings: Settings, *, to_stderr: bool = False, quiet: bool = False) -> int:
    """Evaluate rules after a refresh (when a rules file exists): print, log and notify.

    Alerts whose rule was notified within ``cooldown_hours`` are printed but not logged or
    POSTed again, so an hourly cron does not repeat the same news. Never raises: a broken
    rules file must not turn a good refresh into a failed one; it prints one line instead.
    Returns the number of newly notified alerts.
    """
    from dashboard.engine.alerts import due, payload
    from dashboard.engine.jsonfile import append_jsonl, read_jsonl

    path = settings.alert_rules_path
    if not path.exists():
        return 0
    out = sys.stderr if to_stderr else sys.stdout
    try:
        rules = load_rules(path)
        now = datetime.now(UTC).replace(tzinfo=None)
        evaluation, dataset = _evaluate(settings, rules, now)
        log_path = settings.alerts_log_path
        new = due(evaluation.fired, read_jsonl(log_path, limit=500), rules.cooldown_hours)
    except RigShiftError as exc:
        print(f"rigshift: alerts not evaluated: {exc.one_line()}", file=sys.stderr)
        return 0
    if evaluation.fired or not quiet:
        _print(evaluation.fired, evaluation.skipped, dataset, out=out)
    if not new:
        return 0
    error = post(settings, rules.webhook, payload(new, now, dataset)) if rules.webhook else None
    if error:
        print(f"rigshift: {error}", file=sys.stderr)
    entries = [
        {**f.to_dict(), "dataset": dataset, "webhook": rules.webhook, "webhook_error": error}
        for f in new
    ]
    try:
        append_jsonl(log_path, entries)
    except OSError as exc:
        print(f"rigshift: could not record fired alerts in {log_path}: {exc}", file=sys.stderr)
    return len(new)
