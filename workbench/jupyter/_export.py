"""The export endpoint's work: ``wb.export_notebook`` and its result as JSON."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from workbench.jupyter._paths import relative_to_root

# Two clicks on the same notebook must not write one package folder at the same time.
_export_lock = threading.Lock()


def export_to_json(notebook: Path, root: Path, verify: bool | None = None) -> dict[str, Any]:
    """Export ``notebook`` and describe the package; paths are relative to ``root`` when inside.
    ``verify``: None for the exporter's default (``VERIFY_BY_DEFAULT``).

    Raises what :func:`workbench.export_notebook` raises (``AnalysisError`` names the cell).
    """
    from workbench.pipelines.export import VERIFY_BY_DEFAULT, export_notebook

    options: dict[str, Any] = {"verify": VERIFY_BY_DEFAULT if verify is None else verify}
    with _export_lock:
        result = export_notebook(notebook, **options)
    folder = Path(result.path)
    readme = folder / "README.md"
    return {
        "name": result.name,
        "package": result.package,
        "version": result.version,
        "previous_version": result.previous_version,
        "changed": result.changed,
        "steps": list(result.steps),
        "fingerprint": result.fingerprint,
        "verdict": result.verdict,
        "warnings": list(result.warnings),
        "reasons": list(result.reasons),
        "absolute_path": str(folder.resolve()),
        "path": relative_to_root(root, folder),
        "readme": relative_to_root(root, readme) if readme.is_file() else None,
    }


def analysis_error_to_json(error: Exception) -> dict[str, Any]:
    """An ``AnalysisError`` as ``{message, cell, line}`` (``cell`` 0-based, ``line`` 1-based)."""
    return {
        "message": str(error),
        "cell": getattr(error, "cell", None),
        "line": getattr(error, "line", None),
    }
