"""The runs a notebook started, for the sidebar."""

from __future__ import annotations

import contextlib
import math
from pathlib import Path
from typing import Any

MAX_RUNS = 50


def _quoted(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def notebook_sources(notebook: Path, root: Path) -> list[str]:
    """The ``source`` a run from this notebook records.

    A kernel started by JupyterLab sees ``JPY_SESSION_NAME``: the notebook's absolute path,
    or its path relative to the root when the client sent no session name.
    """
    sources = [str(notebook)]
    with contextlib.suppress(ValueError):  # a notebook outside the root has no relative name
        sources.append(notebook.relative_to(root.resolve()).as_posix())
    return sources


def notebook_runs(notebook: Path, root: Path, limit: int = MAX_RUNS) -> dict[str, Any]:
    """``{experiment, runs}``: the notebook's runs newest first, with their last metrics.

    ``experiment`` is the experiment of the newest run (the kernel's current experiment is
    not visible from the server), None when the notebook has no run yet.
    """
    import workbench as wb

    sources = ", ".join(_quoted(source) for source in notebook_sources(notebook, root))
    frame = wb.runs(experiment=None, filter=f"attributes.source IN ({sources})", max_results=limit)
    frame = frame.sort_values("start_time", ascending=False, kind="stable")
    metric_columns = [column for column in frame.columns if column.startswith("metrics.")]
    runs = []
    for row in frame.to_dict("records"):
        metrics = {
            column.removeprefix("metrics."): float(row[column])
            for column in metric_columns
            if row[column] is not None and not math.isnan(row[column])
        }
        duration = row.get("duration")
        runs.append(
            {
                "id": row["run_id"],
                "name": row["name"],
                "status": row["status"],
                "experiment": row["experiment"],
                "start_time": row["start_time"].isoformat(),
                "duration": None if duration is None or math.isnan(duration) else duration,
                "metrics": metrics,
            }
        )
    return {"experiment": runs[0]["experiment"] if runs else None, "runs": runs}
