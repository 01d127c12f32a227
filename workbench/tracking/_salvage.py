"""A batch the database refused: store every row it accepts, report and drop the others.

Validation at the call catches bad values before they are buffered; this is the second line,
for whatever it missed (or a param another process set first). The batch is bisected, so
``k`` bad rows among ``n`` cost about ``2 k log2 n`` transactions, and a bad row is never
retried: a run always ends.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from workbench.store._metrics import MetricPoint
from workbench.store.tracking_store import TrackingStore


class DroppedValueWarning(UserWarning):
    """A logged value the database refused was dropped; the rest of its batch was stored."""


@dataclass(frozen=True)
class _Row:
    kind: str  # "param", "tag" or "metric"
    key: str
    value: Any  # the param/tag text, or the metric point


def is_refused_data(error: BaseException) -> bool:
    """Whether the database refused the content of a write (retrying it cannot help), as
    opposed to a connection, lock or permission problem (the rows stay buffered)."""
    if isinstance(error, (sa.exc.DataError, sa.exc.IntegrityError, sa.exc.ProgrammingError)):
        return True
    if isinstance(error, sa.exc.SQLAlchemyError):
        return False
    return isinstance(error, (OverflowError, UnicodeError, TypeError, ValueError))


def _reason(error: BaseException) -> str:
    orig = getattr(error, "orig", None)
    text = str(orig if orig is not None else error).strip().splitlines()
    return f"{type(orig or error).__name__}: {text[0] if text else ''}"[:300]


def write_salvaging(
    store: TrackingStore,
    run_id: str,
    *,
    params: Mapping[str, str],
    points: Sequence[MetricPoint],
    tags: Mapping[str, str],
    end_status: str | None,
    requeue: Callable[[dict[str, str], list[MetricPoint], dict[str, str]], None],
) -> None:
    """Write a refused batch row by row (bisecting), warn once per key about dropped rows.

    A connection problem part-way re-buffers what is not written yet (``requeue``) and raises.
    """
    rows = [_Row("param", k, v) for k, v in params.items()]
    rows += [_Row("tag", k, v) for k, v in tags.items()]
    rows += [_Row("metric", point[0], point) for point in points]
    dropped: dict[tuple[str, str], tuple[int, str]] = {}
    chunks = [rows]
    while chunks:
        chunk = chunks.pop()
        try:
            _write_rows(store, run_id, chunk)
        except Exception as error:
            if not is_refused_data(error):
                _requeue([row for part in (*chunks, chunk) for row in part], requeue)
                raise
            if len(chunk) == 1:
                count, _ = dropped.get((chunk[0].kind, chunk[0].key), (0, ""))
                dropped[(chunk[0].kind, chunk[0].key)] = (count + 1, _reason(error))
            else:
                middle = len(chunk) // 2
                chunks += [chunk[middle:], chunk[:middle]]  # the first half is written first
    for (kind, key), (count, reason) in dropped.items():
        what = f"{count} point(s) of metric" if kind == "metric" else kind
        warnings.warn(
            f"workbench: {what} {key!r} of run {run_id} dropped, the database refused it "
            f"({reason}); the run's other values were stored.",
            DroppedValueWarning,
            stacklevel=4,
        )
    if end_status is not None:
        store.log_batch(run_id, end_status=end_status)


def _write_rows(store: TrackingStore, run_id: str, rows: Sequence[_Row]) -> None:
    store.log_batch(
        run_id,
        params={row.key: row.value for row in rows if row.kind == "param"},
        tags={row.key: row.value for row in rows if row.kind == "tag"},
        points=[row.value for row in rows if row.kind == "metric"],
    )


def _requeue(
    rows: Sequence[_Row],
    requeue: Callable[[dict[str, str], list[MetricPoint], dict[str, str]], None],
) -> None:
    requeue(
        {row.key: row.value for row in rows if row.kind == "param"},
        [row.value for row in rows if row.kind == "metric"],
        {row.key: row.value for row in rows if row.kind == "tag"},
    )
