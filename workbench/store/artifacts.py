"""Content-addressed artifact blobs named by their sha256: the one interface every artifact
store offers (:class:`ArtifactStore`), the local folder ``<root>/ab/abcdef...``
(:class:`BlobStore`), and :func:`blob_store`, which picks the project's store.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Protocol

from workbench.store import location

if TYPE_CHECKING:
    from workbench.store.object_blobs import ObjectBlobStore

_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_CHUNK = 1 << 20
MAX_ARTIFACT_PATH = 1000
_BAD_PATH_CHARACTER = re.compile(r"[\x00-\x1f\x7f\\]")  # control characters, backslash


class ArtifactIntegrityError(RuntimeError):
    """A blob's content no longer matches its sha256 (the file was changed or corrupted)."""


def check_artifact_path(path: str) -> str:
    """Normalise a run-relative artifact path, refusing anything that escapes the run or names
    no file (``""``, ``"."``), and text a database cannot store.

    >>> check_artifact_path("plots/./roc.png")
    'plots/roc.png'
    """
    if not isinstance(path, str) or not path or _BAD_PATH_CHARACTER.search(path):
        raise ValueError(
            f"Invalid artifact path {path!r}: use a non-empty relative path with '/' separators "
            "and no control characters, e.g. 'plots/roc.png'."
        )
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(
            f"Invalid artifact path {path!r}: it is not valid Unicode (a lone surrogate); "
            "use a properly decoded name."
        ) from None
    pure = PurePosixPath(path)
    if pure.is_absolute() or ".." in pure.parts or path.startswith("~"):
        raise ValueError(
            f"Invalid artifact path {path!r}: it must stay inside the run "
            "(relative, without '..'); e.g. 'plots/roc.png'."
        )
    if not pure.parts:
        raise ValueError(
            f"Invalid artifact path {path!r}: it names the run's folder, not a file; "
            "give a file name, e.g. 'plots/roc.png'."
        )
    if len(str(pure)) > MAX_ARTIFACT_PATH:
        raise ValueError(
            f"Invalid artifact path {path[:40]!r}...: {len(str(pure))} characters, the limit "
            f"is {MAX_ARTIFACT_PATH}."
        )
    return str(pure)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def check_blob_id(sha256: str) -> str:
    if not _SHA256.match(sha256):
        raise ValueError(f"Invalid blob id {sha256!r}: expected 64 lowercase hex characters.")
    return sha256


def corrupted(sha256: str, where: object) -> ArtifactIntegrityError:
    return ArtifactIntegrityError(
        f"Artifact blob {where} is corrupted: its content no longer matches sha256 "
        f"{sha256}. Restore it from a backup or log the artifact again."
    )


@dataclass(frozen=True)
class StoredBlob:
    """A blob as listed: its size and when it was last stored (POSIX seconds), which storing
    the same content again renews."""

    size: int
    stored_at: float


class ArtifactStore(Protocol):
    """What every artifact store does: content-addressed blobs, each named by its sha256
    and checked against it when read. :func:`blob_store` gives the project's one."""

    def put_file(self, source: Path) -> tuple[str, int]:
        """Store a copy of ``source``; returns (sha256, size). Storing twice is free."""
        ...

    def put_bytes(self, data: bytes) -> tuple[str, int]:
        """Store ``data``; returns (sha256, size)."""
        ...

    def read_bytes(self, sha256: str) -> bytes:
        """The blob's content, after checking it still hashes to ``sha256``."""
        ...

    def local_path(self, sha256: str) -> Path:
        """A local file holding the verified blob, for readers that need a path; not to be
        changed or removed by the caller."""
        ...

    def copy_to(self, sha256: str, destination: Path) -> Path:
        """Write the verified blob to ``destination`` (a file path)."""
        ...

    def all_blobs(self) -> dict[str, int]:
        """Every stored blob: sha256 -> size in bytes."""
        ...

    def listing(self) -> dict[str, StoredBlob]:
        """Every stored blob: sha256 -> its size and when it was last stored."""
        ...

    def delete(self, sha256: str) -> None:
        """Remove the blob (nothing happens when it is not there)."""
        ...

    def delete_if_stored_before(self, sha256: str, cutoff: float) -> bool:
        """Remove the blob unless it was stored (again) at or after ``cutoff`` (POSIX
        seconds), looking once more just before; True when it went."""
        ...

    def indexed_blobs(self) -> set[str]:
        """The blobs named by the store's indexes (shared step caches, served input logs),
        which ``workbench gc`` keeps."""
        ...


