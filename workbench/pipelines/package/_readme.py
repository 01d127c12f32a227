"""The generated package's README (steps, DAG, how to run, parameters) and params.yaml."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from workbench.pipelines.analysis._plan import NotebookPlan, Step


def producers(steps: tuple[Step, ...]) -> list[tuple[str, str, str]]:
    """(producing step, consuming step, variable) for every value crossing steps."""
    edges = []
    for index, step in enumerate(steps):
        for name in step.inputs:
            source = next(s for s in reversed(steps[:index]) if name in s.outputs)
            edges.append((source.name, step.name, name))
    return edges


def _cells(cells: tuple[int, ...]) -> str:
    shown = [str(c + 1) for c in cells]  # Jupyter counts cells from 1
    return ", ".join(shown)


def _code(names: tuple[str, ...]) -> str:
    return ", ".join(f"`{n}`" for n in names) or "—"


def mermaid(plan: NotebookPlan) -> str:
    """A ``flowchart LR`` of the steps, edges labelled with the variables they pass."""
    lines = ["flowchart LR"]
    for step in plan.steps:
        lines.append(f'    {step.name}["{step.name} ({step.role})"]')
    grouped: dict[tuple[str, str], list[str]] = {}
    for source, target, name in producers(plan.steps):
        grouped.setdefault((source, target), []).append(name)
    for (source, target), names in grouped.items():
        lines.append(f'    {source} -->|"{", ".join(names)}"| {target}')
    return "\n".join(lines)


_VALUES_START, _VALUES_END = "<!-- workbench:values -->", "<!-- /workbench:values -->"
_VALUES_RULES = """Each value a step passes to a later one is saved in the step cache in a safe
format, never with pickle: DataFrames and Series as Parquet, arrays as `.npy`, sparse matrices as
`.npz`, LightGBM models as LightGBM text, scikit-learn models and objects (CV splitters)
with skops, plain data as JSON, and lists, tuples, dicts, sets and `Bunch`es element by
element. A value no safe format covers (a lambda, a generator, an open file, an instance
of a class defined in the notebook, a `lightgbm.Dataset`) is kept in memory instead: the
step that makes it and the steps that read it run in one process, a step reading it runs
on every run (there is no saved input to cache it on), and when the step that makes it
comes from the cache, that step runs again to make the value."""


def kept_in_memory(manifest: Mapping[str, Any]) -> list[tuple[str, str, list[str], str]]:
    """(variable, step that makes it, steps that read it, its type or "") of every value the
    verified notebook run kept in memory, from the manifest's golden values."""
    golden = (manifest.get("golden") or {}).get("steps") or {}
    steps = manifest.get("steps") or []
    found = []
    for index, step in enumerate(steps):
        for name, entry in (golden.get(step["name"]) or {}).items():
            if entry.get("kind") != "memory":
                continue
            readers = []
            for later in steps[index + 1 :]:
                if name in later["inputs"]:
                    readers.append(later["name"])
                if name in later["outputs"]:
                    break
            found.append((name, step["name"], readers, str(entry.get("type", ""))))
    return found


def values_section(manifest: Mapping[str, Any]) -> str:
    """The README's rules for values crossing steps, and which ones are kept in memory."""
    kept = kept_in_memory(manifest)
    if kept:
        rows = [
            f"| `{name}` | `{step}` | {_code(tuple(readers))} | {f'`{kind}`' if kind else '—'} |"
            for name, step, readers, kind in kept
        ]
        listed = "\n".join(
            [
                "Kept in memory (no safe file format), as the verified notebook run found:",
                "",
                "| variable | made by | read by | type |",
                "|---|---|---|---|",
                *rows,
            ]
        )
    elif (manifest.get("golden") or {}).get("steps"):
        listed = "Every value crossing steps has a safe file format: none is kept in memory."
    else:
        listed = "Export with verification to list the values kept in memory, if any."
    return f"{_VALUES_START}\n{_VALUES_RULES}\n\n{listed}\n{_VALUES_END}"


def update_values_section(folder: Path, manifest: Mapping[str, Any]) -> bool:
    """Rewrite the values section of ``folder/README.md`` from ``manifest`` (call it after
    golden values are recorded); False when the README has no such section."""
    readme = Path(folder) / "README.md"
    try:
        text = readme.read_text(encoding="utf-8")
    except FileNotFoundError:
        return False
    pattern = re.compile(re.escape(_VALUES_START) + ".*?" + re.escape(_VALUES_END), re.DOTALL)
    if not pattern.search(text):
        return False
    updated = pattern.sub(lambda _: values_section(manifest), text)
    if updated != text:
        readme.write_text(updated, encoding="utf-8")
    return True


