"""PostgreSQL for the services that share the store's server: session advisory locks and
schemas of their own (tuning keeps Optuna's tables in schema ``optuna``).

>>> advisory_key("workbench.study:churn") == advisory_key("workbench.study:churn")
True
"""

from __future__ import annotations

import contextlib
import hashlib
import re
from collections.abc import Iterator

_SCHEMA_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def advisory_key(name: str) -> int:
    """The signed 64-bit key ``pg_advisory_lock`` takes, derived from ``name``."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


@contextlib.contextmanager
def advisory_lock(url: str, name: str) -> Iterator[None]:
    """Hold a PostgreSQL session advisory lock named ``name`` (released if we die)."""
    import sqlalchemy as sa

    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT pg_advisory_lock(:key)"), {"key": advisory_key(name)})
            conn.commit()
            try:
                yield
            finally:
                conn.execute(
                    sa.text("SELECT pg_advisory_unlock(:key)"), {"key": advisory_key(name)}
                )
                conn.commit()
    finally:
        engine.dispose()


def create_schema(url: str, schema: str) -> None:
    """``CREATE SCHEMA IF NOT EXISTS schema`` in the database at ``url``.

    Concurrent creations still race on PostgreSQL's catalog (duplicate key): hold an
    :func:`advisory_lock` around it when several processes may start at once.
    """
    import sqlalchemy as sa

    if not _SCHEMA_NAME.match(schema):
        raise ValueError(
            f"Invalid schema name {schema!r}: use lowercase letters, digits and '_' "
            "(e.g. 'optuna')."
        )
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text(f"CREATE SCHEMA IF NOT EXISTS {schema}"))
    finally:
        engine.dispose()
