"""`import workbench` stays light."""

from __future__ import annotations

import subprocess
import sys


def test_import_does_not_load_heavy_libraries():
    code = (
        "import sys, workbench\n"
        "heavy = [m for m in ('sqlalchemy', 'pandas', 'numpy', 'panel', 'sklearn') "
        "if m in sys.modules]\n"
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


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