def _where(entry: Mapping[str, Any]) -> str:
    """Where the notebook reads or writes a file: ``cell 3, line 2`` (cells from 1)."""
    cell = entry.get("cell")
    return f"cell {cell + 1}, line {entry['line']}" if cell is not None else "—"


def inputs_section(manifest: Mapping[str, Any]) -> str:
    """The README's table of the data files the notebook reads (declared inputs)."""
    inputs = manifest.get("inputs") or []
    if not inputs:
        return ""
    package = manifest["package"]
    rows = []
    for entry in inputs:
        place = _where(entry)
        sha = f"`{entry['sha256'][:12]}`" if entry.get("sha256") else "missing at export"
        rows.append(
            f"| `{entry['name']}` | `{entry['path']}` | `{entry['step']}` | {place} | {sha} |"
        )
    first = inputs[0]["name"]
    return f"""
## Data inputs

The data files the notebook reads, found beside the notebook (paths relative to its folder)
wherever the package runs from. Each run records the file it read and its sha256 (tags
`input.NAME.path`, `input.NAME.sha256`); a step reading a changed file runs again. Read
another file with `python -m {package} run --input {first}=path/to/new.csv`.

| input | path | step | read in | sha256 at export |
|---|---|---|---|---|
{chr(10).join(rows)}
"""


def files_section(manifest: Mapping[str, Any]) -> str:
    """The README's list of the files the notebook writes (step outputs)."""
    files = manifest.get("files") or []
    if not files:
        return ""
    package = manifest["package"]
    rows = []
    for entry in files:
        place = _where(entry)
        rows.append(f"| `{entry['path']}` | `{entry['step']}` | `{entry['writer']}` | {place} |")
    return f"""
## Files written

The files the notebook writes, written by each run under its output folder
(`python -m {package} run --output-dir DIR`; default `outputs/` beside the cache) at the
path the notebook gives, never into the working directory. A step taken from the cache
puts its files back; each run lists them and has them as artifacts `outputs/PATH`. The
verification compares them with the notebook's: CSV, TSV and Parquet as tables and JSON
as data (numbers within tolerance), figures and pickles by existence and size, the rest
by sha256.

| file | step | written by | in the notebook |
|---|---|---|---|
{chr(10).join(rows)}
"""


def seed_section(manifest: Mapping[str, Any]) -> str:
    """The README's note on ``export --seed N``: the calls given ``random_state=N``."""
    seed = manifest.get("seed")
    if seed is None:
        return ""
    rows = [
        f"- `{e['call']}` (step `{e['step']}`"
        + (f", cell {e['cell'] + 1}, line {e['line']})" if e.get("cell") is not None else ")")
        for e in manifest.get("seeded") or []
    ]
    listed = "\n".join(rows) if rows else "Every estimator and split already had a seed."
    return f"""
## Seed

Exported with `--seed {seed}`: these calls had no seed in the notebook and get
`random_state={seed}` in the package (and in the verification's run of the notebook):

{listed}
"""


