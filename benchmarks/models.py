"""Model registry benchmark: ``run.log_model`` + ``wb.models.load`` of a 100-tree
LightGBM model (target ≤ 50 ms each).

    .venv/bin/python benchmarks/models.py

Runs in a fresh temp project; prints the medians and writes ``benchmarks/models_results.json``.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "models_results.json"
REPEATS = 7


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="bench-models-") as home:
        os.environ["WORKBENCH_HOME"] = home
        os.environ.pop("WORKBENCH_DB_URL", None)
        import lightgbm as lgb
        import numpy as np

        import workbench as wb

        rng = np.random.default_rng(0)
        x = rng.normal(size=(5_000, 20))
        y = (x[:, 0] + rng.normal(size=5_000) > 0).astype(int)
        model = lgb.LGBMClassifier(n_estimators=100, n_jobs=1, verbose=-1).fit(x, y)
        wb.set_experiment("bench-models")
        with wb.start_run() as warm:  # first use pays imports and store creation
            warm.log_model(model, name="warm-up")
        wb.models.load("warm-up")

        log_ms, load_ms = [], []
        for _ in range(REPEATS):
            with wb.start_run() as run:
                begin = time.perf_counter()
                version = run.log_model(model, name="bench-lgbm")
                log_ms.append((time.perf_counter() - begin) * 1000)
            begin = time.perf_counter()
            loaded = wb.models.load(f"bench-lgbm/{version.version}")
            load_ms.append((time.perf_counter() - begin) * 1000)
            if not np.array_equal(loaded.predict_proba(x), model.predict_proba(x)):
                raise AssertionError("the loaded model predicts differently")
    result = {
        "log_model_ms": statistics.median(log_ms),
        "load_ms": statistics.median(load_ms),
        "all_log_model_ms": log_ms,
        "all_load_ms": load_ms,
    }
    ok = result["log_model_ms"] <= 50 and result["load_ms"] <= 50
    verdict = "PASS" if ok else "FAIL"
    print(
        f"log_model (save, pack, blob, register), 100-tree LightGBM: median "
        f"{result['log_model_ms']:.1f} ms | target ≤50 ms each | {verdict}"
    )
    print(f"load (resolve, verify sha256, unpack, rebuild): median {result['load_ms']:.1f} ms")
    RESULTS.write_text(json.dumps(result, indent=2))
    print(f"results written to {RESULTS}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