def blob_store(home: Path | None = None) -> ArtifactStore:
    """The project's artifact store: the local folder ``.workbench/artifacts``, or object
    storage when ``$WORKBENCH_ARTIFACTS_URL`` is set (e.g. ``s3://bucket/prefix``), read
    through a local download cache in ``.workbench/cache/blobs``.

    >>> type(blob_store()).__name__ in ("BlobStore", "ObjectBlobStore")
    True
    """
    url = location.artifacts_url()
    if url is None:
        return BlobStore(location.artifact_root(home))
    from workbench.store.object_blobs import ObjectBlobStore

    return ObjectBlobStore(url, cache=BlobStore(location.blob_cache_root(home)))


def shared_blob_store(home: Path | None = None) -> ObjectBlobStore | None:
    """The project's object storage when ``$WORKBENCH_ARTIFACTS_URL`` is set, else None: what
    keeps indexes (shared step caches, served input logs) beside the blobs."""
    store = blob_store(home)
    from workbench.store.object_blobs import ObjectBlobStore

    return store if isinstance(store, ObjectBlobStore) else None


class BlobStore:
    """Blobs on the local file system, written atomically and verified on read."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def blob_path(self, sha256: str) -> Path:
        check_blob_id(sha256)
        return self.root / sha256[:2] / sha256

    def put_file(self, source: Path) -> tuple[str, int]:
        """Store a copy of ``source``; returns (sha256, size). Storing twice is free."""
        source = Path(source)
        if not source.is_file():
            raise FileNotFoundError(f"Cannot log artifact {str(source)!r}: no such file.")
        with open(source, "rb") as handle:
            return self.put_chunks(iter(lambda: handle.read(_CHUNK), b""))

    def put_chunks(self, chunks: Iterable[bytes | memoryview]) -> tuple[str, int]:
        """Store the concatenated ``chunks``; returns (sha256, size)."""
        self.root.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        size = 0
        # Hash while copying into a temporary file next to the blobs, then rename atomically.
        fd, tmp_name = tempfile.mkstemp(dir=self.root, prefix=".incoming-")
        try:
            with os.fdopen(fd, "wb") as out:
                for chunk in chunks:
                    digest.update(chunk)
                    out.write(chunk)
                    size += len(chunk)
            sha = digest.hexdigest()
            target = self.blob_path(sha)
            try:
                # Stored again: renewed, so ``workbench gc``'s grace period counts from now.
                os.utime(target)
                os.unlink(tmp_name)
            except FileNotFoundError:
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(tmp_name, target)
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise
        return sha, size

    def put_bytes(self, data: bytes) -> tuple[str, int]:
        return self.put_chunks([data])

    def read_bytes(self, sha256: str) -> bytes:
        """The blob's content, after checking it still hashes to ``sha256``."""
        path = self.blob_path(sha256)
        if not path.is_file():
            raise FileNotFoundError(f"Artifact blob {sha256} is missing from {self.root}.")
        data = path.read_bytes()
        if hashlib.sha256(data).hexdigest() != sha256:
            raise corrupted(sha256, path)
        return data

    def local_path(self, sha256: str) -> Path:
        """The blob's own file, after checking it still hashes to ``sha256``."""
        path = self.blob_path(sha256)
        if not path.is_file():
            raise FileNotFoundError(f"Artifact blob {sha256} is missing from {self.root}.")
        if file_sha256(path) != sha256:
            raise corrupted(sha256, path)
        return path

    def copy_to(self, sha256: str, destination: Path) -> Path:
        """Write the verified blob to ``destination`` (a file path)."""
        path = self.blob_path(sha256)
        if not path.is_file():
            raise FileNotFoundError(f"Artifact blob {sha256} is missing from {self.root}.")
        destination = Path(destination)
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, destination)
        if file_sha256(destination) != sha256:
            destination.unlink()
            raise corrupted(sha256, path)
        return destination

    def all_blobs(self) -> dict[str, int]:
        """Every stored blob: sha256 -> size in bytes."""
        return {sha: blob.size for sha, blob in self.listing().items()}

    def listing(self) -> dict[str, StoredBlob]:
        """Every stored blob: sha256 -> its size and modification time."""
        found: dict[str, StoredBlob] = {}
        if not self.root.is_dir():
            return found
        for folder in self.root.iterdir():
            if folder.is_dir() and len(folder.name) == 2:
                for blob in folder.iterdir():
                    if _SHA256.match(blob.name):
                        with contextlib.suppress(FileNotFoundError):  # removed meanwhile
                            stat = blob.stat()
                            found[blob.name] = StoredBlob(stat.st_size, stat.st_mtime)
        return found

    def delete(self, sha256: str) -> None:
        self.blob_path(sha256).unlink(missing_ok=True)

    def delete_if_stored_before(self, sha256: str, cutoff: float) -> bool:
        path = self.blob_path(sha256)
        try:
            if path.stat().st_mtime >= cutoff:
                return False
        except FileNotFoundError:
            return False
        path.unlink(missing_ok=True)
        return True

    def indexed_blobs(self) -> set[str]:
        """None: only object storage keeps indexes."""
        return set()
