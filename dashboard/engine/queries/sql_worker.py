"""The SQL console's child process: runs one checked query under hard memory limits.

Run as a script by :mod:`dashboard.engine.queries.sql_sandbox` (never imported by the app):
a request as JSON on stdin, the rows as an Arrow IPC stream on stdout, one line on stderr
when refused.
It lives in its own process because DuckDB's ``memory_limit`` does not bound every allocation
(``repeat('x', 2000000000)`` builds a 2 GB string outside the buffer manager and cannot be
interrupted): the kernel's data-segment limit and the parent's kill are what actually hold.
Only the standard library, duckdb and pyarrow are imported, so the start stays short.
"""

from __future__ import annotations

import json
import resource
import sys
import time

# Exit codes the parent reads; anything else (or a signal) means the process died.
EXIT_OK = 0
EXIT_TRUNCATED = 10
EXIT_REFUSED = 3
EXIT_TOO_BIG = 4
EXIT_LOCKED = 5

_BATCH_ROWS = 256
_LOCK_RETRY_S = 0.05


def _refuse(code: int, message: str) -> None:
    sys.stderr.write(message.replace("\n", " ").strip()[:500] + "\n")
    sys.stderr.flush()
    sys.exit(code)


def _first_line(exc: Exception) -> str:
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
    return lines[0] if lines else type(exc).__name__


def _connect(req: dict):  # noqa: ANN202 (duckdb imported late, after the limit is set)
    import duckdb

    con = duckdb.connect(
        ":memory:",
        config={
            "memory_limit": f"{req['memory_limit_mb']}MB",
            # No spilling at all: no temp directory, and zero bytes allowed in one anyway.
            "temp_directory": "",
            "max_temp_directory_size": "0B",
            "threads": 1,
            "autoload_known_extensions": False,
            "autoinstall_known_extensions": False,
        },
    )
    deadline = time.monotonic() + req["lock_wait_s"]
    path = req["db_path"].replace("'", "''")
    while True:
        try:
            con.execute(f"ATTACH '{path}' AS store (READ_ONLY)")
            break
        except duckdb.Error as exc:
            text = str(exc).lower()
            if "lock" in text and time.monotonic() < deadline:
                time.sleep(_LOCK_RETRY_S)
                continue
            if "lock" in text:
                _refuse(EXIT_LOCKED, "the database stayed locked by a writer; try again shortly")
            _refuse(EXIT_REFUSED, f"cannot open the database: {_first_line(exc)}")
    con.execute("USE store")
    # After the store is attached nothing else may be read: external access off stops
    # other files, and disabling the local file system stops read_blob/read_text of the
    # store's own file, which DuckDB otherwise allows. Then nothing can be switched back.
    con.execute("SET enable_external_access = false")
    con.execute("SET disabled_filesystems = 'LocalFileSystem'")
    con.execute("SET lock_configuration = true")
    return con


def main() -> None:
    """Read the request, run it, stream capped Arrow batches to stdout."""
    req = json.loads(sys.stdin.read())
    limit = req["data_limit_mb"] * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))
    import duckdb
    import pyarrow as pa

    con = _connect(req)
    row_cap, byte_cap = req["row_cap"], req["byte_cap"]
    out = sys.stdout.buffer
    rows = sent_bytes = 0
    truncated = False
    try:
        relation = con.sql(req["sql"])
        if relation is None:  # a statement without a result: nothing to send
            sys.exit(EXIT_OK)
        reader = relation.to_arrow_reader(_BATCH_ROWS)
        with pa.ipc.new_stream(out, reader.schema) as writer:
            for batch in reader:
                if rows + batch.num_rows > row_cap:
                    batch = batch.slice(0, row_cap - rows)
                    truncated = True
                # The byte cap is checked before a batch leaves this process.
                sent_bytes += batch.nbytes
                if sent_bytes > byte_cap:
                    _refuse(EXIT_TOO_BIG, "bytes")
                writer.write_batch(batch)
                rows += batch.num_rows
                if truncated:
                    break
    except Exception as exc:  # noqa: BLE001 (every failure becomes one line for the parent)
        # DuckDB, Arrow (as OSError) and Python each report memory exhaustion differently.
        if isinstance(exc, MemoryError | duckdb.OutOfMemoryException) or (
            "out of memory" in str(exc).lower()
        ):
            _refuse(EXIT_TOO_BIG, "memory")
        _refuse(EXIT_REFUSED, _first_line(exc))
    out.flush()
    sys.exit(EXIT_TRUNCATED if truncated else EXIT_OK)


if __name__ == "__main__":
    main()
