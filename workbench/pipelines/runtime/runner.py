"""Run an exported pipeline: steps in order, each cached, every run tracked.

An exported package declares its steps in ``pipeline.py`` and hands them to
:class:`Pipeline`; this module does the rest, so the generated code stays small.

- A step is skipped when its cache key (see :mod:`workbench.pipelines.runtime._cache`) has an
  entry; values are loaded from the cache only when a step that must run reads them.
- Every run is a tracked run named ``<pkg> run`` (tags ``workbench.kind=pipeline``,
  ``pipeline.name``, ``pipeline.version``) with the parameters as params and one child run
  per step (metric ``duration`` in seconds, tag ``cache_hit``).
- The parent run gets the metrics (final float outputs named like metrics, and every float
  output of an ``evaluate`` step), the fingerprints of the DataFrames ``load`` steps produce
  (as ``train`` datasets) and the model: the last model output of a ``train`` step (else of
  any step) is registered as a version of the model named after the package, once per
  cache entry; a run that reuses the entry tags the version it registered.
- A step that raises fails the run with :class:`StepFailedError`; the entries of the steps
  before it stay valid.
- A value with no safe file format (a lambda, a generator, a ``lightgbm.Dataset``; see
  :mod:`workbench.pipelines.runtime._values`) is kept in memory: its producing step is cached for
  its other outputs, a step that reads it always runs (its input has no content to key a
  cache entry on), and when the producer came from the cache it runs again in this process
  to make the value. :attr:`PipelineResult.in_memory` lists such values.
- Files the steps write (``output_path("submission.csv")``) go under the run's output folder
  and into the step's cache entry, from which a cached step puts them back (see
  :mod:`workbench.pipelines.runtime.outputs`); :attr:`PipelineResult.files` lists them and
  the run has each as an artifact ``outputs/<path>``.

>>> pipeline = Pipeline("demo", "1.0.0", steps=(...), defaults={}, types={})  # doctest: +SKIP
>>> pipeline.run(overrides={"C": 0.5}).metrics  # doctest: +SKIP
{'auc': 0.99}
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import inspect
import json
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from workbench.pipelines.runtime._cache import CacheEntry, StepCache, cache_key
from workbench.pipelines.runtime._settings import parse_assignment, resolve_parameters
from workbench.pipelines.runtime._tracking import describe_frames, last_runs, looks_like_metric
from workbench.pipelines.runtime._values import SavedValue, inline_json, load_value
from workbench.pipelines.runtime.inputs import active_inputs, file_sha256, resolve_inputs
from workbench.pipelines.runtime.outputs import WrittenFile, active_output_dir

__all__ = [
    "Pipeline",
    "PipelineResult",
    "PipelineStep",
    "StepFailedError",
    "StepOutcome",
    "StepState",
    "last_runs",
    "looks_like_metric",
    "parse_assignment",
]


class StepFailedError(RuntimeError):
    """A step raised; ``step`` names it and the original error is the ``__cause__``."""

    def __init__(self, step: str, error: BaseException) -> None:
        self.step = step
        super().__init__(f"step {step!r} failed: {type(error).__name__}: {error}")


@dataclass(frozen=True)
class PipelineStep:
    """One step: ``function(*inputs, **parameters)`` returns a dict holding ``outputs``.
    ``functions`` are the names of the shared functions and classes it uses, ``data`` the
    declared data inputs it reads (see :mod:`workbench.pipelines.runtime.inputs`), ``files``
    the files it writes under the run's output folder.

    ``function`` may be given as ``"module:name"``: it is imported only when the step has to
    run, so a run served from the cache never imports the libraries the steps use."""

    name: str
    function: Callable[..., Mapping[str, Any]] | str
    role: str = "features"
    inputs: tuple[str, ...] = ()
    outputs: tuple[str, ...] = ()
    parameters: tuple[str, ...] = ()
    functions: tuple[str, ...] = ()
    data: tuple[str, ...] = ()
    files: tuple[str, ...] = ()


@dataclass(frozen=True)
class StepOutcome:
    """What happened to one step in a run."""

    name: str
    cache_hit: bool
    duration: float
    key: str
    run_id: str


@dataclass(frozen=True)
class PipelineResult:
    """A finished pipeline run. ``values`` holds the final JSON outputs (metrics and other
    small values); :meth:`load` reads any output from the cache. ``step_outputs`` maps each
    step to its cache folder and saved outputs (what the reproduction proof compares);
    ``files`` are the files the steps wrote under ``output_dir``."""

    run_id: str
    package: str
    version: str
    parameters: dict[str, Any]
    metrics: dict[str, float]
    model_version: int | None
    steps: tuple[StepOutcome, ...]
    final_outputs: tuple[str, ...]
    values: dict[str, Any]
    sources: dict[str, tuple[Path, SavedValue]] = field(repr=False)
    step_outputs: dict[str, tuple[Path, dict[str, SavedValue]]] = field(
        default_factory=dict, repr=False
    )
    model_output: str | None = None
    recover: Callable[[str], Any] | None = field(default=None, repr=False, compare=False)
    output_dir: Path | None = None
    files: tuple[WrittenFile, ...] = ()

    @property
    def cache_hits(self) -> int:
        return sum(step.cache_hit for step in self.steps)

    @property
    def fingerprints(self) -> dict[str, str]:
        """Content fingerprint of every output, as its last step produced it."""
        return {name: saved.fingerprint for name, (_, saved) in self.sources.items()}

    @property
    def in_memory(self) -> dict[str, str]:
        """Output → its type, for the values kept in memory (no safe file format)."""
        return {n: str(s.flavor) for n, (_, s) in self.sources.items() if s.kind == "memory"}

    def load(self, name: str) -> Any:
        """The value of output ``name`` as its last step produced it (a value kept in memory
        is made again by its step if this run took that step from the cache)."""
        if name not in self.sources:
            raise KeyError(f"no output {name!r}; outputs are {sorted(self.sources)}")
        directory, saved = self.sources[name]
        if saved.kind == "memory" and self.recover is not None:
            return self.recover(name)
        return load_value(saved, directory)


@dataclass(frozen=True)
class StepState:
    """Whether a step's cache entry matches the current code, parameters and inputs:
    ``state`` is ``cached`` or ``will run``; ``entries`` counts the step's stored entries."""

    name: str
    state: str
    entries: int


