"""Plots in a Jupyter notebook: HoloViews' Bokeh front end, loaded once per kernel, inline.

``report.plot()``, a study's plots and the dashboard's views are HoloViews/Bokeh objects. In a
notebook they render only once HoloViews' notebook extension has sent Bokeh's JavaScript to
the front end; without it a cell shows ``:Layout ...`` text. :func:`load_plotting` does that
the first time a plot is made in a kernel, with the JavaScript inline (no CDN: the machine
may have no network), and does nothing outside a kernel (scripts, the dashboard server).
"""

from __future__ import annotations

import sys
from typing import Any

# Panel extensions every view needs (the runs and models tables are Tabulator widgets): the
# dashboard loads them, and so does a notebook showing one of its views.
EXTENSIONS = ("tabulator",)

_loaded: set[str] = set()  # what this kernel's front end has received


def in_notebook() -> bool:
    """Whether this code runs in a Jupyter kernel (an IPython shell with a kernel)."""
    ipython = sys.modules.get("IPython")
    if ipython is None:
        return False
    shell = ipython.get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def load_panel() -> None:
    """Panel's JavaScript (with the dashboard's extensions) into the notebook, inline, once
    per kernel: every load sends megabytes of it into the notebook again."""
    if "panel" in _loaded:
        return
    import panel as pn

    pn.extension(*EXTENSIONS, inline=True)
    _loaded.add("panel")


def load_plotting() -> None:
    """Load HoloViews' Bokeh backend into the notebook front end, inline, once per kernel."""
    if "holoviews" in _loaded or not in_notebook():
        return
    import holoviews as hv

    # HoloViews renders through Panel, whose stylesheets and loader come from a CDN unless
    # both are told to inline them.
    load_panel()
    hv.extension.inline = True
    hv.extension("bokeh", logo=False)
    # Plots here hold at most a few thousand points: the 2D canvas draws them at once,
    # where WebGL first has to start (slow without a GPU).
    hv.renderer("bokeh").webgl = False
    _inline_panel_stylesheets()
    _loaded.add("holoviews")


def _inline_stylesheets(viewable: Any, root: Any) -> None:
    from bokeh.models.ui import UIElement
    from panel.io.notebook import patch_inline_stylesheets

    for model in root.select({"type": UIElement}):
        patch_inline_stylesheets(model)


def _inline_panel_stylesheets() -> None:
    """HoloViews renders its plots through Panel without Panel's own inlining step, so their
    stylesheets would still name Panel's CDN: inline them (from Panel's installed files) in
    every model Panel prepares in this kernel. Uses Panel's preprocessing hooks; on a Panel
    without them the plots still render, with those few styles fetched from the CDN."""
    try:
        from panel.io.notebook import patch_inline_stylesheets  # noqa: F401
        from panel.viewable import Viewable
    except ImportError:
        return
    hooks = getattr(Viewable, "_preprocessing_hooks", None)
    if isinstance(hooks, list) and _inline_stylesheets not in hooks:
        hooks.append(_inline_stylesheets)
