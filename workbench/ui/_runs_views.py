"""The runs page's view as a query string, and the last view per experiment kept in the project.

A view is the experiment, filter, columns, sort, page, grouping, band metric, nesting toggle
and the runs selected for comparison: ``/runs?experiment=churn&filter=metrics.auc+>+0.9&
columns=metrics.auc&sort=metrics.auc+DESC&group=params.model&selected=ID,ID``. Columns and
sort keys repeat (a key may hold a comma); values at their default are left out.

The last view of each experiment is kept server-side in ``.workbench/ui/runs-views.json``, per
dashboard user: every tab of a browser, and every browser, reopens ``/runs`` where the user
left it (the last change wins).
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode

from workbench._project import data_dir, user

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


class SavedViews:
    """The last view per experiment of one dashboard user, in the project's ``.workbench/``."""

    def __init__(self, who: str | None = None, path: Path | None = None) -> None:
        self.who = who or user()
        self.path = path or saved_views_path()

    def _read(self) -> dict[str, Any]:
        try:
            found = json.loads(self.path.read_text())
        except (OSError, ValueError):
            return {}
        return found if isinstance(found, dict) else {}

    def _mine(self) -> dict[str, Any]:
        mine = self._read().get(self.who)
        return mine if isinstance(mine, dict) else {}

    def last(self) -> str | None:
        """The query of the last view this user saw, whatever its experiment."""
        mine = self._mine()
        return self.of(str(mine.get("last", "")))

    def of(self, experiment: str) -> str | None:
        """The query of this user's last view of ``experiment`` (``All experiments`` too)."""
        views = self._mine().get("views")
        found = views.get(experiment) if isinstance(views, dict) else None
        return found if isinstance(found, str) else None

    def save(self, experiment: str, query: str) -> None:
        """Keep ``query`` as the last view of ``experiment``; a store that cannot be written
        (a read-only project) keeps nothing."""
        every = self._read()
        views: dict[str, Any] = {}
        found = self._mine().get("views")
        if isinstance(found, dict):
            views.update(found)
        views[experiment] = query
        every[self.who] = {"last": experiment, "views": views}
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # written whole then renamed: another tab reading it never sees half a file
            with tempfile.NamedTemporaryFile(
                "w", dir=self.path.parent, suffix=".tmp", delete=False
            ) as handle:
                json.dump(every, handle, indent=1, sort_keys=True)
            os.replace(handle.name, self.path)
        except OSError:
            return


def saved_views_path() -> Path:
    """Where the runs page keeps each user's last view per experiment."""
    return data_dir() / "ui" / "runs-views.json"
