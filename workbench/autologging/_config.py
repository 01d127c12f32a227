"""What ``wb.autolog`` was asked to log, and the warning it gives instead of failing a fit."""

from __future__ import annotations

from dataclasses import dataclass


class AutologWarning(UserWarning):
    """Autolog could not log something; the model was still trained and returned."""


@dataclass
class AutologConfig:
    """The options of the last ``wb.autolog()`` call, read by every patched ``fit``."""

    log_models: bool = True
    log_datasets: bool = True
    max_tuning_runs: int | None = 100


config = AutologConfig()
