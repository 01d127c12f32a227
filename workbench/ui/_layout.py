"""What every dashboard page shares: the navigation, the template, query arguments and the
live refresh that re-reads the store only when it changed."""

from __future__ import annotations

import functools
import html
from collections.abc import Callable
from typing import Any

import panel as pn
import param

from workbench.tracking.queries import store_revision

# (path, label): the order of the navigation, and every page's own URL.
PAGES: tuple[tuple[str, str], ...] = (
    ("/", "Home"),
    ("/runs", "Runs"),
    ("/compare", "Compare"),
    ("/studies", "Studies"),
    ("/drift", "Drift"),
    ("/models", "Models"),
    ("/pipelines", "Pipelines"),
)
REFRESH_MS = 2000  # how often a page checks whether the store changed
ACCENT = "#2f6f8f"


def query_arg(name: str, default: str = "") -> str:
    """A query-string argument of the page's URL (``/run?id=...``), decoded."""
    values = (pn.state.session_args or {}).get(name)
    if not values:
        return default
    value = values[0]
    return value.decode() if isinstance(value, bytes) else str(value)


def link(href: str, text: str, css_class: str = "") -> str:
    """An HTML link; ``text`` is escaped."""
    attribute = f' class="{css_class}"' if css_class else ""
    return f'<a href="{html.escape(href, quote=True)}"{attribute}>{html.escape(text)}</a>'


def run_link(run_id: str, name: str | None = None) -> str:
    return link(f"/run?id={run_id}", name or run_id[:8], "wb-run-link")


def _navigation(active: str) -> pn.pane.HTML:
    items = []
    for path, label in PAGES:
        current = ' aria-current="page" class="wb-nav-active"' if path == active else ""
        items.append(f'<li><a href="{path}"{current}>{label}</a></li>')
    return pn.pane.HTML(
        f'<nav class="wb-nav"><ul>{"".join(items)}</ul></nav>',
        stylesheets=[
            ".wb-nav ul{list-style:none;padding:0;margin:0}"
            ".wb-nav li a{display:block;padding:6px 10px;text-decoration:none;color:inherit;"
            "border-radius:4px}.wb-nav li a.wb-nav-active{background:#2f6f8f22;font-weight:600}"
        ],
    )


def empty_state(title: str, explanation: str, code: str | None = None) -> pn.pane.Markdown:
    """What a page shows before its data exists: what it is for and the one step to take."""
    text = f"### {title}\n\n{explanation}"
    if code:
        text += f"\n\n```python\n{code}\n```"
    return pn.pane.Markdown(text, css_classes=["wb-empty"], sizing_mode="stretch_width")


class ErrorBox(pn.pane.Alert):
    """An inline error message (e.g. a filter that does not parse, with its caret)."""

    # Replaces Panel's ``show()`` (open in a new server), which an alert never needs.
    def show(self, message: str) -> None:  # type: ignore[override]
        self.object = f'<pre class="wb-error-text">{html.escape(message)}</pre>'
        self.visible = True

    def clear(self) -> None:
        self.visible = False


def error_box(message: str = "") -> ErrorBox:
    box = ErrorBox("", alert_type="danger", visible=False, css_classes=["wb-error"])
    if message:
        box.show(message)
    return box


def page(title: str, active: str, *objects: Any) -> pn.template.BaseTemplate:
    """A page of the app: the template with the navigation and ``objects`` as main area."""
    template = pn.template.BootstrapTemplate(
        title=f"workbench · {title}",
        sidebar=[_navigation(active)],
        main=[pn.Column(*objects, sizing_mode="stretch_width")],
        header_background=ACCENT,
        sidebar_width=200,
    )
    return template


def _held(method: Callable[[Any], None]) -> Callable[[Any], None]:
    @functools.wraps(method)
    def refresh(self: Any) -> None:
        with pn.io.hold():
            method(self)

    refresh._held = True  # type: ignore[attr-defined]
    return refresh


class LiveView(pn.viewable.Viewer):
    """A view that re-reads its data when the store changed (a cheap check every 2 s).

    Subclasses implement :meth:`refresh`; it is called once at creation and again whenever
    :func:`store_revision` differs from the last one seen.
    """

    live = param.Boolean(default=True, doc="Refresh when the store changes.")

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # Every page's refresh sends its changes to the browser as one patch. Sent one by one,
        # a Tabulator whose columns change (a re-render, 20 ms later) and then gets its rows
        # can build itself from the old rows and drop the new ones: the count said "4 runs"
        # over a table still showing 20 (Panel's TabulatorView ignores data while building).
        super().__init_subclass__(**kwargs)
        own = cls.__dict__.get("refresh")
        if own is not None and not getattr(own, "_held", False):
            cls.refresh = _held(own)  # type: ignore[method-assign,assignment]

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        self._revision: tuple[Any, ...] | None = None
        self._callback: Any = None

    def refresh(self) -> None:  # pragma: no cover - every page overrides it
        raise NotImplementedError

    def start_live_updates(self, period: int = REFRESH_MS) -> None:
        """Poll the store from this session (call it once the page is served)."""
        self._revision = self.revision()
        if self.live and pn.state.curdoc is not None and self._callback is None:
            self._callback = pn.state.add_periodic_callback(self._check, period=period)

    def revision(self) -> tuple[Any, ...]:
        """What, when it changes, makes the page re-read its data (the store's revision;
        a page showing files as well adds theirs)."""
        return store_revision()

    def _check(self) -> None:
        revision = self.revision()
        if revision != self._revision:
            self._revision = revision
            self.refresh()


class RenderedView(LiveView):
    """A live view whose whole body is rebuilt by :meth:`render`; a lookup error (an unknown
    run id in the URL, ...) shows as a message in place of the body."""

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        self._body = pn.Column(sizing_mode="stretch_width")
        self.refresh()

    def render(self) -> list[Any]:  # pragma: no cover - every page overrides it
        raise NotImplementedError

    def refresh(self) -> None:
        try:
            self._body.objects = self.render()
        except (LookupError, ValueError) as error:
            self._body.objects = [error_box(str(error))]

    def __panel__(self) -> pn.viewable.Viewable:
        return self._body


def data_table(frame: Any, css_class: str, **options: Any) -> pn.widgets.Tabulator:
    """A read-only table (Tabulator) stretched to the page, with a class for tests."""
    settings: dict[str, Any] = {
        "disabled": True, "show_index": False, "sizing_mode": "stretch_width",
        "css_classes": [css_class],
    }  # fmt: skip
    settings.update(options)
    return pn.widgets.Tabulator(frame, **settings)
