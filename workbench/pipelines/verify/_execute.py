"""Execute a notebook in fresh kernels and record the golden values of its steps.

The notebook runs with nbclient in a kernel started with the caller's own interpreter
(``sys.executable -m ipykernel_launcher``), in the notebook's folder. Small cells are
injected after every step (never saved into the user's notebook) to call
:mod:`workbench.pipelines.verify._golden` inside the kernel, which reads the step's outputs and
changes nothing; the user's cells run unchanged, so the notebook behaves as in Jupyter.
Two executions (for the randomness check) run at the same time, in two kernels, unless the
notebook writes files.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import copy
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Coroutine, Sequence
from pathlib import Path
from typing import Any, TypeVar

from workbench.pipelines.analysis._errors import where
from workbench.pipelines.analysis._plan import NotebookPlan

__all__ = ["NotebookExecutionError", "execute_notebook", "hooked_notebook"]

_GOLDEN = "workbench.pipelines.verify._golden"
# Calls that write or delete files; the ``to_*`` ones only when given a path.
_WRITING_CALLS = frozenset(
    {"dump", "save", "save_model", "savez", "savez_compressed", "savetxt", "write_text",
     "write_bytes", "copyfile", "unlink", "rmtree", "savefig", "imsave", "mkdir", "makedirs",
     "rename", "remove", "move", "copy2", "copytree", "extractall", "urlretrieve",
     "write_html", "write_image", "to_file"}
)  # fmt: skip
_WRITING_TO = frozenset(
    {"to_csv", "to_parquet", "to_excel", "to_pickle", "to_feather", "to_hdf", "to_sql",
     "to_json", "to_orc", "to_stata", "to_xml"}
)  # fmt: skip
MAX_SCRATCH_BYTES = 200 * 2**20  # a bigger folder is not copied for a second execution
_NOT_COPIED = frozenset({".git", ".workbench", ".ipynb_checkpoints", "__pycache__"})
_T = TypeVar("_T")


class NotebookExecutionError(RuntimeError):
    """The notebook itself failed (or timed out) in a fresh kernel; ``cell`` is the 0-based
    index of the failing cell when known."""

    def __init__(self, message: str, cell: int | None = None) -> None:
        self.cell = cell
        super().__init__(message)


def early_definitions(plan: NotebookPlan) -> list[str]:
    """The sources of the notebook's functions and classes that a step starting above their
    own cell uses: defined first in the golden run, as the pipeline's shared module has
    them. Nothing else runs out of its cell, so a notebook that runs in Jupyter runs the
    same here."""
    early = []
    for definition in plan.definitions:
        if any(
            definition.name in step.functions and step.cells[0] < definition.cell
            for step in plan.steps
        ):
            early.append(definition.source)
    return early


def writes_files(notebook: Any) -> bool:
    """The notebook seems to write files (``df.to_csv(...)``, ``joblib.dump``, ``open(..., "w")``):
    two executions at once in its folder could then read each other's files."""
    import ast

    from workbench.pipelines.analysis._cells import load_notebook, read_cells

    for cell in read_cells(load_notebook(notebook), []):
        for statement in cell.statements:
            for node in ast.walk(statement.node):
                if isinstance(node, ast.Call) and _writes(node):
                    return True
    return False


def _writes(call: Any) -> bool:
    import ast

    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    if name in _WRITING_TO:
        return bool(call.args) or any(k.arg in ("path", "path_or_buf") for k in call.keywords)
    if name == "open" and isinstance(func, ast.Name):
        modes = [*call.args[1:2], *(k.value for k in call.keywords if k.arg == "mode")]
        return any(
            not isinstance(mode, ast.Constant) or bool(set(str(mode.value)) & set("wax+"))
            for mode in modes
        )
    return name in _WRITING_CALLS


def _call(function: str, *arguments: str) -> str:
    """A one-line cell calling ``_golden.<function>`` without binding any name."""
    args = ", ".join(arguments)
    return f"__import__({_GOLDEN!r}, fromlist=['_']).{function}({args})"


