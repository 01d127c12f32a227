"""The runs page's view as a query string, and the last view per experiment kept in the project.

A view is the experiment, filter, columns, sort, page, grouping, band metric, nesting toggle
and the runs selected for comparison: ``/runs?experiment=churn&filter=metrics.auc+>+0.9&
columns=metrics.auc&sort=metrics.auc+DESC&group=params.model&selected=ID,ID``. Columns and
sort keys repeat (a key may hold a comma); values at their default are left out.

The last view of each experiment is kept in the browser's ``localStorage`` (:class:`ViewMemory`):
every tab of a browser reopens ``/runs`` where that browser left it (the last change wins),
and a fresh browser opens the default view.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import parse_qs, urlencode

import param
from panel.custom import JSComponent

ALL = "All experiments"
# view field → query argument
ARGUMENTS = {
    "experiment": "experiment", "filter": "filter", "columns": "columns", "order_by": "sort",
    "page": "page", "group_by": "group", "band": "band", "children": "children",
    "selected": "selected",
}  # fmt: skip
REPEATED = ("columns", "order_by")


def to_query(view: Mapping[str, Any], default_columns: Sequence[str] = ()) -> str:
    """The query string (without ``?``) of a view; ``columns`` left out when they are the
    defaults."""
    pairs: list[tuple[str, str]] = []
    for field, argument in ARGUMENTS.items():
        value = view.get(field)
        if field == "columns" and list(value or []) == list(default_columns):
            continue
        if field in REPEATED:
            pairs += [(argument, str(item)) for item in value or []]
        elif field == "selected":
            if value:
                pairs.append((argument, ",".join(value)))
        elif field == "children":
            if value:
                pairs.append((argument, "1"))
        elif field == "page":
            if value and int(value) > 1:
                pairs.append((argument, str(value)))
        elif value and not (field == "experiment" and value == ALL):
            pairs.append((argument, str(value)))
    return urlencode(pairs)


def from_query(arguments: Mapping[str, Sequence[str | bytes]]) -> dict[str, Any]:
    """The view fields a query's arguments set (``pn.state.session_args`` or
    :func:`urllib.parse.parse_qs`); unknown arguments and bad numbers are ignored."""

    def texts(name: str) -> list[str]:
        return [v.decode() if isinstance(v, bytes) else str(v) for v in arguments.get(name, [])]

    view: dict[str, Any] = {}
    for field, argument in ARGUMENTS.items():
        values = texts(argument)
        if not values:
            continue
        if field in REPEATED:
            view[field] = [v for v in values if v]
        elif field == "selected":
            view[field] = [v for v in values[0].split(",") if v]
        elif field == "children":
            view[field] = values[0].lower() in ("1", "true", "yes")
        elif field == "page":
            if values[0].isdigit() and int(values[0]) >= 1:
                view[field] = int(values[0])
        else:
            view[field] = values[0]
    return view


def parse(query: str) -> dict[str, Any]:
    """:func:`from_query` of a query string."""
    return from_query(parse_qs(query.lstrip("?")))


def last_view(stored: str | None) -> str | None:
    """The query of the last view kept in ``stored`` (the browser's saved views), if any."""
    views = _views(stored)
    last = views.get("last")
    return view_of(stored, last) if isinstance(last, str) else None


def view_of(stored: str | None, experiment: str) -> str | None:
    """The query of the last view of ``experiment`` kept in ``stored``, if any."""
    found = _views(stored).get("views")
    query = found.get(experiment) if isinstance(found, dict) else None
    return query if isinstance(query, str) else None


def _views(stored: str | None) -> dict[str, Any]:
    try:
        views = json.loads(stored or "{}")
    except ValueError:
        return {}
    return views if isinstance(views, dict) else {}


class ViewMemory(JSComponent):
    """The last view per experiment, kept in the browser's ``localStorage``: every tab of that
    browser shares it, and another browser (another user) keeps its own.

    ``stored`` is what the browser holds (``{"last": experiment, "views": {experiment:
    query}}`` as JSON; None until the page has loaded); setting ``remember`` to
    ``{"experiment": ..., "query": ...}`` merges that view into it, so tabs never overwrite
    each other's experiments.
    """

    stored = param.String(default=None, allow_None=True)
    remember = param.String(default="")

    _esm = """
    const KEY = "workbench.runs.views"
    function read() {
      try {
        return JSON.parse(window.localStorage.getItem(KEY) || "{}") || {}
      } catch (e) {
        return {}
      }
    }
    export function render({ model }) {
      function keep() {
        let change = null
        try { change = JSON.parse(model.remember) } catch (e) { change = null }
        const views = read()
        if (change) {
          views.views = views.views || {}
          views.views[change.experiment] = change.query
          views.last = change.experiment
          try { window.localStorage.setItem(KEY, JSON.stringify(views)) } catch (e) { }
        }
        model.stored = JSON.stringify(views)
      }
      model.on("remember", keep)
      keep()  // a view set before the page rendered is kept too
    }
    """

    def __init__(self, **params: Any) -> None:
        super().__init__(**{"width": 0, "height": 0, "margin": 0, **params})

    def keep(self, experiment: str, query: str) -> None:
        """Keep ``query`` as the last view of ``experiment``."""
        self.remember = json.dumps({"experiment": experiment, "query": query})


class BackForward(JSComponent):
    """Tells the page when the browser's Back or Forward button moved to another of its
    URLs: each view change pushes a history entry (Panel's ``location``), and on ``popstate``
    ``on_pop`` is called with the query string the browser now shows (``?...`` or "")."""

    _esm = """
    export function render({ model }) {
      const popped = () => model.send_msg(window.location.search)
      window.addEventListener("popstate", popped)
      model.on("remove", () => window.removeEventListener("popstate", popped))
    }
    """

    def __init__(self, on_pop: Callable[[str], None], **params: Any) -> None:
        super().__init__(**{"width": 0, "height": 0, "margin": 0, **params})
        self._on_pop = on_pop

    def _handle_msg(self, data: Any) -> None:
        self._on_pop(str(data or ""))
