"""Values crossing pipeline steps, saved by type in safe formats and fingerprinted by content.

- ``pandas.DataFrame`` → ``<name>.parquet`` (index, dtypes, categoricals and time zones kept);
  a ``Series`` → the same, as a one-column frame that loads back as a Series; an ``Index``
  (``X.columns``) → the index of a frame without columns (kind ``index``);
- ``numpy.ndarray`` → ``<name>.npy`` (``allow_pickle=False``); a numpy scalar JSON cannot
  hold (a ``datetime64``) → a 0-d ``.npy``;
- a scipy sparse matrix or array → ``<name>.npz`` (``scipy.sparse.save_npz``, no pickle);
- scikit-learn and LightGBM models → ``workbench.models.formats.save_model`` (skops,
  LightGBM text) in the folder ``<name>/`` (kind ``model``);
- other scikit-learn objects (CV splitters like ``KFold(10)``) → skops, ``<name>.skops``;
- plain JSON (numbers, strings, bools, None, lists, tuples and str-keyed dicts of them) →
  inline in the cache entry (a file ``<name>.json`` beyond ``MAX_JSON_CHARS``), tuples
  restored on load;
- a list, tuple, dict, set, frozenset or scikit-learn ``Bunch`` of any of these → kind
  ``container``: each element saved by these rules under the folder ``<name>/``.

Anything else (a lambda, a generator, an open file, an instance of a notebook class, a
``lightgbm.Dataset``, or a container holding one) is not written at all: it gets kind
``memory`` and the runner keeps it in the process, re-running the step that makes it when
a later step needs it (see :mod:`workbench.pipelines.runtime.runner`).

Loading skops files stays safe: the writer keeps a skops file only when every type skops
does not trust by default is an importable class of scikit-learn, numpy, scipy or LightGBM
(for models: any importable class, as ``workbench.models`` does) and records those types;
the loader first checks the file's content fingerprint against the one recorded, then lets
skops build exactly the recorded types and refuses a file that holds any other.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import shutil
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MAX_JSON_CHARS = 1_000_000  # JSON kept inline in the cache entry up to this size
MAX_ITEMS = 10_000  # a bigger container of non-JSON elements is kept in memory
_SERIES_COLUMN = "__series__"
_SPARSE_FORMATS = ("csr", "csc", "bsr", "dia", "coo")  # what save_npz writes as is
_SPARSE_FLAVOR = re.compile(r"^(csr|csc|bsr|dia|coo|lil|dok)_(matrix|array)$")
_SKOPS_LIBRARIES = ("sklearn", "numpy", "scipy", "lightgbm")
_CONTAINERS: dict[type, str] = {
    list: "list",
    tuple: "tuple",
    dict: "dict",
    set: "set",
    frozenset: "frozenset",
}


class ChangedValueError(ValueError):
    """A saved value's file no longer has the content recorded when it was written."""


class InMemoryValueError(LookupError):
    """The value was kept in memory by the run that made it: there is no file to load."""


@dataclass(frozen=True)
class SavedValue:
    """How one value was saved: ``kind`` is ``frame``, ``series``, ``index``, ``array``, ``sparse``,
    ``model``, ``skops``, ``json``, ``container`` or ``memory``; ``path`` is relative to
    the entry folder (None for inline JSON, whose ``value`` is kept, and for ``memory``);
    ``flavor`` says more (the model flavor, the sparse format, the container type, the
    type kept in memory); ``trusted_types`` are the skops types to build; a container's
    ``items`` are its saved elements and ``layout`` its dict keys (JSON: where tuples are)."""

    kind: str
    fingerprint: str
    path: str | None = None
    value: Any = None
    flavor: str | None = None
    trusted_types: tuple[str, ...] = ()
    items: tuple[SavedValue, ...] = field(default=())
    layout: Any = None

    def to_dict(self) -> dict[str, Any]:
        data = {
            "kind": self.kind,
            "fingerprint": self.fingerprint,
            "path": self.path,
            "value": self.value,
            "flavor": self.flavor,
            "trusted_types": list(self.trusted_types),
        }
        if self.items:
            data["items"] = [item.to_dict() for item in self.items]
        if self.layout is not None:
            data["layout"] = self.layout
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SavedValue:
        return cls(
            kind=data["kind"],
            fingerprint=data["fingerprint"],
            path=data.get("path"),
            value=data.get("value"),
            flavor=data.get("flavor"),
            trusted_types=tuple(data.get("trusted_types", ())),
            items=tuple(cls.from_dict(item) for item in data.get("items", ())),
            layout=data.get("layout"),
        )