def hooked_notebook(notebook: Any, plan: NotebookPlan, spec_path: Path) -> tuple[Any, list[int]]:
    """A copy of ``notebook`` with the recording cells added, and for each of its cells the
    index of the user's cell it is (-1 for an added cell). The user's cells are unchanged;
    an added cell only reads the namespace after a step's last cell."""
    import nbformat.v4 as nbf

    last = {step.cells[-1]: step.name for step in plan.steps}
    cells = [nbf.new_code_cell(_call("start", repr(str(spec_path))))]
    early = early_definitions(plan)
    if early:
        cells.append(nbf.new_code_cell(_call("define", repr(early), "globals()")))
    origin = [-1] * len(cells)
    for index, cell in enumerate(notebook.cells):
        cells.append(copy.deepcopy(cell))
        origin.append(index)
        if index in last:
            cells.append(nbf.new_code_cell(_call("after", repr(last[index]), "globals()")))
            origin.append(-1)
    cells.append(nbf.new_code_cell(_call("finish")))
    origin.append(-1)
    hooked = copy.deepcopy(notebook)
    hooked.cells = cells
    return hooked, origin


# Kernels that run at the same time (the randomness check) each start OpenMP's threads for
# every core; spinning while they wait, they take the cores from each other: a LightGBM loop
# of 17 s took 197 s as two such kernels on 2 cores, 42 s with the threads sleeping instead.
# How threads wait changes no result. A value the user set is kept.
SHARED_CORES_ENV = {"OMP_WAIT_POLICY": "PASSIVE"}


def kernel_manager_class(env: dict[str, str] | None = None) -> type:
    """An async kernel manager that starts ipykernel with this interpreter, whatever
    kernelspec the notebook names (an installed ``python3`` spec may say just ``python``),
    with ``env`` added to this process's environment (where it does not set them)."""
    extra = {key: value for key, value in (env or {}).items() if key not in os.environ}
    from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
    from jupyter_client.manager import AsyncKernelManager
    from traitlets import default

    class CurrentPythonSpecs(KernelSpecManager):
        def get_kernel_spec(self, kernel_name: str) -> KernelSpec:
            argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
            # Quiet the kernel's own log (a plain-TCP notice on every start).
            argv.append("--IPKernelApp.log_level=ERROR")
            return KernelSpec(
                argv=argv, name=kernel_name, display_name="Python", language="python", env=extra
            )

    class CurrentPythonKernel(AsyncKernelManager):
        @default("kernel_spec_manager")
        def _specs(self) -> KernelSpecManager:
            return CurrentPythonSpecs()

    return CurrentPythonKernel


async def _execute_once(
    notebook: Any,
    plan: NotebookPlan,
    folder: Path,
    workdir: Path,
    timeout: float | None,
    on_cell: Callable[[], None],
    env: dict[str, str] | None = None,
) -> dict[str, Any]:
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    workdir.mkdir(parents=True)
    output = workdir / "golden.json"
    spec = {
        "steps": [
            {"name": step.name, "outputs": list(step.outputs), "files": list(step.files)}
            for step in plan.steps
        ],
        "output": str(output),
        "workdir": str(workdir / "values"),
    }
    spec_path = workdir / "spec.json"
    spec_path.write_text(json.dumps(spec))
    hooked, origin = hooked_notebook(notebook, plan, spec_path)
    running = [-1]  # the user's cell being executed (-1: a recording cell)

    def cell_started(cell_index: int, **_: Any) -> None:
        running[0] = origin[cell_index]
        on_cell()

    client = NotebookClient(
        hooked,
        timeout=timeout,
        kernel_name="python3",
        kernel_manager_class=kernel_manager_class(env),
        resources={"metadata": {"path": str(folder)}},
        on_cell_start=cell_started,
    )
    try:
        await client.async_execute()
    except (CellExecutionError, CellTimeoutError, DeadKernelError) as error:
        cell = running[0] if running[0] >= 0 else None
        place = where(cell) if cell is not None else "a cell workbench added to record values"
        if isinstance(error, CellTimeoutError):
            message = f"{place} of the notebook ran longer than {timeout or 0:g} s"
        elif isinstance(error, CellExecutionError):
            message = f"the notebook failed in {place}: {error.ename}: {error.evalue}"
        else:
            message = f"the kernel died while running {place} of the notebook: {error}"
        raise NotebookExecutionError(message, cell) from None
    if not output.is_file():
        raise NotebookExecutionError("the notebook ran but its golden values were not written")
    record: dict[str, Any] = json.loads(output.read_text())
    if record.get("files"):
        from workbench.pipelines.verify._files import keep_golden_files

        keep_golden_files(record["files"])
    return record


