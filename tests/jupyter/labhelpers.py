"""Helpers of the JupyterLab tests: a real JupyterLab on a free loopback port and its REST
calls (what the browser tests share is in tests/browsertools.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
import nbformat.v4 as nbf
from browsertools import free_port, skip_or_fail, stop

LABEXTENSION = Path(sys.prefix) / "share" / "jupyter" / "labextensions" / "workbench-lab"
SERVER_CONFIG = Path(sys.prefix) / "etc" / "jupyter" / "jupyter_server_config.d" / "workbench.json"


def require_installed_extension() -> None:
    """The venv must hold the built extension and the server switch (``make install``)."""
    for path in (LABEXTENSION / "package.json", SERVER_CONFIG):
        if not path.is_file():
            skip_or_fail(f"{path} is missing: run `make install` (extensions/build.sh --develop)")


@dataclass
class Lab:
    """A running JupyterLab: ``url`` ends without a slash; ``root`` is its root folder."""

    proc: subprocess.Popen[str]
    url: str
    token: str
    root: Path
    log: Path

    def api(
        self, method: str, endpoint: str, body: dict[str, Any] | None = None, token: bool = True
    ) -> tuple[int, dict[str, Any]]:
        """Call ``/workbench/api/<endpoint>``; returns (HTTP status, JSON body)."""
        return self.request(method, f"workbench/api/{endpoint}", body, token)

    def request(
        self, method: str, path: str, body: dict[str, Any] | None = None, token: bool = True
    ) -> tuple[int, dict[str, Any]]:
        """Call ``/<path>`` of the server (e.g. ``lab/api/settings/<plugin>``); returns
        (HTTP status, JSON body)."""
        request = urllib.request.Request(
            f"{self.url}/{path}",
            method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Authorization": f"token {self.token}"} if token else {},
        )
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                return response.status, json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            text = error.read()
            try:
                return error.code, json.loads(text)
            except ValueError:
                return error.code, {"message": text.decode(errors="replace")}


def start_lab(root: Path, scratch: Path) -> Lab:
    """JupyterLab serving ``root``, with throwaway Jupyter config/data/runtime folders; the
    venv's own data path (``sys.prefix/share/jupyter``) still provides the extension."""
    port, token = free_port(), "workbench-test-token"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WORKBENCH_", "JUPYTER"))}
    for name in ("config", "data", "runtime", "ipython"):
        (scratch / name).mkdir(parents=True, exist_ok=True)
    env |= {
        "JUPYTER_CONFIG_DIR": str(scratch / "config"),
        "JUPYTER_DATA_DIR": str(scratch / "data"),
        "JUPYTER_RUNTIME_DIR": str(scratch / "runtime"),
        "IPYTHONDIR": str(scratch / "ipython"),
    }
    # No "get notified about Jupyter news?" toast over the screenshots.
    settings = scratch / "config" / "lab" / "user-settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True, exist_ok=True)
    (settings / "notification.jupyterlab-settings").write_text('{"fetchNews": "false"}')
    log = scratch / "jupyterlab.log"
    proc = subprocess.Popen(
        [
            sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root",
            "--ip=127.0.0.1", f"--port={port}", "--ServerApp.port_retries=0",
            f"--ServerApp.root_dir={root}", f"--IdentityProvider.token={token}",
            "--LabApp.news_url=None",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        ],
        cwd=root, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    lab = Lab(proc, f"http://127.0.0.1:{port}", token, root, log)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"JupyterLab stopped (exit {proc.returncode}):\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{lab.url}/api/status?token={token}", timeout=5):
                return lab
        except OSError:
            time.sleep(0.3)
    stop(proc)
    raise AssertionError(f"JupyterLab did not answer within 90 s:\n{log.read_text()}")


BREAST_CANCER = [
    nbf.new_markdown_cell("# Breast cancer: logistic regression"),
    nbf.new_code_cell(
        "from sklearn.datasets import load_breast_cancer\n"
        "from sklearn.linear_model import LogisticRegression\n"
        "from sklearn.metrics import roc_auc_score\n"
        "from sklearn.model_selection import train_test_split"
    ),
    nbf.new_code_cell(
        "X, y = load_breast_cancer(return_X_y=True, as_frame=True)\n"
        "X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=0)"
    ),
    nbf.new_code_cell("model = LogisticRegression(max_iter=3000).fit(X_train, y_train)"),
    nbf.new_code_cell("roc_auc = roc_auc_score(y_test, model.predict_proba(X_test)[:, 1])"),
    nbf.new_code_cell(
        "import workbench as wb\n"
        "wb.set_experiment('lab')\n"
        "with wb.start_run(name='from-lab') as run:\n"
        "    run.log_metric('roc_auc', roc_auc)"
    ),
]
STAR_IMPORT = [nbf.new_code_cell("x = 1"), nbf.new_code_cell("import math\nfrom os.path import *")]


def write_notebook(folder: Path, name: str, cells: list[Any]) -> Path:
    path = folder / f"{name}.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    kernel = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nbf.new_notebook(cells=cells, metadata={"kernelspec": kernel}), path)
    return path