def type_name(value: Any) -> str:
    return f"{type(value).__module__}.{type(value).__qualname__}"


def in_memory(value: Any, reason: str) -> SavedValue:
    """The record of a value kept in memory: its fingerprint names its type only."""
    kind = type_name(value)
    digest = hashlib.sha256(f"memory:{kind}".encode()).hexdigest()
    return SavedValue("memory", digest, flavor=kind, value=reason)


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
    """The JSON text of ``value`` when it loads back equal (tuples as lists), else None."""
    if not _plain_types(value):
        return None
    plain = _plain(value)
    try:
        text = json.dumps(plain, sort_keys=True, allow_nan=True)
    except (TypeError, ValueError, RecursionError):
        return None
    if not _same(json.loads(text), plain):
        return None
    return text


def _plain_types(value: Any) -> bool:
    """Only exact lists, tuples and dicts inside (a defaultdict would load as a dict)."""
    if type(value) in (list, tuple):
        return all(_plain_types(item) for item in value)
    if type(value) is dict:
        return all(_plain_types(item) for item in value.values())
    return not isinstance(value, list | tuple | dict)


def _same(left: Any, right: Any) -> bool:
    if isinstance(left, float) and isinstance(right, float) and math.isnan(left):
        return math.isnan(right)
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(map(_same, left, right))
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(_same(left[k], right[k]) for k in left)
    return type(left) is type(right) and left == right


def _layout(value: Any) -> Any:
    """What JSON loses of ``value``: where tuples are and dict key order (JSON text sorts
    keys), as ``["t"|"l", [...]]`` / ``["d", {key: ...}, order or None]``; None: nothing."""
    if isinstance(value, dict):
        inner = {key: _layout(item) for key, item in value.items()}
        inner = {key: item for key, item in inner.items() if item is not None}
        order = list(value) if list(value) != sorted(value) else None
        return ["d", inner, order] if inner or order else None
    if isinstance(value, list | tuple):
        items = [_layout(item) for item in value]
        if isinstance(value, tuple) or any(item is not None for item in items):
            return ["t" if isinstance(value, tuple) else "l", items]
    return None


def _restored(value: Any, layout: Any) -> Any:
    if layout is None:
        return value
    if layout[0] == "d":
        _, inner, order = layout
        return {key: _restored(value[key], inner.get(key)) for key in order or value}
    items = [_restored(item, sub) for item, sub in zip(value, layout[1], strict=True)]
    return tuple(items) if layout[0] == "t" else items


def file_fingerprint(path: Path) -> str:
    """sha256 of a saved file or folder by content (zip files: see ``_zip_content``)."""
    digest = hashlib.sha256()
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for file in files:
        digest.update(file.relative_to(path).as_posix().encode() if path.is_dir() else b"")
        if file.suffix in (".skops", ".npz") and zipfile.is_zipfile(file):
            digest.update(_zip_content(file))
        else:
            digest.update(file.read_bytes())
    return digest.hexdigest()


def _zip_content(path: Path) -> bytes:
    """A zip's members by name and content hash, without the times zip records; for a skops
    file its schema with object ids numbered in order (skops names objects by ``id()``)."""
    with zipfile.ZipFile(path) as archive:
        members = set(archive.namelist())
        if "schema.json" not in members or path.suffix != ".skops":
            hashes = {m: hashlib.sha256(archive.read(m)).hexdigest() for m in sorted(members)}
            return json.dumps(hashes, sort_keys=True).encode()
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


