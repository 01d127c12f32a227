"""``/pipelines``: the pipeline packages exported from notebooks into the project's
``pipelines/`` folder — name, version, fingerprint and when each was exported."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import panel as pn

from workbench.ui._layout import LiveView, data_table, empty_state, page

PIPELINES_DIR = "pipelines"
MANIFEST = "manifest.json"
COLUMNS = ["name", "version", "fingerprint", "exported_at", "folder", "note"]
SHORT_HASH = 12


def pipelines_folder() -> Path:
    """The project's ``pipelines/`` folder (it may not exist yet)."""
    # The one page reading the project folder itself: the export service of issue #6
    # (workbench.pipelines) does not exist yet and will replace this function.
    from workbench.store.location import project_home

    return project_home() / PIPELINES_DIR


@dataclass(frozen=True)
class PipelinePackage:
    """What a package's ``manifest.json`` says about it; missing keys stay empty."""

    name: str
    version: str
    fingerprint: str
    exported_at: str
    folder: str
    note: str = ""


def _manifest_path(package: Path) -> Path | None:
    """``<package>/manifest.json``, else the one inside ``src/<pkg>/`` (the package layout)."""
    direct = package / MANIFEST
    if direct.is_file():
        return direct
    nested = sorted(package.glob(f"src/*/{MANIFEST}"))
    return nested[0] if nested else None


def read_package(package: Path, root: Path) -> PipelinePackage | None:
    """The package in folder ``package`` (``None`` when it holds no manifest)."""
    manifest = _manifest_path(package)
    if manifest is None:
        return None
    folder = f"{PIPELINES_DIR}/{package.relative_to(root).as_posix()}"
    try:
        data: Any = json.loads(manifest.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
    except (OSError, ValueError) as error:
        return PipelinePackage(package.name, "", "", "", folder, f"unreadable {MANIFEST}: {error}")

    def text(*keys: str) -> str:
        return next((str(data[k]) for k in keys if data.get(k) not in (None, "")), "")

    return PipelinePackage(
        name=text("name", "package_name") or package.name,
        version=text("version", "package_version"),
        fingerprint=text("fingerprint", "content_fingerprint")[:SHORT_HASH],
        exported_at=text("exported_at"),
        folder=folder,
    )


def list_packages(root: Path | None = None) -> list[PipelinePackage]:
    """Every subfolder of ``pipelines/`` holding a manifest, by name."""
    root = root or pipelines_folder()
    if not root.is_dir():
        return []
    found = (read_package(p, root) for p in sorted(root.iterdir()) if p.is_dir())
    return [package for package in found if package is not None]


class PipelinesView(LiveView):
    """The exported pipeline packages, re-read on demand and when the store changes."""

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        self._empty = empty_state(
            "No exported pipeline yet",
            "Exporting a notebook turns it into an installable, versioned pipeline package that "
            "reproduces its results and can retrain itself. Use *Export as pipeline* in "
            "JupyterLab, or run this in a terminal; the package lands in "
            f"`{PIPELINES_DIR}/<name>/`, versioned:",
            "workbench export notebook.ipynb",
        )
        self._table = data_table(
            pd.DataFrame(columns=COLUMNS),
            "wb-pipelines-table",
        )
        self._count = pn.pane.HTML("")
        self._reload = pn.widgets.Button(label="Reload", css_classes=["wb-pipelines-reload"])
        self._reload.on_click(lambda *_: self.refresh())
        self._listing = pn.Column(self._table, sizing_mode="stretch_width")
        self.refresh()

    def refresh(self) -> None:
        packages = list_packages()
        self._empty.visible = not packages
        self._listing.visible = bool(packages)
        rows = [vars(p) for p in packages]
        self._table.value = pd.DataFrame(rows, columns=COLUMNS)
        self._count.object = f'<b class="wb-pipeline-count">{len(packages)} pipeline(s)</b>'

    def __panel__(self) -> pn.viewable.Viewable:
        return pn.Column(
            pn.pane.Markdown("## Pipelines"),
            pn.Row(self._count, self._reload),
            self._empty,
            self._listing,
            sizing_mode="stretch_width",
        )


def view() -> pn.template.BaseTemplate:
    pipelines = PipelinesView()
    pipelines.start_live_updates()
    return page("Pipelines", "/pipelines", pipelines)