@dataclass(frozen=True)
class Pipeline:
    """An exported pipeline: its steps in run order and its parameters (defaults and
    types). ``shared`` is the package's shared module; ``shared_parameters`` are the
    parameters its functions read as globals, set on it before every run. ``declared``
    holds the manifest's data ``inputs`` and ``notebook``, and ``folder`` is the package's
    folder, from which the notebook's data files are found."""

    package: str
    version: str
    steps: tuple[PipelineStep, ...]
    defaults: Mapping[str, Any]
    types: Mapping[str, str]
    shared: ModuleType | str | None = None
    shared_parameters: tuple[str, ...] = ()
    declared: Mapping[str, Any] = field(default_factory=dict)
    folder: Path | None = None

    @classmethod
    def from_manifest(
        cls,
        manifest: Path,
        steps: Iterable[PipelineStep],
        shared: ModuleType | str | None = None,
    ) -> Pipeline:
        """The pipeline described by an exported package's ``manifest.json``."""
        data = json.loads(Path(manifest).read_text())
        parameters = data["parameters"]
        return cls(
            package=data["package"],
            version=data["version"],
            steps=tuple(steps),
            defaults={p["name"]: p["value"] for p in parameters},
            types={p["name"]: p["type"] for p in parameters},
            shared=shared,
            shared_parameters=tuple(data.get("shared_parameters", ())),
            declared={"inputs": data.get("inputs") or [], "notebook": data.get("notebook")},
            folder=_package_folder(Path(manifest)),
        )

    def input_files(self, overrides: Mapping[str, str | Path] | None = None) -> dict[str, Path]:
        """The file of every declared data input (``overrides`` by name first); see
        :func:`workbench.pipelines.runtime.inputs.resolve_inputs` for the errors."""
        if not self.declared.get("inputs") and not overrides:
            return {}
        return resolve_inputs(self.declared, self.folder, overrides)

    def cache_dir(self, data_dir: Path | None = None) -> Path:
        """``data_dir/cache``; by default ``<project>/.workbench/pipelines/<pkg>/cache``."""
        if data_dir is None:
            from workbench.store import location

            data_dir = location.data_dir() / "pipelines" / self.package
        return Path(data_dir) / "cache"

    def output_dir(self, data_dir: Path | None = None, output_dir: Path | None = None) -> Path:
        """Where a run writes the notebook's files: ``output_dir``, else ``outputs`` beside
        the cache (``<project>/.workbench/pipelines/<pkg>/outputs``)."""
        chosen = Path(output_dir) if output_dir is not None else None
        return (chosen or self.cache_dir(data_dir).parent / "outputs").absolute()

    def written_files(self) -> list[tuple[str, str]]:
        """(step, path) of every file the steps write, in run order."""
        return [(step.name, path) for step in self.steps for path in step.files]

    def parameters(
        self,
        overrides: Mapping[str, Any] | None = None,
        *,
        params_file: Path | None = None,
        assignments: Iterable[str] = (),
    ) -> dict[str, Any]:
        """The values a run would use (defaults < ``params_file`` < overrides)."""
        return resolve_parameters(
            self.defaults,
            self.types,
            params_file=params_file,
            overrides=overrides,
            assignments=assignments,
        )

    def run(
        self,
        overrides: Mapping[str, Any] | None = None,
        *,
        params_file: Path | None = None,
        assignments: Iterable[str] = (),
        data_dir: Path | None = None,
        use_cache: bool = True,
        show_progress: bool = True,
        replace: Mapping[str, Mapping[str, Any]] | None = None,
        inputs: Mapping[str, str | Path] | None = None,
        output_dir: Path | None = None,
    ) -> PipelineResult:
        """Run the steps in order, reusing cached ones unless ``use_cache=False``.

        ``inputs`` maps a data input's name to the file to read instead of the notebook's
        (``--input train=new.csv``); the files the steps write go under ``output_dir``
        (see :meth:`output_dir`). ``replace`` maps the name of a step that reads no other
        step (a ``load`` step) to the values it is to output instead of running it: how
        ``retrain`` feeds new data.
        """
        params = self.parameters(overrides, params_file=params_file, assignments=assignments)
        run = _Run(self, params, StepCache(self.cache_dir(data_dir)), use_cache)
        run.use_files(self.input_files(inputs))
        run.output_dir = self.output_dir(data_dir, output_dir)
        run.replace_steps(replace or {})
        return run.execute(show_progress)

    def step_outputs(
        self,
        step_name: str,
        overrides: Mapping[str, Any] | None = None,
        *,
        params_file: Path | None = None,
        data_dir: Path | None = None,
        inputs: Mapping[str, str | Path] | None = None,
    ) -> dict[str, Any]:
        """The outputs of a step that reads no other step (from the cache, else computed and
        cached), without a tracked run: what ``retrain`` compares new data with."""
        step = self._step_named(step_name)
        if step.inputs:
            raise ValueError(f"step {step_name!r} reads {list(step.inputs)} from earlier steps")
        params = self.parameters(overrides, params_file=params_file)
        run = _Run(self, params, StepCache(self.cache_dir(data_dir)), True)
        run.use_files(self.input_files(inputs))
        key = self._key(step, params, {}, run.digests)
        entry = run.cache.lookup(step.name, key) or run._compute(step, key)
        run.step_inputs[step.name] = {}
        return {name: run.resolve(entry, name) for name in step.outputs}

    def _step_named(self, name: str) -> PipelineStep:
        for step in self.steps:
            if step.name == name:
                return step
        raise KeyError(f"no step {name!r}; the steps are {[s.name for s in self.steps]}")

    def status(
        self,
        overrides: Mapping[str, Any] | None = None,
        *,
        params_file: Path | None = None,
        data_dir: Path | None = None,
    ) -> list[StepState]:
        """Which steps a run with these parameters would take from the cache."""
        params = self.parameters(overrides, params_file=params_file)
        cache = StepCache(self.cache_dir(data_dir))
        try:
            digests = {n: file_sha256(p) for n, p in self.input_files().items()}
        except (OSError, ValueError):  # a missing data file: the steps reading it will run
            digests = {}
        fingerprints: dict[str, str] = {}  # of the outputs known to be cached, not in memory
        states = []
        for step in self.steps:
            entry = None
            if all(name in fingerprints for name in step.inputs):
                entry = cache.lookup(step.name, self._key(step, params, fingerprints, digests))
            for name in step.outputs:
                fingerprints.pop(name, None)
            if entry is not None:
                fingerprints.update(
                    {n: s.fingerprint for n, s in entry.outputs.items() if s.kind != "memory"}
                )
            states.append(
                StepState(step.name, "cached" if entry else "will run", len(cache.keys(step.name)))
            )
        return states

    def shared_module(self) -> ModuleType | None:
        """The shared module, imported on first use."""
        if isinstance(self.shared, str):
            return importlib.import_module(self.shared)
        return self.shared

    def _key(
        self,
        step: PipelineStep,
        params: Mapping[str, Any],
        inputs: Mapping[str, str],
        files: Mapping[str, str] | None = None,
    ) -> str:
        # Sources are read as text, without importing anything: a cached run stays light.
        shared: dict[str, str] = {}
        if self.shared is not None and step.functions:
            name = self.shared if isinstance(self.shared, str) else self.shared.__name__
            shared = shared_sources(module_source(name), step.functions)
        return cache_key(
            code=module_source(step_module(step)),
            shared=shared,
            parameters={name: params[name] for name in step.parameters},
            inputs={
                **{name: inputs[name] for name in step.inputs},
                # a data file's content, so a new file (or --input) is never served stale
                **{f"file:{name}": (files or {}).get(name, "missing") for name in step.data},
            },
        )


