"""Values crossing pipeline steps, saved by type and fingerprinted by content.

- ``pandas.DataFrame`` → ``<name>.parquet`` (index, dtypes, categoricals and time zones kept);
- ``pandas.Series`` → the same, as a one-column frame that loads back as a Series;
- ``numpy.ndarray`` → ``<name>.npy`` (``allow_pickle=False``: object arrays are refused);
- scikit-learn and LightGBM models → ``workbench.models.formats.save_model`` (skops,
  LightGBM text), in the folder ``<name>/``;
- small JSON values (numbers, strings, bools, None, lists and str-keyed dicts of them) → kept
  inline in the cache entry, when they load back equal.

Anything else raises :class:`UnsaveableValueError` naming the variable, its type and the
step: the choice is a clear error rather than re-creating the value inside the consuming
step, so a pipeline never silently runs a step's code twice.
"""

from __future__ import annotations

import hashlib
import json
import math
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MAX_JSON_CHARS = 1_000_000
_SERIES_COLUMN = "__series__"


class UnsaveableValueError(TypeError):
    """A value crossing steps has no safe file format."""

    def __init__(self, name: str, value: Any, step: str, reason: str = "") -> None:
        kind = f"{type(value).__module__}.{type(value).__qualname__}"
        self.name, self.step, self.type_name = name, step, kind
        super().__init__(
            f"step {step!r} passes `{name}` ({kind}) to a later step, but workbench can only "
            "save DataFrames, Series, numpy arrays, scikit-learn/LightGBM models and small "
            f"JSON values between steps{f' ({reason})' if reason else ''}. Convert `{name}` "
            "to one of these, or compute it in the step that uses it."
        )


@dataclass(frozen=True)
class SavedValue:
    """How one value was saved: ``kind`` is ``frame``, ``series``, ``array``, ``model`` or
    ``json``; ``path`` is relative to the entry folder (None for inline JSON, whose
    ``value`` is kept); ``flavor`` and ``trusted_types`` describe a model."""

    kind: str
    fingerprint: str
    path: str | None = None
    value: Any = None
    flavor: str | None = None
    trusted_types: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "fingerprint": self.fingerprint,
            "path": self.path,
            "value": self.value,
            "flavor": self.flavor,
            "trusted_types": list(self.trusted_types),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SavedValue:
        return cls(
            kind=data["kind"],
            fingerprint=data["fingerprint"],
            path=data.get("path"),
            value=data.get("value"),
            flavor=data.get("flavor"),
            trusted_types=tuple(data.get("trusted_types", ())),
        )


def _plain(value: Any) -> Any:
    """numpy scalars as Python ones, tuples as lists: what JSON can hold."""
    if hasattr(value, "dtype") and getattr(value, "shape", None) == ():
        return value.item()
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _json_text(value: Any) -> str | None:
    """The JSON text of ``value`` when it loads back equal, else None."""
    plain = _plain(value)
    try:
        text = json.dumps(plain, sort_keys=True, allow_nan=True)
    except (TypeError, ValueError):
        return None
    if len(text) > MAX_JSON_CHARS or not _same(json.loads(text), plain):
        return None
    return text


def _same(left: Any, right: Any) -> bool:
    if isinstance(left, float) and isinstance(right, float) and math.isnan(left):
        return math.isnan(right)
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(map(_same, left, right))
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(_same(left[k], right[k]) for k in left)
    return type(left) is type(right) and left == right


def file_fingerprint(path: Path) -> str:
    """sha256 of a saved file or folder by content (skops files: see ``_skops_content``)."""
    digest = hashlib.sha256()
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for file in files:
        digest.update(file.relative_to(path).as_posix().encode() if path.is_dir() else b"")
        if file.suffix == ".skops" and zipfile.is_zipfile(file):
            digest.update(_skops_content(file))
        else:
            digest.update(file.read_bytes())
    return digest.hexdigest()


