"""Compare the files a pipeline run wrote with those the notebook wrote.

The golden entry of a file (``golden["files"][step][path]``) holds its ``sha256`` and
``bytes`` as the notebook's execution left it after the step; a CSV, TSV, Parquet or JSON
file is also kept in the artifact store (by that sha256) so that a run's file that differs
can be compared by content. A file is compared:

- byte for byte first (same sha256: exact);
- CSV and TSV as frames, Parquet as frames: same columns and shape, numbers within the
  tolerance of values (``rtol``/``atol``), other cells equal;
- JSON as parsed data, numbers within tolerance;
- figures (``.png``, ``.svg``, ``.pdf``, ``.html`` ...) and pickles (``.pkl``, ``.joblib``
  ...) by existence and a size above zero: their bytes change with library versions and
  memory layout (the objects a pickle holds are compared as step values when they cross
  steps), and the verdict's detail says so;
- anything else by sha256.

A file whose bytes differ between two executions of the notebook is nondeterministic: a
table is then compared by its columns only.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Iterator, Mapping
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from workbench.pipelines.verify._compare import (
    DIVERGED,
    EXACT,
    SKIPPED,
    TOLERANCE,
    _compare_data,
)

if TYPE_CHECKING:
    from workbench.pipelines.analysis._plan import NotebookPlan

__all__ = [
    "LOOSE",
    "compare_file",
    "file_format",
    "file_randomness_warnings",
    "file_unseeded_verdict",
    "keep_golden_files",
    "nondeterministic_files",
    "record_file",
]

LOOSE = "loose"  # an outcome: a figure or pickle that exists, compared by size only
_TABLES = {".csv": ",", ".tsv": "\t"}
_PARQUET = frozenset({".parquet", ".pq"})
_FIGURES = frozenset({".png", ".jpg", ".jpeg", ".gif", ".webp", ".svg", ".pdf", ".eps", ".html"})
_PICKLES = frozenset({".pkl", ".pickle", ".joblib", ".pt", ".pth", ".keras", ".h5"})


def file_format(path: str) -> str:
    """``table``, ``parquet``, ``json``, ``figure``, ``pickle`` or ``bytes`` (by suffix)."""
    suffix = PurePosixPath(path).suffix.lower()
    if suffix in _TABLES:
        return "table"
    if suffix in _PARQUET:
        return "parquet"
    if suffix == ".json":
        return "json"
    if suffix in _FIGURES:
        return "figure"
    return "pickle" if suffix in _PICKLES else "bytes"


def record_file(file: Path, copies: Path) -> dict[str, Any]:
    """The golden entry of a file the notebook wrote (kernel side: nothing heavy imported);
    a file compared by content is copied into ``copies`` for :func:`keep_golden_files`."""
    try:
        data = file.read_bytes()
    except OSError:  # not written (or not readable): the comparison says so
        return {"missing": True}
    digest = hashlib.sha256(data).hexdigest()
    entry: dict[str, Any] = {"sha256": digest, "bytes": len(data)}
    if file_format(file.name) in ("table", "parquet", "json"):
        copies.mkdir(parents=True, exist_ok=True)
        (copies / digest).write_bytes(data)
        entry["copy"] = str(copies / digest)
    return entry


def keep_golden_files(files: Mapping[str, Mapping[str, dict[str, Any]]]) -> None:
    """Move the copies :func:`record_file` made into the artifact store (the entries lose
    their ``copy``; the blob is found again by the file's sha256)."""
    store = None
    for entries in files.values():
        for entry in entries.values():
            copy = entry.pop("copy", None)
            if copy is None:
                continue
            if store is None:
                from workbench.tracking import fluent

                store = fluent.get_store().blobs
            store.put_file(Path(copy))


def nondeterministic_files(
    first: Mapping[str, Mapping[str, Any]], second: Mapping[str, Mapping[str, Any]]
) -> list[tuple[str, str]]:
    """(step, path) of the files compared by content or bytes that two executions of the
    notebook wrote differently (figures and pickles are never byte-stable: left out)."""
    found = []
    for step, entries in first.items():
        for path, entry in entries.items():
            if file_format(path) in ("figure", "pickle") or "sha256" not in entry:
                continue
            other = second.get(step, {}).get(path, {})
            if other.get("sha256") != entry["sha256"]:
                found.append((step, path))
    return found


def _golden_bytes(sha256: str) -> bytes | None:
    from workbench.tracking import fluent

    try:
        return fluent.get_store().blobs.read_bytes(sha256)
    except (OSError, LookupError, ValueError, RuntimeError):  # not kept in this store
        return None


def _read(path: str, data: bytes) -> Any:
    import pandas as pd

    kind = file_format(path)
    if kind == "table":
        return pd.read_csv(io.BytesIO(data), sep=_TABLES[PurePosixPath(path).suffix.lower()])
    if kind == "parquet":
        return pd.read_parquet(io.BytesIO(data))
    return json.loads(data)


def _column_differences(
    actual: Any, expected: Any, rtol: float, atol: float
) -> Iterator[tuple[str, bool]]:
    """(what differs, within tolerance) for every column of two frames of one shape."""
    import numpy as np
    import pandas as pd

    for column in expected.columns:
        left, right = actual[column], expected[column]
        numeric = pd.api.types.is_numeric_dtype
        if numeric(left) and numeric(right) and not pd.api.types.is_bool_dtype(left):
            a, e = left.to_numpy(dtype=float), right.to_numpy(dtype=float)
            same = (a == e) | (np.isnan(a) & np.isnan(e))
            if same.all():
                continue
            close = np.isclose(a, e, rtol=rtol, atol=atol, equal_nan=True)
            gap = float(np.nanmax(np.abs(a - e), initial=0.0))
            rows = int((~close if not close.all() else ~same).sum())
            yield (
                f"column {column!r} differs in {rows} of {len(a)} rows (by up to {gap:.3g})",
                bool(close.all()),
            )
        else:
            differ = int((left.astype(str) != right.astype(str)).sum())
            if differ:
                yield f"column {column!r} differs in {differ} of {len(left)} rows", False


def _compare_frames(actual: Any, expected: Any, rtol: float, atol: float) -> tuple[str, str]:
    if list(actual.columns) != list(expected.columns):
        return (
            DIVERGED,
            f"columns {list(actual.columns)} vs {list(expected.columns)} in the notebook",
        )
    if actual.shape != expected.shape:
        return DIVERGED, f"shape {actual.shape} vs {expected.shape} in the notebook"
    found = list(_column_differences(actual, expected, rtol, atol))
    if not found:
        return EXACT, ""
    worst = next((item for item in found if not item[1]), found[0])
    more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
    return (TOLERANCE if worst[1] else DIVERGED), worst[0] + more


def compare_file(
    path: str,
    entry: Mapping[str, Any],
    written: tuple[Path, str] | None,
    *,
    rtol: float,
    atol: float,
) -> tuple[str, str]:
    """Compare the run's file ``path`` (its location and sha256, None when the run did not
    write it) with the notebook's ``entry``: ``(outcome, detail)``, outcome ``exact``,
    ``tolerance``, ``diverged``, ``skipped`` or :data:`LOOSE`."""
    if entry.get("missing"):
        return SKIPPED, "the notebook run had not written it by the end of the step"
    if written is None or not written[0].is_file():
        return DIVERGED, "the pipeline did not write it"
    file, sha256 = written
    if sha256 == entry["sha256"]:
        return EXACT, ""
    kind = file_format(path)
    if kind in ("figure", "pickle"):
        if file.stat().st_size == 0:
            return DIVERGED, "the pipeline wrote it empty"
        what = "a figure" if kind == "figure" else "a pickle"
        return LOOSE, f"{path} is {what}: compared by existence and size, not bytes"
    if kind == "bytes":
        sizes = f"{file.stat().st_size} vs {entry['bytes']} bytes in the notebook"
        return DIVERGED, f"its bytes differ ({sizes})"
    ours = file.read_bytes()
    if entry.get("nondeterministic"):
        if kind == "json":
            return SKIPPED, "differs between runs of the notebook"
        golden = _golden_bytes(entry["sha256"])
        if golden is not None:
            actual, expected = _read(path, ours), _read(path, golden)
            if list(actual.columns) != list(expected.columns):
                return DIVERGED, f"columns {list(actual.columns)} vs {list(expected.columns)}"
        return SKIPPED, "differs between runs of the notebook: compared by its columns"
    golden = _golden_bytes(entry["sha256"])
    if golden is None:
        return DIVERGED, "differs from the notebook's (no copy of it kept to compare content)"
    try:
        actual, expected = _read(path, ours), _read(path, golden)
    except Exception as error:  # the run wrote something unreadable
        return DIVERGED, f"cannot read it: {type(error).__name__}: {error}"
    if kind == "json":
        return _compare_data(actual, expected, rtol=rtol, atol=atol)
    return _compare_frames(actual, expected, rtol, atol)


def file_randomness_warnings(
    plan: NotebookPlan, notebook: Path, differing: list[tuple[str, str]]
) -> list[str]:
    """One warning per file two executions of the notebook wrote differently."""
    from workbench.pipelines.verify._randomness import step_calls

    warnings = []
    for step, path in differing:
        calls = step_calls(plan, notebook, step)
        cause = (
            f"unseeded randomness — set the seed: {'; '.join(str(c) for c in calls)}"
            if calls
            else "unseeded randomness the analysis cannot locate: seed it"
        )
        warnings.append(
            f"step {step!r}: file {path} differs between two runs of the notebook ({cause})"
            " — compared by its columns only"
        )
    return warnings


def file_unseeded_verdict(
    plan: NotebookPlan, notebook: Path, differing: list[tuple[str, str]]
) -> dict[str, Any] | None:
    """What the verdict names when the only values that differ between two executions are
    files: the first such file and the unseeded call of its step."""
    from workbench.pipelines.verify._randomness import step_calls

    if not differing:
        return None
    step, path = differing[0]
    calls = step_calls(plan, notebook, step)
    if calls:
        more = f" (and {len(calls) - 1} more)" if len(calls) > 1 else ""
        detail = f"{calls[0]}{more}"
    else:
        detail = (
            f"step {step}: file {path} differs between two runs of the notebook and the "
            "analysis cannot locate the unseeded call: seed it"
        )
    return {"step": step, "variable": f"file {path}", "detail": detail}
