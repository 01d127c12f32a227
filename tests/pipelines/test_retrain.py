"""Continuous training: `retrain --data NEW` checks drift, retrains, applies the gate of
params.yaml against the champion and promotes or keeps it, all recorded in the store.

The breast-cancer example is exported into an empty project and imported in-process (the
CLI tests run it as a subprocess, as a scheduled job would).
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml
from sklearn.datasets import load_breast_cancer
from sklearn.metrics import roc_auc_score

import workbench as wb
from workbench.pipelines.export import export_notebook
from workbench.pipelines.retrain import (
    RetrainDataError,
    RetrainResult,
    read_gate,
    retrain,
    retrain_package,
)
from workbench.pipelines.retrain._gate import (
    Gate,
    GateConfigError,
    apply_gate,
    default_gate,
    lower_is_better,
)
from workbench.pipelines.runtime.runner import Pipeline, PipelineStep
from workbench.tracking.queries import read_artifact

EXAMPLE = (
    Path(__file__).resolve().parents[2]
    / "notebooks"
    / "examples"
    / "classification_breast_cancer.ipynb"
)
PACKAGE = "classification_breast_cancer"
NAME = "classification-breast-cancer"


@pytest.fixture
def exported(project: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """The example exported into the project, its `pipeline` module imported."""
    result = export_notebook(EXAMPLE, verify=False, show_progress=False)
    monkeypatch.syspath_prepend(str(result.path / "src"))
    for module in [m for m in sys.modules if m.split(".")[0] == PACKAGE]:
        del sys.modules[module]
    pipeline_module = importlib.import_module(f"{PACKAGE}.pipeline")
    yield pipeline_module
    for module in [m for m in sys.modules if m.split(".")[0] == PACKAGE]:
        del sys.modules[module]


def _data() -> pd.DataFrame:
    return load_breast_cancer(as_frame=True).frame


def _reshuffled() -> pd.DataFrame:
    """The same rows in another order: a new train/test split, no drift."""
    return _data().sample(frac=1.0, random_state=1).reset_index(drop=True)


def _label_noise() -> pd.DataFrame:
    """The features unchanged, the labels random: the retrained model is much worse."""
    frame = _data()
    frame["target"] = np.random.default_rng(0).integers(0, 2, len(frame))
    return frame


def _shifted() -> pd.DataFrame:
    """Most features scaled up: drift in most columns."""
    frame = _data()
    features = [c for c in frame.columns if c != "target"]
    frame[features] = frame[features] * 1.6
    return frame


def _retrain(module: Any, data: Any, **options: Any) -> RetrainResult:
    manifest = json.loads(module.MANIFEST.read_text())
    return retrain(
        module.PIPELINE,
        data,
        params_file=module.default_params_file(),
        manifest=manifest,
        show_progress=False,
        **options,
    )


def test_export_writes_a_default_gate_into_params_yaml_and_the_manifest(exported: Any) -> None:
    params = yaml.safe_load(exported.default_params_file().read_text())
    manifest = json.loads(exported.MANIFEST.read_text())
    expected = {
        "alias": "champion",
        "thresholds": {},
        "compare_to_champion": {
            "metric": "roc_auc",  # preferred over accuracy, which comes first by name
            "max_regression": 0.01,
            "direction": "maximize",
        },
    }
    assert params["gate"] == expected
    assert manifest["gate"] == expected
    assert params["C"] == 1.0
    # the gate is not a parameter: a plain run with params.yaml still works
    assert exported.run(show_progress=False).metrics["roc_auc"] > 0.99


def test_first_retrain_promotes_then_same_data_is_unchanged_then_worse_model_is_kept(
    exported: Any, tmp_path: Path
) -> None:
    first_run = exported.run(show_progress=False)
    assert first_run.model_version == 1

    csv = tmp_path / "new.csv"
    _reshuffled().to_csv(csv, index=False)
    promoted = _retrain(exported, csv)
    assert promoted.decision == "promoted", promoted.reason
    assert "first 'champion'" in promoted.reason
    assert promoted.champion_before is None
    assert promoted.model_version == 2 and promoted.champion_after == 2
    assert wb.models.resolve(f"{PACKAGE}@champion").version == 2
    assert promoted.drift is not None and not promoted.drift.drifted
    # the new data reached the steps: a different split gives different metrics
    assert promoted.metrics["roc_auc"] != first_run.metrics["roc_auc"]
    assert promoted.pipeline_run is not None
    assert promoted.pipeline_run.cache_hits == 0

    again = _retrain(exported, csv)
    assert again.decision == "unchanged", again.reason
    assert again.pipeline_run is not None
    assert again.pipeline_run.cache_hits == len(exported.PIPELINE.steps)
    assert wb.models.resolve(f"{PACKAGE}@champion").version == 2

    kept = _retrain(exported, _label_noise())
    assert kept.decision == "kept"
    assert kept.model_version == 3
    assert kept.champion_before == kept.champion_after == 2
    assert wb.models.resolve(f"{PACKAGE}@champion").version == 2
    [failure] = kept.gate.failures
    assert failure.name == "roc_auc vs champion (version 2)"
    assert "allowed 0.01" in failure.detail
    assert "roc_auc vs champion (version 2)" in kept.reason
    assert "'champion' stays on version 2" in kept.reason

    # the champion was re-evaluated on the same (noisy) test split as the new model
    assert kept.champion_basis == "re-evaluated on the same data"
    champion = wb.models.load(f"{PACKAGE}@champion")
    assert kept.pipeline_run is not None
    x_test = kept.pipeline_run.load("X_test_scaled")
    y_test = kept.pipeline_run.load("y_test")
    expected = roc_auc_score(y_test, champion.predict_proba(x_test)[:, 1])
    assert kept.champion_metrics is not None
    assert kept.champion_metrics["roc_auc"] == pytest.approx(expected)

    # everything is in the store: decisions, gate checks, drift reports
    runs = wb.runs(filter="tags.pipeline.mode = 'retrain'")
    assert sorted(runs["tags.retrain.decision"]) == ["kept", "promoted", "unchanged"]
    kept_run = wb.get_run(kept.run_id)
    assert kept_run.tags["retrain.decision"] == "kept"
    gate_json = json.loads(read_artifact(kept.run_id, "gate.json"))
    assert gate_json["decision"] == "kept" and gate_json["checks"][0]["passed"] is False
    history = wb.drift.history(PACKAGE)
    assert len(history) == 3
    history_alias = wb.models.alias_history(PACKAGE, "champion")
    assert list(history_alias["version"]) == [2]


def test_thresholds_refuse_a_model_even_without_a_champion(exported: Any, tmp_path: Path) -> None:
    params = yaml.safe_load(exported.default_params_file().read_text())
    params["gate"]["thresholds"] = {"roc_auc": {"min": 0.9999}, "accuracy": {"min": 0.5}}
    strict = tmp_path / "strict.yaml"
    strict.write_text(yaml.safe_dump(params))
    result = retrain(
        exported.PIPELINE,
        _reshuffled(),
        params_file=strict,
        show_progress=False,
    )
    assert result.decision == "kept"
    assert [c.name for c in result.gate.failures] == ["roc_auc bounds"]
    assert "must be >= 0.9999" in result.gate.failures[0].detail
    assert result.champion_after is None
    with pytest.raises(LookupError):
        wb.models.resolve(f"{PACKAGE}@champion")


def test_only_if_drift_skips_stable_data_and_retrains_on_drifted_data(exported: Any) -> None:
    skipped = _retrain(exported, _reshuffled(), only_if_drift=True)
    assert skipped.decision == "skipped"
    assert skipped.pipeline_run is None and skipped.model_version is None
    drifted = _retrain(exported, _shifted(), only_if_drift=True, target="target")
    assert drifted.drift is not None and drifted.drift.drifted
    assert "mean radius" in drifted.drift.drifted_columns
    assert drifted.decision == "promoted"
    assert drifted.drift.report_id is not None
    report = wb.drift.get_report(drifted.drift.report_id)
    assert report.drifted
    roles = {column.column: column.role for column in report.columns}
    assert roles["target"] == "target" and roles["mean radius"] == "feature"
    with pytest.raises(RetrainDataError, match="--target 'label' is not a column"):
        _retrain(exported, _shifted(), target="label")


def test_bad_new_data_is_a_clear_error_and_records_nothing(exported: Any, tmp_path: Path) -> None:
    before = len(wb.runs())
    missing = _data().drop(columns=["mean radius", "target"])
    with pytest.raises(RetrainDataError, match=r"lacks column\(s\) \['mean radius', 'target'\]"):
        _retrain(exported, missing)
    wrong_type = _data()
    wrong_type["mean area"] = "large"
    with pytest.raises(RetrainDataError, match=r"column 'mean area' .* cannot be read as float64"):
        _retrain(exported, wrong_type)
    with pytest.raises(RetrainDataError, match="no such file"):
        _retrain(exported, tmp_path / "absent.csv")
    (tmp_path / "data.xlsx").write_bytes(b"not a table")
    with pytest.raises(RetrainDataError, match=r"give a \.csv or \.parquet file"):
        _retrain(exported, tmp_path / "data.xlsx")
    bad_gate = tmp_path / "params.yaml"
    bad_gate.write_text("gate:\n  thresholds:\n    roc_auc: 0.9\n")
    with pytest.raises(GateConfigError, match=r"gate.thresholds.roc_auc.*like \{min: 0.9\}"):
        retrain(exported.PIPELINE, _data(), params_file=bad_gate, show_progress=False)
    assert len(wb.runs()) == before


def test_a_load_step_returning_arrays_names_the_fix(project: Path) -> None:
    def load() -> dict[str, object]:
        return {"X": np.zeros((4, 2)), "y": np.zeros(4)}

    pipeline = Pipeline(
        "arrays_pipeline",
        "1.0.0",
        steps=(PipelineStep("load", load, role="load", outputs=("X", "y")),),
        defaults={},
        types={},
    )
    with pytest.raises(RetrainDataError, match=r"as_frame=True.*re-export"):
        retrain(pipeline, pd.DataFrame({"a": [1.0]}), show_progress=False)


def test_gate_parsing_and_checks() -> None:
    assert lower_is_better("rmse") and lower_is_better("test_log_loss")
    assert not lower_is_better("roc_auc") and not lower_is_better("r2")
    assert default_gate(["rmse", "r2"]).champion is not None
    assert default_gate(["rmse"]).to_dict()["compare_to_champion"]["direction"] == "minimize"
    assert default_gate([]).to_dict() == {"alias": "champion", "thresholds": {}}
    gate = Gate.from_dict(
        {
            "alias": "production",
            "thresholds": {"rmse": {"max": 50}, "r2": {"min": 0.3}},
            "compare_to_champion": {"metric": "rmse", "max_regression": 2},
        }
    )
    assert gate.alias == "production" and gate.metrics() == {"rmse", "r2"}
    outcome = apply_gate(gate, {"rmse": 52.5, "r2": 0.4}, {"rmse": 49.0}, "production (v1)")
    checks = {c.name: c for c in outcome.checks}
    assert not checks["rmse bounds"].passed and checks["r2 bounds"].passed
    assert not checks["rmse vs production (v1)"].passed  # lower is better: worse by 3.5 > 2
    assert "worse by 3.5" in checks["rmse vs production (v1)"].detail
    assert apply_gate(gate, {"rmse": 50.0, "r2": 0.4}, {"rmse": 49.0}).passed
    missing = apply_gate(gate, {"r2": 0.4}, None)
    assert [c.name for c in missing.failures] == ["rmse bounds"]
    for bad, message in [
        ({"threshold": {}}, "unknown key"),
        ({"thresholds": {"auc": {"min": "high"}}}, "must be a number"),
        ({"compare_to_champion": {"max_regression": 0.1}}, "needs `metric`"),
        ({"compare_to_champion": {"metric": "auc", "direction": "up"}}, "maximize or minimize"),
        ({"compare_to_champion": {"metric": "auc", "max_regression": -1}}, ">= 0"),
    ]:
        with pytest.raises(GateConfigError, match=message):
            Gate.from_dict(bad)
    assert read_gate(None, {"gate": {"alias": "prod"}}).alias == "prod"
    assert read_gate(None, None) == Gate()


def _package_env(home: Path, src: Path) -> dict[str, str]:
    return {**os.environ, "WORKBENCH_HOME": str(home), "PYTHONPATH": str(src)}


def test_cli_retrain_exit_codes_promote_and_rollback(sqlite_project: Path, tmp_path: Path) -> None:
    result = export_notebook(EXAMPLE, verify=False, show_progress=False)
    data = tmp_path / "new.parquet"
    _reshuffled().to_parquet(data)
    noisy = tmp_path / "noisy.csv"
    _label_noise().to_csv(noisy, index=False)
    workbench = [sys.executable, "-m", "workbench"]
    env = _package_env(sqlite_project, result.path / "src")

    promoted = subprocess.run(
        [*workbench, "retrain", NAME, "--data", str(data), "--json"],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert promoted.returncode == 0, promoted.stderr
    assert json.loads(promoted.stdout)["decision"] == "promoted"

    package = [sys.executable, "-m", PACKAGE]
    kept = subprocess.run(
        [*package, "retrain", "--data", str(noisy), "--quiet"],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert kept.returncode == 3, kept.stderr
    assert "[FAIL] roc_auc vs champion (version 1)" in kept.stdout
    assert "kept: the gate failed" in kept.stdout

    bad = subprocess.run(
        [*workbench, "retrain", NAME, "--data", str(tmp_path / "absent.csv")],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert bad.returncode == 2 and "no such file" in bad.stderr

    promote = subprocess.run(
        [*package, "promote", "2"], env=env, capture_output=True, text=True, check=False
    )
    assert promote.returncode == 0, promote.stderr
    assert "@champion -> version 2" in promote.stdout
    rollback = subprocess.run(
        [*package, "rollback"], env=env, capture_output=True, text=True, check=False
    )
    assert rollback.returncode == 0, rollback.stderr
    assert "rolled back to version 1" in rollback.stdout
    unknown = subprocess.run(
        [*package, "promote", "9"], env=env, capture_output=True, text=True, check=False
    )
    assert unknown.returncode == 2 and "has no version 9" in unknown.stderr
    status = subprocess.run(
        [*package, "status"], env=env, capture_output=True, text=True, check=False
    )
    assert status.returncode == 0 and "retrain" in status.stdout

    # retrain_package (what notebooks call) reads the subprocess's decision back
    again = retrain_package(NAME, _label_noise(), quiet=True)
    assert again.decision == "kept" and again.champion_after == 1
    assert wb.models.resolve(f"{PACKAGE}@champion").version == 1
    history = wb.models.alias_history(PACKAGE, "champion")
    assert list(history["version"]) == [1, 2, 1]
