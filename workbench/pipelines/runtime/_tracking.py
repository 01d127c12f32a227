"""What a pipeline run records beyond its steps: which outputs are metrics, the datasets
of ``load`` steps, and the latest runs of a pipeline (for ``python -m <pkg> status``)."""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping
from dataclasses import asdict
from typing import Any

_METRIC_WORDS = frozenset(
    {"auc", "roc", "accuracy", "acc", "f1", "precision", "recall", "rmse", "mse", "mae",
     "mape", "r2", "loss", "logloss", "score", "error", "brier", "kappa", "mcc", "ndcg", "ap"}
)  # fmt: skip


def looks_like_metric(name: str) -> bool:
    """``test_auc``, ``rmse``, ``f1_macro``: a word of the name is a metric's."""
    return any(word in _METRIC_WORDS for word in re.split(r"[_\W]+", name.lower()))


def describe_frames(values: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Fingerprint, schema and profile of the DataFrames among ``values``."""
    pd = sys.modules.get("pandas")
    if pd is None:
        return []
    from workbench.tracking.datasets import describe_dataset

    return [
        asdict(describe_dataset(value, name=name, role="train"))
        for name, value in values.items()
        if isinstance(value, pd.DataFrame)
    ]


def last_runs(package: str, limit: int = 5) -> list[dict[str, Any]]:
    """The latest tracked runs of pipeline ``package``, newest first, as plain dicts."""
    from workbench.tracking.queries import runs

    frame = runs(
        filter=f"tags.pipeline.name = '{package}' and tags.workbench.kind = 'pipeline'",
        max_results=limit,
    )
    columns = ["run_id", "name", "status", "start_time", "tags.pipeline.version"]
    columns.append("tags.pipeline.output_dir")  # where the run wrote the notebook's files
    columns += [c for c in frame.columns if c.startswith("metrics.")]
    records = frame[[c for c in columns if c in frame]].to_dict("records")
    return [{str(key): value for key, value in row.items()} for row in records]
