"""An upload killed half way leaves nothing visible in the bucket: the blob appears only
when complete, and the same file can be uploaded again."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from workbench.store.artifacts import blob_store

UPLOADER = """
import sys, time
from pathlib import Path
from workbench.store.artifacts import blob_store

def stall_half_way(sent):
    if sent >= 24 << 20:
        print("half way", flush=True)
        time.sleep(600)

blob_store(Path(sys.argv[2])).put_file(Path(sys.argv[1]), progress=stall_half_way)
"""


def test_a_killed_upload_leaves_no_blob_and_can_be_done_again(
    s3_env: dict[str, str], tmp_path: Path
) -> None:
    large = tmp_path / "model.bin"
    large.write_bytes(os.urandom(50 << 20))
    sha = hashlib.sha256(large.read_bytes()).hexdigest()

    uploader = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(UPLOADER), str(large), str(tmp_path / "a")],
        env={**os.environ, **s3_env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert uploader.stdout is not None
        line = uploader.stdout.readline()
        assert line.strip() == "half way", uploader.stderr.read() if uploader.stderr else ""
        time.sleep(1)  # the parts read so far reach the server
    finally:
        uploader.kill()
        uploader.wait()

    store = blob_store(tmp_path / "a")
    assert sha not in store.all_blobs()

    assert store.put_file(large) == (sha, 50 << 20)
    assert store.all_blobs() == {sha: 50 << 20}
    assert hashlib.sha256(blob_store(tmp_path / "b").read_bytes(sha)).hexdigest() == sha
