"""Models registered through the real registry for the serving tests.

``flip`` has two versions trained on opposite labels, so every row's prediction tells
which version answered; version 1 holds the ``champion`` alias.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pytest

import workbench as wb


@dataclass(frozen=True)
class Flip:
    """The training rows and the two fitted versions of model ``flip``."""

    frame: Any
    labels: Any
    v1: Any
    v2: Any

    def rows(self, count: int = 5) -> list[dict[str, Any]]:
        return self.frame.head(count).to_dict(orient="records")


def training_frame(rows: int = 120, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "x1": rng.normal(size=rows),
            "x2": rng.normal(size=rows),
            "count": rng.integers(0, 10, size=rows),
        }
    )
    labels = (frame["x1"] + 0.5 * frame["x2"] + 0.1 * frame["count"] > 0.5).astype(int)
    return frame, labels.to_numpy()


def _register_flip() -> Flip:
    from sklearn.linear_model import LogisticRegression

    frame, labels = training_frame()
    v1 = LogisticRegression().fit(frame, labels)
    v2 = LogisticRegression().fit(frame, 1 - labels)
    with wb.start_run() as run:
        run.log_model(v1, name="flip", input_example=frame.head())
        run.log_model(v2, name="flip", input_example=frame.head())
    wb.models.promote("flip", version=1)
    return Flip(frame, labels, v1, v2)


@pytest.fixture
def flip(sqlite_project) -> Flip:
    """Model ``flip`` (versions 1 and 2, champion 1) in a SQLite project."""
    return _register_flip()


@pytest.fixture
def flip_any_backend(project) -> Flip:
    """Model ``flip`` in a project on SQLite and on PostgreSQL."""
    return _register_flip()
