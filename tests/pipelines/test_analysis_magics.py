"""IPython magics and shell lines anywhere in a cell: inside a ``def`` or a loop they are
dropped with a warning naming the cell and line (or keep the code they time), install
commands become dependencies of the package, and magics that change the notebook's state
stay errors naming the cell, the line and the fix."""

from __future__ import annotations

import importlib.metadata

import nbformat.v4 as nbf
import pytest

from workbench.pipelines.analysis import AnalysisError, NotebookPlan, analyze_notebook
from workbench.pipelines.package.generate import requirements


def _plan(*cells: str) -> NotebookPlan:
    return analyze_notebook(nbf.new_notebook(cells=[nbf.new_code_cell(c) for c in cells]))


def test_a_matplotlib_magic_inside_a_function_is_dropped_with_a_warning() -> None:
    plan = _plan(
        "import numpy as np",
        "def plot_curve(values):\n    %matplotlib notebook\n    return np.cumsum(values)",
        "curve = plot_curve(np.arange(4.0))",
    )
    assert "def plot_curve(values):\n    return np.cumsum(values)" in plan.shared_code
    assert "get_ipython" not in plan.shared_code
    assert any(
        w.startswith("cell 2, line 2: removed the magic `%matplotlib notebook`")
        for w in plan.warnings
    )


@pytest.mark.parametrize(
    "magic", ["%matplotlib", "%matplotlib inline", "%matplotlib widget", "%matplotlib --list"]
)
def test_every_matplotlib_form_is_dropped_at_the_top_and_inside_a_block(magic: str) -> None:
    plan = _plan(
        f"{magic}\nimport numpy as np",
        f"for size in (2, 3):\n    {magic}\n    grid = np.ones((size, size))",
    )
    assert plan.steps[0].source == "for size in (2, 3):\n    grid = np.ones((size, size))"
    removed = [w.split(":")[0] for w in plan.warnings if f"`{magic}`" in w]
    assert removed == ["cell 1, line 1", "cell 2, line 2"]


def test_a_block_holding_only_a_magic_keeps_a_pass() -> None:
    plan = _plan("def setup_plots():\n    %matplotlib inline", "setup_plots()\ntotal = 1 + 2")
    assert "def setup_plots():\n    pass" in plan.shared_code


def test_a_timed_statement_inside_a_function_keeps_its_code() -> None:
    plan = _plan(
        "import numpy as np",
        "def total(values):\n    %time result = np.sum(values)\n    return result",
        "answer = total(np.ones(3))",
    )
    assert "    result = np.sum(values)\n    return result" in plan.shared_code
    assert any(w.startswith("cell 2, line 2: removed the magic `%time`") for w in plan.warnings)


def test_capture_and_time_cell_magics_keep_their_body() -> None:
    plan = _plan("%%capture\nimport numpy as np", "%%time\nx = np.ones(3)\ny = x * 2")
    assert plan.steps[0].source == "x = np.ones(3)\ny = x * 2"
    assert [w.split(":")[0] for w in plan.warnings if "cell magic" in w] == [
        "cell 1, line 1",
        "cell 2, line 1",
    ]


def test_an_install_inside_a_block_is_dropped_and_becomes_a_dependency() -> None:
    plan = _plan(
        "import numpy as np",
        "if np.__version__:\n    !pip install -q --upgrade tqdm openpyxl==3.1.2\n    ready = 1",
    )
    assert "pip" not in plan.steps[0].source and "ready = 1" in plan.steps[0].source
    assert [i.requirement for i in plan.installs] == ["tqdm", "openpyxl==3.1.2"]
    assert any(
        w.startswith("cell 2, line 2: removed the shell command `!pip install")
        and "depends on tqdm, openpyxl==3.1.2" in w
        for w in plan.warnings
    )
    needed = requirements(plan, "demo")
    # Installed here: at least this version; pinned by the notebook: as the notebook pinned it.
    assert f"tqdm>={importlib.metadata.version('tqdm')}" in needed
    assert "openpyxl==3.1.2" in needed


def test_an_install_of_an_imported_library_adds_no_second_requirement() -> None:
    plan = _plan("%pip install lightgbm==3.3.5\nimport lightgbm", "booster = lightgbm.Booster")
    lightgbm = [r for r in requirements(plan, "demo") if r.startswith("lightgbm")]
    assert lightgbm == [f"lightgbm>={importlib.metadata.version('lightgbm')}"]


def test_an_install_from_a_requirements_file_is_named_in_a_warning() -> None:
    plan = _plan("!pip install -r requirements.txt", "x = 1")
    assert plan.installs == ()
    assert any("requirements file are not added" in w for w in plan.warnings)


def test_installs_change_the_fingerprint_other_notebooks_keep_theirs() -> None:
    plain = _plan("import numpy as np", "x = np.ones(2)")
    installing = _plan("import numpy as np\n!pip install openpyxl", "x = np.ones(2)")
    assert plain.fingerprint != installing.fingerprint
    magic = _plan("import numpy as np\n%matplotlib", "x = np.ones(2)")
    assert plain.fingerprint == magic.fingerprint


@pytest.mark.parametrize(
    ("cells", "where", "says"),
    [
        (
            ["def helpers():\n    %run utils.py", "helpers()"],
            "cell 1, line 2",
            "`%run` may change the notebook's state in a way the analysis cannot follow; "
            "copy the script's code into a cell, or import it as a module",
        ),
        (
            ["x = 1", "for name in ['a']:\n    %store -r frame"],
            "cell 2, line 2",
            "`%store` may change the notebook's state",
        ),
        (
            ["if True:\n    %load helpers.py"],
            "cell 1, line 2",
            "run the cell once in Jupyter (`%load` replaces itself",
        ),
        (
            ["def fetch():\n    !wget http://example.com/data.csv", "fetch()"],
            "cell 1, line 2",
            "the shell command `!wget http://example.com/data.csv` may create files",
        ),
        (
            ["def listing():\n    files = !ls\n    return files", "names = listing()"],
            "cell 1, line 2",
            "assigns the output of a magic or shell command",
        ),
    ],
)
def test_a_state_changing_magic_in_a_block_names_cell_line_and_fix(
    cells: list[str], where: str, says: str
) -> None:
    with pytest.raises(AnalysisError) as caught:
        _plan(*cells)
    assert str(caught.value).startswith(f"{where}: ")
    assert says in str(caught.value)
