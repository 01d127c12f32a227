"""``run.info`` and ``wb.get_run(id).info``: the stored run under MLflow's ``RunInfo`` names too,
so ``run.info.run_id`` works for MLflow users."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workbench.store.records import RunDetails, RunRecord


@dataclass(frozen=True)
class RunInfo(RunRecord):
    """A :class:`RunRecord` (``id``, ``name``, ``status``, ``start_time``/``end_time`` in
    seconds since the epoch, ...) with MLflow's ``RunInfo`` names: ``run_id``, ``run_name``,
    ``experiment_id``, ``status``, ``start_time``, ``end_time``, ``artifact_uri``.

    >>> import workbench as wb
    >>> with wb.start_run() as run:  # doctest: +SKIP
    ...     print(run.info.run_id == run.id, run.info.status)
    True RUNNING
    """

    artifact_uri: str | None = None  # where the run's artifact blobs are stored

    @property
    def run_id(self) -> str:
        return self.id

    @property
    def run_uuid(self) -> str:
        return self.id

    @property
    def run_name(self) -> str:
        return self.name

    @classmethod
    def of(cls, record: RunRecord, blobs: Any = None) -> RunInfo:
        """``record`` as a :class:`RunInfo`; ``blobs``: the store's artifact store, if known."""
        fields = {f.name: getattr(record, f.name) for f in dataclasses.fields(RunRecord)}
        return cls(**fields, artifact_uri=artifact_uri(blobs))


def artifact_uri(blobs: Any) -> str | None:
    """The URI of an artifact store: its ``url`` (object storage) or its local folder."""
    url = getattr(blobs, "url", None)
    if isinstance(url, str):
        return url
    root = getattr(blobs, "root", None)
    return Path(root).resolve().as_uri() if root is not None else None


def with_info(details: RunDetails, blobs: Any = None) -> RunDetails:
    """``details`` whose ``info`` is a :class:`RunInfo`."""
    return dataclasses.replace(details, info=RunInfo.of(details.info, blobs))
