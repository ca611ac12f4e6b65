"""The app's one cache: :func:`cached`, the wrapper every cached read goes through.

A cached read is keyed by a file path and that file's version (:func:`data_version`: the
mtime and size of the file and of its WAL), plus its own arguments, so a refresh in another
process shows up on the next rerun; ``per_minute`` adds the current UTC minute for results
that state ages ("updated 3 h ago"), so the passing clock shows up too. A read that raises is
never cached (``st.cache_data`` stores only returned values): a lock or a half-copied file is
gone on a later rerun. Store reads open a short-lived read-only connection and close it before
returning: the app never holds the database, so a refresh can take the write lock at any time.

Built values that are pure functions of their arguments (plotly figures) go through
:func:`shared` instead: kept once per argument values and handed out uncopied.

This module is the only one in the app that uses ``st.cache_data`` and ``st.cache_resource``.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd
import streamlit as st

from scrapers.store import read_connection

Version = tuple[int, ...]
T = TypeVar("T")
# Streamlit hashes a frame of this many rows or more by a sample of it, so two different frames
# could share a key: such a frame is built afresh instead (hashing.py's _PANDAS_ROWS_LARGE).
SAMPLED_ROWS = 50_000


def data_version(path: str | Path) -> Version:
    """(mtime_ns, size) of the file and of its ``.wal`` when present; () if missing."""
    path = str(path)
    if path.startswith("md:"):
        return (0,)
    version: list[int] = []
    for candidate in (Path(path), Path(path + ".wal")):
        try:
            stat = os.stat(candidate)
        except FileNotFoundError:
            continue
        version += [stat.st_mtime_ns, stat.st_size]
    return tuple(version)


def _minute() -> Any:
    from scrapers.status import now  # read at call time: tests move the clock

    return now().replace(second=0, microsecond=0)


def cached(
    entries: int = 8,
    *,
    connect: bool = True,
    per_minute: bool = False,
    ttl: str | None = None,
) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """Cache a read per ``(path, version, *args)``.

    ``connect=True``: the decorated ``read(con, *args)`` gets a read-only connection to the
    store at ``path``; callers call ``fn(path, version, *args)``. ``connect=False``: the
    decorated function is ``fn(path, version, *args)`` itself and opens what it needs (a
    longer or shorter lock wait, a sandboxed subprocess, other cached reads).
    ``per_minute``: the read also gets ``now=`` the current UTC minute, part of the key.
    ``entries``/``ttl``: ``st.cache_data``'s ``max_entries``/``ttl``.
    """

    def decorate(read: Callable[..., T]) -> Callable[..., T]:
        def run(path: str, version: Version, minute: Any, *args: Any) -> T:
            extra = {"now": minute} if per_minute else {}
            if not connect:
                return read(path, version, *args, **extra)
            with read_connection(path) as con:
                return read(con, *args, **extra)

        # st.cache_data tells functions apart by module and qualified name: give each read's
        # cache its own (every ``run`` above shares one source and one nested name).
        run.__module__, run.__qualname__ = read.__module__, read.__qualname__
        run.__name__, run.__doc__ = read.__name__, read.__doc__
        store = st.cache_data(show_spinner=False, max_entries=entries, ttl=ttl)(run)

        def call(path: str, version: Version, *args: Any) -> T:
            return store(path, version, _minute() if per_minute else None, *args)

        call.__module__, call.__qualname__ = read.__module__, read.__qualname__
        call.__name__, call.__doc__ = read.__name__, read.__doc__
        call.clear = store.clear  # type: ignore[attr-defined]
        return call

    return decorate


def shared(entries: int = 32) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """Keep a pure builder's result per argument values, one object for every session.

    For values that cost more to build and to copy than their arguments cost to hash, and that
    callers only read: a plotly figure is passed to ``st.plotly_chart``, which copies it before
    serialising. Arguments are hashed by content (a frame by its dtypes, index and values), so
    the same data gives the same object and new data a new one; a frame of ``SAMPLED_ROWS`` or
    more is built afresh each time.
    """

    def decorate(build: Callable[..., T]) -> Callable[..., T]:
        store = st.cache_resource(show_spinner=False, max_entries=entries)(build)

        @functools.wraps(build)
        def call(*args: Any, **kwargs: Any) -> T:
            values = (*args, *kwargs.values())
            if any(isinstance(v, pd.DataFrame) and len(v) >= SAMPLED_ROWS for v in values):
                return build(*args, **kwargs)
            return store(*args, **kwargs)

        call.clear = store.clear  # type: ignore[attr-defined]
        return call

    return decorate


def clear() -> None:
    """Drop every cached result and built figure (tests; a manual "reload data" button)."""
    st.cache_data.clear()
    st.cache_resource.clear()
