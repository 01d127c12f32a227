"""Writing metric points: the history rows and the per-key latest value and aggregates."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from sqlalchemy.engine import Connection

from workbench.store._sql import nan_to_none, none_to_nan, raw, upsert
from workbench.store._tables import latest_metrics_table

MetricPoint = tuple[str, float, int, float]  # key, value, step, timestamp

_LATEST_COLUMNS = ("run_id", "key", "value", "step", "timestamp", "min", "max", "sum", "count")
_UPSERT_LATEST = (
    f"INSERT INTO latest_metrics ({', '.join(_LATEST_COLUMNS)}) "
    f"VALUES ({', '.join('?' * len(_LATEST_COLUMNS))}) ON CONFLICT (run_id, key) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in _LATEST_COLUMNS[2:])
)


def write_metrics(
    conn: Connection, run_id: str, points: Sequence[MetricPoint], *, new_keys: bool = False
) -> None:
    """Append points to the history and fold them into ``latest_metrics`` (one transaction)."""
    summary: dict[str, dict[str, Any]] = {}
    for key, value, step, timestamp in points:
        entry = summary.get(key)
        if entry is None:
            entry = summary[key] = {
                "value": value,
                "step": step,
                "timestamp": timestamp,
                "min": None,
                "max": None,
                "sum": 0.0,
                "count": 0,
            }
        elif (step, timestamp) >= (entry["step"], entry["timestamp"]):
            entry["value"], entry["step"], entry["timestamp"] = value, step, timestamp
        if not math.isnan(value):
            entry["min"] = value if entry["min"] is None else min(entry["min"], value)
            entry["max"] = value if entry["max"] is None else max(entry["max"], value)
            if math.isfinite(value):  # mean = sum / count over finite points
                entry["sum"] += value
                entry["count"] += 1
    # The history insert is the hot path: plain DBAPI executemany, no per-row dicts.
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    conn.exec_driver_sql(
        f"INSERT INTO metrics (run_id, key, value, step, timestamp) "
        f"VALUES ({mark}, {mark}, {mark}, {mark}, {mark})",
        [(run_id, k, None if v != v else v, s, t) for k, v, s, t in points],
    )
    previous = (
        {}
        if new_keys
        else {
            row[1]: dict(zip(_LATEST_COLUMNS, row, strict=True))
            for row in raw(
                conn,
                f"SELECT {', '.join(_LATEST_COLUMNS)} FROM latest_metrics WHERE run_id = ?",
                (run_id,),
            )
            if row[1] in summary
        }
    )
    rows = []
    for key, entry in summary.items():
        old = previous.get(key)
        if old is not None:
            if (old["step"], old["timestamp"]) > (entry["step"], entry["timestamp"]):
                entry["value"] = none_to_nan(old["value"])
                entry["step"], entry["timestamp"] = old["step"], old["timestamp"]
            for name, pick in (("min", min), ("max", max)):
                known = [v for v in (old[name], entry[name]) if v is not None]
                entry[name] = pick(known) if known else None
            entry["sum"] += old["sum"]
            entry["count"] += old["count"]
        entry["value"] = nan_to_none(entry["value"])
        rows.append(tuple({**entry, "run_id": run_id, "key": key}[c] for c in _LATEST_COLUMNS))
    if conn.dialect.name in ("sqlite", "postgresql"):
        raw(conn, _UPSERT_LATEST, rows)
    else:
        as_dicts = [dict(zip(_LATEST_COLUMNS, row, strict=True)) for row in rows]
        upsert(conn, latest_metrics_table, as_dicts, ["run_id", "key"])
