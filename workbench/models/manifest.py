"""What a saved model directory holds: the :class:`ModelFiles` record and its JSON manifest.

``save_model`` writes the payload files first and ``manifest.json`` last, so a directory
with a manifest is always complete; ``load_model(directory)`` needs nothing else.

>>> files = ModelFiles(format="skops", flavor="sklearn", path="model.skops",
...                    model_class="sklearn.linear_model._logistic.LogisticRegression",
...                    files=("model.skops",), versions={"scikit-learn": "1.9.1"})
>>> ModelFiles.from_dict(files.to_dict()) == files
True
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MANIFEST_NAME = "manifest.json"
MANIFEST_VERSION = 1
FORMATS = ("lightgbm", "skops", "pickle")


def _plain_file_name(name: str) -> str:
    # A manifest is read from disk: a name like "../x" must not reach outside the directory.
    if not name or Path(name).name != name or name in (".", ".."):
        raise ValueError(f"Model file names must be plain file names, got {name!r}.")
    return name


@dataclass(frozen=True)
class ModelFiles:
    """A model saved in a directory: its format, flavor, files and provenance.

    Attributes:
        format: how the payload is stored: ``"lightgbm"``, ``"skops"`` or ``"pickle"``.
        flavor: what the model is: ``"lightgbm.booster"``, ``"lightgbm.sklearn"``,
            ``"sklearn"`` or ``"python"``.
        path: the main payload file, relative to the directory.
        model_class: the model's import path, for display (never imported on load).
        files: every payload file written (``path`` first); ``manifest.json`` comes on top.
        versions: library versions at save time (``python``, ``numpy``, ...).
        wrapper: for ``lightgbm.sklearn``, the JSON state that rebuilds the
            ``LGBMClassifier``/``LGBMRegressor``/``LGBMRanker`` around the booster.
        best_iteration: for LightGBM, the booster's best iteration (-1 when none); the text
            format keeps every tree but not this number.
        untrusted_types: for skops, the types in the file that skops does not trust by
            default; loading needs them in ``trusted_types``.

    Example:
        >>> ModelFiles(format="pickle", flavor="python", path="model.pkl",
        ...            model_class="my.Model", files=("model.pkl",)).format
        'pickle'
    """

    format: str
    flavor: str
    path: str
    model_class: str
    files: tuple[str, ...]
    versions: Mapping[str, str] = field(default_factory=dict, hash=False)
    wrapper: Mapping[str, Any] | None = field(default=None, hash=False)
    best_iteration: int | None = None
    untrusted_types: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.format not in FORMATS:
            raise ValueError(f"format must be one of {FORMATS}, got {self.format!r}.")
        for name in (self.path, *self.files):
            _plain_file_name(name)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict; :meth:`from_dict` reads it back.

        >>> ModelFiles("pickle", "python", "m.pkl", "a.B", ("m.pkl",)).to_dict()["path"]
        'm.pkl'
        """
        return {
            "manifest_version": MANIFEST_VERSION,
            "format": self.format,
            "flavor": self.flavor,
            "path": self.path,
            "model_class": self.model_class,
            "files": list(self.files),
            "versions": dict(self.versions),
            "wrapper": dict(self.wrapper) if self.wrapper is not None else None,
            "best_iteration": self.best_iteration,
            "untrusted_types": list(self.untrusted_types),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ModelFiles:
        """Rebuild from :meth:`to_dict` output (e.g. a manifest or a registry row).

        >>> d = ModelFiles("pickle", "python", "m.pkl", "a.B", ("m.pkl",)).to_dict()
        >>> ModelFiles.from_dict(d).model_class
        'a.B'
        """
        version = data.get("manifest_version", MANIFEST_VERSION)
        if version != MANIFEST_VERSION:
            raise ValueError(
                f"Model manifest version {version!r} is not supported "
                f"(this workbench reads version {MANIFEST_VERSION}); upgrade workbench."
            )
        return cls(
            format=str(data["format"]),
            flavor=str(data["flavor"]),
            path=str(data["path"]),
            model_class=str(data["model_class"]),
            files=tuple(str(name) for name in data["files"]),
            versions={str(k): str(v) for k, v in dict(data.get("versions") or {}).items()},
            wrapper=data.get("wrapper"),
            best_iteration=data.get("best_iteration"),
            untrusted_types=tuple(data.get("untrusted_types") or ()),
        )


def write_manifest(directory: Path, files: ModelFiles) -> Path:
    """Write ``manifest.json`` describing ``files`` into ``directory``; return its path.

    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> write_manifest(d, ModelFiles("pickle", "python", "m.pkl", "a.B", ("m.pkl",))).name
    'manifest.json'
    """
    path = Path(directory) / MANIFEST_NAME
    path.write_text(json.dumps(files.to_dict(), indent=1, sort_keys=True), encoding="utf-8")
    return path


def read_manifest(directory: Path) -> ModelFiles:
    """The :class:`ModelFiles` recorded in ``directory/manifest.json``.

    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> _ = write_manifest(d, ModelFiles("pickle", "python", "m.pkl", "a.B", ("m.pkl",)))
    >>> read_manifest(d).path
    'm.pkl'
    """
    path = Path(directory) / MANIFEST_NAME
    if not path.is_file():
        raise FileNotFoundError(
            f"No model in {str(directory)!r}: {MANIFEST_NAME} is missing "
            "(the directory was not written by save_model, or the save did not finish)."
        )
    return ModelFiles.from_dict(json.loads(path.read_text(encoding="utf-8")))
