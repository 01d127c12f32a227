"""REST handlers under ``/workbench/api/``, behind Jupyter's own authentication and XSRF check.

- ``POST /workbench/api/export`` ``{"path": "nb.ipynb", "verify": false}``: export the notebook
  as a pipeline package (without ``verify``: the exporter's default, ``VERIFY_BY_DEFAULT``;
  the toolbar button sends ``false`` to stay quick, "Export as pipeline and verify" ``true``);
  400 ``{message, cell, line}`` when the analysis refuses a cell.
- ``GET /workbench/api/runs?path=nb.ipynb``: the runs this notebook started, newest first.
- ``GET /workbench/api/dashboard``: is ``workbench ui`` running; ``POST`` starts it.

Paths are relative to the server's root folder; anything resolving outside it is refused.
One Jupyter server is one workbench project: the server sets ``WORKBENCH_HOME`` (unless set)
to the project holding its root folder, so its kernels track into the same store the sidebar
and the export read, whichever folder a notebook is in.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import tornado.web
from jupyter_server.base.handlers import APIHandler
from jupyter_server.utils import url_path_join
from tornado.ioloop import IOLoop

from workbench import _project
from workbench.jupyter._dashboard import Dashboard
from workbench.jupyter._export import analysis_error_to_json, export_to_json
from workbench.jupyter._paths import PathRefused, resolve_notebook
from workbench.jupyter._runs import notebook_runs

T = TypeVar("T")


class _Handler(APIHandler):
    @property
    def root(self) -> Path:
        return Path(self.settings["server_root_dir"]).expanduser().resolve()

    def reply(self, payload: dict[str, Any], status: int = 200) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(payload))

    def notebook(self, path: object) -> Path | None:
        """The notebook on disk, or None after answering with the refusal."""
        try:
            return resolve_notebook(self.root, path)
        except PathRefused as refused:
            self.log.warning("workbench: refused %r: %s", path, refused)
            self.reply({"message": str(refused)}, refused.status)
            return None

    async def in_thread(self, work: Callable[[], T]) -> T:
        """Run blocking work (SQL, the exporter) off the server's event loop."""
        return await IOLoop.current().run_in_executor(None, work)


class ExportHandler(_Handler):
    @tornado.web.authenticated
    async def post(self) -> None:
        from workbench.pipelines.analysis import AnalysisError

        body = self.get_json_body() or {}
        notebook = self.notebook(body.get("path"))
        if notebook is None:
            return
        verify = None if body.get("verify") is None else bool(body["verify"])
        try:
            result = await self.in_thread(lambda: export_to_json(notebook, self.root, verify))
        except AnalysisError as error:
            self.reply(analysis_error_to_json(error), 400)
        except (ValueError, OSError) as error:
            self.reply({"message": str(error), "cell": None, "line": None}, 400)
        else:
            self.reply(result)


class RunsHandler(_Handler):
    @tornado.web.authenticated
    async def get(self) -> None:
        notebook = self.notebook(self.get_query_argument("path", ""))
        if notebook is not None:
            self.reply(await self.in_thread(lambda: notebook_runs(notebook, self.root)))


class DashboardHandler(_Handler):
    @property
    def dashboard(self) -> Dashboard:
        dashboard: Dashboard = self.settings["workbench_dashboard"]
        return dashboard

    @tornado.web.authenticated
    async def get(self) -> None:
        self.reply(self.dashboard.status())

    @tornado.web.authenticated
    async def post(self) -> None:
        try:
            self.reply(await self.in_thread(self.dashboard.start))
        except RuntimeError as error:
            self.reply({"message": str(error), "running": False, "url": None}, 500)


def setup_handlers(serverapp: Any) -> None:
    """Register the handlers and decide the server's workbench project."""
    web_app = serverapp.web_app
    root = Path(web_app.settings["server_root_dir"]).expanduser().resolve()
    home = _project.project_home(start=root)
    os.environ.setdefault(_project.HOME_ENV, str(home))
    web_app.settings["workbench_dashboard"] = Dashboard(home)
    base = url_path_join(web_app.settings["base_url"], "workbench", "api")
    web_app.add_handlers(
        ".*$",
        [
            (url_path_join(base, "export"), ExportHandler),
            (url_path_join(base, "runs"), RunsHandler),
            (url_path_join(base, "dashboard"), DashboardHandler),
        ],
    )
    serverapp.log.info("workbench: %s ready; project %s", base, os.environ[_project.HOME_ENV])
