"""Text of the generated package's fixed files: filled with ``str.format`` by ``generate``.

Braces that belong to the generated file are doubled (``{{``).
"""

from __future__ import annotations

PYPROJECT = """\
[build-system]
requires = ["setuptools>=77"]
build-backend = "setuptools.build_meta"

[project]
name = "{name}"
version = "{version}"
description = "Pipeline exported by workbench from the notebook {notebook}"
readme = "README.md"
requires-python = ">=3.11"
dependencies = [
{dependencies}
]

[project.optional-dependencies]
test = ["pytest>=8"]

[project.scripts]
{name} = "{package}.cli:main"

[tool.setuptools.packages.find]
where = ["src"]

[tool.setuptools.package-data]
{package} = ["manifest.json"]
"""

INIT = '''\
"""{name}: the notebook {notebook} as a pipeline, exported by workbench {exporter}.

>>> from {package} import run
>>> result = run()  # doctest: +SKIP
>>> result.metrics  # doctest: +SKIP
"""

from {package}.pipeline import STEPS, run

__version__ = "{version}"
__all__ = ["STEPS", "__version__", "run"]
'''

MAIN = '''\
"""`python -m {package}`: see `{package}.cli`."""

from {package}.cli import main

raise SystemExit(main())
'''

CLI = '''\
"""Command line of {name}: `python -m {package} run|retrain|status|promote|rollback`."""

import argparse
import json
import sys
import traceback
from pathlib import Path

from workbench.pipelines.runtime import (
    StepFailedError,
    failure_report,
    last_runs,
    parse_assignment,
    run_report,
)

from {package}.pipeline import MANIFEST, PIPELINE, default_params_file, run

GATE_REFUSED = 3  # retrain's exit code when the gate keeps the champion


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m {package}", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    run_parser = commands.add_parser(
        "run", help="Run the pipeline; unchanged steps come from the cache."
    )
    _common(run_parser)
    run_parser.add_argument("--no-cache", action="store_true", help="Run every step again.")
    run_parser.add_argument(
        "--output-dir", type=Path, default=None, metavar="DIR",
        help="Write the notebook's files (submission.csv, figures) here "
        "(default: outputs/ beside the cache).",
    )
    run_parser.add_argument(
        "--report-json", type=Path, default=None, metavar="PATH",
        help="Write what each step produced (cache folders, fingerprints) as JSON.",
    )
    retrain_parser = commands.add_parser(
        "retrain",
        help="Drift check of new data, retrain on it, and promote the model if it passes "
        "the gate in params.yaml (exit code 3 when the gate keeps the champion).",
    )
    retrain_parser.add_argument(
        "--data", type=Path, required=True, metavar="FILE",
        help="CSV or Parquet file with the columns the notebook loaded.",
    )
    _common(retrain_parser)
    retrain_parser.add_argument(
        "--if-drift", action="store_true", help="Retrain only when the new data drifted."
    )
    retrain_parser.add_argument(
        "--drift-share", type=float, default=0.5, metavar="SHARE",
        help="Share of drifted columns that makes the data drift (default 0.5).",
    )
    retrain_parser.add_argument(
        "--target", default=None, metavar="COLUMN",
        help="The label column: its drift is tested on its own, not as a feature.",
    )
    retrain_parser.add_argument(
        "--report-json", type=Path, default=None, metavar="PATH",
        help="Write the decision, the metrics and the gate's checks as JSON.",
    )
    status_parser = commands.add_parser("status", help="Last runs and the state of the cache.")
    status_parser.add_argument("--data-dir", type=Path, default=None, help="Where the cache lives.")
    status_parser.add_argument("--params-file", type=Path, default=None, help="As for run.")
    promote_parser = commands.add_parser(
        "promote", help="Point an alias (default champion) at a version of the model."
    )
    promote_parser.add_argument("version", type=int)
    promote_parser.add_argument("--alias", default="champion")
    rollback_parser = commands.add_parser(
        "rollback", help="Move an alias (default champion) back to the version before."
    )
    rollback_parser.add_argument("--alias", default="champion")
    args = parser.parse_args(argv)
    handlers = {{
        "run": _run, "retrain": _retrain, "status": _status,
        "promote": _promote, "rollback": _rollback,
    }}
    return handlers[args.command](args)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--param", action="append", default=[], metavar="NAME=VALUE",
        help="Override a parameter for this run (repeatable).",
    )
    parser.add_argument(
        "--params-file", type=Path, default=None,
        help="A YAML file of parameter values (default: params.yaml of the source tree).",
    )
    parser.add_argument("--data-dir", type=Path, default=None, help="Where the cache lives.")
    parser.add_argument(
        "--input", action="append", default=[], metavar="NAME=PATH",
        help="Read this file as the data input NAME instead of the notebook's (repeatable).",
    )
    parser.add_argument("--quiet", action="store_true", help="No progress bar.")


def _inputs(texts: list[str]) -> dict[str, Path]:
    inputs = {{}}
    for text in texts:
        name, sep, path = text.partition("=")
        if not sep or not name or not path:
            raise ValueError(f"--input takes NAME=PATH, got {{text!r}}")
        inputs[name.strip()] = Path(path)
    return inputs


def _run(args: argparse.Namespace) -> int:
    try:
        overrides = dict(parse_assignment(text, PIPELINE.types) for text in args.param)
        PIPELINE.input_files(_inputs(args.input))  # a bad or missing file before any step
    except (ValueError, OSError) as error:
        print(f"error: {{error}}", file=sys.stderr)
        return 2
    try:
        result = run(
            overrides,
            data_dir=args.data_dir,
            use_cache=not args.no_cache,
            params_file=args.params_file,
            show_progress=not args.quiet,
            inputs=_inputs(args.input),
            output_dir=args.output_dir,
        )
    except StepFailedError as error:
        traceback.print_exception(error.__cause__)
        print(f"error: {{error}}", file=sys.stderr)
        _report(args.report_json, failure_report(error))
        return 1
    _report(args.report_json, run_report(result))
    hits = result.cache_hits
    print(f"run {{result.run_id}}: {{len(result.steps)}} steps, {{hits}} from the cache")
    for name, value in result.metrics.items():
        print(f"  {{name}} = {{value:.6g}}")
    if result.model_version is not None:
        print(f"  model {{PIPELINE.package}} version {{result.model_version}}")
    for written in result.files:
        print(f"  wrote {{written.file}} (step {{written.step}})")
    return 0


def _retrain(args: argparse.Namespace) -> int:
    from workbench.pipelines.retrain import retrain

    try:
        overrides = dict(parse_assignment(text, PIPELINE.types) for text in args.param)
        result = retrain(
            PIPELINE,
            args.data,
            params_file=args.params_file or default_params_file(),
            overrides=overrides,
            data_dir=args.data_dir,
            manifest=json.loads(MANIFEST.read_text()),
            only_if_drift=args.if_drift,
            drift_share=args.drift_share,
            target=args.target,
            show_progress=not args.quiet,
            inputs=_inputs(args.input),
        )
    except StepFailedError as error:
        traceback.print_exception(error.__cause__)
        print(f"error: {{error}}", file=sys.stderr)
        return 1
    except (ValueError, LookupError, OSError) as error:
        print(f"error: {{error}}", file=sys.stderr)
        return 2
    print(result.summary())
    _report(args.report_json, result.to_dict())
    return GATE_REFUSED if result.decision == "kept" else 0


def _promote(args: argparse.Namespace) -> int:
    from workbench.models import promote

    try:
        record = promote(PIPELINE.package, args.version, args.alias)
    except (ValueError, LookupError) as error:
        print(f"error: {{error}}", file=sys.stderr)
        return 2
    print(f"{{PIPELINE.package}}@{{args.alias}} -> version {{record.version}}")
    return 0


def _rollback(args: argparse.Namespace) -> int:
    from workbench.models import rollback

    try:
        record = rollback(PIPELINE.package, args.alias)
    except (ValueError, LookupError) as error:
        print(f"error: {{error}}", file=sys.stderr)
        return 2
    print(f"{{PIPELINE.package}}@{{args.alias}} rolled back to version {{record.version}}")
    return 0


def _report(path: Path | None, report: dict) -> None:
    if path is not None:
        path.write_text(json.dumps(report, indent=1))


def _status(args: argparse.Namespace) -> int:
    print(f"{{PIPELINE.package}} {{PIPELINE.version}}")
    runs = last_runs(PIPELINE.package)
    for row in runs:
        metrics = ", ".join(
            f"{{key[len('metrics.'):]}}={{value:.4g}}"
            for key, value in row.items()
            if key.startswith("metrics.") and value == value
        )
        started = f"{{row['start_time']:%Y-%m-%d %H:%M}}"
        name = str(row.get("name", "")).removeprefix(PIPELINE.package + " ")
        print(f"  {{started}}  {{row['run_id'][:12]}}  {{name:<8}} {{row['status']}}  {{metrics}}")
    params_file = args.params_file or default_params_file()
    for state in PIPELINE.status(params_file=params_file, data_dir=args.data_dir):
        print(f"  step {{state.name:<20}} {{state.state:<9}} ({{state.entries}} in the cache)")
    # the files of the newest run that wrote any, else where the next run writes them
    written = [row["tags.pipeline.output_dir"] for row in runs
               if isinstance(row.get("tags.pipeline.output_dir"), str)]
    folder = Path(written[0]) if written else PIPELINE.output_dir(args.data_dir)
    for step, path in PIPELINE.written_files():
        found = "" if (folder / path).is_file() else " (not written yet)"
        print(f"  file {{path:<20}} step {{step}}: {{folder / path}}{{found}}")
    return 0
'''