def _package_folder(manifest: Path) -> Path | None:
    """The folder of ``pyproject.toml`` when the manifest is in its ``src/<pkg>/``."""
    src = manifest.resolve().parent.parent
    return src.parent if src.name == "src" else None


def _is_inline_json(saved: SavedValue) -> bool:
    return saved.kind == "json" and saved.path is None


def content_digest(values: Mapping[str, Any]) -> str:
    """sha256 of named DataFrames, Series, arrays or JSON values, by content (pandas'
    row hashes, dtypes and column names; bytes of arrays)."""
    import hashlib

    digest = hashlib.sha256()
    for name in sorted(values):
        value = values[name]
        digest.update(name.encode() + b"\0" + type(value).__name__.encode())
        module = type(value).__module__.split(".")[0]
        if module == "pandas":
            import pandas as pd

            frame = value.to_frame() if isinstance(value, pd.Series) else value
            digest.update(repr(frame.dtypes.to_dict()).encode())
            digest.update(repr(list(frame.columns)).encode())
            digest.update(pd.util.hash_pandas_object(value, index=True).to_numpy().tobytes())
        elif module == "numpy":
            digest.update(repr((value.dtype, value.shape)).encode() + value.tobytes())
        else:
            digest.update(json.dumps(value, sort_keys=True, default=repr).encode())
    return digest.hexdigest()


