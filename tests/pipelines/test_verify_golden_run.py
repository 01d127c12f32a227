"""The golden run behaves like Jupyter: the notebook's cells run unchanged, in its folder,
and a notebook that runs to the end on a fresh checkout gets a verdict, also when it
writes files (each execution, and the package, starts from the folder as it was)."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import nbformat.v4 as nbf
import pandas as pd

from workbench.pipelines.analysis import analyze_notebook
from workbench.pipelines.export import export_notebook
from workbench.pipelines.verify._execute import early_definitions, hooked_notebook, scratch_folder

# Creates its output folder without exist_ok, as many notebooks do: a second execution in
# the same folder fails, so two executions of it must not share the folder.
WRITES_A_FOLDER = [
    nbf.new_code_cell("import os\nimport pandas as pd"),
    nbf.new_code_cell("os.mkdir('reports')\nsales = pd.read_csv('sales.csv')"),
    nbf.new_code_cell(
        "by_region = sales.groupby('region', as_index=False)['amount'].sum()\n"
        "by_region.to_csv('reports/by_region.csv', index=False)"
    ),
    nbf.new_code_cell("total_score = float(pd.read_csv('reports/by_region.csv')['amount'].sum())"),
]


def test_a_notebook_that_creates_its_output_folder_is_verified(sqlite_project: Path) -> None:
    folder = sqlite_project / "analysis"
    folder.mkdir()
    sales = pd.DataFrame({"region": ["north", "south", "north"], "amount": [1.5, 2.0, 4.0]})
    sales.to_csv(folder / "sales.csv", index=False)
    path = folder / "sales.ipynb"
    nbformat.write(nbf.new_notebook(cells=WRITES_A_FOLDER), path)

    result = export_notebook(path, verify=True)

    assert result.verdict == "reproduced", result.warnings
    manifest = json.loads((result.path / "src" / result.package / "manifest.json").read_text())
    assert manifest["golden"]["metrics"] == {"total_score": 7.5}
    # The first execution ran in the notebook's folder, as Jupyter would; nothing else did.
    assert sorted(p.name for p in (folder / "reports").iterdir()) == ["by_region.csv"]
    assert sorted(p.name for p in folder.iterdir()) == ["reports", "sales.csv", "sales.ipynb"]


def test_the_user_s_cells_run_unchanged_and_only_out_of_order_helpers_are_defined_first(
    tmp_path: Path,
) -> None:
    cells = [
        nbf.new_code_cell("import math\nvalues = [1.0, 4.0]"),
        nbf.new_code_cell("roots = root_all(values)"),
        nbf.new_code_cell("def root_all(xs):\n    return [math.sqrt(x) for x in xs]"),
        nbf.new_code_cell("def unused_later(x):\n    return x"),
        nbf.new_code_cell("root_mean = sum(roots) / len(roots)"),
    ]
    path = tmp_path / "helpers.ipynb"
    nbformat.write(nbf.new_notebook(cells=cells), path)
    plan = analyze_notebook(path)

    assert early_definitions(plan) == ["def root_all(xs):\n    return [math.sqrt(x) for x in xs]"]
    hooked, origin = hooked_notebook(nbformat.read(path, as_version=4), plan, tmp_path / "s.json")
    users = [cell.source for cell, index in zip(hooked.cells, origin, strict=True) if index >= 0]
    assert users == [cell.source for cell in cells]
    added = [cell.source for cell, index in zip(hooked.cells, origin, strict=True) if index < 0]
    golden = "__import__('workbench.pipelines.verify._golden'"
    assert all(source.startswith(golden) for source in added)
    assert len(added) == 2 + 1 + len(plan.steps)  # start, define, one after each step, finish


def test_a_folder_is_not_copied_when_the_notebook_reads_above_it(tmp_path: Path) -> None:
    (tmp_path / "nb").mkdir()
    inside = tmp_path / "nb" / "inside.ipynb"
    nbformat.write(nbf.new_notebook(cells=[nbf.new_code_cell("open('x.csv', 'w')")]), inside)
    (tmp_path / "nb" / ".workbench").mkdir()
    (tmp_path / "nb" / ".workbench" / "workbench.db").write_text("not copied")
    copy = scratch_folder(inside, tmp_path / "copy")
    assert copy is not None and copy.read_text() == inside.read_text()
    assert not (tmp_path / "copy" / ".workbench").exists()

    above = tmp_path / "nb" / "above.ipynb"
    code = "df = pd.read_csv('../data/train.csv')\ndf.to_csv('out.csv')"
    nbformat.write(nbf.new_notebook(cells=[nbf.new_code_cell(code)]), above)
    assert scratch_folder(above, tmp_path / "copy2") is None
    assert not (tmp_path / "copy2").exists()
