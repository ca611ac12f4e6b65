"""A small typed exception hierarchy; every message is one line a user can act on."""

from __future__ import annotations


class RigShiftError(Exception):
    """Base class for every error RigShift raises on purpose."""

    def one_line(self) -> str:
        """The message flattened to a single line."""
        return " ".join(str(self).split()) or type(self).__name__


class ConfigError(RigShiftError):
    """A setting, flag or input value is invalid."""


# Scrape errors: raised while refreshing one source; they fail that source only.


class ScrapeError(RigShiftError):
    """A source could not be refreshed."""


class FetchError(ScrapeError):
    """The upstream could not be reached or answered with an error."""


class ConnectError(FetchError):
    """The connection was refused, reset or could not be set up in time."""


class ReadTimeout(FetchError):
    """The upstream accepted the connection but did not answer in time."""


class HTTPStatusError(FetchError):
    """The upstream answered with an error status after any retries."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class BlockedByRobots(FetchError):
    """robots.txt disallows the URL for our User-Agent, so it was not fetched."""


class ResponseTooLarge(FetchError):
    """The body exceeded the size cap for the source."""


class RequestDeadline(FetchError):
    """The whole request (headers and body) did not finish within the overall deadline."""


class RedirectRefused(FetchError):
    """The upstream redirected to a host the source does not declare."""


class TooManyRedirects(FetchError):
    """The upstream redirected more often than allowed (a loop, usually)."""


class ParseError(ScrapeError):
    """The payload did not have the expected shape."""


class EmptyDataError(ParseError):
    """The payload parsed, but yielded no rows."""


class SanityError(ParseError):
    """Parsed values fell outside plausible ranges."""


# Store errors.


class StoreError(RigShiftError):
    """The database could not be opened or written."""


class ForeignDatabase(StoreError):
    """The database file belongs to another application or is not DuckDB at all."""


class StoreBusy(StoreError):
    """Another process holds the database lock for longer than we wait."""


class RefreshLocked(RigShiftError):
    """Another refresh is already running against the same database."""


class QueryRefused(RigShiftError):
    """The SQL sandbox refused or stopped a query."""


class ValidationError(SanityError):
    """Every row of a table was refused as impossible (null key, future time, …)."""
