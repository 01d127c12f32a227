"""Continuous training: retrain an exported pipeline on new data behind an evaluation gate.

``python -m <pkg> retrain --data NEW`` (and ``workbench retrain NAME --data NEW``):

1. reads ``NEW`` (CSV or Parquet) and shapes it like the outputs of the pipeline's ``load``
   step(s): a DataFrame output takes the same columns (cast to the same dtypes), a Series
   output takes the column of its name; anything missing is an error that names it;
2. checks the new data for drift against the data the pipeline was trained on (the load
   step's outputs as exported) and stores the report (``wb.drift.history(<pkg>)``);
   ``only_if_drift=True`` stops here when nothing drifted;
3. runs the pipeline with the load step's outputs replaced (every later step re-runs on the
   new data, or comes from the cache when that data was seen before) as a tracked run; the
   new model is registered as a new version of the model named after the package;
4. re-evaluates the current champion on the *same* evaluation data (the ``evaluate``
   step called with the champion's model), falling back to the metrics it was registered
   with when that is not possible;
5. applies the gate of ``params.yaml`` (see :mod:`workbench.pipelines.retrain._gate`) and promotes
   the new version to the gate's alias, or keeps the champion and says which check failed.

When the notebook reads data files (declared inputs), ``workbench retrain NAME --data
train=new.csv`` gives a new file for an input instead (``inputs``; ``data`` may then be
``None``): every step re-runs on the files, and the drift check compares each new CSV or
Parquet file with the notebook's.

Everything is recorded on a parent run named ``<pkg> retrain`` (tags ``retrain.decision``
and ``retrain.reason``, the gate's checks as ``gate.json``), and a promotion goes through
the registry's audited ``promote``.

>>> result = retrain(PIPELINE, "new.parquet")  # doctest: +SKIP
>>> result.decision, result.reason  # doctest: +SKIP
('promoted', 'every check passed')
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench.pipelines.retrain._gate import (
    GATE_KEY,
    Gate,
    GateConfigError,
    GateOutcome,
    apply_gate,
)
from workbench.pipelines.runtime.inputs import file_sha256
from workbench.pipelines.runtime.runner import Pipeline, PipelineResult, step_function

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "GateConfigError",
    "RetrainDataError",
    "RetrainFailedError",
    "RetrainResult",
    "read_gate",
    "retrain",
    "retrain_package",
]


class RetrainFailedError(RuntimeError):
    """``retrain`` in a subprocess wrote no decision; ``exit_code`` is its exit code (2: bad
    input, 1: a step failed)."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class RetrainDataError(ValueError):
    """The new data cannot stand in for the pipeline's training data (the message says why)."""


@dataclass(frozen=True)
class DriftSummary:
    """The drift check of the new data against the training data."""

    drifted: bool
    share: float
    drifted_columns: tuple[str, ...]
    report_id: int | None