def step_module(step: PipelineStep) -> str:
    function = step.function
    return function.split(":", 1)[0] if isinstance(function, str) else function.__module__


def step_function(step: PipelineStep) -> Callable[..., Mapping[str, Any]]:
    """The step's function, importing its module if it was named as ``"module:name"``."""
    if isinstance(step.function, str):
        module, name = step.function.split(":", 1)
        function: Callable[..., Mapping[str, Any]] = getattr(importlib.import_module(module), name)
        return function
    return step.function


def module_source(name: str) -> str:
    """The source text of module ``name``, imported or not."""
    module = sys.modules.get(name)
    if module is not None:
        return inspect.getsource(module)
    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError(f"no module named {name!r}")
    return Path(spec.origin).read_text(encoding="utf-8")


def shared_sources(source: str, names: Iterable[str]) -> dict[str, str]:
    """The source lines of the named top-level functions and classes of a module (decorators
    included) and of every module-level assignment they read, directly or through each other
    (a shared constant and the constants it is computed from): what a step's cache key
    covers of the shared module."""
    lines = source.splitlines(keepends=True)
    found: dict[str, tuple[str, ast.stmt]] = {}
    for node in ast.parse(source).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            found[node.name] = ("".join(lines[first - 1 : node.end_lineno]), node)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            text = "".join(lines[node.lineno - 1 : node.end_lineno])
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                for bound in ast.walk(target):
                    if isinstance(bound, ast.Name):
                        found[bound.id] = (text, node)
    covered: dict[str, str] = {}
    wanted = list(names)
    while wanted:
        name = wanted.pop()
        if name in covered or name not in found:
            continue
        covered[name], node = found[name]
        wanted += [n.id for n in ast.walk(node) if isinstance(n, ast.Name)]
    return covered


