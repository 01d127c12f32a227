"""JupyterLab integration: the server extension behind the ``workbench-lab`` extension.

The REST handlers live under ``/workbench/api/`` (:mod:`workbench.jupyter.handlers`); the
TypeScript extension is built into ``workbench/labextension/`` and installed as
``share/jupyter/labextensions/workbench-lab/``. JupyterLab enables the server extension
through ``etc/jupyter/jupyter_server_config.d/workbench.json``; by hand::

    jupyter server extension enable workbench.jupyter

Nothing here imports ``jupyter_server`` until the server loads the extension.
"""

from __future__ import annotations

from typing import Any

LABEXTENSION_NAME = "workbench-lab"


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    return [{"module": "workbench.jupyter"}]


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    # Relative to the ``workbench`` package: ``workbench/__init__.py`` re-exports this function
    # for ``jupyter labextension develop .``, which resolves ``src`` next to that module.
    return [{"src": "labextension", "dest": LABEXTENSION_NAME}]


def _load_jupyter_server_extension(serverapp: Any) -> None:
    from workbench.jupyter.handlers import setup_handlers

    setup_handlers(serverapp)
