"""The dashboard: for now one page, the runs of the project with a filter box.

The full multi-page app (home checklist, compare, studies, drift, models, pipelines)
grows here; every page reads data only through ``workbench.tracking``.
"""

from __future__ import annotations

from typing import Any

import panel as pn
import param

import workbench as wb
from workbench.store.filter_parser import FilterError


class RunsPage(pn.viewable.Viewer):
    """The runs table: filter with MLflow syntax, newest first."""

    filter = param.String(default="", doc="MLflow-style filter, e.g. metrics.auc > 0.9")
    max_results = param.Integer(default=500, bounds=(1, 100_000))

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        self._error = pn.pane.Alert("", alert_type="danger", visible=False)
        self._table = pn.widgets.Tabulator(
            self._frame(),
            pagination="remote",
            page_size=25,
            disabled=True,
            sizing_mode="stretch_width",
        )
        self._input = pn.widgets.TextInput.from_param(
            self.param.filter,
            placeholder="metrics.auc > 0.9 and params.model = 'lgbm'",
            name="Filter",
        )

    def _frame(self) -> Any:
        frame = wb.runs(filter=self.filter or None, max_results=self.max_results)
        return frame.drop(columns=["source", "git_dirty"], errors="ignore")

    @param.depends("filter", "max_results", watch=True)
    def _refresh(self) -> None:
        try:
            self._table.value = self._frame()
            self._error.visible = False
        except (FilterError, ValueError) as error:
            self._error.object = f"<pre>{error}</pre>"
            self._error.visible = True

    def __panel__(self) -> pn.viewable.Viewable:
        return pn.Column(
            "## Runs", self._input, self._error, self._table, sizing_mode="stretch_width"
        )


def create_app() -> pn.template.BaseTemplate:
    template = pn.template.FastListTemplate(title="workbench", main=[RunsPage()])
    return template


def serve(port: int = 5006, address: str = "127.0.0.1", show: bool = False) -> None:
    """Serve the dashboard at http://address:port/ (blocks until interrupted)."""
    pn.extension("tabulator", inline=True)
    pn.serve(
        {"/": create_app}, port=port, address=address, show=show, title="workbench",
        websocket_origin=[f"{address}:{port}", f"localhost:{port}"],
    )  # fmt: skip
