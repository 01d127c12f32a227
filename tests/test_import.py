"""`import workbench` stays light."""

from __future__ import annotations

import subprocess
import sys

import pytest

# Loaded inside the functions that need them (DESIGN.md), never by an import of the package.
HEAVY = (
    "panel", "holoviews", "bokeh", "sklearn", "lightgbm", "optuna", "nbformat", "IPython",
    "pandas", "numpy", "scipy", "sqlalchemy",
)  # fmt: skip


def _heavy_loaded_by(statement: str) -> list[str]:
    code = f"import sys\n{statement}\nprint(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return [m for m in out.stdout.strip().split(",") if m]


def test_import_does_not_load_heavy_libraries():
    assert _heavy_loaded_by("import workbench") == []


@pytest.mark.parametrize("statement", ["import workbench.cli", "import workbench._project"])
def test_the_command_line_and_the_project_handle_load_no_heavy_library(statement):
    """``workbench --help`` and the Jupyter server extension start without them."""
    assert _heavy_loaded_by(statement) == []


def test_public_api_resolves_lazily():
    import workbench as wb

    assert callable(wb.start_run) and callable(wb.runs)
    assert "start_run" in dir(wb)


def test_tracking_on_an_existing_store_does_not_load_sqlmodel_pydantic_or_the_orm(
    sqlite_project,
):
    import workbench as wb

    with wb.start_run():  # creates the store (migrations may load SQLModel; that is once)
        pass
    code = (
        "import sys, workbench as wb\n"
        "with wb.start_run():\n"
        "    wb.log_metric('auc', 0.9)\n"
        "loaded = [m for m in ('sqlmodel', 'pydantic', 'sqlalchemy.orm') if m in sys.modules]\n"
        "print(','.join(loaded))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
    assert len(wb.runs()) == 2
