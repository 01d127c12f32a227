"""``wb.drift.compare`` and ``wb.drift.profile``: per-column tests, in parallel threads."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from workbench.drift._inputs import column_label, labelled_keys, read_frame
from workbench.drift._report import ColumnDrift, Distribution, DriftReport
from workbench.drift.columns import ColumnKind, ColumnType, column_sample, infer_kinds, select_test
from workbench.drift.samples import (
    CategoricalSample,
    NumericSample,
    Sample,
    align_counts,
    histogram_counts,
)
from workbench.drift.stats import EmptySampleError
from workbench.drift.stattests import get_test

MISSING_SHARE_CHANGE = 0.1  # a change of 10 points in the share of missing values is flagged
PLOT_BINS = 20
PLOT_CATEGORIES = 20


@dataclass(frozen=True)
class ReferenceProfile:
    """Reference statistics computed once (``wb.drift.profile``), reusable for every batch."""

    columns: dict[str, ColumnType]
    samples: dict[str, Sample]
    missing: dict[str, int]
    n_rows: int
    fingerprint: str | None

    def to_dict(self) -> dict[str, Any]:
        """Serialisable form (sorted numeric values, category counts)."""
        samples: dict[str, Any] = {}
        for name, sample in self.samples.items():
            if isinstance(sample, NumericSample):
                samples[name] = {"values": sample.values.tolist(), "dropped": sample.n_dropped}
            else:
                samples[name] = {
                    "categories": [_label(c) for c in sample.categories],
                    "counts": sample.counts.tolist(),
                    "dropped": sample.n_dropped,
                }
        return {
            "columns": {n: {"kind": t.kind.value, "note": t.note} for n, t in self.columns.items()},
            "samples": samples,
            "missing": self.missing,
            "n_rows": self.n_rows,
            "fingerprint": self.fingerprint,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ReferenceProfile:
        samples: dict[str, Sample] = {}
        for name, entry in data["samples"].items():
            if "values" in entry:
                samples[name] = NumericSample(
                    np.asarray(entry["values"], dtype=float), entry["dropped"]
                )
            else:
                samples[name] = CategoricalSample(
                    np.asarray(entry["categories"], dtype=object),
                    np.asarray(entry["counts"], dtype=np.int64),
                    entry["dropped"],
                )
        columns = {
            n: ColumnType(ColumnKind(v["kind"]), v.get("note")) for n, v in data["columns"].items()
        }
        return cls(
            columns, samples, dict(data["missing"]), int(data["n_rows"]), data.get("fingerprint")
        )


def _label(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value


def _fingerprint(frame: pd.DataFrame) -> str | None:
    from workbench.tracking.datasets import fingerprint_frame

    try:
        return fingerprint_frame(frame)
    except Exception:  # a fingerprint is a convenience, never a reason to fail
        return None


def profile(
    reference: Any,
    *,
    columns: Sequence[str] | None = None,
    categorical: Sequence[str] | None = None,
    kinds: Mapping[str, str] | None = None,
) -> ReferenceProfile:
    """Prepare the reference once: column kinds, sorted values, category counts.

    >>> ref = wb.drift.profile(train_df)  # doctest: +SKIP
    >>> wb.drift.compare(ref, new_batch)  # doctest: +SKIP
    """
    frame = read_frame(reference, "reference")
    selected = [column_label(c) for c in columns] if columns is not None else list(frame.columns)
    twice = sorted({c for c in selected if selected.count(c) > 1})
    if twice:
        raise ValueError(f"columns names {twice} more than once; name each column once.")
    missing = [c for c in selected if c not in frame.columns]
    if missing:
        raise ValueError(f"Columns not in the reference: {missing}; it has {list(frame.columns)}.")
    overrides: dict[str, str] = labelled_keys(kinds or {})
    overrides.update({column_label(c): "categorical" for c in categorical or ()})
    types = infer_kinds(frame[selected], overrides)
    samples: dict[str, Sample] = {}
    for name, column_type in types.items():
        if not column_type.skipped:
            samples[name] = column_sample(frame[name], column_type.kind)
    missing_counts = {name: int(frame[name].isna().sum()) for name in selected}
    return ReferenceProfile(types, samples, missing_counts, len(frame), _fingerprint(frame))


def _distribution(reference: Sample, current: Sample) -> Distribution | None:
    try:
        if (
            isinstance(reference, NumericSample)
            and isinstance(current, NumericSample)
            and reference.n_unique > PLOT_CATEGORIES
        ):
            counts = histogram_counts(reference, current, bins=PLOT_BINS)
            assert counts.edges is not None
            return Distribution(
                "histogram",
                counts.reference.tolist(),
                counts.current.tolist(),
                edges=counts.edges.tolist(),
            )
        counts = align_counts(reference, current)
    except (ValueError, EmptySampleError):
        return None
    assert counts.categories is not None
    order = np.argsort(-(counts.reference + counts.current), kind="stable")[:PLOT_CATEGORIES]
    return Distribution(
        "categories",
        counts.reference[order].tolist(),
        counts.current[order].tolist(),
        labels=[str(_label(c)) for c in counts.categories[order]],
    )


def _compare_column(
    name: str,
    role: str,
    column_type: ColumnType,
    reference: Sample | None,
    current_series: pd.Series,
    missing_reference: int,
    reference_rows: int,
    test: str | None,
    threshold: float | None,
) -> ColumnDrift:
    missing_current = int(current_series.isna().sum())
    share_ref = missing_reference / reference_rows if reference_rows else 0.0
    share_cur = missing_current / len(current_series) if len(current_series) else 0.0
    change = share_cur - share_ref
    base: dict[str, Any] = {
        "column": name, "role": role, "type": column_type.kind.value,
        "missing_reference": missing_reference, "missing_current": missing_current,
        "missing_share_change": change, "missing_drifted": abs(change) >= MISSING_SHARE_CHANGE,
    }  # fmt: skip
    empty: dict[str, Any] = {
        "test": None, "statistic": None, "p_value": None, "threshold": None, "drifted": False,
    }  # fmt: skip
    if column_type.skipped or reference is None:
        return ColumnDrift(**base, **empty, status="skipped", note=column_type.note)
    current = column_sample(current_series, column_type.kind)
    try:
        criterion = select_test(column_type.kind, reference, test, threshold)
        result = get_test(criterion.test).run(reference, current)
    except EmptySampleError as error:
        side = "reference" if "reference" in str(error) else "current"
        note = f"no valid values in the {side} data (empty or all missing): not tested"
        return ColumnDrift(**base, **empty, status="empty", note=note)
    except ValueError as error:
        return ColumnDrift(**base, **empty, status="error", note=str(error))
    return ColumnDrift(
        **base,
        test=criterion.test,
        statistic=float(result.statistic),
        p_value=None if result.p_value is None else float(result.p_value),
        threshold=criterion.threshold,
        drifted=criterion.drifted(result),
        status="ok",
        distribution=_distribution(reference, current),
    )


def _choice(name: str, kind: ColumnKind, per_column: Mapping[str, Any] | None, default: Any) -> Any:
    """A per-column setting, else a per-kind one (keyed by kind name), else ``default``."""
    if per_column:
        if name in per_column:
            return per_column[name]
        if kind.value in per_column:
            return per_column[kind.value]
    return default


def compare(
    reference: Any,
    current: Any,
    *,
    columns: Sequence[str] | None = None,
    categorical: Sequence[str] | None = None,
    target: str | None = None,
    prediction: str | None = None,
    time_column: str | None = None,
    window: str | int | None = None,
    tests: str | Mapping[str, str] | None = None,
    thresholds: float | Mapping[str, float] | None = None,
    drift_share: float = 0.5,
    sample: int | None = None,
    show_progress: bool = False,
    random_state: int = 0,
) -> DriftReport:
    """Compare ``current`` with ``reference`` column by column and give a dataset verdict.

    ``reference`` is a DataFrame, a CSV/Parquet path or a :func:`profile`. Tests and
    thresholds can be set for all columns (a name / a number) or per column or per kind
    (a mapping: ``{"age": "psi", "categorical": "chisquare"}``).

    >>> import workbench as wb
    >>> report = wb.drift.compare(train_df, new_df, target="churned")  # doctest: +SKIP
    >>> report.drifted, report.to_frame()  # doctest: +SKIP
    """
    if not 0 < drift_share <= 1:
        raise ValueError(f"drift_share must be in (0, 1], got {drift_share!r}")
    for name in [tests] if isinstance(tests, str) else (tests or {}).values():
        get_test(name)  # an unknown name fails now, naming the known tests
    # Reports name columns by strings: the arguments are converted like the frames' columns.
    target, prediction, time_column = (
        None if name is None else column_label(name) for name in (target, prediction, time_column)
    )
    columns = None if columns is None else [column_label(c) for c in columns]
    tests = labelled_keys(tests) if isinstance(tests, Mapping) else tests
    thresholds = labelled_keys(thresholds) if isinstance(thresholds, Mapping) else thresholds
    current_frame = read_frame(current, "current")
    if sample is not None:
        if sample <= 0:
            raise ValueError(f"sample must be a positive number of rows, got {sample!r}")
        if len(current_frame) > sample:
            current_frame = current_frame.sample(sample, random_state=random_state)
    if isinstance(reference, ReferenceProfile):
        ref = reference
    else:
        reference_frame = read_frame(reference, "reference")
        if sample is not None and len(reference_frame) > sample:
            reference_frame = reference_frame.sample(sample, random_state=random_state)
        excluded = {time_column} if time_column else set()
        names = [c for c in (columns or reference_frame.columns) if c not in excluded]
        for extra in (target, prediction):
            if extra and extra not in names:
                names.append(extra)
        ref = profile(reference_frame, columns=names, categorical=categorical)
    absent = [c for c in ref.columns if c not in current_frame.columns]
    if absent:
        raise ValueError(
            f"The current data lacks column(s) {absent} that the reference has; "
            f"pass columns=[...] to compare only the shared ones."
        )
    if time_column is not None and time_column not in current_frame.columns:
        raise ValueError(f"time_column {time_column!r} is not a column of the current data.")
    if window is not None and time_column is None and not isinstance(window, int):
        raise ValueError("A time window like '1D' needs time_column=...; or give a row count.")

    report = _compare_frames(ref, current_frame, target, prediction, tests, thresholds,
                             drift_share, show_progress)  # fmt: skip
    if window is not None:
        report.windows = _windows(ref, current_frame, time_column, window, target, prediction,
                                  tests, thresholds, drift_share)  # fmt: skip
    return report


def _compare_frames(
    ref: ReferenceProfile,
    current: pd.DataFrame,
    target: str | None,
    prediction: str | None,
    tests: str | Mapping[str, str] | None,
    thresholds: float | Mapping[str, float] | None,
    drift_share: float,
    show_progress: bool,
) -> DriftReport:
    from tqdm.auto import tqdm

    def role(name: str) -> str:
        return "target" if name == target else "prediction" if name == prediction else "feature"

    def run(name: str) -> ColumnDrift:
        column_type = ref.columns[name]
        test = tests if isinstance(tests, str) else _choice(name, column_type.kind, tests, None)
        threshold = (
            thresholds
            if isinstance(thresholds, (int, float))
            else _choice(name, column_type.kind, thresholds, None)
        )
        return _compare_column(
            name, role(name), column_type, ref.samples.get(name), current[name],
            ref.missing.get(name, 0), ref.n_rows, test, threshold,
        )  # fmt: skip

    names = list(ref.columns)
    # numpy sorts and searches release the GIL: threads give the columns real parallelism.
    workers = max(1, min(len(names), os.cpu_count() or 1))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        results = list(
            tqdm(
                pool.map(run, names),
                total=len(names),
                desc="columns",
                unit="column",
                delay=1.0,  # drawn only when a person waits a second
                disable=not show_progress,
            )
        )
    notes = [f"{c.column}: {c.note}" for c in results if c.status != "ok" and c.note]
    return DriftReport(
        columns=results,
        drift_share=drift_share,
        reference_rows=ref.n_rows,
        current_rows=len(current),
        reference_fingerprint=ref.fingerprint,
        current_fingerprint=_fingerprint(current),
        notes=notes,
    )


def _windows(
    ref: ReferenceProfile,
    current: pd.DataFrame,
    time_column: str | None,
    window: str | int,
    target: str | None,
    prediction: str | None,
    tests: str | Mapping[str, str] | None,
    thresholds: float | Mapping[str, float] | None,
    drift_share: float,
) -> list[dict[str, Any]]:
    groups: list[tuple[str, Any, Any, pd.DataFrame]] = []
    if isinstance(window, int):
        if window <= 0:
            raise ValueError(
                f"window must be a positive row count or a period like '1D', got {window}"
            )
        ordered = current.sort_values(time_column) if time_column else current
        for start in range(0, len(ordered), window):
            part = ordered.iloc[start : start + window]
            first = part[time_column].iloc[0] if time_column else start
            last = part[time_column].iloc[-1] if time_column else start + len(part) - 1
            groups.append((f"rows {start}-{start + len(part) - 1}", first, last, part))
    else:
        times = pd.to_datetime(current[time_column])
        try:
            grouper = times.dt.floor(window)
        except ValueError as error:
            raise ValueError(
                f"window {window!r} is not a period like '1D', '7D' or '12h': {error}"
            ) from None
        for moment, part in current.groupby(grouper, sort=True):
            begin = pd.Timestamp(moment)
            groups.append((str(begin), begin, begin + pd.Timedelta(window), part))
    rows: list[dict[str, Any]] = []
    for label, start, end, part in groups:
        report = _compare_frames(
            ref, part, target, prediction, tests, thresholds, drift_share, False
        )
        for column in report.features:
            rows.append({
                "window": label, "start": str(start), "end": str(end), "rows": len(part),
                "column": column.column, "score": column.score, "drifted": column.drifted,
                "share": report.share, "dataset_drifted": report.drifted,
            })  # fmt: skip
    return rows
