"""Artifact blobs in S3-compatible object storage (or GCS, Azure: whatever obstore opens by
URL), at ``<prefix>/blobs/ab/abcdef...``, read through a local download cache.

obstore is imported only here, when ``WORKBENCH_ARTIFACTS_URL`` is set. Credentials come from
the standard environment (``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``, ``AWS_ENDPOINT_URL``,
``AWS_REGION``, ``AWS_ALLOW_HTTP`` for a plain-http server), never from the database.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from workbench.store.artifacts import (
    ArtifactIntegrityError,
    BlobStore,
    StoredBlob,
    check_blob_id,
    corrupted,
    file_sha256,
)
from workbench.store.errors import StoreError

INDEXES = "indexes"  # small JSON objects naming blobs: pipeline cache entries, log segments
# An empty object per blob stored again: S3 cannot renew an object's time without sending it
# again, and ``workbench gc`` counts its grace period from the later of the two times.
RENEWED = "renewed"
_PART = 8 << 20  # multipart part size; a file up to one part is sent in a single PUT
_T = TypeVar("_T")


class ObjectStoreError(StoreError):
    """Object storage cannot be reached, read or written; the message says how to fix it."""


class _HashingReader(io.RawIOBase):
    """A file read for upload, hashed as the upload reads it: what was sent is what was
    hashed, even if the file changes meanwhile."""

    def __init__(self, handle: io.BufferedReader, progress: Callable[[int], None] | None) -> None:
        self._handle = handle
        self._progress = progress
        self.digest = hashlib.sha256()
        self.sent = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        # obstore seeks to the end for the size, then back to the start to read.
        position = self._handle.seek(offset, whence)
        if position == 0:
            self.digest = hashlib.sha256()
            self.sent = 0
        return position

    def tell(self) -> int:
        return self._handle.tell()

    def read(self, size: int = -1) -> bytes:
        chunk = self._handle.read(size)
        self.digest.update(chunk)
        self.sent += len(chunk)
        if self._progress is not None and chunk:
            self._progress(self.sent)
        return chunk


class ObjectBlobStore:
    """Blobs in object storage at ``url`` (``s3://bucket/prefix``), verified on read.

    Reads go through ``cache``, a local :class:`BlobStore`: a blob read once is read again
    from disk without a request. An upload becomes visible only when complete (a single PUT
    or a completed multipart upload), so a killed upload leaves no half blob.
    """

    def __init__(self, url: str, cache: BlobStore) -> None:
        from obstore.store import from_url

        self.url = url.rstrip("/")
        self.cache = cache
        # A few retries, not obstore's default of 10 over 3 minutes: a wrong endpoint should
        # say so in seconds.
        retry: Any = {"max_retries": 3, "retry_timeout": datetime.timedelta(seconds=30)}
        try:
            self._store = from_url(self.url, retry_config=retry)
        except Exception as error:
            raise ObjectStoreError(
                f"Cannot open artifact store {self.url!r}: {_first_line(error)}. Set "
                "WORKBENCH_ARTIFACTS_URL to a URL such as s3://bucket/prefix."
            ) from error

    def __repr__(self) -> str:
        return f"ObjectBlobStore({self.url!r})"

    def _key(self, sha256: str) -> str:
        check_blob_id(sha256)
        return f"blobs/{sha256[:2]}/{sha256}"

    # -- writing -------------------------------------------------------------------------
    def put_file(
        self, source: Path, progress: Callable[[int], None] | None = None
    ) -> tuple[str, int]:
        """Upload ``source`` unless its blob is already there; returns (sha256, size).

        ``progress`` is called with the bytes sent so far (e.g. for a progress bar).
        """
        source = Path(source)
        if not source.is_file():
            raise FileNotFoundError(f"Cannot log artifact {str(source)!r}: no such file.")
        if source.stat().st_size <= _PART:
            sha, size = self.put_bytes(source.read_bytes())
            if progress is not None:
                progress(size)
            return sha, size
        import obstore

        sha = file_sha256(source)
        key = self._key(sha)
        if self._size(key) is not None:
            self._renew(sha)
            return sha, source.stat().st_size
        with open(source, "rb") as handle:
            reader = _HashingReader(handle, progress)
            self._call("write to", lambda: obstore.put(self._store, key, reader, chunk_size=_PART))
        if reader.digest.hexdigest() != sha:
            self._call("write to", lambda: obstore.delete(self._store, key))
            raise OSError(f"Cannot log artifact {str(source)!r}: it changed while uploading.")
        return sha, reader.sent

    def put_bytes(self, data: bytes) -> tuple[str, int]:
        """Upload ``data`` unless its blob is already there; returns (sha256, size)."""
        import obstore
        from obstore.exceptions import AlreadyExistsError, PreconditionError

        sha = hashlib.sha256(data).hexdigest()
        key = self._key(sha)
        try:
            self._call("write to", lambda: obstore.put(self._store, key, data, mode="create"))
        except (AlreadyExistsError, PreconditionError):
            self._renew(sha)  # content-addressed: the blob there holds the same bytes
        return sha, len(data)

    def _renew(self, sha256: str) -> None:
        import obstore

        key = f"{RENEWED}/{sha256}"
        self._call("write to", lambda: obstore.put(self._store, key, b""))

    def delete(self, sha256: str) -> None:
        import obstore

        key = self._key(sha256)
        self._call("delete from", lambda: obstore.delete(self._store, key))
        self._call("delete from", lambda: obstore.delete(self._store, f"{RENEWED}/{sha256}"))
        self.cache.delete(sha256)

    def delete_if_stored_before(self, sha256: str, cutoff: float) -> bool:
        import obstore

        def stored_at(key: str) -> float | None:
            try:
                meta = self._call("read from", lambda: obstore.head(self._store, key))
            except FileNotFoundError:
                return None
            return float(meta["last_modified"].timestamp())

        found = (stored_at(self._key(sha256)), stored_at(f"{RENEWED}/{sha256}"))
        times = [moment for moment in found if moment is not None]
        if not times or max(times) >= cutoff:
            return False
        self.delete(sha256)
        return True

    # -- indexes -------------------------------------------------------------------------
    def put_index(self, name: str, files: dict[str, str]) -> None:
        """Write the index ``<prefix>/indexes/<name>.json`` (file name → sha256 of its blob),
        replacing it. Written after its blobs, so an index that exists is complete; the
        blobs it names are kept by ``workbench gc``."""
        import json

        import obstore

        data = json.dumps({"format": 1, "files": files}, sort_keys=True).encode()
        key = f"{INDEXES}/{name}.json"
        self._call("write to", lambda: obstore.put(self._store, key, data))

    def read_index(self, name: str) -> dict[str, str] | None:
        """The files of the index ``name``, or None when there is none."""
        import json

        import obstore

        key = f"{INDEXES}/{name}.json"
        try:
            data = self._call("read from", lambda: bytes(obstore.get(self._store, key).bytes()))
        except FileNotFoundError:
            return None
        files = json.loads(data)["files"]
        return {str(file): check_blob_id(sha) for file, sha in files.items()}

    def list_indexes(self, folder: str) -> list[str]:
        """The names of the indexes under ``folder`` (e.g. ``serving/churn``), sorted."""
        import obstore

        prefix = "/".join(part for part in (INDEXES, folder.strip("/")) if part) + "/"

        def listing() -> list[str]:
            return sorted(
                meta["path"].removeprefix(f"{INDEXES}/").removesuffix(".json")
                for batch in obstore.list(self._store, prefix=prefix, chunk_size=1000)
                for meta in batch
                if meta["path"].endswith(".json")
            )

        return self._call("list", listing)

    def indexed_blobs(self) -> set[str]:
        """The blobs every index names."""
        return {
            sha for name in self.list_indexes("") for sha in (self.read_index(name) or {}).values()
        }

    # -- reading -------------------------------------------------------------------------
    def read_bytes(self, sha256: str) -> bytes:
        """The blob's content, from the cache or downloaded, checked against ``sha256``."""
        return self._cached(sha256, self.cache.read_bytes)

    def local_path(self, sha256: str) -> Path:
        """The verified blob in the local cache, downloaded first when not there."""
        return self._cached(sha256, self.cache.local_path)

    def copy_to(self, sha256: str, destination: Path) -> Path:
        self.local_path(sha256)
        return self.cache.copy_to(sha256, destination)

    def all_blobs(self) -> dict[str, int]:
        """Every blob under the prefix: sha256 -> size in bytes."""
        return {sha: blob.size for sha, blob in self._list_blobs().items()}

    def listing(self) -> dict[str, StoredBlob]:
        """Every blob under the prefix: sha256 -> its size and when it was last stored (the
        object's ``last_modified``, or later when it was stored again)."""
        found = self._list_blobs()
        for sha, renewed in self._list_renewed().items():
            if sha in found and renewed > found[sha].stored_at:
                found[sha] = StoredBlob(found[sha].size, renewed)
        return found

    def _list_blobs(self) -> dict[str, StoredBlob]:
        import obstore

        def listing() -> dict[str, StoredBlob]:
            found = {}
            for batch in obstore.list(self._store, prefix="blobs/", chunk_size=1000):
                for meta in batch:
                    name = meta["path"].rsplit("/", 1)[-1]
                    if meta["path"] == f"blobs/{name[:2]}/{name}" and _is_blob_id(name):
                        modified = meta["last_modified"].timestamp()
                        found[name] = StoredBlob(int(meta["size"]), modified)
            return found

        return self._call("list", listing)

    def _list_renewed(self) -> dict[str, float]:
        import obstore

        def listing() -> dict[str, float]:
            return {
                meta["path"].rsplit("/", 1)[-1]: meta["last_modified"].timestamp()
                for batch in obstore.list(self._store, prefix=f"{RENEWED}/", chunk_size=1000)
                for meta in batch
            }

        return self._call("list", listing)

    def _cached(self, sha256: str, read: Callable[[str], _T]) -> _T:
        try:
            return read(sha256)
        except FileNotFoundError:
            pass
        except ArtifactIntegrityError:  # a damaged local copy: fetched again
            self.cache.delete(sha256)
        self._download(sha256)
        return read(sha256)

    def _download(self, sha256: str) -> None:
        import obstore

        key = self._key(sha256)

        def chunks() -> Iterator[memoryview]:
            for chunk in obstore.get(self._store, key).stream(min_chunk_size=_PART):
                yield memoryview(chunk)

        try:
            got, _ = self._call("read from", lambda: self.cache.put_chunks(chunks()))
        except FileNotFoundError:
            raise FileNotFoundError(f"Artifact blob {sha256} is missing from {self.url}.") from None
        if got != sha256:
            self.cache.delete(got)
            raise corrupted(sha256, f"{self.url}/{key}")

    def _size(self, key: str) -> int | None:
        import obstore

        try:
            meta = self._call("read from", lambda: obstore.head(self._store, key))
        except FileNotFoundError:
            return None
        return int(meta["size"])

    # -- errors --------------------------------------------------------------------------
    def _call(self, action: str, operation: Callable[[], _T]) -> _T:
        with self._explained(action):
            return operation()

    @contextmanager
    def _explained(self, action: str) -> Iterator[None]:
        """Turn obstore's errors into ones naming the store, the problem and the fix."""
        from obstore.exceptions import (
            AlreadyExistsError,
            BaseError,
            NotFoundError,
            PermissionDeniedError,
            PreconditionError,
            UnauthenticatedError,
        )

        where = f"Cannot {action} {self.url}"
        try:
            yield
        except (PermissionDeniedError, UnauthenticatedError) as error:
            raise ObjectStoreError(
                f"{where}: access denied (check AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, "
                "and that this identity may read and write the bucket)."
            ) from error
        except (AlreadyExistsError, PreconditionError):
            raise
        except (BaseError, FileNotFoundError) as error:  # obstore's "not found" is the builtin
            if "NoSuchBucket" in str(error):
                raise ObjectStoreError(
                    f"{where}: the bucket does not exist (create it, or fix "
                    "WORKBENCH_ARTIFACTS_URL)."
                ) from error
            if isinstance(error, NotFoundError | FileNotFoundError):
                raise  # a missing object: the caller says which blob
            if "error sending request" in str(error):
                endpoint = os.environ.get("AWS_ENDPOINT_URL") or os.environ.get("AWS_ENDPOINT")
                server = f"the server at {endpoint}" if endpoint else "the storage server"
                raise ObjectStoreError(
                    f"{where}: {server} does not answer (check AWS_ENDPOINT_URL and that "
                    "the server is running)."
                ) from error
            raise ObjectStoreError(f"{where}: {_first_line(error)}") from error


def _is_blob_id(name: str) -> bool:
    try:
        check_blob_id(name)
    except ValueError:
        return False
    return True


def _first_line(error: BaseException) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