def _run(coroutine: Coroutine[Any, Any, _T]) -> _T:
    """Run ``coroutine`` to the end, also when called from a running event loop (a
    notebook or the Jupyter server): then in a thread of its own."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def scratch_folder(notebook: Path, into: Path) -> Path | None:
    """A copy of the notebook's folder (without ``.git``, ``.workbench`` and checkpoints) at
    ``into``, for an execution that writes files to run as on a fresh checkout; None when
    the folder holds more than ``MAX_SCRATCH_BYTES`` or the notebook reads above it."""
    folder = notebook.resolve().parent
    if ".." in notebook.read_text(errors="replace"):  # a path above the folder
        return None
    total = 0
    for path in folder.rglob("*"):
        if not set(path.relative_to(folder).parts) & _NOT_COPIED and path.is_file():
            total += path.stat().st_size
            if total > MAX_SCRATCH_BYTES:
                return None
    shutil.copytree(folder, into, symlinks=True, ignore=shutil.ignore_patterns(*_NOT_COPIED))
    return into / notebook.name


def execute_notebook(
    path: Path,
    plan: NotebookPlan,
    *,
    runs: int = 1,
    parallel: bool = True,
    timeout: float | None = None,
    on_cell: Callable[[], None] = lambda: None,
    seed: int | None = None,
    alongside: bool = False,
    folder: Path | None = None,
) -> list[dict[str, Any]]:
    """Execute the notebook at ``path`` ``runs`` times (each in a fresh kernel; all at once
    when ``parallel``) and return each run's golden record: ``{"steps": {step: {output:
    entry}}, "errors": [...]}`` (see ``_golden``). With ``seed`` (``export --seed N``), the
    unseeded estimators and splits get ``random_state=seed`` as in the package (see
    ``_randomness.seed_notebook``); no other cell code changes. The first run is in the
    notebook's folder (or ``folder``, a copy of it); when the notebook writes files, the
    others run in copies of it (so none sees the files another wrote), else one after the
    other in the folder. ``alongside``: another process shares the cores meanwhile, so the
    kernels' threads sleep while they wait (``SHARED_CORES_ENV``).

    Raises:
        NotebookExecutionError: a cell failed, timed out (``timeout`` seconds per cell) or
            the kernel died.
    """
    import nbformat

    notebook = nbformat.read(str(path), as_version=4)
    if seed is not None:
        from workbench.pipelines.verify._randomness import seed_notebook

        notebook = seed_notebook(notebook, seed)[0]
    with tempfile.TemporaryDirectory(prefix="workbench-golden-") as tmp:
        folders = [folder or Path(path).resolve().parent] * runs
        if runs > 1 and writes_files(notebook):
            copies = [
                scratch_folder(Path(path), Path(tmp) / f"folder-{run}") for run in range(1, runs)
            ]
            if all(copies):
                folders[1:] = [copy.parent for copy in copies if copy is not None]
            else:
                parallel = False

        def once(run: int) -> Coroutine[Any, Any, dict[str, Any]]:
            workdir = Path(tmp) / f"run-{run}"
            env = SHARED_CORES_ENV if alongside or (parallel and runs > 1) else None
            return _execute_once(notebook, plan, folders[run], workdir, timeout, on_cell, env)

        async def all_runs() -> Sequence[dict[str, Any] | BaseException]:
            if parallel:
                return await asyncio.gather(*map(once, range(runs)), return_exceptions=True)
            return [await once(run) for run in range(runs)]

        outcomes = _run(all_runs())
    records = []
    for outcome in outcomes:
        if isinstance(outcome, BaseException):
            raise outcome
        records.append(outcome)
    return records


def cells_per_run(path: Path, plan: NotebookPlan) -> int:
    """How many cells one execution runs, the added ones included (for progress bars)."""
    import nbformat

    added = 2 + len(plan.steps) + bool(early_definitions(plan))
    return len(nbformat.read(str(path), as_version=4).cells) + added
