"""Plots and dashboard views in a Jupyter notebook: offline, and a saved notebook stays small.

``report.plot()``, a study's plots and the ``wb.ui`` views are Panel/HoloViews objects; a
notebook renders them once an output of Panel's has loaded Bokeh's and Panel's JavaScript
(``pn.extension()``, ``hv.extension("bokeh")``). Panel's loader names cdn.holoviz.org and
cdn.bokeh.org (blank without network), or with ``inline=True`` holds the 3.5 MB of
JavaScript itself, again at every call, so a few views make a notebook of megabytes.

In a Jupyter kernel workbench makes every such loader, whoever publishes it (a view, the
user's own ``hv.extension``/``pn.extension`` in any order), load the same files from the
Jupyter server instead: Panel's server extension, enabled when Panel is installed, serves
them under ``<base_url>panel-preview/static/``. The loader is a few kilobytes naming those
paths; the browser resolves them against the page's base URL (JupyterLab's and Notebook 7's
page config, the classic notebook's ``data-base-url``; so behind JupyterHub too) and fetches
each file once per page. A saved notebook keeps the loaders and each view's Bokeh document:
opened again (trusted, as JupyterLab saves it), the loaders run and the views render without
the kernel. :func:`serve_notebook_resources` (called by ``import workbench``) rewrites the
loaders as the kernel sends them (an IPython display-publisher hook); Panel's own stylesheet
links to its CDN become inline styles, one copy of each file per output; and Panel's outputs
wait longer than its 5 s for Bokeh, as opening a notebook runs all of them at once.

A loader the kernel sent before ``import workbench`` names the CDN still: its cell shows
whether the browser reached it, the views after it load from the Jupyter server anyway.
Where no Jupyter server serves the page (VS Code, Colab) loaders stay Panel's and the views
bring Bokeh inline, once per kernel. Outside a kernel (scripts, the dashboard server)
nothing here runs.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from typing import Any

# Panel extensions every view needs (the runs and models tables are Tabulator widgets): the
# dashboard loads them, and so does a notebook showing one of its views.
EXTENSIONS = ("tabulator",)

LOAD_MIME = "application/vnd.holoviews_load.v0+json"  # Panel's loader output
JS_MIME = "application/javascript"
# Where Panel's server extension serves Bokeh's and Panel's static files, under the base URL.
SERVED_PREFIX = "panel-preview/"
# How long a loader waits for another one to finish, and a view for Bokeh (Panel: 5 s each).
# Opening a saved notebook runs every output at once: a busy browser takes longer than 5 s.
LOADER_TIMEOUT_MS = 20_000
VIEW_PATIENCE_MS = 60_000
_VIEW_POLL_MS = 25  # how often Panel's view output looks for Bokeh
# A loader that fetches code or styles from another host (Panel's CDN mode).
_CDN_LOADER = re.compile(r"const (?:js_urls|css_urls|js_modules) = \[[^\]]*\"(?:https?:)?//")
_SERVED_MARK = "@workbench-served@"  # stands for the served prefix until the browser knows it
# The page's base URL, then Panel's loader with the served files' addresses resolved.
_LOADER_PRELUDE = """(function() {
  const config = document.getElementById("jupyter-config-data");
  let base = (document.body && document.body.dataset.baseUrl) || "/";
  try {
    base = (config && JSON.parse(config.textContent).baseUrl) || base;
  } catch (error) {}
  // Absolute, as a script's src reads: a file already on the page is not fetched again.
  const served = new URL(base.replace(/\\/?$/, "/") + "PREFIX", document.baseURI).href;
""".replace("PREFIX", SERVED_PREFIX)

_loaded: set[str] = set()  # what this kernel has set up ("hook", "panel", "holoviews", ...)


def _kernel_shell() -> Any:
    """The IPython shell of the Jupyter kernel this code runs in, else None."""
    ipython = sys.modules.get("IPython")  # never imported here: a script has none
    if ipython is None:
        return None
    shell = ipython.get_ipython()
    return shell if shell is not None and getattr(shell, "kernel", None) is not None else None


def in_notebook() -> bool:
    """Whether this code runs in a Jupyter kernel (an IPython shell with a kernel)."""
    return _kernel_shell() is not None


def served_by_jupyter() -> bool:
    """Whether the notebook's page comes from a Jupyter server (JupyterLab, Notebook,
    JupyterHub), which serves Panel's files; VS Code and Colab run kernels without one."""
    front_ends = ("VSCODE_PID" in os.environ, "VSCODE_CWD" in os.environ)
    return not any(front_ends) and "google.colab" not in sys.modules


def serve_notebook_resources() -> None:
    """In a Jupyter kernel, make every Panel loader this kernel sends from now on load Bokeh's
    and Panel's files from the Jupyter server (see the module docstring). Cheap: imports
    nothing until a loader is sent; does nothing outside a kernel or twice."""
    shell = _kernel_shell()
    if shell is None or "hook" in _loaded or not served_by_jupyter():
        return
    register = getattr(shell.display_pub, "register_hook", None)  # ipykernel's publisher
    if register is None:
        return
    register(_serve_loader_from_jupyter)
    _loaded.add("hook")


def _serve_loader_from_jupyter(message: dict[str, Any]) -> dict[str, Any]:
    """A display-publisher hook: a Panel loader naming a CDN leaves as one naming the files
    the Jupyter server serves; every other message leaves as it came."""
    if message.get("header", {}).get("msg_type") != "display_data":
        return message
    data = message.get("content", {}).get("data", {})
    loader = data.get(LOAD_MIME)
    if not isinstance(loader, str) or not _CDN_LOADER.search(loader):
        return message
    try:
        served = served_loader()
        prepare_panel_outputs()
    except Exception:  # a Panel whose internals moved: its own loader is better than none
        return message
    data[LOAD_MIME] = served
    if JS_MIME in data:
        data[JS_MIME] = served
    return message


def served_loader() -> str:
    """Panel's notebook loader (Bokeh, Panel and the extensions this kernel has loaded) with
    every file taken from the Jupyter server."""
    from bokeh.resources import Resources as BokehResources
    from panel.io.notebook import _autoload_js, require_components
    from panel.io.resources import Bundle, Resources, bundle_resources, set_resource_mode

    with set_resource_mode("server"):
        resources = Resources.from_bokeh(BokehResources(mode="server"), notebook=True)
        # Every file, Bokeh's too after a first load: a page whose earlier loader failed
        # (a CDN out of reach) gets them here; one already on the page is not fetched again.
        bundle = bundle_resources(None, resources, notebook=True)
        configs, requirements, exports, skip_imports = require_components()
    js_files = [_served_path(url) for url in bundle.js_files]
    served = Bundle(
        notebook=True,
        js_files=js_files,
        js_raw=bundle.js_raw,
        css_files=[_served_path(url) for url in bundle.css_files],
        css_raw=bundle.css_raw,
        hashes=bundle.hashes,
        js_modules=[_served_path(url) for url in bundle.js_modules],
        js_module_exports={
            name: _served_path(url) for name, url in bundle.js_module_exports.items()
        },
    )
    loader = _autoload_js(
        load_timeout=LOADER_TIMEOUT_MS,
        bundle=served,
        configs=[_served_require_config(config, js_files) for config in configs],
        requirements=requirements,
        exports=exports,
        skip_imports={
            name: [_served_path(url) for url in urls] for name, urls in skip_imports.items()
        },
        ipywidget="ipywidgets_bokeh" in sys.modules,
        # Leave a Bokeh already on the page in place: opening a saved notebook runs all its
        # loaders at once, and Panel's first-load mode would unset the Bokeh another one of
        # them has just loaded (the views then stay blank).
        reloading=True,
    )
    for quote in "\"'":
        loader = loader.replace(quote + _SERVED_MARK, f"served + {quote}")
    return f"{_LOADER_PRELUDE}{loader}\n}})();\n"


def _served_path(url: Any) -> str:
    """A file of Panel's server mode (``static/js/bokeh.min.js``) as a path under the served
    prefix; an address on another host stays as it is (a third-party extension's)."""
    text = str(url)
    if re.match(r"(?:[a-z]+:)?/", text):
        return text
    return _SERVED_MARK + text


def _served_require_config(config: dict[str, Any], served: list[str]) -> dict[str, Any]:
    """A RequireJS configuration (the classic notebook loads Panel's extensions with it) whose
    CDN modules (``https://cdn.jsdelivr.net/npm/<package>/<file>``, no ``.js``) are the
    served copies Panel bundles (``.../bundled/<model>/<package>/<file>.js``)."""
    paths = {}
    for name, url in config.get("paths", {}).items():
        package_file = str(url).split("/npm/", 1)[-1] + ".js"
        copies = [path for path in served if path.split("?")[0].endswith("/" + package_file)]
        paths[name] = copies[0].split("?")[0].removesuffix(".js") if copies else url
    return {**config, "paths": paths} if "paths" in config else config


def load_panel() -> None:
    """Panel with the views' extensions, once per kernel; in a notebook, its loader loads
    Bokeh and Panel from the Jupyter server (inline where there is none)."""
    if "panel" in _loaded:
        return
    import panel as pn

    if not in_notebook():
        pn.extension(*EXTENSIONS)  # registers the views' models; nothing to display
    elif served_by_jupyter():
        serve_notebook_resources()
        prepare_panel_outputs()
        pn.extension(*EXTENSIONS)  # a CDN loader, rewritten as it leaves the kernel
    else:
        prepare_panel_outputs()
        pn.extension(*EXTENSIONS, inline=True)
    _loaded.add("panel")


def load_plotting() -> None:
    """HoloViews' Bokeh backend in this kernel's notebook, once per kernel (a view's plots,
    ``report.plot()``, a study's plots); outside a kernel nothing."""
    if "holoviews" in _loaded or not in_notebook():
        return
    import holoviews as hv

    load_panel()
    hv.extension.inline = not served_by_jupyter()
    hv.extension("bokeh", logo=False)
    # Plots here hold at most a few thousand points: the 2D canvas draws them at once,
    # where WebGL first has to start (slow without a GPU).
    hv.renderer("bokeh").webgl = False
    _loaded.add("holoviews")


def _inline_stylesheets(viewable: Any, root: Any) -> None:
    """Panel's stylesheets linked from its CDN become inline, from Panel's installed files;
    models sharing a file share one inline sheet, so an output holds each file once."""
    from bokeh.models import ImportedStyleSheet
    from bokeh.models.ui import UIElement
    from panel.io.notebook import replace_inline_css

    shared: dict[str, Any] = {}
    for model in root.select({"type": UIElement}):
        sheets = []
        for sheet in model.stylesheets:
            if isinstance(sheet, ImportedStyleSheet):
                if sheet.url not in shared:
                    shared[sheet.url] = replace_inline_css(sheet)
                sheet = shared[sheet.url]
            sheets.append(sheet)
        if sheets != model.stylesheets:
            model.stylesheets = sheets


def _inline_panel_stylesheets() -> None:
    """Inline Panel's CDN stylesheets in every model Panel prepares in this kernel (Panel
    inlines them only in its inline mode, and HoloViews' plots not even then). Uses Panel's
    preprocessing hooks; on a Panel without them the views render with those few styles
    fetched from the CDN."""
    try:
        from panel.io.notebook import replace_inline_css  # noqa: F401
        from panel.viewable import Viewable
    except ImportError:
        return
    hooks = getattr(Viewable, "_preprocessing_hooks", None)
    if isinstance(hooks, list) and _inline_stylesheets not in hooks:
        hooks.append(_inline_stylesheets)


def prepare_panel_outputs() -> None:
    """Panel's outputs in this kernel, from now on: their stylesheets inline (no CDN), and
    each view waits up to :data:`VIEW_PATIENCE_MS` for Bokeh before giving up."""
    _inline_panel_stylesheets()
    _patient_views()


def _patient_views() -> None:
    """Panel renders each view's output with its ``doc_nb_js.js`` template, which gives up
    (and the view stays blank) after 200 looks for Bokeh; make it look for a minute. A Panel
    whose template reads otherwise is left as it is."""
    from panel.io import notebook

    template = notebook.DOC_NB_JS
    if template.filename is None or "patient" in _loaded:
        return
    source = Path(template.filename).read_text(encoding="utf-8")
    if "attempts > 200" not in source:
        return
    looks = VIEW_PATIENCE_MS // _VIEW_POLL_MS
    notebook.DOC_NB_JS = notebook._env.from_string(
        source.replace("attempts > 200", f"attempts > {looks}")
    )
    _loaded.add("patient")
