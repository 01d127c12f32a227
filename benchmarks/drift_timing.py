"""Timing check for the drift statistics (not a test): ``python tests/drift/timing_check.py``.

Prints wall and CPU seconds for KS + Wasserstein on 200,000 x 20 numeric columns, ours
against scipy's ``ks_2samp`` + ``wasserstein_distance``, then the per-column work of a
default-rule comparison (infer kind, prepare, pick the test, run it) on 200,000 x 25
mixed columns; ``--large`` adds 1,000,000 x 100 numeric columns.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import numpy as np
import pandas as pd
from scipy import stats

from workbench.drift.columns import column_sample, infer_kind, select_test
from workbench.drift.registry import get_test
from workbench.drift.samples import numeric_sample
from workbench.drift.stats import ks_test, wasserstein_normed


@contextmanager
def timed(label: str) -> Iterator[None]:
    wall, cpu = time.perf_counter(), time.process_time()
    yield
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(f"{label:<58} {wall:7.2f} s wall {cpu:7.2f} s cpu")


def numeric_frames(rows: int, columns: int, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    # Half the columns drift a little (0.05 std): the slowest case for the KS p-value.
    shifts = np.where(np.arange(columns) % 2 == 0, 0.0, 0.05)
    reference = pd.DataFrame(
        rng.normal(size=(rows, columns)), columns=[f"x{i}" for i in range(columns)]
    )
    current = pd.DataFrame(rng.normal(size=(rows, columns)) + shifts, columns=reference.columns)
    return reference, current


def each_column(
    reference: pd.DataFrame, current: pd.DataFrame, work: Callable[[pd.Series, pd.Series], object]
) -> None:
    for name in reference.columns:
        work(reference[name], current[name])


def ours(ref: pd.Series, cur: pd.Series) -> None:
    a, b = numeric_sample(ref.to_numpy()), numeric_sample(cur.to_numpy())  # one sort each
    ks_test(a.values, b.values, presorted=True)
    wasserstein_normed(a.values, b.values, presorted=True)


def scipy_reference(ref: pd.Series, cur: pd.Series) -> None:
    a, b = ref.to_numpy(), cur.to_numpy()
    stats.ks_2samp(a, b)
    stats.wasserstein_distance(a, b) / max(np.std(a), 0.001)


def default_rule(ref: pd.Series, cur: pd.Series) -> None:
    kind = infer_kind(ref).kind
    a, b = column_sample(ref, kind), column_sample(cur, kind)
    criterion = select_test(kind, a)
    criterion.drifted(get_test(criterion.test).run(a, b))


def mixed_frames(rows: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    reference, current = numeric_frames(rows, 20)
    rng = np.random.default_rng(1)
    for i in range(5):
        labels = np.array([f"level-{k}" for k in range(3 + 10 * i)])
        reference[f"c{i}"] = rng.choice(labels, rows)
        current[f"c{i}"] = rng.choice(labels, rows)
    return reference, current


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--large", action="store_true", help="also run 1,000,000 x 100")
    large = parser.parse_args().large

    reference, current = numeric_frames(200_000, 20)
    each_column(reference, current, ours)  # warm-up: imports, first allocations
    with timed("200,000 x 20 numeric, KS + Wasserstein, workbench"):
        each_column(reference, current, ours)
    with timed("200,000 x 20 numeric, KS + Wasserstein, scipy"):
        each_column(reference, current, scipy_reference)

    reference, current = mixed_frames(200_000)
    with timed("200,000 x 25 mixed, default rule (20 Wasserstein + 5 JS)"):
        each_column(reference, current, default_rule)

    if large:
        reference, current = numeric_frames(1_000_000, 100)
        with timed("1,000,000 x 100 numeric, default rule (Wasserstein)"):
            each_column(reference, current, default_rule)


if __name__ == "__main__":
    main()