class _Quiet(list[PipelineStep]):
    """The steps, for a run without a progress bar (tqdm.auto takes 0.1 s to import)."""

    def set_postfix_str(self, text: str) -> None:
        pass


def _progress(steps: tuple[PipelineStep, ...], package: str, show: bool) -> Any:
    if not show:
        return _Quiet(steps)
    from tqdm.auto import tqdm

    return tqdm(steps, desc=package, unit="step")


class _Run:
    """The state of one pipeline run."""

    def __init__(
        self, pipeline: Pipeline, params: dict[str, Any], cache: StepCache, use_cache: bool
    ) -> None:
        self.pipeline, self.params, self.cache, self.use_cache = pipeline, params, cache, use_cache
        self.sources: dict[str, tuple[CacheEntry, SavedValue]] = {}
        self.memory: dict[str, Any] = {}  # values produced or loaded in this run
        # What each step read (as sources), so a value kept in memory can be made again.
        self.step_inputs: dict[str, dict[str, tuple[CacheEntry, SavedValue]]] = {}
        self.kept: dict[tuple[str, str], Any] = {}  # (step, output) → a value kept in memory
        self.entries: dict[str, CacheEntry] = {}
        self.ran: set[str] = set()
        self.shared_ready = False
        self.replaced: dict[str, tuple[str, dict[str, Any]]] = {}  # step → (key, values)
        self.model_output: str | None = None
        self.files: dict[str, Path] = {}
        self.digests: dict[str, str] = {}
        self.output_dir = cache.root.parent / "outputs"
        self.written: dict[str, WrittenFile] = {}  # path → the file its last step wrote

    def use_files(self, files: Mapping[str, Path]) -> None:
        """Read these data files as the declared inputs, keyed on their content."""
        self.files = dict(files)
        self.digests = {name: file_sha256(path) for name, path in files.items()}

    def replace_steps(self, replace: Mapping[str, Mapping[str, Any]]) -> None:
        """Have steps that read no other step output the given values instead of running."""
        for name, values in replace.items():
            step = self.pipeline._step_named(name)
            if step.inputs:
                raise ValueError(
                    f"step {name!r} reads {list(step.inputs)} from earlier steps: only a step "
                    "that reads no other step (a load step) can have its outputs replaced"
                )
            missing = sorted(set(step.outputs) - set(values))
            if missing:
                raise ValueError(f"replacing step {name!r} needs values for {missing}")
            chosen = {output: values[output] for output in step.outputs}
            digest = content_digest(chosen)
            code = f"# outputs replaced by data with content {digest}\n"
            key = cache_key(code=code, shared={}, parameters={}, inputs={"data": digest})
            self.replaced[name] = (key, chosen)

    def value(self, name: str) -> Any:
        if name not in self.memory:
            self.memory[name] = self.resolve(self.sources[name][0], name)
        return self.memory[name]

    def resolve(self, entry: CacheEntry, name: str) -> Any:
        """Output ``name`` of the step run ``entry``: from its file, or for a value kept in
        memory from this run, running that step again if it came from the cache."""
        saved = entry.outputs[name]
        if saved.kind != "memory":
            return load_value(saved, entry.directory)
        if (entry.step, name) not in self.kept:
            self._remake(entry)
        return self.kept[entry.step, name]

    def _remake(self, entry: CacheEntry) -> None:
        step = self.pipeline._step_named(entry.step)
        if step.name in self.replaced:
            returned: Mapping[str, Any] = self.replaced[step.name][1]
        else:
            read = self.step_inputs[step.name]
            arguments = [self.resolve(read[name][0], name) for name in step.inputs]
            returned = self._call(step, arguments)
        for name, saved in entry.outputs.items():
            if saved.kind == "memory":
                self.kept[step.name, name] = returned[name]

    def recover(self, name: str) -> Any:
        """An output kept in memory, for :meth:`PipelineResult.load`."""
        return self.resolve(self.sources[name][0], name)

    def execute(self, show_progress: bool) -> PipelineResult:
        from workbench.tracking import fluent

        pipeline = self.pipeline
        tags = {
            "workbench.kind": "pipeline",
            "pipeline.name": pipeline.package,
            "pipeline.version": pipeline.version,
        }
        nested = fluent.active_run() is not None
        outcomes = []
        with fluent.start_run(name=f"{pipeline.package} run", tags=tags, nested=nested) as run:
            run.log_params(self.params)
            for name, path in self.files.items():
                run.set_tags(
                    {f"input.{name}.path": str(path), f"input.{name}.sha256": self.digests[name]}
                )
            progress = _progress(pipeline.steps, pipeline.package, show_progress)
            for step in progress:
                progress.set_postfix_str(step.name)
                outcomes.append(self._step(step, run.id))
            self._log_files(run)
            metrics = self._metrics()
            run.log_metrics(metrics)
            self._log_datasets(run.id)
            model_version = self._log_model(run)
        final = self._final_outputs()
        small = {n: self.sources[n][1] for n in final}
        return PipelineResult(
            run_id=run.id,
            package=pipeline.package,
            version=pipeline.version,
            parameters=self.params,
            metrics=metrics,
            model_version=model_version,
            steps=tuple(outcomes),
            final_outputs=final,
            values={n: inline_json(s) for n, s in small.items() if _is_inline_json(s)},
            sources={n: (e.directory, s) for n, (e, s) in self.sources.items()},
            step_outputs={n: (e.directory, dict(e.outputs)) for n, e in self.entries.items()},
            model_output=self.model_output,
            recover=self.recover,
            output_dir=self.output_dir if self.written else None,
            files=tuple(self.written.values()),
        )

    def _step(self, step: PipelineStep, parent_id: str) -> StepOutcome:
        from workbench.tracking import fluent

        missing = [name for name in step.inputs if name not in self.sources]
        if missing:
            raise RuntimeError(f"step {step.name!r} reads {missing}, which no earlier step writes")
        fingerprints = {name: self.sources[name][1].fingerprint for name in step.inputs}
        self.step_inputs[step.name] = {name: self.sources[name] for name in step.inputs}
        # An input kept in memory has no content to key on: the step runs every time.
        unkeyed = [name for name in step.inputs if self.sources[name][1].kind == "memory"]
        replaced = self.replaced.get(step.name)
        key = (
            replaced[0]
            if replaced
            else self.pipeline._key(step, self.params, fingerprints, self.digests)
        )
        started = time.perf_counter()
        tags = {"pipeline.step": step.name, "pipeline.cache_key": key[:16]}
        if replaced:
            tags["pipeline.replaced"] = "true"
        if unkeyed:
            tags["pipeline.reads_in_memory"] = ",".join(unkeyed)
        with fluent.start_run(name=step.name, nested=True, tags=tags) as child:
            use_cache = self.use_cache and not unkeyed
            entry = self.cache.lookup(step.name, key) if use_cache else None
            hit = entry is not None
            if entry is None:
                entry = self._compute(step, key, replaced[1] if replaced else None)
            duration = time.perf_counter() - started
            child.set_tag("cache_hit", "true" if hit else "false")
            child.log_metric("duration", duration)
        for name in step.outputs:
            if hit:
                self.memory.pop(name, None)  # an older value of a name this step rewrites
            self.sources[name] = (entry, entry.outputs[name])
        self.entries[step.name] = entry
        self._written_by(step, entry, hit)
        return StepOutcome(step.name, hit, duration, key, child.id)

    def _compute(
        self, step: PipelineStep, key: str, given: Mapping[str, Any] | None = None
    ) -> CacheEntry:
        if given is not None:
            return self._store(step, key, dict(given))
        returned = self._call(step, [self.value(name) for name in step.inputs])
        return self._store(step, key, {name: returned[name] for name in step.outputs})

    def _call(self, step: PipelineStep, arguments: list[Any]) -> Mapping[str, Any]:
        """Run the step's function on ``arguments``; its returned outputs."""
        keywords = {name: self.params[name] for name in step.parameters}
        if not self.shared_ready:  # the shared functions read these as globals
            shared = self.pipeline.shared_module()
            for name in self.pipeline.shared_parameters:
                setattr(shared, name, self.params[name])
            self.shared_ready = True
        function = step_function(step)
        from workbench.tracking.fluent import nesting_runs

        try:
            # the notebook's own runs become children of the step's
            with active_inputs(self.files), active_output_dir(self.output_dir), nesting_runs():
                returned = function(*arguments, **keywords)
        except Exception as error:
            raise StepFailedError(step.name, error) from error
        if not isinstance(returned, Mapping) or set(step.outputs) - set(returned):
            got = sorted(returned) if isinstance(returned, Mapping) else type(returned).__name__
            raise TypeError(
                f"step {step.name!r} must return a dict with {list(step.outputs)}, got {got}"
            )
        return returned

    def _store(self, step: PipelineStep, key: str, values: dict[str, Any]) -> CacheEntry:
        self.memory.update(values)
        self.ran.add(step.name)
        extra: dict[str, Any] = {}
        if step.role == "load":
            extra["datasets"] = describe_frames(values)
        unkeyed = any(self.sources[n][1].kind == "memory" for n in step.inputs)
        previous = self.cache.lookup(step.name, key) if unkeyed and self.use_cache else None
        made = {path: self.output_dir / path for path in step.files}
        files = {path: file for path, file in made.items() if file.is_file()}
        entry = self.cache.store(step.name, key, values, extra, files)
        for name, saved in entry.outputs.items():
            if saved.kind == "memory":
                self.kept[step.name, name] = values[name]
        return self._same_as_before(entry, previous)

    def _same_as_before(self, entry: CacheEntry, previous: CacheEntry | None) -> CacheEntry:
        """A step that had to run again (it reads a value kept in memory) and gave the same
        outputs as its stored entry keeps the model version registered from that entry."""
        if previous is None or previous.extra.get("model_version") is None:
            return entry
        same = {n: s.fingerprint for n, s in entry.outputs.items()} == {
            n: s.fingerprint for n, s in previous.outputs.items()
        }
        if not same:
            return entry
        self.ran.discard(entry.step)
        return self.cache.annotate(entry, model_version=previous.extra["model_version"])

    def _written_by(self, step: PipelineStep, entry: CacheEntry, hit: bool) -> None:
        """Note the files ``step`` wrote; a step taken from the cache puts them back first."""
        for path, described in entry.extra.get("files", {}).items():
            target = self.output_dir / path
            if hit:
                self.cache.restore_file(entry, path, target)
            self.written.pop(path, None)
            self.written[path] = WrittenFile(
                step.name, path, target, described["sha256"], described["bytes"], hit
            )

    def _log_files(self, run: Any) -> None:
        """Attach the written files to the run (content-addressed: a file already stored
        costs no space) and say where they are."""
        if not self.written:
            return
        run.set_tags({"pipeline.output_dir": str(self.output_dir)})
        for written in self.written.values():
            run.log_artifact(written.file, artifact_path=f"outputs/{written.path}")

    def _final_outputs(self) -> tuple[str, ...]:
        """Outputs no later step reads."""
        final: list[str] = []
        for index, step in enumerate(self.pipeline.steps):
            later = {n for s in self.pipeline.steps[index + 1 :] for n in s.inputs}
            final += [n for n in step.outputs if n not in later and n not in final]
        return tuple(final)

    def _metrics(self) -> dict[str, float]:
        final = set(self._final_outputs())
        metrics: dict[str, float] = {}
        for step in self.pipeline.steps:
            for name in step.outputs:
                saved = self.entries[step.name].outputs[name]
                value = saved.value
                if saved.kind != "json" or not isinstance(value, float):
                    continue
                if step.role == "evaluate" or (name in final and looks_like_metric(name)):
                    metrics[name] = value
        return metrics

    def _log_datasets(self, run_id: str) -> None:
        from workbench.store.records import DatasetRecord
        from workbench.tracking import fluent

        store = fluent.get_store()
        for step in self.pipeline.steps:
            for record in self.entries[step.name].extra.get("datasets", []):
                store.add_dataset(run_id, DatasetRecord(**record))

    def _log_model(self, run: Any) -> int | None:
        """Register the pipeline's model (see the module docs); its version number."""
        found: list[tuple[bool, int, str, PipelineStep]] = []
        for order, step in enumerate(self.pipeline.steps):
            for name in step.outputs:
                entry, saved = self.sources[name]
                if saved.kind == "model" and entry is self.entries[step.name]:
                    found.append((step.role == "train", order, name, step))
        if not found:
            return None
        _, _, name, step = max(found, key=lambda item: item[:2])
        self.model_output = name
        entry = self.entries[step.name]
        registered = entry.extra.get("model_version")
        if registered is None or step.name in self.ran:
            record = run.log_model(self.value(name), name=self.pipeline.package)
            registered = int(record.version)
            self.cache.annotate(entry, model_version=registered)
        run.set_tags({"pipeline.model": name, "pipeline.model_version": registered})
        return int(registered)