def _rebuildable(type_names: tuple[str, ...], libraries_only: bool) -> bool:
    """Every type can be found again by its name in another process: an attribute of an
    imported module other than ``__main__`` (not a lambda or a local function); with
    ``libraries_only``, of scikit-learn, numpy, scipy or LightGBM."""
    for name in type_names:
        top = name.split(".")[0]
        if libraries_only and top not in _SKOPS_LIBRARIES and name != "collections.OrderedDict":
            return False
        if top == "__main__" or not _resolves(name):
            return False
    return True


def _resolves(name: str) -> bool:
    parts = name.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        found: Any = sys.modules.get(".".join(parts[:cut]))
        if found is None:
            continue
        for attribute in parts[cut:]:
            found = getattr(found, attribute, None)
        return found is not None
    return False


def save_value(value: Any, directory: Path, *, name: str, step: str) -> SavedValue:
    """Save ``value`` (the variable ``name`` produced by ``step``) under ``directory``; a value
    with no safe format is recorded as kind ``memory`` and nothing is written."""
    pd, np, sparse = (sys.modules.get(m) for m in ("pandas", "numpy", "scipy.sparse"))
    directory.mkdir(parents=True, exist_ok=True)
    if pd is not None and isinstance(value, pd.DataFrame | pd.Series | pd.Index):
        return _save_frame(value, directory, name=name)
    if np is not None and isinstance(value, np.ndarray):
        if value.dtype.hasobject:
            return in_memory(value, "an array of Python objects")
        path = directory / f"{name}.npy"
        np.save(path, value, allow_pickle=False)
        return SavedValue("array", file_fingerprint(path), path=path.name)
    if sparse is not None and sparse.issparse(value):
        return _save_sparse(value, directory, name=name)
    from workbench.models.formats import model_flavor

    if model_flavor(value) != "python":
        return _save_model(value, directory, name=name)
    text = _json_text(value)
    if text is not None:
        return _save_json(value, text, directory, name=name)
    if np is not None and isinstance(value, np.generic) and not value.dtype.hasobject:
        path = directory / f"{name}.npy"
        np.save(path, np.asarray(value), allow_pickle=False)
        return SavedValue("array", file_fingerprint(path), path=path.name, flavor="scalar")
    container = _container_type(value)
    if container is not None:
        return _save_container(value, container, directory, name=name, step=step)
    if type(value).__module__.split(".")[0] == "sklearn":
        return _save_skops(value, directory, name=name)
    return in_memory(value, "no safe file format for this type")


def _save_frame(value: Any, directory: Path, *, name: str) -> SavedValue:
    import pandas as pd

    is_series = isinstance(value, pd.Series)
    if is_series and _json_text(value.name) is None:
        return in_memory(value, "its name is not a plain value")
    frame = value.to_frame(name=_SERIES_COLUMN) if is_series else value
    if isinstance(value, pd.Index):  # a frame without columns keeps the index, names included
        frame = pd.DataFrame(index=value)
    path = directory / f"{name}.parquet"
    try:
        frame.to_parquet(path, index=True)
    except Exception as error:  # pyarrow raises its own types (mixed types in a column, ...)
        path.unlink(missing_ok=True)
        return in_memory(value, f"parquet refused it: {type(error).__name__}: {error}")
    if isinstance(value, pd.Index):
        return SavedValue("index", file_fingerprint(path), path=path.name)
    if is_series:
        return SavedValue(
            "series", file_fingerprint(path), path=path.name, value=_plain(value.name)
        )
    return SavedValue("frame", file_fingerprint(path), path=path.name)


