"""GridSearchCV / RandomizedSearchCV: the best candidate on the parent run, and one child
run per candidate (params, mean/std test scores, rank), the best tagged ``best=true``.

Each child is a deferred run: its row, tags, params, metrics and end go to the store in
one transaction, so a search of 100 candidates costs 100 writes, not one per value.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from workbench.autologging._config import config
from workbench.autologging._logging import CLASS_TAG, FLAVOR_TAG, flat_params
from workbench.tracking import fluent
from workbench.tracking.run import ActiveRun
from workbench.tracking.validation import is_number

BEST_TAG = "best"
CANDIDATE_TAG = "autolog.candidate"
RESULT_PREFIXES = ("mean_", "std_", "rank_")


@dataclass
class SearchSummary:
    params: dict[str, str] = field(default_factory=dict)
    metrics: dict[str, float] = field(default_factory=dict)


def is_search(estimator: Any) -> bool:
    """Whether ``estimator`` is a fitted hyper-parameter search with ``cv_results_``."""
    import sys

    search = sys.modules.get("sklearn.model_selection._search")
    return (
        search is not None
        and isinstance(estimator, search.BaseSearchCV)
        and hasattr(estimator, "cv_results_")
    )


def summary(search: Any) -> SearchSummary:
    """``best_<param>`` params and the ``best_cv_score`` metric of a fitted search."""
    result = SearchSummary()
    best = getattr(search, "best_params_", None)
    if best:
        result.params = flat_params({f"best_{k}": v for k, v in best.items()})
    score = getattr(search, "best_score_", None)
    if score is not None and is_number(score):
        result.metrics["best_cv_score"] = float(score)
    return result


def _rank_key(search: Any, results: dict[str, Any]) -> str | None:
    refit = search.refit if isinstance(search.refit, str) else "score"
    for key in (f"rank_test_{refit}", "rank_test_score"):
        if key in results:
            return key
    return next((k for k in results if k.startswith("rank_test_")), None)


def _chosen(search: Any, results: dict[str, Any], count: int) -> list[int]:
    """The candidates to log: all, or the best ``max_tuning_runs`` by rank."""
    limit = config.max_tuning_runs
    if limit is None or count <= limit:
        return list(range(count))
    rank_key = _rank_key(search, results)
    if rank_key is None:
        return list(range(limit))
    ranks = results[rank_key]
    return sorted(sorted(range(count), key=lambda i: (int(ranks[i]), i))[:limit])


def _best_index(search: Any, results: dict[str, Any]) -> int | None:
    best = getattr(search, "best_index_", None)
    if best is not None and is_number(best):
        return int(best)
    rank_key = _rank_key(search, results)
    if rank_key is None:
        return None
    ranks = list(results[rank_key])
    return ranks.index(min(ranks)) if ranks else None


def _candidate_metrics(results: dict[str, Any], index: int) -> dict[str, float]:
    metrics: dict[str, float] = {}
    for key, values in results.items():
        if key.startswith(RESULT_PREFIXES):
            value = values[index]
            if is_number(value) and not math.isnan(float(value)):
                metrics[key] = float(value)
    return metrics


def log_candidates(parent: ActiveRun, search: Any) -> int:
    """One child run of ``parent`` per candidate; returns how many were logged."""
    results = search.cv_results_
    candidates = results["params"]
    best = _best_index(search, results)
    estimator_class = type(search.estimator).__name__
    parent.flush()  # the children's rows refer to the parent's
    logged = 0
    for index in _chosen(search, results, len(candidates)):
        tags = {FLAVOR_TAG: "sklearn", CLASS_TAG: estimator_class, CANDIDATE_TAG: index}
        if index == best:
            tags[BEST_TAG] = "true"
        child = fluent.create_run(
            f"{type(search).__name__} candidate {index}",
            experiment=parent.experiment,
            tags=tags,
            parent_id=parent.id,
            defer=True,
        )
        child.log_params(flat_params(candidates[index]))
        child.log_metrics(_candidate_metrics(results, index))
        child.end("FINISHED")
        logged += 1
    return logged
