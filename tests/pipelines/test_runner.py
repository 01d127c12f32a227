"""The pipeline runner: values saved by type, cached steps, tracked runs, failures."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import workbench as wb
from workbench.pipelines.runtime import runner as runner_module
from workbench.pipelines.runtime._values import load_value, save_value
from workbench.pipelines.runtime.runner import (
    Pipeline,
    PipelineStep,
    StepFailedError,
    looks_like_metric,
    parse_assignment,
)


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "colour": pd.Categorical(["red", "blue", "red"], categories=["red", "blue", "green"]),
            "when": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-03-01"]).tz_localize("UTC"),
            "amount": [1.5, np.nan, 3.0],
            "count": pd.array([1, None, 3], dtype="Int64"),
        },
        index=pd.Index(["a", "b", "c"], name="key"),
    )


def _training_data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    features = rng.normal(size=(60, 3))
    return features, (features[:, 0] > 0).astype(int)


def _sklearn_pipeline() -> Any:
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(StandardScaler(), LogisticRegression()).fit(*_training_data())


def _lightgbm_classifier() -> Any:
    import lightgbm as lgb

    return lgb.LGBMClassifier(n_estimators=5, min_child_samples=5, verbose=-1).fit(
        *_training_data()
    )


def test_frames_and_series_round_trip_with_index_and_dtypes(tmp_path: Path) -> None:
    frame = _frame()
    series = pd.Series([0.5, 1.5], index=pd.Index([10, 20], name="id"), name="score")
    saved_frame = save_value(frame, tmp_path, name="frame", step="load")
    saved_series = save_value(series, tmp_path, name="series", step="load")
    assert (saved_frame.kind, saved_series.kind) == ("frame", "series")
    pd.testing.assert_frame_equal(load_value(saved_frame, tmp_path), frame)
    loaded = load_value(saved_series, tmp_path)
    assert isinstance(loaded, pd.Series)
    pd.testing.assert_series_equal(loaded, series)


def test_arrays_and_small_json_values_round_trip(tmp_path: Path) -> None:
    array = np.arange(12, dtype=np.float32).reshape(3, 4)
    scores = {"auc": 0.91, "f1": float("nan"), "n": 3, "classes": ["a", "b"]}
    saved = save_value(array, tmp_path, name="array", step="features")
    np.testing.assert_array_equal(load_value(saved, tmp_path), array)
    assert load_value(saved, tmp_path).dtype == np.float32
    as_json = save_value(scores, tmp_path, name="scores", step="evaluate")
    assert as_json.kind == "json"
    loaded = load_value(as_json, tmp_path)
    assert loaded["auc"] == 0.91 and np.isnan(loaded["f1"]) and loaded["classes"] == ["a", "b"]
    assert load_value(save_value(np.float64(0.5), tmp_path, name="x", step="s"), tmp_path) == 0.5


@pytest.mark.parametrize("make", [_sklearn_pipeline, _lightgbm_classifier], ids=["sklearn", "lgbm"])
def test_models_round_trip_in_safe_formats(tmp_path: Path, make: Any) -> None:
    model = make()
    saved = save_value(model, tmp_path / "first", name="model", step="train")
    assert saved.kind == "model"
    assert not list((tmp_path / "first").rglob("*.pkl"))
    features, _ = _training_data()
    loaded = load_value(saved, tmp_path / "first")
    np.testing.assert_allclose(loaded.predict_proba(features), model.predict_proba(features))
    # The fingerprint is the model's content: saving it again (a new zip) does not change it.
    again = save_value(model, tmp_path / "second", name="model", step="train")
    assert again.fingerprint == saved.fingerprint


# Steps of a small pipeline, at module level so the runner can read their code.
CALLS: list[str] = []


def load_step() -> dict[str, object]:
    CALLS.append("load")
    features, target = _training_data()
    return {"features": features, "target": target}


def train_step(features: np.ndarray, target: np.ndarray, *, C: float) -> dict[str, object]:
    from sklearn.linear_model import LogisticRegression

    CALLS.append("train")
    return {"model": LogisticRegression(C=C).fit(features, target)}


def evaluate_step(
    features: np.ndarray, target: np.ndarray, model: Any, *, FAIL: bool
) -> dict[str, object]:
    CALLS.append("evaluate")
    if FAIL:
        raise ZeroDivisionError("boom")
    return {"accuracy": float(model.score(features, target)), "note": "done"}


def unsaveable_step() -> dict[str, object]:
    CALLS.append("load")
    features, _ = _training_data()
    return {"features": features, "scale": lambda x: x * 2.0}


def use_step(features: np.ndarray, scale: Any) -> dict[str, object]:
    CALLS.append("use")
    return {"total": float(scale(features).sum())}


def count_step(features: np.ndarray) -> dict[str, object]:
    CALLS.append("count")
    return {"rows": len(features)}


def _pipeline(*steps: PipelineStep) -> Pipeline:
    default = (
        PipelineStep("load", load_step, role="load", outputs=("features", "target")),
        PipelineStep(
            "train", train_step, role="train", inputs=("features", "target"),
            outputs=("model",), parameters=("C",),
        ),
        PipelineStep(
            "evaluate", evaluate_step, role="evaluate", inputs=("features", "target", "model"),
            outputs=("accuracy", "note"), parameters=("FAIL",),
        ),
    )  # fmt: skip
    return Pipeline(
        "toy",
        "1.0.0",
        steps=steps or default,
        defaults={"C": 1.0, "FAIL": False},
        types={"C": "float", "FAIL": "bool"},
    )


def _children(parent_id: str) -> dict[str, str]:
    frame = wb.runs()
    children = frame[frame["parent_id"] == parent_id]
    return dict(zip(children["name"], children["tags.cache_hit"], strict=True))


def test_a_run_is_tracked_with_a_child_per_step_metrics_and_a_registered_model(
    sqlite_project: Path,
) -> None:
    CALLS.clear()
    result = _pipeline().run(show_progress=False)
    assert CALLS == ["load", "train", "evaluate"]
    details = wb.get_run(result.run_id)
    assert details.status == "FINISHED"
    assert details.tags["workbench.kind"] == "pipeline"
    assert details.tags["pipeline.name"] == "toy" and details.tags["pipeline.version"] == "1.0.0"
    assert details.params == {"C": "1.0", "FAIL": "False"}
    assert details.metrics == {"accuracy": result.metrics["accuracy"]}
    assert _children(result.run_id) == {"load": "false", "train": "false", "evaluate": "false"}
    assert result.model_version == 1
    assert wb.models.versions("toy")["version"].tolist() == [1]
    assert result.final_outputs == ("accuracy", "note")
    assert result.values == {"accuracy": result.metrics["accuracy"], "note": "done"}


def test_a_second_run_takes_every_step_from_the_cache_and_loads_nothing(
    sqlite_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = _pipeline().run(show_progress=False)
    loaded: list[str] = []
    real_load = runner_module.load_value
    monkeypatch.setattr(
        runner_module,
        "load_value",
        lambda saved, d: loaded.append(saved.kind) or real_load(saved, d),
    )
    CALLS.clear()
    second = _pipeline().run(show_progress=False)
    assert CALLS == [] and loaded == []
    assert second.cache_hits == 3
    assert _children(second.run_id) == {"load": "true", "train": "true", "evaluate": "true"}
    assert second.metrics == first.metrics
    assert second.model_version == 1  # the same model is not registered again
    assert wb.models.versions("toy")["version"].tolist() == [1]
    np.testing.assert_array_equal(second.load("features"), first.load("features"))


def test_a_changed_parameter_reruns_the_steps_that_read_it_and_those_after(
    sqlite_project: Path,
) -> None:
    _pipeline().run(show_progress=False)
    CALLS.clear()
    result = _pipeline().run({"C": 0.01}, show_progress=False)
    assert CALLS == ["train", "evaluate"]
    assert _children(result.run_id) == {"load": "true", "train": "false", "evaluate": "false"}
    assert result.model_version == 2
    CALLS.clear()
    assert _pipeline().run(use_cache=False, show_progress=False).cache_hits == 0
    assert CALLS == ["load", "train", "evaluate"]


def test_a_failing_step_fails_the_run_and_keeps_the_cache_of_earlier_steps(
    sqlite_project: Path,
) -> None:
    with pytest.raises(
        StepFailedError, match="step 'evaluate' failed: ZeroDivisionError"
    ) as caught:
        _pipeline().run({"FAIL": True}, show_progress=False)
    assert isinstance(caught.value.__cause__, ZeroDivisionError)
    runs = wb.runs()
    assert runs.loc[runs["name"] == "toy run", "status"].tolist() == ["FAILED"]
    assert runs.loc[runs["name"] == "evaluate", "status"].tolist() == ["FAILED"]
    CALLS.clear()
    result = _pipeline().run(show_progress=False)
    assert CALLS == ["evaluate"]
    assert result.cache_hits == 2


def test_a_value_with_no_file_format_is_kept_in_memory_and_its_reader_always_runs(
    sqlite_project: Path,
) -> None:
    steps = (
        PipelineStep("load", unsaveable_step, role="load", outputs=("features", "scale")),
        PipelineStep("use", use_step, inputs=("features", "scale"), outputs=("total",)),
        PipelineStep("count", count_step, inputs=("features",), outputs=("rows",)),
    )
    CALLS.clear()
    first = _pipeline(*steps).run(show_progress=False)
    assert CALLS == ["load", "use", "count"]
    assert first.in_memory == {"scale": "builtins.function"}
    expected = float(_training_data()[0].sum() * 2.0)
    assert first.values["total"] == pytest.approx(expected)
    assert [s.state for s in _pipeline(*steps).status()] == ["cached", "will run", "cached"]
    CALLS.clear()
    second = _pipeline(*steps).run(show_progress=False)
    # load comes from the cache but runs again in this process to make `scale` for `use`.
    assert CALLS == ["load", "use"]
    assert _children(second.run_id) == {"load": "true", "use": "false", "count": "true"}
    assert second.values == first.values
    assert second.load("scale")(1.0) == 2.0
    assert wb.get_run(second.run_id).status == "FINISHED"


def test_parameters_are_checked_against_the_notebook_types(sqlite_project: Path) -> None:
    types = {"C": "float", "SEED": "int", "NAME": "str", "COLS": "list"}
    assert parse_assignment("C=1", types) == ("C", 1.0)
    assert parse_assignment("NAME=007", types) == ("NAME", "007")
    assert parse_assignment("COLS=[a, b]", types) == ("COLS", ["a", "b"])
    with pytest.raises(
        ValueError, match=r"parameter 'SEED' is of type int in the notebook, got 0\.5"
    ):
        parse_assignment("SEED=0.5", types)
    with pytest.raises(ValueError, match=r"unknown parameter 'D'; the parameters are"):
        parse_assignment("D=1", types)
    with pytest.raises(ValueError, match="unknown parameter 'D'"):
        _pipeline().run({"D": 1}, show_progress=False)


def test_metric_names_are_recognised_by_their_words() -> None:
    assert all(map(looks_like_metric, ["auc", "test_auc", "rmse", "f1_macro", "val_loss"]))
    assert not any(map(looks_like_metric, ["n_rows", "threshold", "scaler", "features"]))


def test_a_step_that_tracks_its_own_run_logs_it_as_a_child_of_the_step(project: Path) -> None:
    """Notebook code like `with wb.start_run(...)` runs inside the pipeline's step run."""

    def tracked() -> dict[str, object]:
        wb.set_experiment("notebook-experiment")
        with wb.start_run(name="from-notebook") as run:
            run.log_metric("auc", 0.75)
        return {"auc": 0.75}

    pipeline = Pipeline(
        "self_tracking", "1.0.0",
        steps=(PipelineStep("evaluate", tracked, role="evaluate", outputs=("auc",)),),
        defaults={}, types={},
    )  # fmt: skip
    result = pipeline.run(show_progress=False)
    parent = wb.get_run(result.run_id)
    inner = wb.runs(experiment=parent.info.experiment, filter="attributes.name = 'from-notebook'")
    assert len(inner) == 1
    notebook_run = wb.get_run(inner["run_id"].iloc[0])
    step_run = wb.get_run(result.steps[0].run_id)
    assert notebook_run.info.parent_id == step_run.id
    assert notebook_run.info.experiment == step_run.info.experiment  # with their parent
    # outside a pipeline step, starting a second run while one is active is still refused
    with wb.start_run(name="outer"), pytest.raises(ValueError, match="still active"):
        wb.start_run(name="inner")
