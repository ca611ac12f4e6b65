"""A read-only, sandboxed SQL console over the store.

Layers, each enough on its own for some attacks and together for all we know of:
1. DuckDB's own parser classifies the text: exactly one statement, and only a query
   (SELECT / WITH / VALUES / FROM / DESCRIBE / SHOW / SUMMARIZE / PIVOT / EXPLAIN);
2. the query runs in a child process (:mod:`dashboard.engine.queries.sql_worker`) on an in-memory
   DuckDB that attaches the store read-only, then turns off external access and the local
   file system and locks its configuration, so ``read_csv('/etc/passwd')``, ``read_blob`` of
   the store's own file, ``COPY``, ``ATTACH``, ``INSTALL``/``LOAD`` and ``SET`` all fail;
3. limits that hold: a DuckDB memory limit with no temp spilling, a kernel data-segment limit
   on the child, a row cap and a byte cap checked in the child before a batch is sent, and
   one wall-clock limit covering start, execution and fetch (the child is killed at it).
"""

from __future__ import annotations

import io
import json
import math
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa

from dashboard.engine.queries import sql_worker
from scrapers.errors import QueryRefused, StoreError

DEFAULT_ROW_CAP = 10_000
MAX_ROW_CAP = 100_000
DEFAULT_TIME_LIMIT_S = 10.0
MAX_TIME_LIMIT_S = 300.0
# Arrow bytes of one result: big enough for 100,000 narrow rows, small enough that a browser
# message and the page's result cache (RESULT_CACHE_ENTRIES of these) stay modest.
RESULT_BYTE_CAP = 16 * 1024 * 1024
# DuckDB's own budget (it refuses, cleanly, what it tracks) and the kernel's hard ceiling on
# the child's heap (what DuckDB does not track, e.g. one giant string, dies there instead).
MEMORY_LIMIT_MB = 256
CHILD_DATA_LIMIT_MB = 1024
RESULT_CACHE_ENTRIES = 8
LOCK_WAIT_S = 5.0
MAX_QUERY_CHARS = 100_000

ALLOWED_TYPES = {duckdb.StatementType.SELECT, duckdb.StatementType.EXPLAIN}
_WORKER = Path(sql_worker.__file__)


@dataclass(frozen=True)
class QueryResult:
    """Rows of a sandboxed query, capped."""

    frame: pd.DataFrame
    truncated: bool
    row_cap: int


def check_statement(sql: str) -> str:
    """The single read-only statement in ``sql``, or QueryRefused saying why not."""
    if len(sql) > MAX_QUERY_CHARS:
        raise QueryRefused(f"the query is longer than {MAX_QUERY_CHARS:,} characters")
    text = sql.strip().rstrip(";").strip()
    if not text:
        raise QueryRefused("empty query: write one SELECT statement")
    try:
        statements = duckdb.extract_statements(text)
    except duckdb.Error as exc:
        raise QueryRefused(f"syntax error: {_first_line(exc)}") from None
    if len(statements) != 1:
        raise QueryRefused(
            f"one statement at a time, got {len(statements)}: the console runs a single query"
        )
    stype = statements[0].type
    # PIVOT parses as MULTI (it first reads the distinct pivot values); it is still a query.
    is_pivot = stype == duckdb.StatementType.MULTI and text.lower().startswith("pivot")
    if stype not in ALLOWED_TYPES and not is_pivot:
        name = str(stype).split(".")[-1]
        raise QueryRefused(f"{name} statements are not allowed: the console is read-only")
    return text


