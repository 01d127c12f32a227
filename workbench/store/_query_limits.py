"""How long one search may keep the database busy: ``WORKBENCH_QUERY_TIMEOUT`` seconds.

PostgreSQL stops the statement itself (``SET LOCAL statement_timeout``, which also covers
planning); SQLite is interrupted by a progress handler that looks at the clock every few
thousand virtual-machine steps. Either way the search raises :class:`FilterTimeoutError`.
"""

from __future__ import annotations

import contextlib
import math
import os
import sqlite3
import time
from collections.abc import Iterator

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from workbench.store.filter_parser import FilterTimeoutError

QUERY_TIMEOUT_ENV = "WORKBENCH_QUERY_TIMEOUT"
DEFAULT_QUERY_TIMEOUT = 30.0  # seconds
_CHECK_EVERY = 10_000  # SQLite VM instructions between two looks at the clock (~1 ms of work)
_QUERY_CANCELED = "57014"  # PostgreSQL's SQLSTATE for a statement stopped by statement_timeout


def query_timeout() -> float:
    """Seconds a search may run: ``WORKBENCH_QUERY_TIMEOUT``, else 30."""
    raw = os.environ.get(QUERY_TIMEOUT_ENV, "").strip()
    if not raw:
        return DEFAULT_QUERY_TIMEOUT
    try:
        seconds = float(raw)
    except ValueError:
        seconds = math.nan
    if not 0 < seconds < math.inf:
        raise ValueError(
            f"{QUERY_TIMEOUT_ENV} must be a number of seconds greater than 0, e.g. 30; got {raw!r}"
        )
    return seconds


def _timeout_error(seconds: float, filter: str | None) -> FilterTimeoutError:
    return FilterTimeoutError(
        f"The search ran for longer than {seconds:g} s and was stopped: narrow the filter or "
        f"the experiments, or allow more time with {QUERY_TIMEOUT_ENV}=<seconds> "
        f"(now {seconds:g}).",
        filter or "",
    )


@contextlib.contextmanager
def time_limited(conn: Connection, filter: str | None) -> Iterator[None]:
    """Stop every statement run on ``conn`` inside the block after :func:`query_timeout`.

    On PostgreSQL the limit holds until the connection's transaction ends.
    """
    seconds = query_timeout()
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"SET LOCAL statement_timeout = {max(1, round(seconds * 1000))}")
        try:
            yield
        except Exception as error:
            if getattr(getattr(error, "orig", error), "sqlstate", None) == _QUERY_CANCELED:
                raise _timeout_error(seconds, filter) from None
            raise
        return
    if conn.dialect.name != "sqlite":
        yield
        return
    driver = conn.connection.driver_connection
    assert isinstance(driver, sqlite3.Connection)
    deadline = time.monotonic() + seconds
    stopped = False

    def past_deadline() -> int:
        nonlocal stopped
        stopped = time.monotonic() > deadline
        return int(stopped)  # non-zero makes SQLite abandon the statement ("interrupted")

    driver.set_progress_handler(past_deadline, _CHECK_EVERY)
    try:
        yield
    except (sa.exc.OperationalError, sqlite3.OperationalError):
        if stopped:
            raise _timeout_error(seconds, filter) from None
        raise
    finally:
        driver.set_progress_handler(None, 0)
