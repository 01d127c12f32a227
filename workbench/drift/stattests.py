"""Drift tests by name: how each runs on two prepared samples, and when it means drift.

Registered names: "ks", "chisquare", "z" (p-value tests, drift when p < 0.05 by default)
and "wasserstein", "jensenshannon", "psi", "hellinger", "kl" (distances, drift when they
reach 0.1 by default). Users override the default test of a column or a kind by name.

>>> from workbench.drift.samples import numeric_sample
>>> ref, cur = numeric_sample(range(100)), numeric_sample(range(50, 150))
>>> criterion = get_test("ks").criterion()
>>> criterion.drifted(get_test("ks").run(ref, cur))
True
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np

from workbench.drift.samples import (
    NumericSample,
    Sample,
    align_counts,
    distribution_counts,
)
from workbench.drift.stats import (
    chi_square_test,
    hellinger,
    jensen_shannon,
    kl_divergence,
    ks_test,
    psi,
    wasserstein_normed,
    z_test,
)

# Evidently's default thresholds: p-value tests drift below 0.05, distances from 0.1 up.
P_VALUE_THRESHOLD = 0.05
DISTANCE_THRESHOLD = 0.1


@dataclass(frozen=True)
class StatResult:
    """What a test returns: its statistic, and its p-value when it is a hypothesis test."""

    statistic: float
    p_value: float | None = None


@dataclass(frozen=True)
class DriftCriterion:
    """The test a column gets, and when it counts as drifted.

    P-value tests drift when ``p_value < threshold``; distances when
    ``statistic >= threshold``.

    >>> DriftCriterion("ks", 0.05, p_value=True).drifted(StatResult(0.2, 0.01))
    True
    """

    test: str
    threshold: float
    p_value: bool

    def score(self, result: StatResult) -> float:
        """The number compared with the threshold: the p-value or the statistic."""
        if not self.p_value:
            return result.statistic
        if result.p_value is None:
            raise ValueError(f"test {self.test!r} returned no p-value")
        return result.p_value

    def drifted(self, result: StatResult) -> bool:
        """Whether the result means drift under this criterion."""
        score = self.score(result)
        return score < self.threshold if self.p_value else score >= self.threshold


@dataclass(frozen=True)
class StatTest:
    """A registered drift test: how to run it on two prepared samples, and its defaults.

    >>> from workbench.drift.samples import numeric_sample
    >>> TESTS["ks"].run(numeric_sample([1, 2, 3]), numeric_sample([1, 2, 3]))
    StatResult(statistic=0.0, p_value=1.0)
    """

    name: str
    title: str
    p_value: bool
    default_threshold: float
    numeric_only: bool
    compute: Callable[[Sample, Sample], StatResult]

    def run(self, reference: Sample, current: Sample) -> StatResult:
        """Run the test; raises ``EmptySampleError`` when a side has no valid value."""
        if self.numeric_only and not (
            isinstance(reference, NumericSample) and isinstance(current, NumericSample)
        ):
            usable = sorted(name for name, test in TESTS.items() if not test.numeric_only)
            raise ValueError(
                f"test {self.name!r} needs numeric data; non-numeric columns can use {usable}"
            )
        return self.compute(reference, current)

    def criterion(self, threshold: float | None = None) -> DriftCriterion:
        """This test's drift criterion, with the default threshold unless one is given."""
        if threshold is None:
            threshold = self.default_threshold
        elif not (math.isfinite(threshold) and threshold >= 0):
            raise ValueError(f"threshold must be a finite number >= 0, got {threshold!r}")
        return DriftCriterion(self.name, float(threshold), self.p_value)


def _ks(reference: Sample, current: Sample) -> StatResult:
    assert isinstance(reference, NumericSample) and isinstance(current, NumericSample)
    return StatResult(*ks_test(reference.values, current.values, presorted=True))


def _wasserstein(reference: Sample, current: Sample) -> StatResult:
    assert isinstance(reference, NumericSample) and isinstance(current, NumericSample)
    return StatResult(wasserstein_normed(reference.values, current.values, presorted=True))


def _on_counts(
    test: Callable[[np.ndarray, np.ndarray], tuple[float, float]],
) -> Callable[[Sample, Sample], StatResult]:
    def compute(reference: Sample, current: Sample) -> StatResult:
        counts = align_counts(reference, current)
        return StatResult(*test(counts.reference, counts.current))

    return compute


def _on_histograms(
    distance: Callable[[np.ndarray, np.ndarray], float],
) -> Callable[[Sample, Sample], StatResult]:
    def compute(reference: Sample, current: Sample) -> StatResult:
        counts = distribution_counts(reference, current)
        return StatResult(distance(counts.reference, counts.current))

    return compute


def _hypothesis_test(
    name: str,
    title: str,
    compute: Callable[[Sample, Sample], StatResult],
    *,
    numeric_only: bool = False,
) -> StatTest:
    return StatTest(name, title, True, P_VALUE_THRESHOLD, numeric_only, compute)


def _distance(
    name: str,
    title: str,
    compute: Callable[[Sample, Sample], StatResult],
    *,
    numeric_only: bool = False,
) -> StatTest:
    return StatTest(name, title, False, DISTANCE_THRESHOLD, numeric_only, compute)


TESTS: Mapping[str, StatTest] = MappingProxyType(
    {
        test.name: test
        for test in (
            _hypothesis_test("ks", "Kolmogorov–Smirnov p-value", _ks, numeric_only=True),
            _hypothesis_test("chisquare", "chi-square p-value", _on_counts(chi_square_test)),
            _hypothesis_test("z", "Z-test p-value", _on_counts(z_test)),
            _distance(
                "wasserstein", "Wasserstein distance (normed)", _wasserstein, numeric_only=True
            ),
            _distance("jensenshannon", "Jensen–Shannon distance", _on_histograms(jensen_shannon)),
            _distance("psi", "PSI", _on_histograms(psi)),
            _distance("hellinger", "Hellinger distance", _on_histograms(hellinger)),
            _distance("kl", "Kullback–Leibler divergence", _on_histograms(kl_divergence)),
        )
    }
)


def get_test(name: str) -> StatTest:
    """The registered test called ``name``.

    >>> get_test("psi").default_threshold
    0.1
    """
    try:
        return TESTS[name]
    except (KeyError, TypeError):
        raise ValueError(f"unknown drift test {name!r}; choose one of {list(TESTS)}") from None
