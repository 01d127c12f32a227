"""The runs table's cells: a link per run, its attributes, durations, 4-significant-digit
values, child runs nested under their parent, and the default columns."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from workbench.ui._layout import run_link

BASE_COLUMNS = ["run", "name", "status", "started", "duration", "user"]
DEFAULT_METRICS = 6
DEFAULT_PARAMS = 4
PAGE_SIZE = 25
TOP_LEVEL = "attributes.parent_id IS NULL"


def format_duration(seconds: float) -> str:
    """``0.25 s``, ``1.4 s``, ``42 s``, ``3 min``, ``2.5 h``; empty while a run has no end."""
    if seconds != seconds:  # NaN: the run is still going
        return ""
    if seconds < 60:
        return f"{seconds:.2g} s" if seconds < 10 else f"{seconds:.0f} s"
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.2g} h"


def significant(value: Any, digits: int = 4) -> Any:
    """A float rounded to ``digits`` significant digits (other values unchanged)."""
    if isinstance(value, float) and math.isfinite(value):
        return float(f"{value:.{digits}g}")
    return value


def _children_label(count: int, row: pd.Series, expanded: bool) -> str:
    if not count:
        return ""
    if row.get("tags.workbench.kind") == "study":
        noun = "trial" if count == 1 else "trials"
    else:
        noun = "step" if count == 1 else "steps"
    return f"{'▾' if expanded else '▸'} {count} {noun}"


def display_frame(
    frame: pd.DataFrame, chosen: list[str], children: dict[str, int] | None = None,
    expanded: bool = False,
) -> pd.DataFrame:  # fmt: skip
    """The table's columns: a link to the run, its attributes, then the chosen keys.

    ``children`` counts each parent's child runs: a nesting column then shows them, and the
    child rows of ``frame`` (those with a ``parent_id``) are indented under their parent.
    """
    duration = (frame["end_time"] - frame["start_time"]).dt.total_seconds()
    parents = frame["parent_id"].where(frame["parent_id"].notna(), None)
    nested = expanded and parents.notna().any()
    names = [
        f"└ {name}" if nested and parent is not None else name
        for name, parent in zip(frame["name"], parents, strict=True)
    ]
    shown = pd.DataFrame(
        {
            "run": [run_link(r) for r in frame["run_id"]],
            "name": names,
            "status": frame["status"].to_numpy(),
            "started": frame["start_time"].dt.strftime("%Y-%m-%dT%H:%M:%S").fillna("").to_numpy(),
            "duration": [format_duration(d) for d in duration],
            "user": frame["user"].to_numpy(),
        },
        index=frame["run_id"].to_numpy(),
    )
    if frame["experiment"].nunique() > 1:
        shown.insert(1, "experiment", frame["experiment"].to_numpy())
    if children:
        shown.insert(2, "children", [
            _children_label(children.get(r, 0), row, expanded)
            for r, (_, row) in zip(frame["run_id"], frame.iterrows(), strict=True)
        ])  # fmt: skip
    if parents.notna().any():
        shown.insert(2, "parent", [run_link(p) if p is not None else "" for p in parents])
    # A chosen column no run on this page has stays, empty and of its kind's dtype: the table
    # keeps its columns while filtering, so the browser re-renders nothing but the rows.
    for column in chosen:
        if column in frame:
            shown[column] = frame[column].map(significant).to_numpy()
        else:
            shown[column] = float("nan") if column.startswith("metrics.") else None
    return shown


def default_columns(keys: list[str], frame: pd.DataFrame | None = None) -> list[str]:
    """The metrics and params most runs of ``frame`` logged (up to 6 and 4), in ``keys`` order
    among equals."""

    def used(key: str) -> int:
        return int(frame[key].notna().sum()) if frame is not None and key in frame else 0

    ranked = sorted(keys, key=lambda key: -used(key))  # sorted is stable: ties keep key order
    metrics = [k for k in ranked if k.startswith("metrics.")][:DEFAULT_METRICS]
    params = [k for k in ranked if k.startswith("params.")][:DEFAULT_PARAMS]
    return metrics + params
