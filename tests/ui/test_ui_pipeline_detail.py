"""The pipelines page's detail view: versions, the diff, runs with step timings and cache hits
(an exported notebook, run in this process)."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

from uihelpers import write_notebook

import workbench as wb
from workbench.pipelines.catalog import read_manifest
from workbench.ui.pages.pipelines import PipelineDetail, step_runs

CELLS = [
    "import math",
    "N = 40\nOFFSET = 0.5",
    "## Load",
    "data = [math.sin(i) + OFFSET for i in range(N)]",
    "## Evaluate",
    "score = sum(data) / len(data)",
]


def _run(package_dir: Path, package: str) -> None:
    sys.path.insert(0, str(package_dir / "src"))
    try:
        for name in [m for m in sys.modules if m == package or m.startswith(package + ".")]:
            del sys.modules[name]  # the package changed on disk: import it afresh
        importlib.import_module(f"{package}.pipeline").run(show_progress=False)
    finally:
        sys.path.remove(str(package_dir / "src"))


def test_detail_shows_versions_diff_runs_and_cache_hits(sqlite_project: Path) -> None:
    notebook = sqlite_project / "sines.ipynb"
    write_notebook(notebook, CELLS)
    first = wb.export_notebook(notebook, verify=False)
    _run(first.path, first.package)
    _run(first.path, first.package)  # everything from the cache
    write_notebook(notebook, [*CELLS[:1], "N = 40\nOFFSET = 0.5\nSCALE = 2.0", *CELLS[2:5],
                      "score = SCALE * sum(data) / len(data)"])  # fmt: skip
    second = wb.export_notebook(notebook, verify=False)
    assert (first.version, second.version) == ("1.0.0", "1.1.0")
    _run(second.path, second.package)

    detail = PipelineDetail(name=second.name)
    text = "\n".join(str(getattr(o, "object", "")) for o in detail._body.objects)
    assert "1.1.0" in text and "not verified" in text
    assert "parameter &#x27;SCALE&#x27; added" in text or "parameter 'SCALE' added" in text
    versions = next(o for o in detail._body.objects if "wb-pipeline-versions" in o.css_classes)
    assert list(versions.value["version"]) == ["1.1.0", "1.0.0"]
    runs = next(o for o in detail._body.objects if "wb-pipeline-runs" in o.css_classes)
    assert len(runs.value) == 3 and list(runs.value["version"]) == ["1.1.0", "1.0.0", "1.0.0"]
    latest = wb.runs(filter="tags.`workbench.kind` = 'pipeline'")["run_id"].iloc[0]
    steps = step_runs(latest)
    assert list(steps["step"]) == ["load", "evaluate"]
    assert list(steps["cache_hit"]) == ["true", "false"]  # only the changed step re-ran
    assert read_manifest(second.name)["version"] == "1.1.0"


def test_unknown_pipeline_is_an_inline_error(sqlite_project: Path) -> None:
    detail = PipelineDetail(name="nope")
    message = detail._body.objects[0].object
    assert "No exported pipeline named" in message and "nope" in message


def test_the_list_refreshes_itself_when_a_package_is_exported(sqlite_project: Path) -> None:
    from workbench.pipelines.catalog import package_signature
    from workbench.ui.pages.pipelines import PipelinesView

    view = PipelinesView()
    view.start_live_updates()  # outside a server: remembers the revision, no callback
    before = view.revision()
    assert package_signature() == () and view._empty.visible
    notebook = sqlite_project / "sines.ipynb"
    write_notebook(notebook, CELLS)
    wb.export_notebook(notebook, verify=False)
    assert view.revision() != before  # the files changed, not the store
    view._check()
    assert not view._empty.visible and list(view._table.value["version"]) == ["1.0.0"]
