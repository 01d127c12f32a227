"""A real JupyterLab (the installed extension and server extension) serving a small project:
a breast-cancer notebook that exports and records a run, and one the exporter refuses.

One server for the whole folder (it takes seconds to start); tests that change the project
use their own notebook names.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from browsertools import stop as stop_process
from labhelpers import (
    BREAST_CANCER,
    STAR_IMPORT,
    Lab,
    require_installed_extension,
    start_lab,
    write_notebook,
)


@pytest.fixture(scope="session")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    require_installed_extension()
    root = tmp_path_factory.mktemp("lab") / "project"
    (root / ".workbench").mkdir(parents=True)  # the project the server and kernels share
    for name in ("api", "browser"):
        write_notebook(root / "notebooks", name, BREAST_CANCER)
    write_notebook(root / "notebooks", "star", STAR_IMPORT)
    lab = start_lab(root, tmp_path_factory.mktemp("jupyter"))
    try:
        yield lab
    finally:
        stop_process(lab.proc)
