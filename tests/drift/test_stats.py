"""Each drift statistic equals its scipy reference, on ordinary and adversarial data."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy import stats
from scipy.spatial import distance
from scipy.special import rel_entr

from workbench.drift import _kolmogorov
from workbench.drift.stats import (
    EmptySampleError,
    chi_square_test,
    fill_empty_bins,
    finite_sorted,
    hellinger,
    jensen_shannon,
    kl_divergence,
    ks_test,
    psi,
    wasserstein_distance,
    wasserstein_normed,
    z_test,
)

RNG = np.random.default_rng(20240601)


def _pvalue_close(actual: float, expected: float) -> bool:
    # Relative for every p-value a decision could hinge on; absolute only in the
    # subnormal range, where scipy's own last digits are noise.
    return math.isclose(actual, expected, rel_tol=1e-9, abs_tol=1e-300)


def _scipy_ks(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    result = stats.ks_2samp(a, b)
    return float(result.statistic), float(result.pvalue)


def _samples() -> list[tuple[str, np.ndarray, np.ndarray]]:
    normal = RNG.normal(size=700)
    return [
        ("same distribution", RNG.normal(size=300), RNG.normal(size=250)),
        ("shifted", RNG.normal(size=300), RNG.normal(0.4, size=333)),
        ("equal sizes", RNG.normal(size=400), RNG.normal(0.1, size=400)),
        (
            "heavy ties",
            RNG.integers(0, 4, 500).astype(float),
            RNG.integers(0, 5, 480).astype(float),
        ),
        ("ties across samples", np.round(normal[:350], 1), np.round(normal[350:] * 1.3, 1)),
        ("one row each", np.array([1.0]), np.array([2.0])),
        ("one row against many", np.array([0.3]), RNG.normal(size=50)),
        ("constant, equal", np.full(40, 7.0), np.full(60, 7.0)),
        ("constant, different", np.full(40, 7.0), np.full(60, 8.0)),
        ("disjoint ranges", RNG.uniform(0, 1, 90), RNG.uniform(2, 3, 110)),
        ("huge values", RNG.normal(size=200) * 1e300, RNG.normal(0.3, size=150) * 1e300),
        ("tiny values", RNG.normal(size=200) * 1e-300, RNG.normal(size=150) * 1e-300),
        ("asymptotic regime", RNG.normal(size=12_000), RNG.normal(0.03, size=9_000)),
        ("asymptotic, drifted", RNG.normal(size=30_000), RNG.normal(0.05, size=25_000)),
    ]


SAMPLES = _samples()
SAMPLE_IDS = [name for name, _, _ in SAMPLES]


@pytest.mark.parametrize(("name", "ref", "cur"), SAMPLES, ids=SAMPLE_IDS)
def test_ks_test_equals_scipy_ks_2samp(name: str, ref: np.ndarray, cur: np.ndarray) -> None:
    statistic, p_value = ks_test(ref, cur)
    expected_statistic, expected_p = _scipy_ks(ref, cur)
    assert statistic == expected_statistic  # same operations, same bits
    assert _pvalue_close(p_value, expected_p)


@pytest.mark.parametrize(("name", "ref", "cur"), SAMPLES, ids=SAMPLE_IDS)
def test_ks_test_accepts_presorted_input(name: str, ref: np.ndarray, cur: np.ndarray) -> None:
    assert ks_test(np.sort(ref), np.sort(cur), presorted=True) == ks_test(ref, cur)


@pytest.mark.filterwarnings("ignore:ks_2samp. Exact calculation unsuccessful:RuntimeWarning")
def test_ks_test_switches_to_asymptotic_where_scipys_exact_sum_fails() -> None:
    # With equal sizes and D = 1/n, the exact sum rounds to 1 + 2e-16: scipy goes asymptotic.
    ref = np.arange(5.0)
    assert ks_test(ref, ref + 0.5) == _scipy_ks(ref, ref + 0.5)


def test_ks_test_falls_back_to_scipy_when_its_exact_helper_is_gone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ref, cur = RNG.normal(size=80), RNG.normal(0.5, size=70)
    monkeypatch.setattr(_kolmogorov, "_exact_pvalue", None)
    assert ks_test(ref, cur) == _scipy_ks(ref, cur)


@pytest.mark.parametrize(("name", "ref", "cur"), SAMPLES, ids=SAMPLE_IDS)
def test_wasserstein_distance_equals_scipy(name: str, ref: np.ndarray, cur: np.ndarray) -> None:
    expected = stats.wasserstein_distance(ref, cur)
    assert wasserstein_distance(ref, cur) == pytest.approx(expected, rel=1e-9, abs=1e-300)


@pytest.mark.parametrize(("name", "ref", "cur"), SAMPLES, ids=SAMPLE_IDS)
def test_wasserstein_normed_divides_by_the_reference_std(
    name: str, ref: np.ndarray, cur: np.ndarray
) -> None:
    scale = float(np.abs(ref).max())
    std = scale * float(np.std(ref / scale))  # np.std(ref) overflows for 1e300 values
    expected = stats.wasserstein_distance(ref, cur) / max(std, 0.001)
    assert wasserstein_normed(ref, cur) == pytest.approx(expected, rel=1e-9)


def test_wasserstein_normed_of_a_constant_reference_uses_evidentlys_floor() -> None:
    assert wasserstein_normed([5.0, 5.0, 5.0], [5.0, 5.0]) == 0.0
    assert wasserstein_normed([5.0, 5.0, 5.0], [5.5]) == pytest.approx(0.5 / 0.001)


def test_non_finite_values_are_dropped_before_testing() -> None:
    ref, cur = RNG.normal(size=100), RNG.normal(size=90)
    dirty = np.concatenate([ref, [np.nan, np.inf, -np.inf]])
    assert ks_test(dirty, cur) == ks_test(ref, cur)
    assert wasserstein_normed(dirty, cur) == wasserstein_normed(ref, cur)
    values, n_dropped = finite_sorted(dirty)
    assert n_dropped == 3 and np.array_equal(values, np.sort(ref))


@pytest.mark.parametrize("function", [ks_test, wasserstein_distance, wasserstein_normed])
@pytest.mark.parametrize(
    ("ref", "cur", "side"),
    [([], [1.0], "reference"), ([1.0], [np.nan, np.inf], "current"), ([np.nan], [], "reference")],
)
def test_numeric_tests_raise_on_an_empty_side(
    function: Callable[..., object], ref: list[float], cur: list[float], side: str
) -> None:
    with pytest.raises(EmptySampleError) as raised:
        function(ref, cur)
    assert raised.value.side == side


def _random_counts(size: int) -> tuple[np.ndarray, np.ndarray]:
    return RNG.integers(1, 500, size), RNG.integers(1, 500, size)


@pytest.mark.parametrize("size", [2, 3, 5, 30])
def test_chi_square_equals_scipy_chisquare_against_reference_proportions(size: int) -> None:
    ref, cur = _random_counts(size)
    expected = stats.chisquare(cur, ref / ref.sum() * cur.sum())
    statistic, p_value = chi_square_test(ref, cur)
    assert statistic == pytest.approx(expected.statistic, rel=1e-9)
    assert _pvalue_close(p_value, expected.pvalue)


def test_chi_square_counts_a_reference_only_category_as_observed_zero() -> None:
    ref, cur = np.array([30, 50, 20]), np.array([40, 60, 0])
    expected = stats.chisquare(cur, ref / ref.sum() * cur.sum())
    assert chi_square_test(ref, cur) == pytest.approx((expected.statistic, expected.pvalue))


def test_chi_square_calls_a_category_new_in_current_data_drift() -> None:
    ref, cur = np.array([30, 50, 0]), np.array([40, 60, 1])
    with np.errstate(divide="ignore", invalid="ignore"):
        expected = stats.chisquare(cur, ref / ref.sum() * cur.sum())
    assert chi_square_test(ref, cur) == (expected.statistic, expected.pvalue) == (math.inf, 0.0)


def test_chi_square_ignores_categories_absent_on_both_sides() -> None:
    assert chi_square_test([30, 0, 50], [40, 0, 60]) == chi_square_test([30, 50], [40, 60])


def test_chi_square_of_a_single_shared_category_is_no_drift() -> None:
    assert chi_square_test([10], [99]) == (0.0, 1.0)


@pytest.mark.parametrize(
    ("ref", "cur"), [([40, 60], [55, 45]), ([1, 999], [3, 997]), ([500, 500], [499, 501])]
)
def test_z_test_matches_pearson_chi_square_on_the_2x2_table(ref: list[int], cur: list[int]) -> None:
    z, p_value = z_test(ref, cur)
    expected = stats.chi2_contingency(np.array([ref, cur]), correction=False)
    assert z**2 == pytest.approx(expected.statistic, rel=1e-9)
    assert _pvalue_close(p_value, expected.pvalue)


def test_z_test_follows_evidentlys_formula_and_sign() -> None:
    ref, cur = np.array([30, 70, 0]), np.array([45, 40, 15])  # first category vs the rest
    n1, n2 = ref.sum(), cur.sum()
    p1, p2 = 1 - ref[0] / n1, 1 - cur[0] / n2
    pooled = (p1 * n1 + p2 * n2) / (n1 + n2)
    expected_z = (p1 - p2) / np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    z, p_value = z_test(ref, cur)
    assert z == pytest.approx(expected_z, rel=1e-12)
    assert p_value == pytest.approx(2 * (1 - stats.norm.cdf(abs(expected_z))), rel=1e-9)


def test_z_test_of_one_shared_category_is_no_drift() -> None:
    assert z_test([0, 25], [0, 40]) == (0.0, 1.0)
    assert z_test([25], [40]) == (0.0, 1.0)


@pytest.mark.parametrize("function", [chi_square_test, z_test, jensen_shannon, psi, hellinger])
def test_count_based_functions_raise_on_an_empty_side(function: Callable[..., object]) -> None:
    with pytest.raises(EmptySampleError, match="current"):
        function([3, 4], [0, 0])


def test_counts_must_be_aligned_and_non_negative() -> None:
    with pytest.raises(ValueError, match="aligned"):
        chi_square_test([1, 2, 3], [1, 2])
    with pytest.raises(ValueError, match="non-negative"):
        psi([1, -2], [1, 2])


def _histogram_pairs() -> list[tuple[np.ndarray, np.ndarray]]:
    return [
        (RNG.integers(0, 100, 12), RNG.integers(0, 100, 12)),
        (np.array([5, 0, 3, 0]), np.array([0, 4, 4, 1])),  # empty bins on both sides
        (np.array([1, 10**9]), np.array([10**9, 1])),  # one bin below 1e-4 of the total
        (np.array([7]), np.array([3])),
        (np.array([0.2, 0.3, 0.5]), np.array([0.5, 0.3, 0.2])),  # proportions work too
    ]


@pytest.mark.parametrize(("ref", "cur"), _histogram_pairs())
def test_jensen_shannon_equals_scipy_in_base_2_and_base_e(ref: np.ndarray, cur: np.ndarray) -> None:
    assert jensen_shannon(ref, cur, base=2) == pytest.approx(
        distance.jensenshannon(ref, cur, base=2), rel=1e-9, abs=1e-12
    )
    # The default is Evidently's: scipy's natural logarithm.
    assert jensen_shannon(ref, cur) == pytest.approx(
        distance.jensenshannon(ref, cur), rel=1e-9, abs=1e-12
    )


def test_fill_empty_bins_follows_evidently() -> None:
    assert fill_empty_bins([0.5, 0.0, 0.5]).tolist() == [0.5, 1e-4, 0.5]
    assert fill_empty_bins([0.99995, 0.00005, 0.0]).tolist() == [0.99995, 0.00005, 5e-11]


@pytest.mark.parametrize(("ref", "cur"), _histogram_pairs())
def test_psi_and_kl_equal_scipy_on_evidentlys_filled_proportions(
    ref: np.ndarray, cur: np.ndarray
) -> None:
    r, c = fill_empty_bins(ref / ref.sum()), fill_empty_bins(cur / cur.sum())
    assert psi(ref, cur) == pytest.approx(np.sum(rel_entr(r, c) + rel_entr(c, r)), rel=1e-9)
    assert kl_divergence(ref, cur) == pytest.approx(stats.entropy(r, c), rel=1e-9, abs=1e-15)


@pytest.mark.parametrize(("ref", "cur"), _histogram_pairs())
def test_hellinger_equals_the_scipy_euclidean_form(ref: np.ndarray, cur: np.ndarray) -> None:
    p, q = ref / ref.sum(), cur / cur.sum()
    expected = distance.euclidean(np.sqrt(p), np.sqrt(q)) / np.sqrt(2)
    assert hellinger(ref, cur) == pytest.approx(expected, rel=1e-9, abs=1e-15)
    evidently = math.sqrt(1 - min(np.sum(np.sqrt(p * q)), 1.0))
    assert hellinger(ref, cur) == pytest.approx(evidently, abs=1e-7)  # 1 - sum cancels


# Properties, on small samples with many ties, random sizes and magnitudes.
values = st.one_of(
    st.integers(-3, 3).map(float),
    st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False),
)
samples = hnp.arrays(np.float64, st.integers(1, 40), elements=values)
histograms = st.integers(1, 8).flatmap(
    lambda size: st.tuples(
        hnp.arrays(np.int64, size, elements=st.integers(0, 50)).filter(lambda h: h.sum() > 0),
        hnp.arrays(np.int64, size, elements=st.integers(0, 50)).filter(lambda h: h.sum() > 0),
    )
)


@pytest.mark.filterwarnings("ignore:ks_2samp. Exact calculation unsuccessful:RuntimeWarning")
@settings(max_examples=150, deadline=None)
@given(ref=samples, cur=samples)
def test_ks_and_wasserstein_equal_scipy_on_arbitrary_samples(
    ref: np.ndarray, cur: np.ndarray
) -> None:
    statistic, p_value = ks_test(ref, cur)
    assert (statistic, p_value) == pytest.approx(_scipy_ks(ref, cur), rel=1e-9, abs=1e-300)
    assert 0.0 <= statistic <= 1.0 and 0.0 <= p_value <= 1.0
    assert wasserstein_distance(ref, cur) == pytest.approx(
        stats.wasserstein_distance(ref, cur), rel=1e-9, abs=1e-9
    )


@settings(max_examples=100, deadline=None)
@given(ref=samples, cur=samples)
def test_ks_and_wasserstein_are_symmetric(ref: np.ndarray, cur: np.ndarray) -> None:
    assert ks_test(ref, cur) == ks_test(cur, ref)
    assert wasserstein_distance(ref, cur) == pytest.approx(wasserstein_distance(cur, ref))


@settings(max_examples=100, deadline=None)
@given(sample=samples)
def test_identical_samples_show_no_difference(sample: np.ndarray) -> None:
    assert ks_test(sample, sample) == (0.0, 1.0)
    assert wasserstein_normed(sample, sample) == 0.0


@settings(max_examples=150, deadline=None)
@given(pair=histograms)
def test_distances_are_bounded_and_symmetric(pair: tuple[np.ndarray, np.ndarray]) -> None:
    ref, cur = pair
    assert 0.0 <= jensen_shannon(ref, cur) <= 1.0
    assert 0.0 <= jensen_shannon(ref, cur, base=None) <= math.sqrt(math.log(2)) + 1e-12
    assert 0.0 <= hellinger(ref, cur) <= 1.0
    assert psi(ref, cur) >= 0.0 and kl_divergence(ref, cur) >= -1e-12
    assert jensen_shannon(ref, cur) == pytest.approx(jensen_shannon(cur, ref), abs=1e-12)
    assert hellinger(ref, cur) == pytest.approx(hellinger(cur, ref), abs=1e-12)
    assert psi(ref, cur) == pytest.approx(psi(cur, ref), rel=1e-9, abs=1e-12)


@settings(max_examples=100, deadline=None)
@given(pair=histograms)
def test_identical_histograms_are_at_distance_zero(pair: tuple[np.ndarray, np.ndarray]) -> None:
    ref, _ = pair
    scaled = ref * 3  # same proportions, other total
    assert jensen_shannon(ref, scaled) == pytest.approx(0.0, abs=1e-7)
    assert hellinger(ref, scaled) == pytest.approx(0.0, abs=1e-7)
    assert psi(ref, scaled) == pytest.approx(0.0, abs=1e-12)
    assert kl_divergence(ref, scaled) == pytest.approx(0.0, abs=1e-12)
    assert chi_square_test(ref, scaled)[1] == pytest.approx(1.0)
    assert z_test(ref, scaled) == pytest.approx((0.0, 1.0))
