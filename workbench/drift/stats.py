"""Drift statistics on numpy arrays: two-sample tests and distances between distributions.

Every function here equals its scipy (or Evidently) reference; the numeric hot paths work
on sorted arrays instead, so each column is sorted once per comparison and shared by the
tests (see :mod:`workbench.drift.samples`).

Conventions shared by all functions:

- Raw values: NaN and ±inf are dropped before testing (scipy would keep ±inf in a KS
  test). To report how many were dropped, prepare the column with
  :func:`workbench.drift.samples.numeric_sample`, which counts them.
- Counts and histograms: two aligned, non-negative arrays of the same length (see
  :func:`workbench.drift.samples.align_counts`); they are normalised here, so counts and
  proportions give the same result.
- A side with no valid value raises :class:`EmptySampleError` (a ``ValueError``); the
  caller turns it into the column status "empty". Constant columns, one-row samples,
  ties and huge values (1e300) are all valid input.

>>> import numpy as np
>>> ref, cur = np.arange(100.0), np.arange(100.0) + 50
>>> statistic, p_value = ks_test(ref, cur)
>>> round(statistic, 2), p_value < 0.05
(0.5, True)
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import numpy.typing as npt
from scipy import special, stats

from workbench.drift._chunks import CHUNK
from workbench.drift._kolmogorov import EXACT_MAX_N, exact_available, ks_pvalue

# Evidently's floor for the reference std in the normed Wasserstein distance: a constant
# reference still gives a finite score (0 when the current data equals it).
WASSERSTEIN_MIN_STD = 0.001
# Evidently's proportion for empty bins in PSI and KL (see fill_empty_bins).
EMPTY_BIN_PROPORTION = 1e-4
# Below this, squaring the values to compute a std could overflow float64.
_SAFE_SCALE = 1e150

Side = Literal["reference", "current"]


class EmptySampleError(ValueError):
    """One side of a comparison has no valid (finite, non-missing) value.

    >>> str(EmptySampleError("current"))
    'the current sample has no valid values (all missing, NaN or infinite)'
    """

    def __init__(self, side: Side) -> None:
        self.side = side
        super().__init__(f"the {side} sample has no valid values (all missing, NaN or infinite)")


def finite_sorted(
    values: npt.ArrayLike, *, overwrite: bool = False
) -> tuple[npt.NDArray[np.float64], int]:
    """The finite values sorted ascending, and how many NaN/±inf were dropped.

    ``overwrite=True`` lets a float64 array be sorted in place, saving a copy; only for
    temporaries the caller owns, never for a user's data.

    >>> finite_sorted([3.0, float("nan"), 1.0, float("inf")])
    (array([1., 3.]), 2)
    """
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 1:
        raise ValueError(f"expected a 1-D array of values, got shape {array.shape}")
    if overwrite and array.flags.writeable:
        array.sort()
    else:
        array = np.sort(array)
    # Sorting puts -inf first and +inf then NaN last: the finite values are one slice.
    low = int(np.searchsorted(array, -np.inf, side="right"))
    high = int(np.searchsorted(array, np.inf, side="left"))
    return array[low:high], int(array.size - (high - low))


def ks_test(
    reference: npt.ArrayLike, current: npt.ArrayLike, *, presorted: bool = False
) -> tuple[float, float]:
    """Two-sample Kolmogorov–Smirnov test: ``(statistic, p_value)``.

    Equals ``scipy.stats.ks_2samp(reference, current)`` (two-sided, ``method="auto"``:
    exact when both samples have at most 10,000 values, asymptotic otherwise).
    ``presorted=True`` promises both arrays are already sorted and finite, as
    ``NumericSample.values`` are, and skips that work.

    >>> ks_test([1.0, 2.0, 3.0], [1.0, 2.0, 3.0])
    (0.0, 1.0)
    """
    a, b = _numeric_pair(reference, current, presorted)
    statistic = _ks_statistic(a, b)
    if max(a.size, b.size) <= EXACT_MAX_N and not exact_available():
        result = stats.ks_2samp(a, b)
        return float(result.statistic), float(result.pvalue)
    return ks_pvalue(statistic, a.size, b.size)


def wasserstein_distance(
    reference: npt.ArrayLike, current: npt.ArrayLike, *, presorted: bool = False
) -> float:
    """First Wasserstein (earth mover's) distance, equal to ``scipy.stats.wasserstein_distance``.

    Computed as the area between the two quantile functions: each step of the larger
    sample overlaps at most two steps of the other, found by integer arithmetic, so
    sorted input needs no search and no merge.

    >>> wasserstein_distance([0.0, 1.0, 3.0], [5.0, 6.0, 8.0])
    5.0
    """
    a, b = _numeric_pair(reference, current, presorted)
    return _wasserstein_sorted(a, b)


def wasserstein_normed(
    reference: npt.ArrayLike, current: npt.ArrayLike, *, presorted: bool = False
) -> float:
    """Evidently's normed Wasserstein: the distance divided by ``max(std(reference), 0.001)``.

    The std is the population std (``ddof=0``), computed without overflow for huge values.
    A constant reference is divided by the 0.001 floor, as in Evidently.

    >>> wasserstein_normed([0.0, 2.0], [1.0, 3.0])
    1.0
    """
    a, b = _numeric_pair(reference, current, presorted)
    return _wasserstein_sorted(a, b) / max(_std(a), WASSERSTEIN_MIN_STD)


def chi_square_test(
    reference_counts: npt.ArrayLike, current_counts: npt.ArrayLike
) -> tuple[float, float]:
    """Evidently's chi-square goodness-of-fit test of current counts against the reference.

    Expected counts are the reference proportions times the current total, so the result
    equals ``scipy.stats.chisquare(current, reference / reference.sum() * current.sum())``
    over the aligned categories (the union of both sides; absent ones count 0):

    - a category seen only in the reference contributes its expected count;
    - a category seen only in the current data has expected count 0: the current data
      is impossible under the reference distribution, so the result is
      ``(inf, 0.0)`` (scipy's value, without its division-by-zero warning) — drift;
    - a single category on both sides has no degree of freedom: ``(0.0, 1.0)``, no drift
      (scipy returns a NaN p-value).

    >>> chi_square_test([50, 50], [50, 50])
    (0.0, 1.0)
    """
    ref, cur = _count_pair(reference_counts, current_counts)
    seen = (ref > 0) | (cur > 0)
    ref, cur = ref[seen], cur[seen]
    if ref.size == 1:
        return 0.0, 1.0
    if np.any((ref == 0) & (cur > 0)):
        return float("inf"), 0.0
    expected = ref / ref.sum() * cur.sum()
    statistic = float(np.sum((cur - expected) ** 2 / expected))
    return statistic, float(special.chdtrc(ref.size - 1, statistic))


def z_test(reference_counts: npt.ArrayLike, current_counts: npt.ArrayLike) -> tuple[float, float]:
    """Two-proportion Z-test as Evidently runs it: ``(z, two-sided p_value)``.

    The first category is compared with all the others pooled, so two categories are the
    usual case but more are accepted. ``z`` is positive when the other categories are more
    frequent in the reference. The p-value ``2 * Phi(-|z|)`` equals Evidently's
    ``2 * (1 - Phi(|z|))`` but keeps precision in the far tail; ``z**2`` and the p-value
    equal Pearson's chi-square on the 2x2 table without continuity correction. When both
    samples hold only the same single category, the result is ``(0.0, 1.0)``.

    >>> z_test([40, 60], [40, 60])
    (0.0, 1.0)
    """
    ref, cur = _count_pair(reference_counts, current_counts)
    # Like Evidently, the first category is the first one actually observed.
    seen = (ref > 0) | (cur > 0)
    ref, cur = ref[seen], cur[seen]
    n1, n2 = ref.sum(), cur.sum()
    others_ref, others_cur = n1 - ref[0], n2 - cur[0]
    pooled = (others_ref + others_cur) / (n1 + n2)
    variance = pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n2)
    if variance <= 0.0:
        return 0.0, 1.0
    z = float((others_ref / n1 - others_cur / n2) / np.sqrt(variance))
    return z, float(2.0 * special.ndtr(-abs(z)))


def jensen_shannon(
    reference_hist: npt.ArrayLike, current_hist: npt.ArrayLike, *, base: float | None = None
) -> float:
    """Jensen–Shannon distance, equal to ``scipy.spatial.distance.jensenshannon(p, q, base)``.

    The default natural logarithm (``base=None``, bounded by ``sqrt(ln 2)``) is what
    Evidently 0.7 uses (it calls scipy without a base), so its 0.1 drift threshold means
    the same here; ``base=2`` bounds the distance to [0, 1].

    >>> round(jensen_shannon([1, 0], [0, 1], base=2), 12)
    1.0
    """
    p, q = _proportions(reference_hist, current_hist)
    mixture = (p + q) / 2.0
    divergence = float(np.sum(special.rel_entr(p, mixture)) + np.sum(special.rel_entr(q, mixture)))
    if base is not None:
        divergence /= float(np.log(base))
    # Rounding can leave a -1e-17 for identical inputs; the distance is 0 there.
    return float(np.sqrt(max(divergence, 0.0) / 2.0))


def psi(reference_hist: npt.ArrayLike, current_hist: npt.ArrayLike) -> float:
    """Population stability index ``sum((r - c) * ln(r / c))`` over bin proportions.

    Empty bins get a small proportion first (:func:`fill_empty_bins`, Evidently's rule),
    so the index is finite; it is symmetric in its two arguments.

    >>> psi([10, 10], [10, 10])
    0.0
    """
    ref, cur = _proportions(reference_hist, current_hist)
    ref, cur = fill_empty_bins(ref), fill_empty_bins(cur)
    return float(np.sum((ref - cur) * np.log(ref / cur)))


def kl_divergence(reference_hist: npt.ArrayLike, current_hist: npt.ArrayLike) -> float:
    """Kullback–Leibler divergence ``KL(reference || current)`` in nats, as Evidently's.

    Empty bins are filled as in :func:`psi`, then both sides are renormalised: this equals
    ``scipy.stats.entropy(fill_empty_bins(ref), fill_empty_bins(cur))``.

    >>> kl_divergence([5, 5], [5, 5])
    0.0
    """
    ref, cur = _proportions(reference_hist, current_hist)
    ref, cur = fill_empty_bins(ref), fill_empty_bins(cur)
    return float(np.sum(special.rel_entr(ref / ref.sum(), cur / cur.sum())))


def hellinger(reference_hist: npt.ArrayLike, current_hist: npt.ArrayLike) -> float:
    """Hellinger distance ``sqrt(1 - sum(sqrt(p * q)))`` between two histograms, in [0, 1].

    Computed as ``||sqrt(p) - sqrt(q)||_2 / sqrt(2)``, the same number without the
    cancellation of ``1 - sum`` when the histograms are close.

    >>> hellinger([1, 0], [0, 1])
    1.0
    """
    p, q = _proportions(reference_hist, current_hist)
    return float(min(np.linalg.norm(np.sqrt(p) - np.sqrt(q)) / np.sqrt(2.0), 1.0))


def fill_empty_bins(proportions: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Replace zero proportions by a small one, as Evidently does before PSI and KL.

    The fill is 0.0001 (``EMPTY_BIN_PROPORTION``), or the smallest non-zero proportion
    divided by 1e6 when that one is already at or below 0.0001, so a filled bin stays
    far below every observed one. The result is not renormalised.

    >>> fill_empty_bins([0.5, 0.5, 0.0]).tolist()
    [0.5, 0.5, 0.0001]
    """
    filled = np.array(proportions, dtype=np.float64)
    empty = filled == 0
    if empty.any():
        smallest = float(filled[~empty].min())
        filled[empty] = smallest / 1e6 if smallest <= EMPTY_BIN_PROPORTION else EMPTY_BIN_PROPORTION
    return filled


def _numeric_pair(
    reference: npt.ArrayLike, current: npt.ArrayLike, presorted: bool
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    if presorted:
        a, b = np.asarray(reference, dtype=np.float64), np.asarray(current, dtype=np.float64)
    else:
        a, b = finite_sorted(reference)[0], finite_sorted(current)[0]
    if a.size == 0:
        raise EmptySampleError("reference")
    if b.size == 0:
        raise EmptySampleError("current")
    return a, b


def _count_pair(
    reference: npt.ArrayLike, current: npt.ArrayLike
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    ref = np.asarray(reference, dtype=np.float64)
    cur = np.asarray(current, dtype=np.float64)
    if ref.ndim != 1 or ref.shape != cur.shape:
        raise ValueError(
            f"counts must be two aligned 1-D arrays, got shapes {ref.shape} and {cur.shape}"
        )
    for side, counts in (("reference", ref), ("current", cur)):
        if not np.all(np.isfinite(counts)) or np.any(counts < 0):
            raise ValueError(f"{side} counts must be finite and non-negative")
    if ref.sum() == 0:
        raise EmptySampleError("reference")
    if cur.sum() == 0:
        raise EmptySampleError("current")
    return ref, cur


def _proportions(
    reference: npt.ArrayLike, current: npt.ArrayLike
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    ref, cur = _count_pair(reference, current)
    return ref / ref.sum(), cur / cur.sum()


def _ks_statistic(a: npt.NDArray[np.float64], b: npt.NDArray[np.float64]) -> float:
    """``max |F_a - F_b|`` over the distinct values of both sorted samples.

    The samples are merged window by window (a stable sort of two sorted runs is a linear
    merge); at the last copy of each distinct value the two counts below it give both
    ECDFs with ks_2samp's own floating-point operations, hence the same bits.
    """
    n1, n2 = a.size, b.size
    largest = 0.0
    a_start = b_start = 0
    # Windows of CHUNK values keep temporaries small (see workbench.drift._chunks).
    while a_start < n1 or b_start < n2:
        # A window ends at a value: every copy of it, from both samples, falls inside.
        edge = min(
            a[min(a_start + CHUNK, n1) - 1] if a_start < n1 else np.inf,
            b[min(b_start + CHUNK, n2) - 1] if b_start < n2 else np.inf,
        )
        a_stop = a_start + int(np.searchsorted(a[a_start:], edge, side="right"))
        b_stop = b_start + int(np.searchsorted(b[b_start:], edge, side="right"))
        merged = np.concatenate((a[a_start:a_stop], b[b_start:b_stop]))
        order = np.argsort(merged, kind="stable")
        below_a = np.cumsum(order < a_stop - a_start, dtype=np.int64)
        below_b = np.arange(1, order.size + 1) - below_a + b_start
        below_a += a_start
        values = merged[order]
        run_end = np.ones(order.size, dtype=bool)
        np.not_equal(values[1:], values[:-1], out=run_end[:-1])
        gaps = np.abs(below_a[run_end] / n1 - below_b[run_end] / n2)
        largest = max(largest, float(gaps.max()))
        a_start, b_start = a_stop, b_stop
    return largest


def _wasserstein_sorted(u: npt.NDArray[np.float64], v: npt.NDArray[np.float64]) -> float:
    """Area between the quantile functions of two sorted samples.

    With ``u`` the larger sample, the quantile step of each ``u_i``, ``(i/n, (i+1)/n]``,
    overlaps at most two steps of ``v``: ``v_j`` with ``j = floor(i m / n)``, then
    possibly ``v_(j+1)``. On the scale ``t * n * m`` the overlaps are integers.
    """
    if u.size < v.size:
        u, v = v, u
    n, m = u.size, v.size
    total = 0.0
    for start in range(0, n, CHUNK):
        i = np.arange(start, min(start + CHUNK, n), dtype=np.int64)
        j = i * m // n
        beyond = np.maximum((i + 1) * m - (j + 1) * n, 0)  # overlap with v_(j+1)
        u_part = u[start : start + i.size]
        total += float(np.dot(m - beyond, np.abs(u_part - v[j])))
        total += float(np.dot(beyond, np.abs(u_part - v[np.minimum(j + 1, m - 1)])))
    return total / (float(n) * float(m))


def _std(values: npt.NDArray[np.float64]) -> float:
    scale = max(abs(float(values[0])), abs(float(values[-1])))
    if scale > _SAFE_SCALE:
        # Squares of values near 1e300 overflow: take the std of the scaled values.
        return scale * float(np.std(values / scale))
    return float(np.std(values))
