"""A saved model directory as one deterministic tar blob, and back.

Entries are sorted, with zeroed times and owners, so the same files always give the same
bytes (and the same sha256). Only plain files with plain names are read back.

>>> import tempfile
>>> from pathlib import Path
>>> source = Path(tempfile.mkdtemp())
>>> _ = (source / "model.txt").write_text("tree")
>>> packed = pack_directory(source)
>>> packed == pack_directory(source)
True
>>> read_member(packed, "model.txt")
b'tree'
"""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

from workbench.models.manifest import ModelFiles

SIGNATURE_NAME = "signature.json"


def pack_directory(directory: Path) -> bytes:
    """The files directly in ``directory`` as an uncompressed, reproducible tar."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for path in sorted(Path(directory).iterdir()):
            if not path.is_file():
                raise ValueError(f"Cannot pack {path}: a model directory holds only files.")
            data = path.read_bytes()
            info = tarfile.TarInfo(path.name)
            info.size = len(data)
            info.mode = 0o644
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def _plain_members(tar: tarfile.TarFile) -> list[tarfile.TarInfo]:
    members = tar.getmembers()
    for member in members:
        # Refuse links, folders and paths: a packed model is a flat set of files.
        if not member.isfile() or Path(member.name).name != member.name:
            raise ValueError(f"Unexpected entry {member.name!r} in a packed model.")
    return members


def read_member(packed: bytes, name: str) -> bytes | None:
    """One file's content from a packed model, or None if it holds no such file."""
    with tarfile.open(fileobj=io.BytesIO(packed), mode="r:") as tar:
        for member in _plain_members(tar):
            if member.name == name:
                handle = tar.extractfile(member)
                assert handle is not None
                return handle.read()
    return None


def unpack(packed: bytes, directory: Path, files: ModelFiles) -> Path:
    """Write the model's files (those ``files`` lists) into ``directory``; returns it."""
    wanted = {*files.files, files.path}
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(packed), mode="r:") as tar:
        for member in _plain_members(tar):
            if member.name in wanted:
                handle = tar.extractfile(member)
                assert handle is not None
                (directory / member.name).write_bytes(handle.read())
    missing = sorted(name for name in wanted if not (directory / name).is_file())
    if missing:
        raise ValueError(f"The packed model lacks {missing}: it is incomplete.")
    return directory
