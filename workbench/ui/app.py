"""The dashboard app: one page per URL, served by Panel.

``/`` home (the guided level 0 → 1 checklist), ``/runs``, ``/compare?runs=ID,ID``,
``/run?id=ID``, ``/studies``, ``/drift``, ``/models``, ``/pipelines``. Each page is a module
of :mod:`workbench.ui.pages` with a ``view()`` function; pages read data only through the
services (``workbench.tracking``, ``workbench.models``, ``workbench.tuning``,
``workbench.drift``).
"""

from __future__ import annotations

import importlib
import secrets
import socket
from collections.abc import Callable
from typing import Any

import panel as pn

from workbench._network import is_loopback
from workbench._notebook import EXTENSIONS

ROUTES: dict[str, str] = {
    "/": "home",
    "/runs": "runs",
    "/compare": "compare",
    "/run": "run",
    "/studies": "studies",
    "/drift": "drift",
    "/models": "models",
    "/pipelines": "pipelines",
}
PLOTTING_PAGES = {"run", "studies", "drift"}  # they need HoloViews' backend


class RemoteAccessError(ValueError):
    """Binding the dashboard beyond loopback without ``--allow-remote``."""


def plotting_backend() -> None:
    """Load HoloViews' Bokeh backend once (pages render HoloViews plots)."""
    import holoviews as hv

    if "bokeh" not in hv.Store.renderers:
        hv.extension("bokeh", logo=False)
        # Plots here hold at most a few thousand points (histories are downsampled): the
        # 2D canvas draws them at once, where WebGL first has to start (slow without a GPU).
        hv.renderer("bokeh").webgl = False


def skip_mathjax() -> None:
    """Serve pages without Bokeh's MathJax bundle (1.8 MB of JavaScript to fetch and parse).

    Panel 1.9 adds it to every page holding an HTML or Markdown pane (all of ours), in case
    the text holds TeX; no page here renders TeX, and without the bundle a ``$$`` in a run
    name shows as typed. Bokeh still adds the bundle to a page whose plots use TeX.
    """
    from panel.io import resources

    # Panel has no setting for this: its check is a module function, replaced here.
    if hasattr(resources, "_panel_use_mathjax"):
        resources._panel_use_mathjax = lambda roots: False


def _page(module: str) -> Callable[[], Any]:
    def view() -> Any:
        if module in PLOTTING_PAGES:
            plotting_backend()
        return importlib.import_module(f"workbench.ui.pages.{module}").view()

    view.__name__ = f"{module}_page"
    return view


def routes() -> dict[str, Callable[[], Any]]:
    return {path: _page(module) for path, module in ROUTES.items()}


def _origins(address: str, port: int) -> list[str]:
    if is_loopback(address):
        return [f"127.0.0.1:{port}", f"localhost:{port}", f"{address}:{port}"]
    return [f"{address}:{port}", f"{socket.gethostname()}:{port}", f"localhost:{port}"]


def serve(
    port: int = 5006,
    address: str = "127.0.0.1",
    show: bool = False,
    allow_remote: bool = False,
    start: bool = True,
) -> Any:
    """Serve the dashboard at http://address:port/ (blocks until interrupted).

    Loopback only unless ``allow_remote=True``; then the app asks for an access token,
    generated here and printed once (Panel's basic-auth login with a signed cookie).
    """
    auth: dict[str, Any] = {}
    if not is_loopback(address):
        if not allow_remote:
            raise RemoteAccessError(
                f"Refusing to serve the dashboard on {address}: it would be reachable from "
                "other machines. Use the default 127.0.0.1, or pass --allow-remote to serve "
                "it with a generated access token."
            )
        token = secrets.token_urlsafe(24)
        auth = {"basic_auth": token, "cookie_secret": secrets.token_hex(32)}
        print(f"Access token (shown once; enter it on the login page): {token}", flush=True)
    # Bokeh's and Panel's JavaScript come from this server's /static routes (cached by the
    # browser), never from a CDN; in a notebook the Jupyter server serves them (dashboard()).
    pn.extension(*EXTENSIONS)
    skip_mathjax()
    return pn.serve(
        routes(),
        port=port,
        address=address,
        show=show,
        start=start,
        title="workbench",
        websocket_origin=_origins(address, port),
        **auth,
    )


def dashboard(page: str = "home") -> Any:
    """One page of the dashboard rendered in a notebook cell (``wb.ui.dashboard()``)."""
    from panel.template.base import BasicTemplate

    from workbench.ui import _notebook_output

    if page not in ROUTES.values():
        raise ValueError(f"Unknown page {page!r}; pages: {', '.join(ROUTES.values())}.")
    _notebook_output(page)  # JavaScript from the Jupyter server, HoloViews' included: no CDN
    view = importlib.import_module(f"workbench.ui.pages.{page}").view()
    if isinstance(view, BasicTemplate):
        # The page without the app's template: a template in a cell is a whole HTML page
        # whose stylesheets come from a CDN, and its navigation links lead nowhere here.
        return pn.Column(*(view.main or ()), sizing_mode="stretch_width")
    return view
