"""The Panel dashboard and its views as notebook outputs (imports panel only when used).

>>> import workbench as wb
>>> wb.ui.dashboard()  # doctest: +SKIP  (the home page, in a notebook cell)
>>> wb.ui.runs_table(experiment="churn", filter="metrics.auc > 0.9")  # doctest: +SKIP
>>> wb.ui.compare(run_id_1, run_id_2)  # doctest: +SKIP

In a notebook the views render as cell outputs, with Bokeh's and Panel's JavaScript loaded
from the Jupyter server once per notebook (never a CDN, never inline in the outputs; see
:mod:`workbench._notebook`), after the user's own ``hv.extension``/``pn.extension`` too.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def dashboard(page: str = "home") -> Any:
    """A page of the dashboard (``home``, ``runs``, ``studies``, ``drift``, ``models``,
    ``pipelines``) rendered in a notebook cell; ``workbench ui`` serves all of them."""
    from workbench.ui.app import dashboard as render

    return render(page)


def _notebook_output(page: str) -> None:
    """Load the views' JavaScript into the notebook (from the Jupyter server), once per
    kernel."""
    from workbench._notebook import load_panel, load_plotting
    from workbench.ui.app import PLOTTING_PAGES, plotting_backend

    load_panel()
    if page in PLOTTING_PAGES:
        load_plotting()  # HoloViews' notebook extension, its loader served by Jupyter too
        plotting_backend()


def runs_table(
    experiment: str | None = None,
    filter: str | None = None,
    *,
    columns: Sequence[str] | None = None,
    order_by: Sequence[str] | None = None,
    page_size: int = 25,
) -> Any:
    """The dashboard's runs table in a notebook cell: filter, columns, sorting and paging
    done in the store; ``.selected_run_ids()`` gives the rows ticked in it.

    Args:
        experiment: the experiment to show; None: all of them.
        filter: an MLflow-style filter, e.g. ``"metrics.auc > 0.9 and params.lr < 0.1"``
            (a filter that does not parse shows its error above the table).
        columns: ``metrics.*``/``params.*``/``tags.*`` columns; None: the first few.
        order_by: e.g. ``["metrics.auc DESC"]``.
        page_size: rows per page.

    >>> import workbench as wb
    >>> table = wb.ui.runs_table("churn", filter="metrics.auc > 0.9")  # doctest: +SKIP
    >>> table  # doctest: +SKIP  (as the cell's last line: renders the table)
    """
    from workbench.tracking.queries import experiments

    known = experiments()
    if experiment is not None and experiment not in known:
        raise ValueError(
            f"Unknown experiment {experiment!r}; experiments: {', '.join(known) or 'none yet'}."
        )
    _notebook_output("runs")
    from workbench.ui.pages.runs import ALL, RunsView

    return RunsView(
        experiment=experiment or ALL,
        filter=filter or "",
        columns=list(columns or []),
        order_by=list(order_by or []),
        page_size=page_size,
    )


def compare(*run_ids: str | Sequence[str]) -> Any:
    """The dashboard's compare view in a notebook cell: params and attributes side by side
    with the differences highlighted, metric histories overlaid, artifacts. Runs are given
    as ids or lists of ids, as to :func:`workbench.compare_runs`.

    >>> import workbench as wb
    >>> wb.ui.compare(run_id_1, run_id_2)  # doctest: +SKIP
    >>> wb.ui.compare([run_id_1, run_id_2])  # doctest: +SKIP  (the same)
    """
    from workbench.tracking.queries import run_id_list

    ids = run_id_list(run_ids, "wb.ui.compare")
    _notebook_output("compare")
    from workbench.ui.pages.compare import CompareView

    return CompareView(run_ids=ids)
