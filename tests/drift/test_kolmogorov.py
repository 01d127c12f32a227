"""The KS p-value reproduces scipy's distribution in every branch of its dispatch."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from workbench.drift._kolmogorov import kolmogorov_sf, ks_pvalue

# n*x^2 values that cross scipy's branches: DMTW/Pomeranz/Pelz-Good below 2.2, the
# Smirnov sum (vectorised here) from 2.2 to 370, zero above.
NX2 = [0.3, 1.0, 2.19, 2.2, 4.0, 30.0, 200.0, 369.0, 371.0]
CASES = [(n, nx2) for n in (3, 60, 140, 141, 1_000, 25_000) for nx2 in NX2 if nx2 < n]


@pytest.mark.parametrize(("n", "nx2"), CASES)
def test_kolmogorov_sf_equals_scipy_kstwo(n: int, nx2: float) -> None:
    x = math.sqrt(nx2 / n)
    assert math.isclose(kolmogorov_sf(n, x), stats.kstwo.sf(x, n), rel_tol=1e-9, abs_tol=1e-300)


@pytest.mark.parametrize("nx2", [2.5, 8.0])
def test_vectorised_smirnov_sum_holds_at_large_n(nx2: float) -> None:
    n = 150_000
    x = math.sqrt(nx2 / n)
    assert math.isclose(kolmogorov_sf(n, x), stats.kstwo.sf(x, n), rel_tol=1e-9)


@pytest.mark.parametrize(("n1", "n2"), [(10, 10), (37, 91), (10_000, 3), (10_001, 500)])
def test_ks_pvalue_picks_the_exact_or_asymptotic_distribution_like_ks_2samp(
    n1: int, n2: int
) -> None:
    rng = np.random.default_rng(n1 * n2)
    a, b = rng.normal(size=n1), rng.normal(0.4, size=n2)
    expected = stats.ks_2samp(a, b)
    statistic, p_value = ks_pvalue(float(stats.ks_2samp(a, b).statistic), n1, n2)
    assert statistic == pytest.approx(expected.statistic, rel=1e-15)
    assert math.isclose(p_value, expected.pvalue, rel_tol=1e-9)


def test_ks_pvalue_rejects_empty_samples() -> None:
    with pytest.raises(ValueError, match="positive"):
        ks_pvalue(0.5, 0, 3)
