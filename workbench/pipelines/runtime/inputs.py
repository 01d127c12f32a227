"""The data files an exported pipeline reads: declared inputs, resolved for each run.

A notebook's ``pd.read_csv("data/train.csv")`` becomes ``pd.read_csv(input_path("train"))``
in the package (see :mod:`workbench.pipelines.analysis._data_files`). Each run resolves every input
to a file — the one given with ``--input train=PATH`` (relative to the working directory),
else the notebook's file, found from the package's folder or the project home — so the
package runs from any working directory; the file's sha256 keys the cache of the steps
that read it and is recorded on the run (tags ``input.<name>.path`` / ``.sha256``).
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

__all__ = ["active_inputs", "file_sha256", "input_path", "resolve_inputs"]

_ACTIVE: dict[str, Path] = {}


def input_path(name: str) -> str:
    """The file the running pipeline reads as input ``name`` (what the exported steps call).

    Raises:
        LookupError: no pipeline run has set ``name``.
    """
    try:
        return str(_ACTIVE[name])
    except KeyError:
        raise LookupError(
            f"no data input {name!r} is set: run the step through its pipeline "
            "(`python -m <package> run`), which resolves the inputs its manifest declares"
        ) from None


@contextlib.contextmanager
def active_inputs(paths: Mapping[str, Path]) -> Iterator[None]:
    """Make ``paths`` what :func:`input_path` returns while a run executes its steps."""
    before = dict(_ACTIVE)
    _ACTIVE.update(paths)
    try:
        yield
    finally:
        _ACTIVE.clear()
        _ACTIVE.update(before)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def resolve_inputs(
    manifest: Mapping[str, Any],
    package_folder: Path | None,
    overrides: Mapping[str, str | Path] | None = None,
) -> dict[str, Path]:
    """Every input declared in ``manifest`` as an existing file: ``overrides`` first, else
    the notebook's file beside the notebook (found from ``package_folder``, the folder of
    ``pyproject.toml``, or from the project home).

    Raises:
        ValueError: an override names no declared input (the message lists them).
        FileNotFoundError: an input's file is missing (the message names the paths tried
            and how to pass another file).
    """
    declared = {entry["name"]: entry for entry in manifest.get("inputs") or []}
    overrides = dict(overrides or {})
    unknown = sorted(set(overrides) - set(declared))
    if unknown:
        known = ", ".join(sorted(declared)) or "none"
        raise ValueError(f"no data input named {', '.join(unknown)}; the inputs are: {known}")
    notebook = manifest.get("notebook") or {}
    folders = []
    if package_folder is not None and notebook.get("folder_from_package") is not None:
        folders.append(Path(package_folder) / notebook["folder_from_package"])
    from workbench.store import location

    folders.append(location.project_home() / Path(notebook.get("source", "x")).parent)
    resolved = {}
    for name, entry in declared.items():
        if name in overrides:
            candidates = [Path(overrides[name]).expanduser().absolute()]
        else:
            candidates = [folder / entry["path"] for folder in folders]
        found = next((path for path in candidates if path.is_file()), None)
        if found is None:
            tried = " or ".join(str(path) for path in dict.fromkeys(candidates))
            raise FileNotFoundError(
                f"data input {name!r} ({entry['path']} in the notebook): no file at {tried}; "
                f"pass one with --input {name}=PATH"
            )
        resolved[name] = found.resolve()
    return resolved
