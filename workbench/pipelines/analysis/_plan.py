"""The step plan: what the analysis of a notebook hands to the package generator."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from workbench.pipelines.analysis._magics import Install


@dataclass(frozen=True)
class Parameter:
    """A setting of the notebook: ``type`` is one of int, float, str, bool, list, dict,
    none; ``cell`` is the 0-based cell index and ``line`` the 1-based line in it."""

    name: str
    value: Any
    type: str
    cell: int
    line: int


@dataclass(frozen=True)
class Step:
    """One pipeline step, a run of consecutive cells.

    ``source`` is the step's code in notebook order without imports, function and class
    definitions, parameter assignments and display-only statements. ``inputs`` are the
    variables it reads that an earlier step produced; ``outputs`` the variables it writes
    that a later step reads, its final metrics and models, and everything in ``mutated``
    (inputs it modifies in place). ``imports`` are the import statements its code needs,
    ``parameters`` the parameters it reads (also through shared functions) and
    ``functions`` the shared definitions it uses (also indirectly), ``data`` the data
    files it reads (declared inputs, see ``_data_files``), ``files`` the files it writes
    (paths under the run's output folder, see ``_written_files``). All sorted except
    ``cells`` and ``imports`` (notebook order).
    """

    name: str
    role: str
    cells: tuple[int, ...]
    source: str
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    mutated: tuple[str, ...]
    imports: tuple[str, ...]
    parameters: tuple[str, ...] = ()
    functions: tuple[str, ...] = ()
    data: tuple[str, ...] = ()
    files: tuple[str, ...] = ()


@dataclass(frozen=True)
class Definition:
    """A function, class or constant of the notebook, moved to the shared module.

    ``kind`` is ``function``, ``class`` or ``constant`` (a variable a definition reads,
    assigned once from imports, parameters and other constants: ``IMAGES_PATH = ...``).
    ``globals_read`` are the module-level names it reads (at definition or call time),
    split into the ``imports`` it needs, the ``parameters`` it reads, the shared functions
    and classes (``definitions``) and ``constants`` it uses, and the step variables
    (``variables``) it reads, which every step using it sets in the shared module first.
    """

    name: str
    kind: str
    cell: int
    line: int
    source: str
    globals_read: tuple[str, ...]
    imports: tuple[str, ...]
    parameters: tuple[str, ...]
    definitions: tuple[str, ...]
    constants: tuple[str, ...] = ()
    variables: tuple[str, ...] = ()


@dataclass(frozen=True)
class NotebookPlan:
    """The notebook cut into steps; see ``analyze_notebook``.

    ``cell_map`` maps every 0-based cell index to a step name or to what the cell became:
    ``markdown``, ``raw``, ``skip``, ``parameters``, ``imports``, ``shared`` (only
    definitions), ``display`` (only display code) or ``empty``. ``installs`` are the
    packages the notebook's install commands name (``!pip install X``), which the package
    depends on too.
    """

    steps: tuple[Step, ...]
    parameters: tuple[Parameter, ...]
    shared_code: str
    definitions: tuple[Definition, ...]
    cell_map: dict[int, str]
    warnings: tuple[str, ...]
    fingerprint: str = field(default="")
    installs: tuple[Install, ...] = ()

    def step(self, name: str) -> Step:
        """The step called ``name``."""
        for step in self.steps:
            if step.name == name:
                return step
        raise KeyError(f"no step {name!r}; steps are {[s.name for s in self.steps]}")

    def interface(self) -> dict[str, Any]:
        """``{step: {"inputs": [...], "outputs": [...]}, ..., "parameters": {name: type}}``:
        what a new version must keep for a minor or patch bump. No step is ever called
        ``parameters``."""
        result: dict[str, Any] = {
            step.name: {"inputs": list(step.inputs), "outputs": list(step.outputs)}
            for step in self.steps
        }
        result["parameters"] = {p.name: p.type for p in self.parameters}
        return result
