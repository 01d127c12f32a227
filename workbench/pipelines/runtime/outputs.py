"""The files an exported pipeline writes: step outputs under the run's output folder.

A notebook's ``df.to_csv("submission.csv")`` becomes ``df.to_csv(output_path("submission.csv"))``
in the package (see :mod:`workbench.pipelines.analysis._written_files`). Each run chooses an
output folder — ``--output-dir DIR``, else ``outputs/`` beside the cache
(``<project>/.workbench/pipelines/<pkg>/outputs/``) — and every written file lands at
``<output folder>/<path in the notebook>``, whatever the working directory. The runner keeps
a copy of each file in the step's cache entry, so a step taken from the cache still puts
its files in the output folder; each file is attached to the run as an artifact
``outputs/<path>``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

__all__ = ["WrittenFile", "active_output_dir", "output_path"]

_ACTIVE: list[Path] = []


def output_path(path: str) -> Path:
    """Where the running pipeline writes the notebook's file ``path`` (what the exported
    steps call); its folder is made.

    Raises:
        LookupError: no pipeline run is writing files.
        ValueError: ``path`` leaves the output folder.
    """
    if not _ACTIVE:
        raise LookupError(
            f"no output folder is set for {path!r}: run the step through its pipeline "
            "(`python -m <package> run`), which writes its files under --output-dir"
        )
    relative = PurePosixPath(path)
    if relative.is_absolute() or ".." in relative.parts:
        raise ValueError(f"output file {path!r} must be a relative path inside the output folder")
    target = _ACTIVE[-1] / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    return target


@contextlib.contextmanager
def active_output_dir(folder: Path) -> Iterator[None]:
    """Make ``folder`` the one :func:`output_path` writes under while a step runs."""
    _ACTIVE.append(Path(folder))
    try:
        yield
    finally:
        _ACTIVE.pop()


@dataclass(frozen=True)
class WrittenFile:
    """A file a step wrote: ``path`` as the notebook names it, ``file`` where this run put
    it, its ``sha256`` and size in ``bytes``; ``cache_hit`` when the step's cache entry
    gave it."""

    step: str
    path: str
    file: Path
    sha256: str
    bytes: int
    cache_hit: bool = False

    def to_dict(self) -> dict[str, object]:
        return {
            "step": self.step,
            "path": self.path,
            "file": str(self.file),
            "sha256": self.sha256,
            "bytes": self.bytes,
            "cache_hit": self.cache_hit,
        }
