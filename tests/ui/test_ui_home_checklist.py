"""The home checklist's "Retrain" step in the process `workbench demo` serves from: the
demo sets its own experiment, and a retrain run lives in another one."""

from __future__ import annotations

import numpy as np
import pandas as pd

import workbench as wb
from workbench.demo import DEMO_EXPERIMENT
from workbench.pipelines.retrain import retrain
from workbench.pipelines.runtime import Pipeline, PipelineStep
from workbench.ui.pages.home import HomeView, workflow


def load() -> dict[str, pd.DataFrame]:
    x = np.random.default_rng(0).normal(size=120)
    return {"data": pd.DataFrame({"x": x, "y": (x > 0).astype(int)})}


def train(data: pd.DataFrame) -> dict[str, object]:
    from sklearn.linear_model import LogisticRegression

    return {"model": LogisticRegression().fit(data[["x"]], data["y"])}


def evaluate(model: object, data: pd.DataFrame) -> dict[str, float]:
    from sklearn.metrics import roc_auc_score

    scores = model.predict_proba(data[["x"]])[:, 1]  # type: ignore[attr-defined]
    return {"auc": float(roc_auc_score(data["y"], scores))}


PIPELINE = Pipeline(
    "tiny_pipeline",
    "1.0.0",
    steps=(
        PipelineStep("load", load, role="load", outputs=("data",)),
        PipelineStep("train", train, role="train", inputs=("data",), outputs=("model",)),
        PipelineStep("evaluate", evaluate, role="evaluate", inputs=("model", "data"),
                     outputs=("auc",)),
    ),
    defaults={},
    types={},
)  # fmt: skip


def test_retrain_ticks_when_the_dashboard_process_has_another_current_experiment(
    sqlite_project,
):
    result = retrain(PIPELINE, load()["data"], show_progress=False)  # as `workbench retrain`
    assert result.decision == "promoted"
    wb.set_experiment(DEMO_EXPERIMENT)  # what seed_demo leaves in the served process
    with wb.start_run(name="a demo run"):
        pass
    (step,) = [s for s in workflow() if s.key == "retrain"]
    assert step.done, step
    assert step.detail == "1 retrain run(s), the last one promoted"
    home = HomeView()
    assert 'data-step="retrain" data-state="done"' in home._steps.object


def test_retrain_stays_open_without_a_retrain_run(sqlite_project):
    wb.set_experiment(DEMO_EXPERIMENT)
    with wb.start_run(name="a demo run"):
        pass
    (step,) = [s for s in workflow() if s.key == "retrain"]
    assert not step.done
    assert "promotes only a better model" in step.detail
