"""The server extension's REST API, called like the browser does (token, JSON), without one."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import urllib.request
from pathlib import Path

from labhelpers import Lab


def _manifest(lab: Lab, result: dict[str, object]) -> dict[str, object]:
    path = lab.root / str(result["path"]) / "src" / str(result["package"]) / "manifest.json"
    manifest: dict[str, object] = json.loads(path.read_text())
    return manifest


def test_export_writes_the_package_and_answers_its_version(lab: Lab) -> None:
    # What the toolbar button sends: no verification, so it answers in seconds.
    status, result = lab.api("POST", "export", {"path": "notebooks/api.ipynb", "verify": False})
    assert status == 200, result
    assert result["path"] == "pipelines/api" and result["version"] == "1.0.0"
    assert result["changed"] is True and result["verdict"] == "not verified"
    assert result["readme"] == "pipelines/api/README.md"
    assert _manifest(lab, result)["version"] == "1.0.0"

    status, again = lab.api("POST", "export", {"path": "notebooks/api.ipynb", "verify": False})
    assert status == 200 and again["changed"] is False and again["version"] == "1.0.0"


def test_export_refuses_a_star_import_naming_the_cell_and_line(lab: Lab) -> None:
    status, error = lab.api("POST", "export", {"path": "notebooks/star.ipynb"})
    assert status == 400
    assert (error["cell"], error["line"]) == (1, 2)  # 0-based cell, as the sidebar selects it
    assert "cell 2, line 2" in error["message"] and "import *" in error["message"]
    assert not (lab.root / "pipelines" / "star").exists()


def test_paths_outside_the_root_are_refused(lab: Lab, tmp_path: Path) -> None:
    outside = tmp_path / "secret.ipynb"
    outside.write_text("{}")
    link = lab.root / "notebooks" / "link.ipynb"
    link.symlink_to(outside)
    try:
        escaping = (
            "../secret.ipynb",
            "notebooks/../../x.ipynb",
            str(outside),
            "notebooks/link.ipynb",
        )
        for path in escaping:
            status, error = lab.api("POST", "export", {"path": path})
            assert status == 403, (path, error)
            assert "outside the Jupyter root folder" in error["message"]
        status, error = lab.api("GET", "runs?path=../secret.ipynb")
        assert status == 403 and "outside" in error["message"]
    finally:
        link.unlink()
    assert lab.api("POST", "export", {"path": "notebooks/missing.ipynb"})[0] == 404
    assert lab.api("POST", "export", {"path": ".workbench"})[0] == 400
    assert lab.api("POST", "export", {})[0] == 400


def test_requests_without_the_token_are_refused(lab: Lab) -> None:
    assert lab.api("POST", "export", {"path": "notebooks/api.ipynb"}, token=False)[0] == 403
    assert lab.api("GET", "runs?path=notebooks/api.ipynb", token=False)[0] == 403
    assert lab.api("POST", "dashboard", {}, token=False)[0] == 403


def test_runs_lists_the_notebooks_runs_newest_first(lab: Lab) -> None:
    notebook = lab.root / "notebooks" / "listed.ipynb"
    notebook.write_text("{}")
    # What a kernel started by JupyterLab records: JPY_SESSION_NAME is the notebook's path.
    script = (
        "import sys, workbench as wb\n"
        "wb.set_experiment('sidebar')\n"
        "for name, auc in (('first', 0.81), ('second', 0.92)):\n"
        "    with wb.start_run(name=name) as run:\n"
        "        run.log_metric('auc', auc)\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("WORKBENCH_")}
    for source in (str(notebook), str(lab.root / "notebooks" / "other.ipynb")):
        subprocess.run(
            [sys.executable, "-c", script], cwd=notebook.parent, check=True,
            env=env | {"WORKBENCH_HOME": str(lab.root), "JPY_SESSION_NAME": source},
        )  # fmt: skip

    status, reply = lab.api("GET", "runs?path=notebooks/listed.ipynb")
    assert status == 200, reply
    assert reply["experiment"] == "sidebar"
    assert [run["name"] for run in reply["runs"]] == ["second", "first"]
    assert reply["runs"][0]["status"] == "FINISHED"
    assert reply["runs"][0]["metrics"] == {"auc": 0.92}
    assert lab.api("GET", "runs?path=notebooks/api.ipynb")[1] == {"experiment": None, "runs": []}


def test_dashboard_starts_on_demand_on_a_loopback_port(lab: Lab) -> None:
    assert lab.api("GET", "dashboard") == (200, {"running": False, "url": None})
    status, started = lab.api("POST", "dashboard", {})
    assert status == 200 and started["running"] is True, started
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/", started["url"])
    with urllib.request.urlopen(started["url"] + "runs", timeout=30) as page:
        assert page.status == 200
    assert lab.api("POST", "dashboard", {}) == (200, started)  # the same process, not another


def _listing(*args: str) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "jupyter", *args, "list"]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def test_jupyterlab_lists_both_extensions_enabled() -> None:
    # Both at once: each command takes seconds.
    running = {"lab": _listing("labextension"), "server": _listing("server", "extension")}
    out = {
        key: re.sub(r"\x1b\[[0-9;]*m", "", proc.communicate()[0]) for key, proc in running.items()
    }
    assert re.search(r"workbench-lab v\S+ enabled OK \(python, workbench\)", out["lab"])
    assert re.search(r"workbench\.jupyter\s+enabled", out["server"])
    assert re.search(r"workbench\.jupyter\s+OK", out["server"])
