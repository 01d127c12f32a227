"""The artifact store's contract, the same on the local folder and on object storage: what
goes in comes out, content-addressed, refused when changed behind its back."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbench.store.artifacts import (
    ArtifactIntegrityError,
    ArtifactStore,
    BlobStore,
    blob_store,
)


@pytest.fixture
def store(store_kind: str, tmp_path: Path) -> ArtifactStore:
    made = blob_store(tmp_path)
    assert type(made).__name__ == {"local": "BlobStore", "s3": "ObjectBlobStore"}[store_kind]
    return made


def replace_blob(store: ArtifactStore, sha256: str, data: bytes) -> None:
    """Change a stored blob behind the store's back (a bad disk, a hand edit)."""
    if isinstance(store, BlobStore):
        store.blob_path(sha256).write_bytes(data)
        return
    import obstore
    from obstore.store import from_url

    raw = from_url(os.environ["WORKBENCH_ARTIFACTS_URL"])
    obstore.put(raw, f"blobs/{sha256[:2]}/{sha256}", data)


def test_a_file_put_in_comes_back_by_its_sha256(store: ArtifactStore, tmp_path: Path) -> None:
    source = tmp_path / "roc.png"
    source.write_bytes(b"\x89PNG fake image " * 100)

    sha, size = store.put_file(source)

    assert sha == hashlib.sha256(source.read_bytes()).hexdigest()
    assert size == source.stat().st_size
    assert store.read_bytes(sha) == source.read_bytes()
    assert store.local_path(sha).read_bytes() == source.read_bytes()
    copy = store.copy_to(sha, tmp_path / "out" / "copy.png")
    assert copy.read_bytes() == source.read_bytes()


def test_a_large_file_goes_in_parts_and_comes_back_whole(
    store: ArtifactStore, tmp_path: Path
) -> None:
    source = tmp_path / "model.bin"
    source.write_bytes(os.urandom(20 << 20))

    sha, size = store.put_file(source)

    assert (sha, size) == (hashlib.sha256(source.read_bytes()).hexdigest(), 20 << 20)
    assert store.read_bytes(sha) == source.read_bytes()
    assert store.all_blobs() == {sha: 20 << 20}


def test_the_same_content_twice_is_one_blob(store: ArtifactStore, tmp_path: Path) -> None:
    source = tmp_path / "notes.txt"
    source.write_text("same words")

    first = store.put_file(source)
    second = store.put_bytes(b"same words")
    third = store.put_file(source)

    assert first == second == third
    assert store.all_blobs() == {first[0]: len(b"same words")}


def test_a_changed_blob_is_refused_on_read(store: ArtifactStore) -> None:
    sha, _ = store.put_bytes(b"the model as logged")
    replace_blob(store, sha, b"something else entirely")

    with pytest.raises(ArtifactIntegrityError, match=sha):
        store.read_bytes(sha)
    with pytest.raises(ArtifactIntegrityError, match=sha):
        store.local_path(sha)


def test_listing_and_delete(store: ArtifactStore) -> None:
    kept, _ = store.put_bytes(b"kept")
    dropped, _ = store.put_bytes(b"dropped!")
    assert store.all_blobs() == {kept: 4, dropped: 8}

    store.delete(dropped)
    store.delete(dropped)  # twice is fine

    assert store.all_blobs() == {kept: 4}
    with pytest.raises(FileNotFoundError, match=dropped):
        store.read_bytes(dropped)
    assert store.read_bytes(kept) == b"kept"


def test_an_invalid_blob_id_is_refused(store: ArtifactStore) -> None:
    with pytest.raises(ValueError, match="64 lowercase hex"):
        store.read_bytes("../../etc/passwd")


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.binary(max_size=3000))
def test_what_goes_in_comes_out(store: ArtifactStore, data: bytes) -> None:
    sha, size = store.put_bytes(data)

    assert (sha, size) == (hashlib.sha256(data).hexdigest(), len(data))
    assert store.read_bytes(sha) == data
    assert sha in store.all_blobs()


def test_the_local_folder_needs_no_object_storage_library(tmp_path: Path) -> None:
    environment = {k: v for k, v in os.environ.items() if k != "WORKBENCH_ARTIFACTS_URL"}
    code = (
        "import sys; from pathlib import Path; from workbench.store.artifacts import blob_store;"
        f"store = blob_store(Path({str(tmp_path)!r})); store.put_bytes(b'x');"
        "print(type(store).__name__, 'obstore' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=environment, capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == ["BlobStore", "False"]
