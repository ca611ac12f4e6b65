"""Small JSON files beside the database: atomic writes, a lock for read-modify-write, JSON lines.

The app never writes the DuckDB store; user state that the app does write (named scenarios)
lives in these files instead, and the refresh appends fired alerts to a JSON-lines log.
"""

from __future__ import annotations

import fcntl
import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from scrapers.errors import ConfigError


def read_json(path: Path, default: Any) -> Any:
    """The parsed file, ``default`` when it does not exist; ConfigError when it is not JSON."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return default
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path}: not valid JSON ({exc.msg} at line {exc.lineno})") from None


def write_json_atomic(path: Path, doc: Any) -> None:
    """Write ``doc`` to a temp file in the same directory, fsync it, then rename over ``path``.

    Readers see the old file or the new one, never half of one.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(doc, fh, indent=2, sort_keys=True, default=str)
            fh.write("\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``<path>.lock`` so two sessions' read-modify-writes don't race."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(f"{path}.lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def append_jsonl(path: Path, docs: list[dict[str, Any]]) -> None:
    """Append one JSON object per line (a single write, under the file's lock)."""
    if not docs:
        return
    text = "".join(json.dumps(d, sort_keys=True, default=str) + "\n" for d in docs)
    with locked(path), path.open("a", encoding="utf-8") as fh:
        fh.write(text)


def read_jsonl(path: Path, limit: int | None = None) -> list[dict[str, Any]]:
    """The last ``limit`` objects of a JSON-lines file, newest first; bad lines are skipped."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []
    out: list[dict[str, Any]] = []
    for line in reversed(lines):
        try:
            doc = json.loads(line)
        except json.JSONDecodeError:
            continue  # a line cut short by a crash must not hide the others
        if isinstance(doc, dict):
            out.append(doc)
        if limit is not None and len(out) >= limit:
            break
    return out
