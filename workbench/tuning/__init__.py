"""Optuna tuning whose trials are tracked runs."""

from workbench.tuning._result import TuneResult
from workbench.tuning._tracking import ObjectiveReturnError
from workbench.tuning._tune import join_study, tune
from workbench.tuning.lightgbm import lightgbm_pruning_callback
from workbench.tuning.studies import load_study, studies

__all__ = [
    "ObjectiveReturnError",
    "TuneResult",
    "join_study",
    "lightgbm_pruning_callback",
    "load_study",
    "studies",
    "tune",
]
