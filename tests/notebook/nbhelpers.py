"""Run notebook cells in a real kernel (nbclient + ipykernel, this interpreter), in a project
of their own, and keep what each cell showed: its outputs and, when it failed, the error.

The kernel sees ``JPY_SESSION_NAME`` as JupyterLab sets it (the notebook's path), so runs
record the notebook as their source; the test process reads the same store afterwards.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
import nbformat.v4 as nbf
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from workbench.pipelines.verify._execute import kernel_manager_class

ANSI = re.compile(r"\x1b\[[0-9;]*m")


@dataclass
class ExecutedCell:
    source: str
    execution_count: int | None
    outputs: list[dict[str, Any]]
    error: CellExecutionError | None = None

    def stream(self, name: str = "stdout") -> str:
        return "".join(
            o["text"] for o in self.outputs if o["output_type"] == "stream" and o["name"] == name
        )

    def traceback(self) -> str:
        """The error output as the user sees it, without colours."""
        lines = [
            line for o in self.outputs if o["output_type"] == "error" for line in o["traceback"]
        ]
        return ANSI.sub("", "\n".join(lines))

    def results(self) -> list[dict[str, Any]]:
        return [o for o in self.outputs if o["output_type"] == "execute_result"]

    def bundles(self) -> list[dict[str, Any]]:
        """Every mimebundle the cell displayed (display_data and execute_result)."""
        return [o["data"] for o in self.outputs if "data" in o]


def execute(notebook: Path, cells: dict[str, str]) -> dict[str, ExecutedCell]:
    """Write ``cells`` (label → source) as ``notebook``, run them in order in one kernel and
    return each one's outcome; a failing cell does not stop the ones after it."""
    nb = nbf.new_notebook(cells=[nbf.new_code_cell(source) for source in cells.values()])
    nbformat.write(nb, notebook)
    client = NotebookClient(
        nb,
        timeout=120,
        kernel_name="python3",
        kernel_manager_class=kernel_manager_class(),
        resources={"metadata": {"path": str(notebook.parent)}},
    )
    executed: dict[str, ExecutedCell] = {}
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("JPY_SESSION_NAME", str(notebook))  # as JupyterLab starts kernels
        with client.setup_kernel():
            for index, (label, cell) in enumerate(zip(cells, nb.cells, strict=True)):
                error = None
                try:
                    client.execute_cell(cell, index)
                except CellExecutionError as failure:
                    error = failure
                executed[label] = ExecutedCell(
                    cell.source, cell.execution_count, [dict(o) for o in cell.outputs], error
                )
    return executed


def docs_json(html: str) -> dict[str, Any]:
    """The Bokeh document embedded in a Panel output's HTML."""
    found = re.search(r"var docs_json = (\{.*?\});\s*\n", html, re.S)
    assert found, "no Bokeh document in the output"
    document: dict[str, Any] = json.loads(found.group(1))
    return document


def model_names(document: Any) -> set[str]:
    """The Bokeh/Panel model types anywhere in a document (``Figure``, ``...DataTabulator``)."""
    names: set[str] = set()
    if isinstance(document, dict):
        if document.get("type") == "object" and "name" in document:
            names.add(document["name"])
        for value in document.values():
            names |= model_names(value)
    elif isinstance(document, list):
        for value in document:
            names |= model_names(value)
    return names
