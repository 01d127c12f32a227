"""Object storage that refuses or cannot be reached says what is wrong and how to fix it;
a blob read once is read again without the server."""

from __future__ import annotations

import hashlib
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from browsertools import free_port
from teamhelpers import S3Server

from workbench.store.artifacts import blob_store
from workbench.store.object_blobs import ObjectStoreError


def test_a_wrong_secret_names_the_credentials_to_check(
    s3_env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sha, _ = blob_store(tmp_path / "a").put_bytes(b"written with the right key")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "not-the-secret")
    store = blob_store(tmp_path / "b")
    url = s3_env["WORKBENCH_ARTIFACTS_URL"]

    with pytest.raises(ObjectStoreError) as written:
        store.put_bytes(b"anything")
    with pytest.raises(ObjectStoreError) as read:
        store.read_bytes(sha)

    assert str(written.value).startswith(f"Cannot write to {url}: access denied")
    assert "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY" in str(written.value)
    assert str(read.value).startswith(f"Cannot read from {url}: access denied")


def test_an_anonymous_request_is_refused_by_the_server(
    s3_server: S3Server, s3_env: dict[str, str], tmp_path: Path
) -> None:
    sha, _ = blob_store(tmp_path).put_bytes(b"private")
    prefix = s3_env["WORKBENCH_ARTIFACTS_URL"].removeprefix(f"s3://{s3_server.bucket}/")
    for url in (
        f"{s3_server.endpoint}/{s3_server.bucket}/{prefix}/blobs/{sha[:2]}/{sha}",
        f"{s3_server.endpoint}/{s3_server.bucket}?list-type=2",
    ):
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(url, timeout=10)
        assert refused.value.code == 403


def test_a_missing_bucket_is_named(
    s3_env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WORKBENCH_ARTIFACTS_URL", "s3://no-such-bucket/churn")
    store = blob_store(tmp_path)

    for read in (store.all_blobs, lambda: store.read_bytes(hashlib.sha256(b"").hexdigest())):
        with pytest.raises(ObjectStoreError, match="the bucket does not exist") as missing:
            read()
        assert "s3://no-such-bucket/churn" in str(missing.value)
        assert "WORKBENCH_ARTIFACTS_URL" in str(missing.value)


def test_an_unreachable_server_is_named_quickly(
    s3_env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    endpoint = f"http://127.0.0.1:{free_port()}"
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
    started = time.monotonic()

    with pytest.raises(ObjectStoreError) as unreachable:
        blob_store(tmp_path).put_bytes(b"anything")

    assert f"the server at {endpoint} does not answer" in str(unreachable.value)
    assert "check AWS_ENDPOINT_URL" in str(unreachable.value)
    assert time.monotonic() - started < 30


def test_a_blob_read_once_is_read_again_from_the_cache_without_the_server(
    s3_env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sha, _ = blob_store(tmp_path / "writer").put_bytes(b"model bytes")
    reader_home = tmp_path / "reader"
    assert blob_store(reader_home).read_bytes(sha) == b"model bytes"
    cached = reader_home / ".workbench" / "cache" / "blobs" / sha[:2] / sha
    assert cached.read_bytes() == b"model bytes"

    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{free_port()}")
    offline = blob_store(reader_home)

    assert offline.read_bytes(sha) == b"model bytes"
    assert offline.local_path(sha) == cached
    with pytest.raises(ObjectStoreError, match="does not answer"):
        offline.read_bytes(hashlib.sha256(b"never read").hexdigest())


def test_a_damaged_cached_copy_is_fetched_again(s3_env: dict[str, str], tmp_path: Path) -> None:
    store = blob_store(tmp_path)
    sha, _ = store.put_bytes(b"the real bytes")
    cached = store.local_path(sha)
    cached.write_bytes(b"the real bytez")

    assert store.read_bytes(sha) == b"the real bytes"
    assert cached.read_bytes() == b"the real bytes"
