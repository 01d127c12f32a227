"""Optuna tuning whose trials are tracked runs."""

from typing import Any

from workbench._deprecation import RENAMED, renamed_attribute
from workbench.tuning._result import TuneResult
from workbench.tuning._tracking import ObjectiveReturnError
from workbench.tuning._tune import join_study, tune
from workbench.tuning.lightgbm import lightgbm_pruning_callback
from workbench.tuning.studies import get_study, studies

__all__ = [
    "ObjectiveReturnError",
    "TuneResult",
    "get_study",
    "join_study",
    "lightgbm_pruning_callback",
    "studies",
    "tune",
]


def __getattr__(name: str) -> Any:
    if f"wb.tuning.{name}" in RENAMED:
        return renamed_attribute(f"wb.tuning.{name}")
    raise AttributeError(f"module 'workbench.tuning' has no attribute {name!r}")