def _skops_content(path: Path) -> bytes:
    """A skops file's schema with its object ids numbered in order and its member files
    replaced by their hashes: skops names objects by ``id()``, which changes every save."""
    with zipfile.ZipFile(path) as archive:
        members = set(archive.namelist())
        ids: dict[int, int] = {}

        def canonical(node: Any) -> Any:
            if isinstance(node, list):
                return [canonical(item) for item in node]
            if not isinstance(node, dict):
                return node
            result: dict[str, Any] = {}
            for key, value in node.items():
                if key == "__id__" and isinstance(value, int):
                    result[key] = ids.setdefault(value, len(ids))
                elif key == "file" and isinstance(value, str) and value in members:
                    result[key] = hashlib.sha256(archive.read(value)).hexdigest()
                else:
                    result[key] = canonical(value)
            return result

        schema = canonical(json.loads(archive.read("schema.json")))
    return json.dumps(schema, sort_keys=True).encode()


def save_value(value: Any, directory: Path, *, name: str, step: str) -> SavedValue:
    """Save ``value`` (the variable ``name`` produced by ``step``) under ``directory``."""
    import sys

    pd = sys.modules.get("pandas")
    np = sys.modules.get("numpy")
    if pd is not None and isinstance(value, pd.DataFrame | pd.Series):
        return _save_frame(value, directory, name=name, step=step)
    if np is not None and isinstance(value, np.ndarray):
        if value.dtype.hasobject:
            raise UnsaveableValueError(name, value, step, "an array of Python objects")
        path = directory / f"{name}.npy"
        np.save(path, value, allow_pickle=False)
        return SavedValue("array", file_fingerprint(path), path=path.name)
    from workbench.models.formats import model_flavor, save_model

    flavor = model_flavor(value)
    if flavor != "python":
        files = save_model(value, directory / name)
        return SavedValue(
            "model",
            file_fingerprint(directory / name),
            path=name,
            flavor=flavor,
            trusted_types=files.untrusted_types,
        )
    text = _json_text(value)
    if text is None:
        raise UnsaveableValueError(name, value, step)
    plain = json.loads(text)
    return SavedValue("json", hashlib.sha256(text.encode()).hexdigest(), value=plain)


def _save_frame(value: Any, directory: Path, *, name: str, step: str) -> SavedValue:
    import pandas as pd

    is_series = isinstance(value, pd.Series)
    frame = value.to_frame(name=_SERIES_COLUMN) if is_series else value
    path = directory / f"{name}.parquet"
    try:
        frame.to_parquet(path, index=True)
    except (TypeError, ValueError, ImportError) as error:
        path.unlink(missing_ok=True)
        raise UnsaveableValueError(name, value, step, f"parquet refused it: {error}") from error
    kind = "series" if is_series else "frame"
    saved = SavedValue(kind, file_fingerprint(path), path=path.name)
    if is_series:
        if _json_text(value.name) is None:
            raise UnsaveableValueError(name, value, step, "its name is not a plain value")
        return SavedValue(kind, saved.fingerprint, path=path.name, value=_plain(value.name))
    return saved


def load_value(saved: SavedValue, directory: Path) -> Any:
    """Read back a value written by :func:`save_value` into ``directory``.

    Models come from this project's own cache, so the skops types they were saved with are
    trusted when they load (and only those).
    """
    if saved.kind == "json":
        return saved.value
    assert saved.path is not None  # every kind but json has a file
    path = directory / saved.path
    if saved.kind in ("frame", "series"):
        import pandas as pd

        frame = pd.read_parquet(path)
        if saved.kind == "frame":
            return frame
        series = frame[_SERIES_COLUMN]
        series.name = saved.value
        return series
    if saved.kind == "array":
        import numpy as np

        return np.load(path, allow_pickle=False)
    from workbench.models.formats import load_model

    return load_model(path, trusted_types=list(saved.trusted_types))
