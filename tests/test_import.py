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
