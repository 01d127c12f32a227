"""Column values prepared once per comparison, and the aligned counts the distances need.

A numeric column becomes a :class:`NumericSample` (finite values, sorted once and shared
by every test); anything else becomes a :class:`CategoricalSample` (category counts).
Distances compare two :class:`AlignedCounts`: one count per category or bin, the same
bins on both sides.

Binning follows Evidently, so the distances equal its values: a numeric column whose
reference has more than 20 distinct values is cut into equal-width bins over the range of
both samples together, their number chosen by Sturges' rule (``numpy.histogram_bin_edges``
with ``bins="sturges"`` on the concatenated samples: 20 bins for 400,000 values). Bins
span both samples so that current values outside the reference range land in bins of
their own instead of being clipped. Columns with fewer distinct values, and categorical
columns, get one bin per distinct value seen on either side.

>>> ref = numeric_sample([1.0, 2.0, 2.0, float("nan")])
>>> ref.values.tolist(), ref.n_dropped, ref.n_unique
([1.0, 2.0, 2.0], 1, 2)
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Literal, TypeAlias

import numpy as np
import numpy.typing as npt
import pandas as pd

from workbench.drift._chunks import CHUNK
from workbench.drift.stats import EmptySampleError, finite_sorted

# Evidently bins a numeric column only above this many distinct reference values.
MAX_DISTINCT_AS_CATEGORIES = 20


@dataclass(frozen=True)
class NumericSample:
    """Finite values of a numeric column, sorted ascending.

    >>> numeric_sample([3, 1, 2]).values.tolist()
    [1.0, 2.0, 3.0]
    """

    values: npt.NDArray[np.float64]
    n_dropped: int = 0  # NaN, ±inf and missing values removed

    @property
    def size(self) -> int:
        """Number of valid values."""
        return int(self.values.size)

    @cached_property
    def n_unique(self) -> int:
        """Number of distinct valid values."""
        values, size = self.values, self.values.size
        if size == 0:
            return 0
        changes = 0
        for start in range(0, size - 1, CHUNK):  # small temporaries: see workbench.drift._chunks
            stop = min(start + CHUNK, size - 1)
            changes += int(np.count_nonzero(values[start + 1 : stop + 1] != values[start:stop]))
        return changes + 1

    def value_counts(self) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int64]]:
        """Distinct values ascending, and how often each occurs."""
        if self.values.size == 0:
            return self.values, np.zeros(0, dtype=np.int64)
        ends = _run_ends(self.values)
        return self.values[ends], np.diff(ends, prepend=-1).astype(np.int64)


@dataclass(frozen=True)
class CategoricalSample:
    """Counts of the distinct non-missing values of a column, categories sorted.

    >>> sample = categorical_sample(["b", "a", "b", None])
    >>> sample.categories.tolist(), sample.counts.tolist(), sample.n_dropped
    (['a', 'b'], [1, 2], 1)
    """

    categories: npt.NDArray[Any]
    counts: npt.NDArray[np.int64]
    n_dropped: int = 0  # missing values removed

    @property
    def size(self) -> int:
        """Number of valid values."""
        return int(self.counts.sum())

    @property
    def n_unique(self) -> int:
        """Number of distinct valid values."""
        return int(self.categories.size)


Sample: TypeAlias = NumericSample | CategoricalSample


@dataclass(frozen=True)
class AlignedCounts:
    """Reference and current counts over the same categories or bins.

    Exactly one of ``categories`` (one label per count) and ``edges`` (one more edge than
    counts, numeric bins) is set.

    >>> counts = align_counts(categorical_sample(["a"]), categorical_sample(["b"]))
    >>> counts.categories.tolist(), counts.reference.tolist(), counts.current.tolist()
    (['a', 'b'], [1, 0], [0, 1])
    """

    reference: npt.NDArray[np.int64]
    current: npt.NDArray[np.int64]
    categories: npt.NDArray[Any] | None = None
    edges: npt.NDArray[np.float64] | None = None


def numeric_sample(values: npt.ArrayLike, *, overwrite: bool = False) -> NumericSample:
    """Prepare numeric values: drop NaN/±inf/missing (counted), sort once.

    ``overwrite=True`` sorts a float64 temporary in place (see ``finite_sorted``).

    >>> numeric_sample([2.0, float("inf")]).n_dropped
    1
    """
    finite, n_dropped = finite_sorted(values, overwrite=overwrite)
    return NumericSample(finite, n_dropped)


def categorical_sample(values: npt.ArrayLike | pd.Series) -> CategoricalSample:
    """Count the distinct values; missing ones (None, NaN, NA, NaT) are dropped and counted.

    >>> categorical_sample([True, False, True]).counts.tolist()
    [1, 2]
    """
    series = values if isinstance(values, pd.Series) else pd.Series(values)
    counts = series.value_counts(dropna=True, sort=False)
    counts = counts[counts > 0]  # a categorical dtype also lists unobserved categories
    categories = counts.index.to_numpy(dtype=object)
    order = _sort_order(categories)
    return CategoricalSample(
        categories=categories[order],
        counts=np.asarray(counts.to_numpy(dtype=np.int64)[order], dtype=np.int64),
        n_dropped=int(len(series) - counts.sum()),
    )


def as_categorical(sample: Sample) -> CategoricalSample:
    """The sample as category counts (numeric: one category per distinct value).

    >>> as_categorical(numeric_sample([1, 1, 5])).counts.tolist()
    [2, 1]
    """
    if isinstance(sample, CategoricalSample):
        return sample
    values, counts = sample.value_counts()
    return CategoricalSample(values, counts, sample.n_dropped)


def align_counts(reference: Sample, current: Sample) -> AlignedCounts:
    """Counts of both samples over the union of their categories (absent ones count 0).

    >>> align_counts(numeric_sample([1, 2]), numeric_sample([2, 3])).reference.tolist()
    [1, 1, 0]
    """
    _require_values(reference, current)
    if isinstance(reference, NumericSample) and isinstance(current, NumericSample):
        ref_values, ref_counts = reference.value_counts()
        cur_values, cur_counts = current.value_counts()
        union = np.union1d(ref_values, cur_values)
        return AlignedCounts(
            reference=_scatter(union.size, np.searchsorted(union, ref_values), ref_counts),
            current=_scatter(union.size, np.searchsorted(union, cur_values), cur_counts),
            categories=union,
        )
    ref, cur = as_categorical(reference), as_categorical(current)
    table = pd.concat(
        [
            pd.Series(ref.counts, index=pd.Index(ref.categories, dtype=object)),
            pd.Series(cur.counts, index=pd.Index(cur.categories, dtype=object)),
        ],
        axis=1,
        join="outer",
        sort=False,
    ).fillna(0)
    categories = table.index.to_numpy(dtype=object)
    order = _sort_order(categories)
    return AlignedCounts(
        reference=table.iloc[:, 0].to_numpy(dtype=np.int64)[order],
        current=table.iloc[:, 1].to_numpy(dtype=np.int64)[order],
        categories=categories[order],
    )


def histogram_counts(
    reference: NumericSample,
    current: NumericSample,
    bins: int | Literal["sturges"] = "sturges",
) -> AlignedCounts:
    """Both samples counted in the same equal-width bins over their joint range.

    ``bins`` is a number of bins or ``"sturges"``; counts equal ``numpy.histogram`` with
    the edges ``numpy.histogram_bin_edges(concatenated samples, bins)``, found from the
    sorted values by binary search (no concatenation, no re-sort).

    >>> histogram_counts(numeric_sample([0, 1, 2, 3]), numeric_sample([3, 3]), bins=2).current
    array([0, 2])
    """
    _require_values(reference, current)
    first = min(reference.values[0], current.values[0])
    last = max(reference.values[-1], current.values[-1])
    if bins == "sturges":
        n_bins = _sturges_bins(first, last, reference.size + current.size)
    else:
        n_bins = operator.index(bins)
        if n_bins < 1:
            raise ValueError(f"bins must be a positive integer or 'sturges', got {bins!r}")
    edges = _equal_width_edges(first, last, n_bins)
    return AlignedCounts(
        reference=_bin_counts(reference.values, edges),
        current=_bin_counts(current.values, edges),
        edges=edges,
    )


def distribution_counts(reference: Sample, current: Sample) -> AlignedCounts:
    """Evidently's histograms for the distances (JS, PSI, KL, Hellinger); see the module doc.

    >>> ref = numeric_sample(range(100))
    >>> distribution_counts(ref, ref).edges.size - 1  # Sturges: ceil(log2(200) + 1)
    9
    """
    _require_values(reference, current)
    if (
        isinstance(reference, NumericSample)
        and isinstance(current, NumericSample)
        and reference.n_unique > MAX_DISTINCT_AS_CATEGORIES
    ):
        try:
            return histogram_counts(reference, current)
        except ValueError:
            # Equal-width edges collapse on a range of a few ulps: one bin per value instead.
            pass
    return align_counts(reference, current)


def _require_values(reference: Sample, current: Sample) -> None:
    if reference.size == 0:
        raise EmptySampleError("reference")
    if current.size == 0:
        raise EmptySampleError("current")


def _scatter(
    size: int, positions: npt.NDArray[np.intp], counts: npt.NDArray[np.int64]
) -> npt.NDArray[np.int64]:
    aligned = np.zeros(size, dtype=np.int64)
    aligned[positions] = counts
    return aligned


def _run_ends(values: npt.NDArray[np.float64]) -> npt.NDArray[np.intp]:
    """Index of the last element of each run of equal values in a sorted array."""
    last = np.empty(values.size, dtype=bool)
    np.not_equal(values[1:], values[:-1], out=last[:-1])
    last[-1] = True
    return np.flatnonzero(last)


def _sort_order(categories: npt.NDArray[Any]) -> npt.NDArray[np.intp]:
    try:
        return np.argsort(categories, kind="stable")
    except TypeError:
        # Mixed types (e.g. 1 and "a") do not compare: order by type, then text.
        keys = [(type(value).__name__, str(value)) for value in categories]
        return np.array(sorted(range(len(keys)), key=keys.__getitem__), dtype=np.intp)


def _outer_edges(first: float, last: float) -> tuple[float, float]:
    # numpy widens an empty range to one unit so the single bin has a width.
    return (first - 0.5, last + 0.5) if first == last else (first, last)


def _sturges_bins(first: float, last: float, n_values: int) -> int:
    """numpy's Sturges bin count, with numpy's floating-point steps (same count)."""
    with np.errstate(over="ignore", invalid="ignore"):
        width = (last - first) / (np.log2(n_values) + 1.0)
        low, high = _outer_edges(first, last)
        ratio = (high - low) / width if width else 1.0
    if not np.isfinite(ratio):
        # The range overflows float64 (values near ±1.8e308): Sturges' count directly.
        return int(np.ceil(np.log2(n_values) + 1.0))
    return int(np.ceil(ratio))


def _equal_width_edges(first: float, last: float, n_bins: int) -> npt.NDArray[np.float64]:
    low, high = _outer_edges(first, last)
    with np.errstate(over="ignore"):
        span_is_finite = bool(np.isfinite(high - low))
    if span_is_finite:
        edges = np.linspace(low, high, n_bins + 1)
    else:
        edges = 2.0 * np.linspace(low / 2.0, high / 2.0, n_bins + 1)
    if np.any(edges[:-1] >= edges[1:]):
        raise ValueError(f"cannot cut [{low}, {high}] into {n_bins} bins of non-zero width")
    return edges


def _bin_counts(
    sorted_values: npt.NDArray[np.float64], edges: npt.NDArray[np.float64]
) -> npt.NDArray[np.int64]:
    # numpy.histogram's rule: bins are half-open [a, b) except the last, which is closed.
    positions = np.concatenate(
        (
            np.searchsorted(sorted_values, edges[:-1], side="left"),
            np.searchsorted(sorted_values, edges[-1:], side="right"),
        )
    )
    return np.diff(positions).astype(np.int64)
