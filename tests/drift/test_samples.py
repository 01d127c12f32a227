"""Prepared samples and aligned counts: what the distances compare, binned as Evidently does."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

from workbench.drift.samples import (
    CategoricalSample,
    NumericSample,
    align_counts,
    as_categorical,
    categorical_sample,
    distribution_counts,
    histogram_counts,
    numeric_sample,
)
from workbench.drift.stats import EmptySampleError

RNG = np.random.default_rng(7)


def test_numeric_sample_sorts_once_and_counts_what_it_drops() -> None:
    sample = numeric_sample(pd.Series([3.0, None, 1.0, np.inf, 1.0, -np.inf], dtype="Float64"))
    assert sample.values.tolist() == [1.0, 1.0, 3.0]
    assert (sample.size, sample.n_dropped, sample.n_unique) == (3, 3, 2)


def test_distinct_values_are_counted_across_chunk_boundaries() -> None:
    values = np.repeat(np.arange(3000.0), 7)  # 21,000 values, runs straddling chunks
    sample = numeric_sample(RNG.permutation(values))
    assert sample.n_unique == 3000
    distinct, counts = sample.value_counts()
    assert np.array_equal(distinct, np.arange(3000.0)) and set(counts.tolist()) == {7}


def test_numeric_sample_leaves_the_callers_array_untouched() -> None:
    values = np.array([3.0, 1.0, 2.0])
    numeric_sample(values)
    assert values.tolist() == [3.0, 1.0, 2.0]


def test_an_all_missing_column_gives_an_empty_sample() -> None:
    sample = numeric_sample([np.nan, np.nan])
    assert (sample.size, sample.n_dropped, sample.n_unique) == (0, 2, 0)


def test_categorical_sample_drops_every_kind_of_missing_value() -> None:
    sample = categorical_sample(pd.Series(["b", None, "a", np.nan, "b", pd.NA], dtype=object))
    assert sample.categories.tolist() == ["a", "b"]
    assert (sample.counts.tolist(), sample.n_dropped, sample.n_unique) == ([1, 2], 3, 2)


def test_categorical_sample_skips_unobserved_categories_of_a_categorical_dtype() -> None:
    series = pd.Series(pd.Categorical(["x", "x"], categories=["x", "y"]))
    assert categorical_sample(series).categories.tolist() == ["x"]


def test_categories_of_mixed_types_still_get_a_stable_order() -> None:
    sample = categorical_sample(pd.Series(["b", 2, "a", 1], dtype=object))
    assert sample.categories.tolist() == [1, 2, "a", "b"]


def test_a_numeric_sample_as_categories_counts_each_distinct_value() -> None:
    sample = as_categorical(numeric_sample([2.0, 1.0, 2.0, 2.0]))
    assert (sample.categories.tolist(), sample.counts.tolist()) == ([1.0, 2.0], [1, 3])


def test_align_counts_covers_the_union_with_zeros_for_absent_categories() -> None:
    counts = align_counts(categorical_sample(["a", "b", "b"]), categorical_sample(["c", "b"]))
    assert counts.categories is not None and counts.edges is None
    assert counts.categories.tolist() == ["a", "b", "c"]
    assert (counts.reference.tolist(), counts.current.tolist()) == ([1, 2, 0], [0, 1, 1])


def test_align_counts_of_numeric_samples_uses_their_distinct_values() -> None:
    counts = align_counts(numeric_sample([1, 1, 2]), numeric_sample([2, 5]))
    assert counts.categories is not None
    assert counts.categories.tolist() == [1.0, 2.0, 5.0]
    assert (counts.reference.tolist(), counts.current.tolist()) == ([2, 1, 0], [0, 1, 1])


@pytest.mark.parametrize(
    ("ref", "cur"),
    [
        (RNG.normal(size=5000), RNG.normal(0.3, size=4000)),
        (RNG.normal(size=30), RNG.uniform(5, 6, size=3)),  # current beyond the reference
        (np.arange(25.0), np.arange(25.0)),
        (RNG.normal(size=300) * 1e300, RNG.normal(size=200) * 1e300),
    ],
)
def test_sturges_histograms_equal_numpy_on_the_concatenated_samples(
    ref: np.ndarray, cur: np.ndarray
) -> None:
    edges = np.histogram_bin_edges(np.concatenate([ref, cur]), bins="sturges")
    counts = histogram_counts(numeric_sample(ref), numeric_sample(cur))
    assert counts.edges is not None and np.array_equal(counts.edges, edges)
    assert np.array_equal(counts.reference, np.histogram(ref, edges)[0])
    assert np.array_equal(counts.current, np.histogram(cur, edges)[0])


def test_a_fixed_bin_count_equals_numpy_too() -> None:
    ref, cur = RNG.normal(size=1000), RNG.normal(size=800)
    edges = np.histogram_bin_edges(np.concatenate([ref, cur]), bins=7)
    counts = histogram_counts(numeric_sample(ref), numeric_sample(cur), bins=7)
    assert counts.edges is not None and np.array_equal(counts.edges, edges)
    assert np.array_equal(counts.reference, np.histogram(ref, edges)[0])


def test_values_spanning_the_whole_float_range_still_bin() -> None:
    ref, cur = numeric_sample([-1.7e308, 0.0, 1.7e308]), numeric_sample([1.0, 1.6e308])
    counts = histogram_counts(ref, cur, bins=4)
    assert counts.edges is not None and np.all(np.isfinite(counts.edges))
    assert (counts.reference.sum(), counts.current.sum()) == (3, 2)


def test_histogram_counts_rejects_a_bad_bin_count() -> None:
    with pytest.raises(ValueError, match="positive"):
        histogram_counts(numeric_sample([1, 2]), numeric_sample([1, 2]), bins=0)


def test_distribution_counts_bins_numeric_columns_above_20_distinct_reference_values() -> None:
    many, few = numeric_sample(np.arange(21.0)), numeric_sample(np.arange(20.0))
    assert distribution_counts(many, few).edges is not None
    binned_by_value = distribution_counts(few, many)
    assert binned_by_value.edges is None and binned_by_value.categories is not None
    assert binned_by_value.categories.size == 21


def test_distribution_counts_of_categories_are_the_aligned_counts() -> None:
    ref, cur = categorical_sample(list("aab")), categorical_sample(list("bbc"))
    by_category = distribution_counts(ref, cur)
    assert by_category.reference.tolist() == align_counts(ref, cur).reference.tolist()


@pytest.mark.parametrize("prepare", [align_counts, distribution_counts])
def test_counting_an_empty_side_raises(prepare: Callable[..., object]) -> None:
    with pytest.raises(EmptySampleError, match="reference"):
        prepare(numeric_sample([np.nan]), numeric_sample([1.0]))
    with pytest.raises(EmptySampleError, match="current"):
        prepare(categorical_sample(["a"]), CategoricalSample(np.array([]), np.array([])))


def test_samples_are_frozen() -> None:
    sample = NumericSample(np.array([1.0]))
    with pytest.raises(AttributeError):
        sample.n_dropped = 3  # type: ignore[misc]