def render_readme(plan: NotebookPlan, manifest: Mapping[str, Any]) -> str:
    name, package, version = manifest["name"], manifest["package"], manifest["version"]
    notebook = manifest["notebook"]["source"]
    rows = [
        f"| `{s.name}` | {s.role} | {_cells(s.cells)} | {_code(s.inputs)} | {_code(s.outputs)} "
        f"| {_code(s.parameters)} |"
        for s in plan.steps
    ]
    params = [
        f"| `{p.name}` | {p.type} | `{p.value!r}` | cell {p.cell + 1}, line {p.line} |"
        for p in plan.parameters
    ]
    parameter_table = (
        "\n".join(["| name | type | value | from |", "|---|---|---|---|", *params])
        if params
        else "The notebook has no parameters."
    )
    commands = [
        ("pip install .", "from this folder (needs workbench)"),
        (f"python -m {package} run", "tracked run; unchanged steps come from the cache"),
        (f"python -m {package} run --param NAME=VALUE --no-cache", ""),
        (f"python -m {package} status", "last runs and the state of the cache"),
        (f"python -m {package} retrain --data NEW.csv", "drift check, retrain, gate, promote"),
        (f"python -m {package} promote VERSION", "point `champion` at a version by hand"),
        (f"python -m {package} rollback", "`champion` back to the version before"),
        ("python -m pytest tests", "the pipeline runs end to end"),
    ]
    width = max(len(command) for command, _ in commands)
    run_block = "\n".join(
        f"{command:<{width}}  # {why}" if why else command for command, why in commands
    )
    return f"""# {name} {version}

The notebook `{notebook}` as a pipeline, exported by workbench
{manifest["exporter"]["version"]}. A copy of the notebook is in `notebook.ipynb`; which cell
became which step is in `src/{package}/manifest.json`.

## Run it

```bash
{run_block}
```

From Python: `from {package} import run; result = run(); result.metrics`.

Every run is a tracked run `{package} run` in the project's workbench store, with one child
run per step; the model is registered as a version of the model `{package}`.

## Retrain with a gate

`retrain --data NEW` (CSV or Parquet with the columns the notebook loaded) checks the new
data for drift against the training data (the report is stored), re-runs the pipeline on
it, evaluates the current `champion` on the same evaluation data, and promotes the new
model version to `champion` only when the `gate` in `params.yaml` passes; otherwise the
champion stays and the command says which check failed (exit code 3). `--if-drift` retrains
only when the data drifted. Every decision is a tracked run `{package} retrain`.

## Steps

| step | role | cells | inputs | outputs | parameters |
|---|---|---|---|---|---|
{chr(10).join(rows)}

```mermaid
{mermaid(plan)}
```

## Values between steps

{values_section(manifest)}

## Parameters

Set in `params.yaml` (read when running from this folder) or for one run with
`--param NAME=VALUE`.

{parameter_table}
{inputs_section(manifest)}{files_section(manifest)}{seed_section(manifest)}
## Versions

`{version}`: exporting the notebook again bumps the version by what changed (a step's
inputs or outputs, or a removed step or parameter: major; a new step or parameter: minor;
code only: patch). Earlier manifests are kept in `.versions/`.
"""


def plain(value: Any) -> Any:
    """Tuples as lists, for YAML and JSON."""
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


def gate_metrics(plan: NotebookPlan) -> list[str]:
    """The metrics a default gate can read: outputs of evaluate steps named like metrics."""
    from workbench.pipelines.runtime._tracking import looks_like_metric

    evaluated = [o for s in plan.steps if s.role == "evaluate" for o in s.outputs]
    named = [o for o in evaluated if looks_like_metric(o)] or evaluated
    return sorted(named, key=lambda name: _metric_rank(name))


_PREFERRED = ("auc", "f1", "r2", "rmse", "mae", "logloss", "loss", "accuracy")


def _metric_rank(name: str) -> int:
    """Threshold-free, class-balance-robust metrics first (AUC before accuracy)."""
    lowered = name.lower()
    return next((i for i, word in enumerate(_PREFERRED) if word in lowered), len(_PREFERRED))


def render_gate_yaml(gate: Mapping[str, Any]) -> list[str]:
    import yaml

    champion = gate.get("compare_to_champion")
    example = champion["metric"] if champion else "roc_auc"
    lines = [
        "",
        "# Evaluation gate of `retrain` (not a parameter): the retrained model is promoted to",
        "# `alias` only when its metrics are within `thresholds` (e.g. "
        f"{example}: {{min: 0.9}}) and,",
        "# compared with the current champion on the same evaluation data, not worse than",
        "# `max_regression` (in the metric's units).",
        yaml.safe_dump({"gate": dict(gate)}, sort_keys=False, default_flow_style=False).rstrip(),
    ]
    return lines


def render_params_yaml(
    plan: NotebookPlan, package: str, gate: Mapping[str, Any] | None = None
) -> str:
    import yaml

    lines = [
        "# Parameters of the pipeline, as the notebook set them.",
        f"# Override one run with: python -m {package} run --param NAME=VALUE",
    ]
    for parameter in plan.parameters:
        lines.append(f"\n# {parameter.type}, from cell {parameter.cell + 1}, line {parameter.line}")
        dumped = yaml.safe_dump(
            {parameter.name: plain(parameter.value)}, sort_keys=False, default_flow_style=False
        )
        lines.append(dumped.rstrip("\n"))
    if gate is not None:
        lines += render_gate_yaml(gate)
    return "\n".join(lines) + "\n"
