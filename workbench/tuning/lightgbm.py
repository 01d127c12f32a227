"""Pruning for LightGBM: report validation metrics per boosting round to the Optuna trial."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import optuna


def lightgbm_pruning_callback(
    trial: optuna.Trial, metric: str, valid_name: str | None = None
) -> Callable[[Any], None]:
    """A LightGBM callback that reports ``metric`` on a validation set every round and
    prunes the trial when the study's pruner says so.

    >>> import lightgbm as lgb, workbench as wb
    >>> def objective(trial):  # doctest: +SKIP
    ...     booster = lgb.train(params, train, valid_sets=[valid], valid_names=["valid"],
    ...         callbacks=[wb.tuning.lightgbm_pruning_callback(trial, "auc")])
    ...     return booster.best_score["valid"]["auc"]
    """

    def callback(env: Any) -> None:
        import optuna

        results = env.evaluation_result_list or []
        for entry in results:
            data_name, eval_name, value = entry[0], entry[1], entry[2]
            if eval_name == metric and (valid_name is None or data_name == valid_name):
                if data_name == "training" and valid_name is None:
                    continue  # the training score says nothing about overfitting
                trial.report(float(value), step=env.iteration)
                if trial.should_prune():
                    raise optuna.TrialPruned(f"pruned at boosting round {env.iteration}")
                return
        known = sorted({f"{e[0]}/{e[1]}" for e in results})
        raise ValueError(
            f"LightGBM reported no metric {metric!r}"
            + (f" on {valid_name!r}" if valid_name else "")
            + f"; it reported {', '.join(known) or 'nothing (pass valid_sets to lgb.train)'}."
        )

    callback.order = 20  # type: ignore[attr-defined]  # after LightGBM's own evaluation
    return callback
