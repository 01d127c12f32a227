"""The step cache shared through the team's object storage (``WORKBENCH_ARTIFACTS_URL``).

A finished entry ``<step>/<key>/`` is published as content-addressed blobs, one per file, and
then an index ``indexes/pipeline-cache/<step>/<key>.json`` (file name → sha256), written
last: an index that exists names a complete entry. Another machine whose local cache misses reads
the index, downloads the blobs (each checked against its sha256) into a staging folder and
renames it into place, so its local cache never holds half an entry.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from workbench.store.object_blobs import ObjectBlobStore

INDEX_FOLDER = "pipeline-cache"


class SharedStepCache:
    """The published entries of every pipeline's step cache, in object storage."""

    def __init__(self, store: ObjectBlobStore) -> None:
        self.store = store

    @classmethod
    def of_project(cls) -> SharedStepCache | None:
        """The project's shared cache when ``$WORKBENCH_ARTIFACTS_URL`` is set, else None."""
        from workbench.store import location

        if location.artifacts_url() is None:
            return None
        from workbench.store.artifacts import shared_blob_store

        store = shared_blob_store()
        return cls(store) if store is not None else None

    @staticmethod
    def index_name(step: str, key: str) -> str:
        return f"{INDEX_FOLDER}/{step}/{key}"

    def publish(self, step: str, key: str, directory: Path) -> None:
        """Upload every file of the entry in ``directory``, then its index."""
        files = {}
        for path in sorted(p for p in directory.rglob("*") if p.is_file()):
            sha256, _ = self.store.put_file(path)
            files[path.relative_to(directory).as_posix()] = sha256
        self.store.put_index(self.index_name(step, key), files)

    def materialize(self, step: str, key: str, directory: Path) -> bool:
        """Download the published entry into ``directory``; False when none is published."""
        files = self.store.read_index(self.index_name(step, key))
        if files is None:
            return False
        staging = directory.parent / f".fetching-{uuid.uuid4().hex}"
        try:
            for name, sha256 in files.items():
                self.store.copy_to(sha256, staging / _inside(name))
            if directory.exists():  # another process fetched or computed it meanwhile
                shutil.rmtree(staging)
                return True
            os.replace(staging, directory)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        return True


def _inside(name: str) -> str:
    """An index's file name, refused when it would leave the entry's folder."""
    from workbench.store.artifacts import check_artifact_path

    return check_artifact_path(name)
