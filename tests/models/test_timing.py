"""Save and load time of a 100-tree LightGBM model (target: 50 ms each; printed, not asserted).

Run with ``-s`` to see the figures.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import lightgbm as lgb
import numpy as np

from workbench.models.formats import load_model, save_model

REPEATS = 7


def test_a_100_tree_lightgbm_model_saves_and_loads_fast_and_unchanged(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(5_000, 20))
    y = (X[:, 0] + rng.normal(size=5_000) > 0).astype(int)
    model = lgb.LGBMClassifier(n_estimators=100, n_jobs=1, verbose=-1).fit(X, y)
    assert model.booster_.num_trees() == 100

    save_ms, load_ms = [], []
    for repeat in range(REPEATS):
        directory = tmp_path / str(repeat)
        start = time.perf_counter()
        save_model(model, directory)
        save_ms.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        loaded = load_model(directory)
        load_ms.append((time.perf_counter() - start) * 1000)
        np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))

    size_kb = (tmp_path / "0" / "model.txt").stat().st_size / 1024
    print(
        f"\n100-tree LGBMClassifier ({size_kb:.0f} KB): "
        f"save median {statistics.median(save_ms):.1f} ms (max {max(save_ms):.1f}), "
        f"load median {statistics.median(load_ms):.1f} ms (max {max(load_ms):.1f}); target 50 ms"
    )