@dataclass(frozen=True)
class RetrainResult:
    """What ``retrain`` did.

    ``decision`` is ``promoted`` (the new version now holds ``alias``), ``kept`` (the gate
    failed: the champion stays; ``reason`` names the failed checks), ``unchanged`` (the new
    data and code give the version that already holds the alias) or ``skipped`` (no drift
    and ``only_if_drift``)."""

    decision: str
    reason: str
    run_id: str
    alias: str
    drift: DriftSummary | None
    metrics: dict[str, float] = field(default_factory=dict)
    model_version: int | None = None
    champion_before: int | None = None
    champion_after: int | None = None
    champion_metrics: dict[str, float] | None = None
    champion_basis: str | None = None
    gate: GateOutcome = field(default_factory=GateOutcome)
    pipeline_run: PipelineResult | None = field(default=None, repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "decision": self.decision,
            "reason": self.reason,
            "run_id": self.run_id,
            "alias": self.alias,
            "drift": None if self.drift is None else self.drift.__dict__,
            "metrics": self.metrics,
            "model_version": self.model_version,
            "champion_before": self.champion_before,
            "champion_after": self.champion_after,
            "champion_metrics": self.champion_metrics,
            "champion_basis": self.champion_basis,
            "checks": [check.__dict__ for check in self.gate.checks],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RetrainResult:
        """Read back :meth:`to_dict` (what ``retrain --report-json`` writes)."""
        from workbench.pipelines.retrain._gate import Check

        drift = data.get("drift")
        return cls(
            decision=data["decision"],
            reason=data["reason"],
            run_id=data["run_id"],
            alias=data["alias"],
            drift=None
            if drift is None
            else DriftSummary(
                bool(drift["drifted"]),
                float(drift["share"]),
                tuple(drift["drifted_columns"]),
                drift.get("report_id"),
            ),
            metrics=dict(data.get("metrics") or {}),
            model_version=data.get("model_version"),
            champion_before=data.get("champion_before"),
            champion_after=data.get("champion_after"),
            champion_metrics=data.get("champion_metrics"),
            champion_basis=data.get("champion_basis"),
            gate=GateOutcome(tuple(Check(**check) for check in data.get("checks", []))),
        )

    def summary(self) -> str:
        """A few lines for a terminal or a notebook."""
        lines = []
        if self.drift is not None:
            columns = ", ".join(self.drift.drifted_columns[:8]) or "none"
            verdict = "drift detected" if self.drift.drifted else "no drift"
            lines.append(
                f"drift check: {verdict} ({self.drift.share:.0%} of columns drifted: {columns})"
            )
        for name, value in self.metrics.items():
            champion = (self.champion_metrics or {}).get(name)
            versus = f"  (champion {champion:.6g}, {self.champion_basis})" if champion else ""
            lines.append(f"  {name} = {value:.6g}{versus}")
        for check in self.gate.checks:
            lines.append(f"  [{'pass' if check.passed else 'FAIL'}] {check.name}: {check.detail}")
        lines.append(f"{self.decision}: {self.reason}")
        return "\n".join(lines)


def read_gate(params_file: Path | None, manifest: Mapping[str, Any] | None) -> Gate:
    """The gate of ``params_file`` (its ``gate`` key), else the one the exporter wrote into
    the manifest, else an empty gate (promote whenever the run succeeds)."""
    if params_file is not None and Path(params_file).is_file():
        import yaml

        loaded = yaml.safe_load(Path(params_file).read_text()) or {}
        if isinstance(loaded, dict) and GATE_KEY in loaded:
            return Gate.from_dict(loaded[GATE_KEY], where=str(params_file))
    if manifest is not None and manifest.get(GATE_KEY) is not None:
        return Gate.from_dict(manifest[GATE_KEY], where="manifest.json")
    return Gate()


def read_table(path: str | Path) -> pd.DataFrame:
    """A CSV or Parquet file as a DataFrame; a missing file or another format is a clear
    error."""
    import pandas as pd

    path = Path(path)
    if not path.is_file():
        raise RetrainDataError(f"--data {path}: no such file")
    suffix = "".join(path.suffixes[-2:]).lower() if path.suffix == ".gz" else path.suffix.lower()
    if suffix in {".csv", ".csv.gz", ".txt"}:
        return pd.read_csv(path)
    if suffix in {".parquet", ".pq"}:
        return pd.read_parquet(path)
    raise RetrainDataError(
        f"--data {path}: unknown format {suffix or '(no extension)'!r}; "
        "give a .csv or .parquet file"
    )


def shape_like(reference: Mapping[str, Any], new: pd.DataFrame, step: str) -> dict[str, Any]:
    """``new`` split into values shaped like ``reference`` (a load step's outputs)."""
    import pandas as pd

    shaped: dict[str, Any] = {}
    for name, value in reference.items():
        if isinstance(value, pd.DataFrame):
            columns = [str(c) for c in value.columns]
            missing = [c for c in columns if c not in new.columns]
            if missing:
                raise RetrainDataError(
                    f"the new data lacks column(s) {missing[:10]}"
                    f"{' …' if len(missing) > 10 else ''} of `{name}` (output of step "
                    f"{step!r}); it must have the columns the notebook loaded: {columns[:20]}"
                )
            frame = new[columns].copy()
            frame.columns = value.columns
            shaped[name] = _cast(frame, value.dtypes.to_dict(), name)
        elif isinstance(value, pd.Series):
            column = str(value.name)
            if value.name is None or column not in new.columns:
                raise RetrainDataError(
                    f"the new data has no column {column!r} for `{name}` (a Series output of "
                    f"step {step!r}); add that column to the file"
                )
            series = _cast(new[[column]], {column: value.dtype}, name)[column]
            series.name = value.name
            shaped[name] = series
        else:
            raise RetrainDataError(
                f"`{name}` (output of step {step!r}) is a {type(value).__name__}: --data can "
                "stand in for DataFrame and Series outputs only. Make the load step return a "
                "DataFrame (e.g. load_...(as_frame=True)) and re-export the notebook."
            )
    return shaped


def _cast(frame: pd.DataFrame, dtypes: Mapping[Any, Any], name: str) -> pd.DataFrame:
    for column, dtype in dtypes.items():
        if frame[column].dtype == dtype:
            continue
        try:
            frame[column] = frame[column].astype(dtype)
        except (TypeError, ValueError) as error:
            raise RetrainDataError(
                f"column {column!r} of the new data cannot be read as {dtype} like `{name}` "
                f"in the training data: {error}"
            ) from None
    return frame


def _table(values: Mapping[str, Any]) -> pd.DataFrame | None:
    """The load step's outputs as one table for the drift check (frames and series side by
    side when they have the same rows, else the largest frame)."""
    import pandas as pd

    parts = [v for v in values.values() if isinstance(v, (pd.DataFrame, pd.Series))]
    if not parts:
        return None
    if len({len(p) for p in parts}) == 1:
        table = pd.concat([p.reset_index(drop=True) for p in parts], axis=1)
        return table.loc[:, ~table.columns.duplicated()]
    frames = [p for p in parts if isinstance(p, pd.DataFrame)]
    return max(frames, key=len) if frames else None


def retrain(
    pipeline: Pipeline,
    data: str | Path | pd.DataFrame | None,
    *,
    params_file: Path | None = None,
    overrides: Mapping[str, Any] | None = None,
    data_dir: Path | None = None,
    gate: Gate | None = None,
    manifest: Mapping[str, Any] | None = None,
    only_if_drift: bool = False,
    drift_share: float = 0.5,
    target: str | None = None,
    show_progress: bool = True,
    inputs: Mapping[str, str | Path] | None = None,
) -> RetrainResult:
    """Retrain ``pipeline`` on ``data`` and promote the new model if it passes the gate
    (see the module docs). ``gate`` defaults to :func:`read_gate` of ``params_file`` and
    ``manifest``; ``drift_share`` is the share of drifted columns that makes the data drift
    and ``target`` the label column, tested on its own rather than as a feature (as for
    ``wb.drift.compare``; default: the name of a Series the load step outputs, if any).
    ``inputs`` maps data inputs to the files to read instead of the notebook's (``--input``);
    with ``data=None`` they are the only new data."""
    import pandas as pd

    from workbench import drift as wb_drift
    from workbench.tracking import fluent

    gate = gate if gate is not None else read_gate(params_file, manifest)
    if data is None and not inputs:
        raise RetrainDataError("no new data: give a data file or new files for the data inputs")
    new = None if data is None else data if isinstance(data, pd.DataFrame) else read_table(data)
    files = pipeline.input_files(inputs) if inputs else {}
    replace: dict[str, dict[str, Any]] = {}
    reference: dict[str, Any] = {}
    if new is not None:
        loads = [s for s in pipeline.steps if s.role == "load" and not s.inputs]
        if not loads:
            raise RetrainDataError(
                "the pipeline has no load step that reads no other step, so there is nothing "
                "for --data to stand in for; tag the notebook cell that loads the data "
                "`step:load` and re-export"
            )
        for step in loads:
            outputs = pipeline.step_outputs(
                step.name, overrides, params_file=params_file, data_dir=data_dir, inputs=inputs
            )
            reference.update(outputs)
            replace[step.name] = shape_like(outputs, new, step.name)
    shaped = {name: value for values in replace.values() for name, value in values.items()}

    tags = {
        "workbench.kind": "pipeline",
        "pipeline.name": pipeline.package,
        "pipeline.version": pipeline.version,
        "pipeline.mode": "retrain",
    }
    nested = fluent.active_run() is not None
    with fluent.start_run(name=f"{pipeline.package} retrain", tags=tags, nested=nested) as run:
        if isinstance(data, (str, Path)):
            run.set_tag("retrain.data", str(data))
        for name in inputs or {}:
            run.set_tags(
                {
                    f"input.{name}.path": str(files[name]),
                    f"input.{name}.sha256": file_sha256(files[name]),
                }
            )
        if new is not None:
            target = target if target is not None else _series_name(reference)
            drift = _drift_check(
                wb_drift, pipeline.package, reference, shaped, run, drift_share, target
            )
        else:
            new_files = {name: files[name] for name in inputs or {}}
            drift = _input_drift(wb_drift, pipeline, new_files, run, drift_share, target)
        before = _alias_holder(pipeline.package, gate.alias)
        if only_if_drift and drift is not None and not drift.drifted:
            reason = "no drift in the new data (only_if_drift): nothing retrained"
            return _finish(run, "skipped", reason, gate, drift, before)
        result = pipeline.run(
            overrides,
            params_file=params_file,
            data_dir=data_dir,
            show_progress=show_progress,
            replace=replace,
            inputs=inputs,
        )
        run.log_metrics(result.metrics)
        version = result.model_version
        if version is None:
            reason = "the pipeline produced no model to register: nothing to promote"
            return _finish(run, "kept", reason, gate, drift, before, result)
        if before is not None and before.version == version:
            reason = f"version {version} already holds {gate.alias!r} (same data and code)"
            return _finish(run, "unchanged", reason, gate, drift, before, result)
        champion_metrics, basis = _champion_metrics(pipeline, result, before, gate)
        label = f"{gate.alias} (version {before.version})" if before else gate.alias
        outcome = apply_gate(gate, result.metrics, champion_metrics, label)
        if outcome.passed:
            from workbench.models.aliases import promote

            promote(pipeline.package, version, gate.alias)
            reason = "every check of the gate passed" if outcome.checks else "the gate is empty"
            if before is None:
                reason += f"; first {gate.alias!r}"
            decision = "promoted"
        else:
            failed = ", ".join(c.name for c in outcome.failures)
            holder = f"stays on version {before.version}" if before else "stays unset"
            reason = f"the gate failed ({failed}): {gate.alias!r} {holder}"
            decision = "kept"
        return _finish(
            run, decision, reason, gate, drift, before, result, outcome, champion_metrics, basis
        )


def _finish(
    run: Any,
    decision: str,
    reason: str,
    gate: Gate,
    drift: DriftSummary | None,
    before: Any,
    result: PipelineResult | None = None,
    outcome: GateOutcome | None = None,
    champion_metrics: dict[str, float] | None = None,
    basis: str | None = None,
) -> RetrainResult:
    after = _alias_holder(result.package, gate.alias) if result is not None else before
    retrained = RetrainResult(
        decision=decision,
        reason=reason,
        run_id=run.id,
        alias=gate.alias,
        drift=drift,
        metrics=dict(result.metrics) if result else {},
        model_version=result.model_version if result else None,
        champion_before=before.version if before else None,
        champion_after=after.version if after else None,
        champion_metrics=champion_metrics,
        champion_basis=basis,
        gate=outcome or GateOutcome(),
        pipeline_run=result,
    )
    run.set_tags({"retrain.decision": decision, "retrain.reason": reason[:500]})
    run.log_text(json.dumps(retrained.to_dict(), indent=1, default=str), "gate.json")
    return retrained


def _drift_check(
    wb_drift: Any,
    package: str,
    reference: Mapping[str, Any],
    new: Mapping[str, Any],
    run: Any,
    drift_share: float,
    target: str | None,
) -> DriftSummary | None:
    before, after = _table(reference), _table(new)
    if before is None or after is None:
        return None
    if target is not None and target not in before.columns:
        raise RetrainDataError(
            f"--target {target!r} is not a column of the training data; its columns are "
            f"{[str(c) for c in before.columns][:20]}"
        )
    report = wb_drift.compare(
        before, after[list(before.columns)], drift_share=drift_share, target=target
    )
    report_id = report.log(run=run, dataset=package)
    drifted = tuple(str(c.column) for c in report.columns if c.drifted)
    return DriftSummary(bool(report.drifted), float(report.share), drifted, report_id)


def _input_drift(
    wb_drift: Any,
    pipeline: Pipeline,
    files: Mapping[str, Path],
    run: Any,
    drift_share: float,
    target: str | None,
) -> DriftSummary | None:
    """Each new input file that is a table against the notebook's file, as one summary
    (drifted if any file drifted; columns named ``input.column`` when several files)."""
    try:
        originals = pipeline.input_files()
    except FileNotFoundError:  # the notebook's file is gone: nothing to compare with
        return None
    pairs = {}
    for name, path in files.items():
        try:
            pairs[name] = (read_table(originals[name]), read_table(path))
        except RetrainDataError:  # not a CSV or Parquet file: no drift check for it
            continue
    if (
        target is not None
        and pairs
        and not any(target in before.columns for before, _ in pairs.values())
    ):
        raise RetrainDataError(f"--target {target!r} is not a column of any new data file")
    summaries = []
    for name, (before, after) in pairs.items():
        columns = [c for c in before.columns if c in after.columns]
        if not columns:
            continue
        report = wb_drift.compare(
            before[columns],
            after[columns],
            drift_share=drift_share,
            target=target if target in columns else None,
        )
        prefix = f"{name}." if len(pairs) > 1 else ""
        drifted = tuple(f"{prefix}{c.column}" for c in report.columns if c.drifted)
        report_id = report.log(run=run, dataset=pipeline.package)
        summaries.append(
            DriftSummary(bool(report.drifted), float(report.share), drifted, report_id)
        )
    if not summaries:
        return None
    return DriftSummary(
        any(s.drifted for s in summaries),
        max(s.share for s in summaries),
        tuple(c for s in summaries for c in s.drifted_columns),
        summaries[0].report_id,
    )


def _series_name(values: Mapping[str, Any]) -> str | None:
    """The name of the one named Series among a load step's outputs (the labels, usually)."""
    import pandas as pd

    names = [v.name for v in values.values() if isinstance(v, pd.Series) and v.name is not None]
    return str(names[0]) if len(names) == 1 else None


def _alias_holder(package: str, alias: str) -> Any:
    from workbench.models.errors import ModelNotFoundError
    from workbench.models.loading import resolve

    try:
        return resolve(f"{package}@{alias}")
    except ModelNotFoundError:
        return None


def _champion_metrics(
    pipeline: Pipeline, result: PipelineResult, champion: Any, gate: Gate
) -> tuple[dict[str, float] | None, str | None]:
    """The champion's metrics on the new evaluation data, else as registered."""
    if champion is None:
        return None, None
    evaluated, why_not = _evaluate_champion(pipeline, result, champion)
    if evaluated:
        return evaluated, "re-evaluated on the same data"
    return dict(champion.metrics), f"as registered ({why_not})"


def _evaluate_champion(
    pipeline: Pipeline, result: PipelineResult, champion: Any
) -> tuple[dict[str, float] | None, str]:
    """Run the evaluate steps that read the model with the champion's model instead;
    (None, why) when that cannot be done."""
    from workbench.models.loading import load

    model_name = result.model_output
    steps = [s for s in pipeline.steps if s.role == "evaluate" and model_name in s.inputs]
    if model_name is None or not steps:
        return None, "no evaluate step reads the model"
    try:
        model = load(champion)
    except Exception as error:  # e.g. a pickled champion: fall back to its metrics
        return None, f"cannot load it: {type(error).__name__}"
    shared = pipeline.shared_module()
    for name in pipeline.shared_parameters:  # shared functions read these as globals
        setattr(shared, name, result.parameters[name])
    metrics: dict[str, float] = {}
    for step in steps:
        arguments = [model if n == model_name else result.load(n) for n in step.inputs]
        keywords = {name: result.parameters[name] for name in step.parameters}
        try:
            returned = step_function(step)(*arguments, **keywords)
        except Exception as error:  # the old model may not fit the new features
            return None, f"evaluating it failed: {type(error).__name__}: {error}"[:200]
        for name, value in returned.items():
            number = isinstance(value, (int, float)) and not math.isnan(float(value))
            if name in result.metrics and number:
                metrics[name] = float(value)
    return metrics or None, "its evaluation gave no metric"


_RETRAIN_INPUTS = """\
import argparse, json, sys
from pathlib import Path
from {package}.cli import _retrain
arguments = json.loads(sys.argv[1])
arguments["report_json"] = Path(arguments["report_json"])
raise SystemExit(_retrain(argparse.Namespace(**arguments)))
"""


def retrain_package(
    name: str,
    data: str | Path | pd.DataFrame | Mapping[str, str | Path],
    *,
    only_if_drift: bool = False,
    drift_share: float | None = None,
    target: str | None = None,
    params: Mapping[str, Any] | None = None,
    quiet: bool = False,
    stream: bool = False,
) -> RetrainResult:
    """Retrain the exported package ``pipelines/<name>`` on ``data`` (a CSV/Parquet path or a
    DataFrame standing in for the load step's outputs, or a mapping of the package's data
    inputs to new files, ``{"train": "new.csv"}``) in a subprocess, as ``python -m <pkg>
    retrain`` would: what ``workbench retrain NAME --data NEW`` and notebooks call. Its
    output is shown unless ``quiet`` (as it comes, with the progress bar, when ``stream``;
    else at the end); a step failure or bad input raises :class:`RetrainFailedError` with
    the command's error.

    >>> result = retrain_package("churn", "data/new.parquet")  # doctest: +SKIP
    >>> result.decision  # doctest: +SKIP
    'promoted'

    Raises:
        ValueError: ``data`` names an input the package does not declare (the message lists
            the declared ones).
    """
    import os
    import subprocess
    import sys
    import tempfile

    from workbench.pipelines.catalog import pipelines_folder, read_manifest
    from workbench.store import location

    manifest = read_manifest(name)
    folder = pipelines_folder() / name
    package = manifest["package"]
    settings = [
        f"{key}={json.dumps(value) if not isinstance(value, str) else value}"
        for key, value in (params or {}).items()
    ]
    with tempfile.TemporaryDirectory(prefix="workbench-retrain-") as tmp:
        report = Path(tmp) / "report.json"
        if isinstance(data, Mapping):
            declared = sorted(entry["name"] for entry in manifest.get("inputs") or [])
            unknown = sorted(set(data) - set(declared))
            if unknown or not data:
                raise ValueError(
                    f"no data input named {', '.join(unknown) or '(none given)'}; the inputs "
                    f"of {name!r} are: {', '.join(declared) or 'none'}"
                )
            arguments = {
                "data": None,
                "input": [f"{key}={Path(path).resolve()}" for key, path in data.items()],
                "param": settings,
                "params_file": None,
                "data_dir": None,
                "if_drift": only_if_drift,
                "drift_share": 0.5 if drift_share is None else drift_share,
                "target": target,
                "quiet": quiet,
                "report_json": str(report),
            }
            # the package's own retrain handler: its command line insists on one --data FILE
            command = [sys.executable, "-c", _RETRAIN_INPUTS.format(package=package)]
            command += [json.dumps(arguments)]
        else:
            if isinstance(data, (str, Path)):
                source = Path(data).resolve()
            else:
                source = Path(tmp) / "data.parquet"
                data.to_parquet(source)
            command = [sys.executable, "-m", package, "retrain", "--data", str(source)]
            command += ["--report-json", str(report)]
            command += ["--if-drift"] if only_if_drift else []
            command += ["--drift-share", str(drift_share)] if drift_share is not None else []
            command += ["--target", target] if target is not None else []
            command += ["--quiet"] if quiet else []
            for setting in settings:
                command += ["--param", setting]
        path = os.environ.get("PYTHONPATH")
        env = {
            **os.environ,
            "PYTHONPATH": str(folder / "src") + (os.pathsep + path if path else ""),
            "WORKBENCH_HOME": str(location.project_home()),
        }
        capture = quiet or not stream
        completed = subprocess.run(command, env=env, capture_output=capture, text=True, check=False)
        if capture and not quiet and completed.stdout:
            print(completed.stdout, end="")
        if not report.is_file():
            errors = (completed.stderr or "").strip().splitlines()
            detail = errors[-1] if errors else f"exit code {completed.returncode} (see above)"
            raise RetrainFailedError(f"retrain of {name!r} failed: {detail}", completed.returncode)
        return RetrainResult.from_dict(json.loads(report.read_text()))