def _save_sparse(value: Any, directory: Path, *, name: str) -> SavedValue:
    import scipy.sparse as sp

    stored = value if value.format in _SPARSE_FORMATS else value.tocsr()
    if stored.dtype.hasobject:
        return in_memory(value, "a sparse matrix of Python objects")
    path = directory / f"{name}.npz"
    sp.save_npz(path, stored, compressed=True)
    flavor = f"{value.format}_{'array' if isinstance(value, sp.sparray) else 'matrix'}"
    return SavedValue("sparse", file_fingerprint(path), path=path.name, flavor=flavor)


def _save_model(value: Any, directory: Path, *, name: str) -> SavedValue:
    from workbench.models.errors import UnsupportedModelError
    from workbench.models.formats import save_model

    try:
        files = save_model(value, directory / name)
    except UnsupportedModelError as error:
        shutil.rmtree(directory / name, ignore_errors=True)
        return in_memory(value, str(error))
    if not _rebuildable(files.untrusted_types, libraries_only=False):
        shutil.rmtree(directory / name)
        return in_memory(value, f"it holds {', '.join(files.untrusted_types)}")
    fingerprint = file_fingerprint(directory / name)
    return SavedValue(
        "model", fingerprint, path=name, flavor=files.flavor, trusted_types=files.untrusted_types
    )


def _save_skops(value: Any, directory: Path, *, name: str) -> SavedValue:
    import skops.io as sio

    path = directory / f"{name}.skops"
    try:
        sio.dump(value, path)
    except Exception as error:  # skops raises several types for objects it cannot describe
        path.unlink(missing_ok=True)
        return in_memory(value, f"skops cannot save it: {error}")
    untrusted = tuple(sio.get_untrusted_types(file=path))
    if not _rebuildable(untrusted, libraries_only=True):
        path.unlink()
        return in_memory(value, f"it holds {', '.join(untrusted)}")
    return SavedValue("skops", file_fingerprint(path), path=path.name, trusted_types=untrusted)


def _save_json(value: Any, text: str, directory: Path, *, name: str) -> SavedValue:
    fingerprint = hashlib.sha256(text.encode()).hexdigest()
    layout = _layout(value)
    if len(text) <= MAX_JSON_CHARS:
        return SavedValue("json", fingerprint, value=json.loads(text), layout=layout)
    path = directory / f"{name}.json"
    path.write_text(text, encoding="utf-8")
    return SavedValue("json", fingerprint, path=path.name, layout=layout)


def _container_type(value: Any) -> str | None:
    """``list``/``tuple``/``dict``/``set``/``frozenset``/``bunch`` for exactly these types
    (a subclass such as a namedtuple or defaultdict would not load back as itself)."""
    found = _CONTAINERS.get(type(value))
    if found is not None:
        return found
    bunch = sys.modules.get("sklearn.utils._bunch")
    return "bunch" if bunch is not None and type(value) is bunch.Bunch else None


def _key_json(key: Any) -> Any:
    """A dict key as JSON (tuples as ``{"tuple": [...]}``); raises TypeError for others."""
    if isinstance(key, tuple):
        return {"tuple": [_key_json(k) for k in key]}
    key = key.item() if hasattr(key, "dtype") and getattr(key, "shape", None) == () else key
    if key is None or isinstance(key, str | int | float):
        return key
    raise TypeError(f"a dict key of type {type(key).__name__}")


def _key_value(data: Any) -> Any:
    if isinstance(data, dict):
        return tuple(_key_value(k) for k in data["tuple"])
    return data