PIPELINE = '''\
"""The steps of {name} in run order, the variables each reads and writes, and `run`."""

from pathlib import Path
from typing import Any

from workbench.pipelines.runtime import Pipeline, PipelineResult, PipelineStep

# Each step is named "module:function" and imported only when it has to run: a run served
# from the cache never imports the libraries the steps use.
STEPS = (
{steps}
)
MANIFEST = Path(__file__).with_name("manifest.json")
PIPELINE = Pipeline.from_manifest(MANIFEST, STEPS, "{package}.shared")


def default_params_file() -> Path | None:
    """params.yaml beside pyproject.toml, when running from the source tree."""
    here = Path(__file__).resolve().parent
    candidate = here.parent.parent / "params.yaml"
    return candidate if here.parent.name == "src" and candidate.is_file() else None


def run(
    params: dict[str, Any] | None = None,
    data_dir: str | Path | None = None,
    use_cache: bool = True,
    *,
    params_file: str | Path | None = None,
    show_progress: bool = True,
    inputs: dict[str, str | Path] | None = None,
    output_dir: str | Path | None = None,
) -> PipelineResult:
    """Run the pipeline as a tracked run; steps whose code, parameters and inputs did not
    change come from the cache in `data_dir` (default: the project's
    `.workbench/pipelines/{package}/`). `params` override params.yaml; `inputs` maps a data
    input's name to the file to read instead of the notebook's; the files the notebook
    writes go under `output_dir` (default: `outputs/` beside the cache)."""
    chosen = Path(params_file) if params_file is not None else default_params_file()
    return PIPELINE.run(
        params,
        params_file=chosen,
        data_dir=Path(data_dir) if data_dir is not None else None,
        use_cache=use_cache,
        show_progress=show_progress,
        inputs=inputs,
        output_dir=Path(output_dir) if output_dir is not None else None,
    )
'''

