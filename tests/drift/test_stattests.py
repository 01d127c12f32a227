"""Tests by name, and the verdicts a user sees under the default rule."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.spatial import distance

from workbench.drift.columns import column_sample, infer_kind, select_test
from workbench.drift.samples import CategoricalSample, Sample, categorical_sample, numeric_sample
from workbench.drift.stats import EmptySampleError
from workbench.drift.stattests import TESTS, DriftCriterion, StatResult, get_test

NAMES = ["ks", "chisquare", "z", "wasserstein", "jensenshannon", "psi", "hellinger", "kl"]
RNG = np.random.default_rng(11)


def _verdict(reference: pd.Series, current: pd.Series) -> tuple[DriftCriterion, bool]:
    """What compare() will do for one column: infer, prepare, pick the test, run it."""
    kind = infer_kind(reference).kind
    ref, cur = column_sample(reference, kind), column_sample(current, kind)
    criterion = select_test(kind, ref)
    return criterion, criterion.drifted(get_test(criterion.test).run(ref, cur))


def test_the_drift_tests_are_the_documented_names() -> None:
    assert list(TESTS) == NAMES


def test_unknown_names_are_refused_with_the_allowed_ones() -> None:
    with pytest.raises(ValueError) as raised:
        get_test("kl_div")
    assert str(raised.value) == f"unknown drift test 'kl_div'; choose one of {NAMES}"


@pytest.mark.parametrize("name", ["ks", "wasserstein"])
def test_numeric_only_tests_refuse_categories(name: str) -> None:
    with pytest.raises(ValueError, match=f"test '{name}' needs numeric data"):
        get_test(name).run(categorical_sample(["a"]), categorical_sample(["b"]))


def test_thresholds_must_be_finite_and_non_negative() -> None:
    with pytest.raises(ValueError, match="threshold"):
        get_test("psi").criterion(float("nan"))


def test_a_criterion_compares_p_values_below_and_distances_from_the_threshold() -> None:
    p_test, distance_test = get_test("z").criterion(), get_test("psi").criterion()
    assert p_test.drifted(StatResult(3.0, 0.049)) and not p_test.drifted(StatResult(1.0, 0.05))
    assert distance_test.drifted(StatResult(0.1)) and not distance_test.drifted(StatResult(0.099))
    with pytest.raises(ValueError, match="no p-value"):
        p_test.score(StatResult(0.3))


IDENTICAL: list[tuple[str, Sample]] = [
    ("numeric", numeric_sample(RNG.normal(size=3000))),
    ("few values", numeric_sample(RNG.integers(0, 2, 500))),
    ("constant", numeric_sample(np.full(50, 3.0))),
    ("one row", numeric_sample([1.0])),
    ("categories", categorical_sample(RNG.choice(list("abc"), 800))),
]


# Numeric-only tests refuse categories (tested above), so they skip that pairing.
IDENTICAL_CASES = [
    pytest.param(name, sample, id=f"{name}-{label}")
    for name in NAMES
    for label, sample in IDENTICAL
    if not (TESTS[name].numeric_only and isinstance(sample, CategoricalSample))
]


@pytest.mark.parametrize(("name", "sample"), IDENTICAL_CASES)
def test_identical_data_is_never_drift(name: str, sample: Sample) -> None:
    test = get_test(name)
    result = test.run(sample, sample)
    assert result.statistic == pytest.approx(0.0, abs=1e-7)
    assert result.p_value is None or result.p_value == pytest.approx(1.0)
    assert not test.criterion().drifted(result)


@pytest.mark.parametrize("name", NAMES)
def test_every_test_reports_an_empty_side(name: str) -> None:
    with pytest.raises(EmptySampleError):
        get_test(name).run(numeric_sample([1.0, 2.0]), numeric_sample([np.nan]))


def test_a_half_std_shift_on_10000_rows_is_drift_under_the_default_rule() -> None:
    reference = pd.Series(RNG.normal(10, 2, 10_000))
    current = pd.Series(RNG.normal(11, 2, 10_000))
    criterion, drifted = _verdict(reference, current)
    assert criterion.test == "wasserstein" and drifted


def test_same_distribution_on_10000_rows_is_no_drift() -> None:
    reference = pd.Series(RNG.normal(10, 2, 10_000))
    assert _verdict(reference, pd.Series(RNG.normal(10, 2, 10_000))) == (
        get_test("wasserstein").criterion(),
        False,
    )


def test_small_samples_use_ks_and_catch_a_half_std_shift() -> None:
    criterion, drifted = _verdict(
        pd.Series(RNG.normal(size=500)), pd.Series(RNG.normal(0.5, size=500))
    )
    assert criterion.test == "ks" and drifted


def test_a_new_majority_category_is_drift_for_small_and_large_references() -> None:
    for size, expected_test in ((600, "chisquare"), (6000, "jensenshannon")):
        reference = pd.Series(RNG.choice(list("abc"), size, p=[0.6, 0.3, 0.1]))
        current = pd.Series(RNG.choice(list("abcd"), size, p=[0.2, 0.2, 0.1, 0.5]))
        criterion, drifted = _verdict(reference, current)
        assert criterion.test == expected_test and drifted


def test_jensen_shannon_on_a_numeric_column_equals_evidentlys_computation() -> None:
    ref, cur = RNG.normal(size=4000), RNG.normal(0.2, size=3000)
    edges = np.histogram_bin_edges(np.concatenate([ref, cur]), bins="sturges")
    # Evidently 0.7 calls scipy without a base: natural logarithm.
    expected = distance.jensenshannon(
        np.histogram(ref, edges)[0] / ref.size, np.histogram(cur, edges)[0] / cur.size
    )
    result = get_test("jensenshannon").run(numeric_sample(ref), numeric_sample(cur))
    assert result.statistic == pytest.approx(expected, rel=1e-9)