def _save_container(
    value: Any, container: str, directory: Path, *, name: str, step: str
) -> SavedValue:
    if len(value) > MAX_ITEMS:
        return in_memory(value, f"a {container} of more than {MAX_ITEMS:,} elements")
    keys: list[Any] | None = None
    elements = list(value.values()) if container in ("dict", "bunch") else list(value)
    if container in ("dict", "bunch"):
        try:
            keys = [_key_json(key) for key in value]
        except TypeError as error:
            return in_memory(value, str(error))
    folder = directory / name
    folder.mkdir(parents=True, exist_ok=True)
    items = []
    for index, element in enumerate(elements):
        saved = save_value(element, folder, name=str(index), step=step)
        if saved.kind == "memory":
            shutil.rmtree(folder)
            return in_memory(value, f"it holds a {saved.flavor} ({saved.value})")
        items.append(saved)
    if container in ("set", "frozenset"):  # set order differs between processes
        items.sort(key=lambda saved: saved.fingerprint)
    payload = [container, keys, [item.fingerprint for item in items]]
    fingerprint = hashlib.sha256(json.dumps(payload).encode()).hexdigest()
    return SavedValue(
        "container", fingerprint, path=name, flavor=container, items=tuple(items), layout=keys
    )


def inline_json(saved: SavedValue) -> Any:
    """The value of a JSON entry kept inline (tuples restored), else None."""
    if saved.kind != "json" or saved.path is not None:
        return None
    return _restored(saved.value, saved.layout)


def load_value(saved: SavedValue, directory: Path) -> Any:
    """Read back a value written by :func:`save_value` into ``directory``.

    Raises:
        InMemoryValueError: the value was kept in memory (nothing was written).
        ChangedValueError: a skops file's content is not the one recorded.
    """
    if saved.kind == "memory":
        raise InMemoryValueError(
            f"a {saved.flavor} has no safe file format ({saved.value}): it is kept in memory "
            "by the run that made it, so only that run can use it"
        )
    if saved.kind == "json" and saved.path is None:
        return inline_json(saved)
    assert saved.path is not None  # every other kind has a file
    path = directory / saved.path
    if saved.kind == "json":
        return _restored(json.loads(path.read_text(encoding="utf-8")), saved.layout)
    if saved.kind in ("frame", "series", "index"):
        import pandas as pd

        frame = pd.read_parquet(path)
        if saved.kind != "series":
            return frame if saved.kind == "frame" else frame.index
        series = frame[_SERIES_COLUMN]
        series.name = saved.value
        return series
    if saved.kind == "array":
        import numpy as np

        array = np.load(path, allow_pickle=False)
        return array[()] if saved.flavor == "scalar" else array
    if saved.kind == "sparse":
        import scipy.sparse as sp

        if not _SPARSE_FLAVOR.match(saved.flavor or ""):
            raise ChangedValueError(f"{path}: unknown sparse type {saved.flavor!r}")
        loaded = sp.load_npz(path)
        kind = getattr(sp, str(saved.flavor))  # e.g. csr_matrix: lil and dok were saved as csr
        return loaded if type(loaded) is kind else kind(loaded)
    if saved.kind == "container":
        return _load_container(saved, path)
    if saved.kind in ("model", "skops") and file_fingerprint(path) != saved.fingerprint:
        raise ChangedValueError(
            f"{path} was changed after workbench wrote it; delete it (or run with --no-cache)"
        )
    if saved.kind == "skops":
        import skops.io as sio

        data = path.read_bytes()
        extra = sorted(set(sio.get_untrusted_types(data=data)) - set(saved.trusted_types))
        if extra:
            raise ChangedValueError(f"{path} holds types workbench did not write: {extra}")
        return sio.loads(data, trusted=list(saved.trusted_types))
    from workbench.models.formats import load_model

    return load_model(path, trusted_types=list(saved.trusted_types))


def _load_container(saved: SavedValue, folder: Path) -> Any:
    elements = [load_value(item, folder) for item in saved.items]
    if saved.flavor in ("dict", "bunch"):
        pairs = {
            _key_value(key): element for key, element in zip(saved.layout, elements, strict=True)
        }
        if saved.flavor == "dict":
            return pairs
        from sklearn.utils import Bunch

        return Bunch(**pairs)
    kinds = {"list": list, "tuple": tuple, "set": set, "frozenset": frozenset}
    return kinds[saved.flavor or "list"](elements)