TEST_REPRODUCE = '''\
"""The exported pipeline runs end to end and reproduces the notebook it came from."""

import json
import math
from importlib import resources

import pytest
from workbench.pipelines.verify import compare_to_golden

from {package}.pipeline import run

MANIFEST = json.loads(resources.files("{package}").joinpath("manifest.json").read_text())
FINAL_OUTPUTS = {final_outputs}


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    """One run of the pipeline, tracked in a throwaway project."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("WORKBENCH_HOME", str(tmp_path_factory.mktemp("project")))
        patch.delenv("WORKBENCH_DB_URL", raising=False)
        yield run(show_progress=False)


def check_against_golden(result, golden):
    """Compare a run with the golden values recorded when the notebook was verified:
    exact content hashes for data, `allclose` for floats and for the models' predictions
    on a held-out sample; values the notebook itself gave differently on two runs are
    compared by kind and shape only."""
    verdict = compare_to_golden(result, golden)
    assert verdict.ok, verdict.label


def test_pipeline_runs_end_to_end(result):
    assert set(result.final_outputs) == set(FINAL_OUTPUTS)
    for name in result.final_outputs:
        assert result.load(name) is not None, name
    assert all(math.isfinite(value) for value in result.metrics.values())


def test_pipeline_matches_the_golden_values(result):
    golden = MANIFEST["golden"]
    if not golden:
        pytest.skip("no golden values recorded: export with verification to record them")
    check_against_golden(result, golden)
'''

WORKFLOW = """\
# Tests {name} on every push; once a week retrains it behind the gate (or runs it).
# GitHub reads workflows from the repository root: if this package lives in a larger
# repository, move this file to its .github/workflows/ and set working-directory.
name: {name}

on:
  push:
  pull_request:
  workflow_dispatch:
  schedule:
    - cron: "0 6 * * 1"

env:
  # Where pip finds workbench: a version on your package index, or a git URL.
  WORKBENCH_REQUIREMENT: "workbench>={exporter}"

jobs:
  pipeline:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.11"
      - name: Install
        run: |
          python -m pip install --upgrade pip
          python -m pip install "$WORKBENCH_REQUIREMENT"
          python -m pip install ".[test]"
      - name: Test
        if: github.event_name != 'schedule'
        run: python -m pytest tests
      # Continuous training: set the repository variable RETRAIN_DATA to the path (in the
      # checkout) of the newest data; the gate in params.yaml decides on promotion, and a
      # refused model (exit code 3) fails the job so someone looks at it.
      - name: Retrain behind the gate
        if: github.event_name == 'schedule' && vars.RETRAIN_DATA != ''
        run: python -m {package} retrain --data "${{{{ vars.RETRAIN_DATA }}}}" --quiet
      - name: Run the pipeline
        if: github.event_name == 'schedule' && vars.RETRAIN_DATA == ''
        run: python -m {package} run --quiet
"""