def check_limits(row_cap: object, time_limit_s: object) -> tuple[int, float]:
    """The row cap and time limit as numbers inside their ceilings, or QueryRefused."""
    if isinstance(row_cap, bool) or not isinstance(row_cap, int) or not 1 <= row_cap <= MAX_ROW_CAP:
        raise QueryRefused(f"row cap must be a whole number from 1 to {MAX_ROW_CAP:,}")
    if (
        isinstance(time_limit_s, bool)
        or not isinstance(time_limit_s, int | float)
        or not math.isfinite(time_limit_s)
        or not 0 < time_limit_s <= MAX_TIME_LIMIT_S
    ):
        raise QueryRefused(f"time limit must be more than 0 and at most {MAX_TIME_LIMIT_S:g} s")
    return row_cap, float(time_limit_s)


def run_query(
    db_path: str,
    sql: str,
    row_cap: int = DEFAULT_ROW_CAP,
    time_limit_s: float = DEFAULT_TIME_LIMIT_S,
    byte_cap: int = RESULT_BYTE_CAP,
) -> QueryResult:
    """Run one read-only query with row, byte, memory and time limits; QueryRefused if not."""
    text = check_statement(sql)
    row_cap, time_limit_s = check_limits(row_cap, time_limit_s)
    if db_path.startswith("md:"):
        raise QueryRefused("the SQL console works on a local database file, not MotherDuck")
    if not Path(db_path).is_file():
        raise StoreError(f"no database at {db_path}: run `rigshift demo` or `rigshift refresh`")
    request = {
        "db_path": str(Path(db_path).resolve()),
        "sql": text,
        "row_cap": row_cap,
        "byte_cap": byte_cap,
        "memory_limit_mb": MEMORY_LIMIT_MB,
        "data_limit_mb": CHILD_DATA_LIMIT_MB,
        "lock_wait_s": min(LOCK_WAIT_S, time_limit_s),
    }
    # glibc would otherwise reserve one malloc arena per thread; two are plenty here.
    env = {**os.environ, "MALLOC_ARENA_MAX": "2"}
    proc = subprocess.Popen(
        [sys.executable, "-I", str(_WORKER)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    try:
        out, err = proc.communicate(json.dumps(request).encode(), timeout=time_limit_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise QueryRefused(
            f"stopped after {time_limit_s:g} s: the time limit; narrow the query"
        ) from None
    return _result(proc.returncode, out, err.decode(errors="replace").strip(), row_cap, byte_cap)


def _result(code: int, out: bytes, message: str, row_cap: int, byte_cap: int) -> QueryResult:
    if code == sql_worker.EXIT_TOO_BIG and message == "bytes":
        raise QueryRefused(
            f"the result is larger than {byte_cap // (1024 * 1024)} MB: "
            "select fewer or narrower columns, add a LIMIT or aggregate"
        )
    if code == sql_worker.EXIT_TOO_BIG or code < 0:
        raise QueryRefused(
            f"the query needed more memory than the console allows "
            f"({MEMORY_LIMIT_MB} MB): narrow or aggregate it"
        )
    if code in (sql_worker.EXIT_REFUSED, sql_worker.EXIT_LOCKED):
        if "disabled by configuration" in message or "file system operations" in message:
            raise QueryRefused(
                "file access is disabled in the console (this includes the database's own "
                "file): query the store's tables instead"
            )
        raise QueryRefused(message or "the query failed")
    if code not in (sql_worker.EXIT_OK, sql_worker.EXIT_TRUNCATED):
        # A MemoryError inside Python or an abort from C++ both end up here.
        raise QueryRefused(
            f"the query stopped (exit {code}): most likely the memory limit; narrow it"
        )
    if not out:
        return QueryResult(pd.DataFrame(), False, row_cap)
    table = pa.ipc.open_stream(io.BytesIO(out)).read_all()
    if not table.num_columns:
        return QueryResult(pd.DataFrame(), False, row_cap)
    # pandas would silently drop all but one of two columns with the same name.
    frame = table.rename_columns(_unique(table.column_names)).to_pandas()
    return QueryResult(frame, code == sql_worker.EXIT_TRUNCATED, row_cap)


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name}_{seen[name]}")
    return out


def _first_line(exc: Exception) -> str:
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
    return lines[0] if lines else type(exc).__name__
